/*
 * cpu.h: x86 CPU state shared by both accelerators.
 *
 * The loaders set it, KVM copies it to and from the kernel (sync_to/from),
 * TCG executes on it directly.  Field layout is ours, not KVM's.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_CPU_H
#define HW_CPU_H

#include <pthread.h>
#include "main/janus.h"

typedef struct Machine Machine;
typedef struct X86CPU X86CPU;

enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI,
       R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15 };
enum { R_ES, R_CS, R_SS, R_DS, R_FS, R_GS };

/* Segment attribute bits, in the layout of descriptor bits 40-55 >> 8
 * (type 0-3, S 4, DPL 5-6, P 7, AVL 12, L 13, D/B 14, G 15). */
#define SEG_ATTR_TYPE_MASK  0x000f
#define SEG_ATTR_S          0x0010
#define SEG_ATTR_DPL_SHIFT  5
#define SEG_ATTR_P          0x0080
#define SEG_ATTR_AVL        0x1000
#define SEG_ATTR_L          0x2000
#define SEG_ATTR_DB         0x4000
#define SEG_ATTR_G          0x8000

typedef struct SegmentCache {
    uint16_t selector;
    uint64_t base;
    uint32_t limit;         /* byte granular (G already applied) */
    uint16_t attr;          /* SEG_ATTR_* */
} SegmentCache;

typedef struct DescriptorTable {
    uint64_t base;
    uint16_t limit;
} DescriptorTable;

#define CR0_PE (1ULL << 0)
#define CR0_MP (1ULL << 1)
#define CR0_EM (1ULL << 2)
#define CR0_TS (1ULL << 3)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_WP (1ULL << 16)
#define CR0_AM (1ULL << 18)
#define CR0_NW (1ULL << 29)
#define CR0_CD (1ULL << 30)
#define CR0_PG (1ULL << 31)
#define CR4_PSE (1ULL << 4)
#define CR4_PAE (1ULL << 5)
#define CR4_PGE (1ULL << 7)
#define CR4_OSFXSR (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define EFER_SCE (1ULL << 0)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)
#define RFLAGS_CF (1ULL << 0)
#define RFLAGS_IF (1ULL << 9)
#define RFLAGS_IOPL (3ULL << 12)

typedef struct X86FPUState {
    uint16_t fcw, fsw;
    uint8_t ftw;            /* abridged tag word, as FXSAVE stores it */
    uint16_t fop;
    uint64_t fip, fdp;
    uint8_t st[8][16];      /* 80-bit registers in 16-byte slots */
    uint32_t mxcsr;
    uint8_t xmm[16][16];
} X86FPUState;

struct X86CPU {
    Machine *machine;
    unsigned index;             /* 0 = boot CPU */
    uint32_t apic_id;

    uint64_t regs[16];
    uint64_t rip;
    uint64_t rflags;
    SegmentCache segs[6];
    SegmentCache ldt, tr;
    DescriptorTable gdt, idt;
    uint64_t cr0, cr2, cr3, cr4, cr8;
    uint64_t efer;
    uint64_t dr[8];

    /* MSRs both accelerators keep */
    uint64_t star, lstar, cstar, fmask, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t pat, tsc, apic_base, misc_enable, tsc_aux;

    X86FPUState fpu;

    /* TCG only (unused under KVM): lazy condition codes (meaning defined
     * by tcg/i386: the last result and operands plus an operation kind,
     * materialized into rflags only when read), the softmmu TLB (tcg/tb.h:
     * generated code indexes tlb_table[mmu_idx] through env), and the
     * exception being raised. */
    uint64_t cc_dst, cc_src, cc_src2;
    uint32_t cc_op;
    struct TLBEntry *tlb_table[2];
    int exception_index;        /* -1 none */
    uint32_t exception_error_code;
    bool exception_has_error_code;
    int64_t tsc_offset;         /* guest TSC = clock_virtual_ns() + this
                                   (tcg/i386/misc_helper.c) */
    void *tcg;                  /* accel/tcg per-vCPU state */

    bool halted;                /* HLT or waiting for SIPI (APs) */
    bool sipi_wait;             /* AP after reset/INIT: only a SIPI wakes it */
    bool nmi_blocked;           /* TCG: from NMI delivery to the next IRET
                                   (SDM "Handling Multiple NMIs"); KVM keeps
                                   its own */
    unsigned reset_count;       /* bumped by x86_cpu_reset: accelerators
                                   reset their own per-CPU state (KVM:
                                   LAPIC, pending events, TSC) when it moves */
    bool regs_dirty;            /* userspace state newer than the accel's */
    volatile int exit_request;  /* set by kick; the vCPU loop clears it */
    pthread_t thread;
    void *accel;                /* the accelerator's per-vCPU data */
};

/** x86_cpu_new: a CPU in power-on state (real mode, CS:IP f000:fff0). */
X86CPU *x86_cpu_new(Machine *m, unsigned index);
void x86_cpu_free(X86CPU *cpu);
/** x86_cpu_reset: back to power-on state; APs wait for SIPI. */
void x86_cpu_reset(X86CPU *cpu);

/**
 * x86_cpu_set_flat32: 32-bit protected mode, flat 4 GiB CS/DS/ES/SS, paging
 * off, interrupts off: the state multiboot and 32-bit boot protocols want.
 */
void x86_cpu_set_flat32(X86CPU *cpu);

/** x86_cpu_dump_state: registers in QEMU's "info registers" layout. */
void x86_cpu_dump_state(X86CPU *cpu, GString *out);

/* ---- CPUID model -------------------------------------------------------- */

typedef struct CPUIDEntry {
    uint32_t function, index;
    bool significant_index;
    uint32_t eax, ebx, ecx, edx;
} CPUIDEntry;

/**
 * x86_cpuid_filter: restrict @host (e.g. KVM_GET_SUPPORTED_CPUID's table,
 * @n entries) to the CPU model named @model (NULL = "host"-like default),
 * fixing per-CPU fields (APIC ID, CPU count, vendor) for @cpu.  Writes at
 * most @max entries to @out, returns their number or -errno.
 */
int x86_cpuid_filter(const char *model, const CPUIDEntry *host, int n,
                     X86CPU *cpu, unsigned ncpus, CPUIDEntry *out, int max,
                     GError **errp);

#endif
