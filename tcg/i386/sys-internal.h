/*
 * sys-internal.h: what the system helpers (seg_helper.c, excp_helper.c,
 * misc_helper.c) share and nobody else may include: guest memory access
 * that reports a fault instead of raising it, descriptor decoding, the
 * stack used by far calls, IRET and interrupt delivery.
 *
 * Why faults are returned rather than raised: interrupt delivery runs
 * outside generated code and must turn a fault into #DF or a triple fault
 * itself, and every multi-step instruction (IRET, far CALL, delivery)
 * must check everything before it changes any state, as the CPU does.
 * So each step checks (sys_probe, stack_check) and reports an X86Fault;
 * only then are the accesses made, through the softmmu (helper_ld/st_mmu,
 * which also invalidates translated code a store hits).  Helpers called
 * from generated code turn a reported fault into an exception at their
 * instruction with sys_raise().
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCG_I386_SYS_INTERNAL_H
#define TCG_I386_SYS_INTERNAL_H

#include "main/janus.h"
#include "hw/cpu.h"
#include "tcg/exec.h"
#include "tcg/softmmu.h"
#include "tcg/i386/helper.h"
#include "tcg/i386/translate.h"
#include "main/trace.h"

/* RFLAGS bits hw/cpu.h and translate.h do not name. */
#define RFLAGS_NT   (1ULL << 14)
#define RFLAGS_RF   (1ULL << 16)
#define RFLAGS_AC   (1ULL << 18)
#define RFLAGS_VIF  (1ULL << 19)
#define RFLAGS_VIP  (1ULL << 20)
#define RFLAGS_ID   (1ULL << 21)
#define RFLAGS_IOPL_SHIFT 12

/* Error code bits for selector and IDT faults. */
#define ERR_EXT     1u      /* event external to the program */
#define ERR_IDT     2u

/* Descriptor type values (S = 0, system) */
#define DESC_TSS16_AVAIL    0x1
#define DESC_LDT            0x2
#define DESC_TSS16_BUSY     0x3
#define DESC_CALL16         0x4
#define DESC_TASK_GATE      0x5
#define DESC_INT16          0x6
#define DESC_TRAP16         0x7
#define DESC_TSS_AVAIL      0x9     /* 32-bit, or 64-bit in long mode */
#define DESC_TSS_BUSY       0xb
#define DESC_CALL           0xc
#define DESC_INT            0xe
#define DESC_TRAP           0xf
/* Code/data type bits (S = 1) */
#define DESC_ACCESSED       0x1
#define DESC_W              0x2     /* data: writable */
#define DESC_R              0x2     /* code: readable */
#define DESC_E              0x4     /* data: expand-down */
#define DESC_C              0x4     /* code: conforming */
#define DESC_CODE           0x8

/*
 * A fault found by a check: what the CPU would raise.  vector -1 = none.
 * cr2 is only meaningful for #PF.
 */
typedef struct X86Fault {
    int vector;
    uint32_t error;
    bool has_error;
    uint64_t cr2;
} X86Fault;

static inline bool sys_fault(X86Fault *f, int vector, uint32_t error)
{
    f->vector = vector;
    f->error = error;
    f->has_error = true;
    f->cr2 = 0;
    return false;
}

static inline bool x86_pe(X86CPU *cpu)
{
    return cpu->cr0 & CR0_PE;
}

static inline bool x86_lma(X86CPU *cpu)
{
    return cpu->efer & EFER_LMA;
}

/* 64-bit mode (not compatibility mode) */
static inline bool x86_code64(X86CPU *cpu)
{
    return x86_lma(cpu) && (cpu->segs[R_CS].attr & SEG_ATTR_L);
}

/* The CPL as the frontend derives it for tb->flags: CS.RPL in protected
 * mode (kept equal to CS.DPL-or-conforming by every CS load). */
static inline int x86_cpl(X86CPU *cpu)
{
    return x86_pe(cpu) ? cpu->segs[R_CS].selector & 3 : 0;
}

static inline int x86_iopl(X86CPU *cpu)
{
    return (cpu->rflags >> RFLAGS_IOPL_SHIFT) & 3;
}

static inline int x86_data_mmu_idx(X86CPU *cpu)
{
    return x86_cpl(cpu) == 3 ? MMU_USER_IDX : MMU_KERNEL_IDX;
}

static inline bool is_canonical(uint64_t a)
{
    /* bits 63-47 all equal (shift unsigned first: no signed overflow) */
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* ---- Descriptors ---------------------------------------------------------
 * lo/hi are the two dwords of an 8-byte descriptor. */

static inline uint64_t desc_base(uint32_t lo, uint32_t hi)
{
    return (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
}

static inline uint32_t desc_limit(uint32_t lo, uint32_t hi)
{
    uint32_t limit = (lo & 0xffff) | (hi & 0x000f0000u);

    return (hi & (1u << 23)) ? (limit << 12) | 0xfff : limit;
}

/* SEG_ATTR_* layout: descriptor bits 40-55 >> 8, the limit nibble out. */
static inline uint16_t desc_attr(uint32_t hi)
{
    return (hi >> 8) & 0xf0ff;
}

static inline int attr_dpl(uint16_t attr)
{
    return (attr >> SEG_ATTR_DPL_SHIFT) & 3;
}

static inline int attr_type(uint16_t attr)
{
    return attr & SEG_ATTR_TYPE_MASK;
}

void seg_cache_set(SegmentCache *sc, uint16_t sel, uint32_t lo, uint32_t hi);

/* ---- Guest memory with reported faults (seg_helper.c) ------------------ */

/**
 * sys_linear: @addr as a linear address of @cpu's mode (32 bits wide
 * outside long mode).
 */
uint64_t sys_linear(X86CPU *cpu, uint64_t addr);

/**
 * sys_probe: would an access of @len bytes (1..16) at linear @addr with
 * @mmu_idx (MMU_KERNEL_IDX also for implicit supervisor accesses)
 * succeed?  Sets A/D bits as the CPU would.  On a page fault @f gets #PF
 * with CR2, on a non-canonical address #GP(0).
 */
bool sys_probe(X86CPU *cpu, uint64_t addr, unsigned len, bool write,
               int mmu_idx, X86Fault *f);

/** sys_read: probe then load @size (1, 2, 4, 8) bytes into *@val. */
bool sys_read(X86CPU *cpu, uint64_t addr, unsigned size, int mmu_idx,
              uintptr_t ra, uint64_t *val, X86Fault *f);
/** sys_write: probe then store @size bytes of @val. */
bool sys_write(X86CPU *cpu, uint64_t addr, unsigned size, int mmu_idx,
               uintptr_t ra, uint64_t val, X86Fault *f);
/** sys_ld / sys_st: the access alone, for addresses already probed. */
uint64_t sys_ld(X86CPU *cpu, uint64_t addr, unsigned size, int mmu_idx,
                uintptr_t ra);
void sys_st(X86CPU *cpu, uint64_t addr, unsigned size, int mmu_idx,
            uintptr_t ra, uint64_t val);

/** sys_raise: raise @f at the instruction of host address @ra (CR2 set
 * for #PF). */
_Noreturn void sys_raise(X86CPU *cpu, const X86Fault *f, uintptr_t ra);

/** desc_addr: the linear address of @sel's descriptor (@wide: 16
 * bytes); false when it is beyond the table or the LDT is unusable. */
bool desc_addr(X86CPU *cpu, uint16_t sel, bool wide, uint64_t *addr);

/**
 * load_desc: read the descriptor @sel names from the GDT or LDT.
 * @wide: read 16 bytes (system descriptors in long mode): *@hi2 gets
 *   bits 95-64 (base 63-32) and the upper type field must be zero.
 * @vec, @ext: the fault for an index beyond the table limit (or a
 *   selector into an unusable LDT): @vec(@sel & ~3 | @ext).
 */
bool load_desc(X86CPU *cpu, uint16_t sel, bool wide, uint32_t *lo,
               uint32_t *hi, uint32_t *hi2, int vec, uint32_t ext,
               uintptr_t ra, X86Fault *f);
/** set_desc_bits: OR @bits into the high dword of @sel's descriptor (the
 * accessed bit, the TSS busy bit) if they are not set already. */
bool set_desc_bits(X86CPU *cpu, uint16_t sel, uint32_t hi, uint32_t bits,
                   uintptr_t ra, X86Fault *f);

/* ---- Stacks ---------------------------------------------------------------
 * A stack being pushed to or popped from: a segment (its cache, possibly
 * not yet loaded into cpu->segs) and a stack pointer.  stack_check_*
 * verifies a whole frame (segment limit, paging) before any byte moves;
 * stack_push/pop then cannot fault. */
typedef struct SysStack {
    X86CPU *cpu;
    SegmentCache ss;
    uint64_t sp;            /* offset in the segment */
    uint64_t mask;          /* 0xffff, 0xffffffff or ~0 (64-bit) */
    int mmu_idx;
    uint32_t ss_err;        /* #SS error code on a limit violation */
    uintptr_t ra;
    uint64_t probed_page;   /* last page probed (cache), ~0 = none */
    bool probed_write;
} SysStack;

/** stack_init: the stack of segment @ss at @sp; @width 2, 4 or 8 selects
 * the pointer size (8 = 64-bit mode: no base, no limit). */
void stack_init(SysStack *s, X86CPU *cpu, const SegmentCache *ss,
                uint64_t sp, int width, int mmu_idx, uint32_t ss_err,
                uintptr_t ra);
bool stack_check_push(SysStack *s, unsigned n, unsigned size, X86Fault *f);
bool stack_check_pop(SysStack *s, unsigned n, unsigned size, X86Fault *f);
void stack_push(SysStack *s, uint64_t val, unsigned size);
uint64_t stack_pop(SysStack *s, unsigned size);
/** stack_set_sp: write the pointer back into RSP, changing only the
 * low bits the stack width covers. */
void stack_set_sp(SysStack *s);

/* ---- TSS ---------------------------------------------------------------- */

/**
 * tss_read: read @size bytes at offset @off of the current TSS (checked
 * against TR's limit: #TS(TR selector | @ext) beyond it).
 */
bool tss_read(X86CPU *cpu, uint32_t off, unsigned size, uint32_t ext,
              uintptr_t ra, uint64_t *val, X86Fault *f);

/**
 * load_stack_seg: check @sel as a stack segment for privilege level @pl
 * (a writable data segment with RPL = DPL = @pl, present) and decode it
 * into @ss, setting its accessed bit.
 * @vec, @ext: the fault for a bad selector or descriptor: #@vec(@ext)
 *   for a null one, else #@vec(@sel & ~3 | @ext); a missing one is #SS.
 *   Returns from an outer level use #GP, stacks from the TSS #TS.
 */
bool load_stack_seg(X86CPU *cpu, uint16_t sel, int pl, int vec, uint32_t ext,
                    uintptr_t ra, SegmentCache *ss, X86Fault *f);

/**
 * load_inner_stack: SS:rSP for privilege level @dpl from the legacy
 * TSS, checked as interrupt delivery and call gates do (#TS, #SS), with
 * the SS descriptor decoded into @ss.
 */
bool load_inner_stack(X86CPU *cpu, int dpl, uint32_t ext, uintptr_t ra,
                      SegmentCache *ss, uint64_t *sp, X86Fault *f);

/** x86_flags_writable: the RFLAGS bits IRET/POPF may change at @cpl
 * with @iopl, for an operand of @size bytes (VM, VIF, VIP never: VM86 is
 * not modelled). */
uint64_t x86_flags_writable(int cpl, int iopl, unsigned size);

/* ---- Interrupt delivery (excp_helper.c) ---------------------------------- */

/**
 * x86_deliver: one attempt to deliver @vector; on a fault nothing has
 * changed and @f says what went wrong.  @ext: ERR_EXT for events external
 * to the instruction stream (exceptions, hardware interrupts).
 */
bool x86_deliver(X86CPU *cpu, int vector, bool is_sw, uint32_t error_code,
                 bool has_error, uint64_t next_rip, X86Fault *f);

#endif
