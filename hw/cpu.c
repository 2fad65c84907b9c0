/*
 * cpu.c: the x86 CPU state both accelerators share: power-on reset, the
 * flat 32-bit boot state, and the "info registers" dump.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <cpuid.h>
#include <stdio.h>
#include <string.h>
#include "hw/cpu.h"
#include "hw/machine.h"

#define APIC_DEFAULT_BASE   0xfee00000ULL
#define APIC_BASE_BSP       (1ULL << 8)
#define APIC_BASE_ENABLE    (1ULL << 11)
#define PAT_POWER_ON        0x0007040600070406ULL
#define MISC_ENABLE_FAST_STRINGS 1ULL

/* Descriptor attributes of the power-on and flat segments. */
#define ATTR_CODE16_RESET   (SEG_ATTR_P | SEG_ATTR_S | 0xb)     /* 0x9b */
#define ATTR_DATA16_RESET   (SEG_ATTR_P | SEG_ATTR_S | 0x3)     /* 0x93 */
#define ATTR_LDT            (SEG_ATTR_P | 0x2)                  /* 0x82 */
#define ATTR_TSS_BUSY       (SEG_ATTR_P | 0xb)                  /* 0x8b */

/*
 * EDX after reset holds the processor signature (family/model/stepping,
 * CPUID.1:EAX).  Use the host's: KVM passes the host family through.
 */
static uint32_t cpu_reset_signature(void)
{
    unsigned a, b, c, d;

    if (!__get_cpuid(1, &a, &b, &c, &d)) {
        return 0x600;
    }
    return a;
}

X86CPU *x86_cpu_new(Machine *m, unsigned index)
{
    X86CPU *cpu = g_new0(X86CPU, 1);

    cpu->machine = m;
    cpu->index = index;
    cpu->apic_id = index;
    x86_cpu_reset(cpu);
    return cpu;
}

void x86_cpu_free(X86CPU *cpu)
{
    g_free(cpu);
}

static void seg_set(SegmentCache *sc, uint16_t sel, uint64_t base,
                    uint32_t limit, uint16_t attr)
{
    sc->selector = sel;
    sc->base = base;
    sc->limit = limit;
    sc->attr = attr;
}

/* Power-on state, Intel SDM vol. 3 table "IA-32 processor states
 * following power-up, reset or INIT". */
void x86_cpu_reset(X86CPU *cpu)
{
    X86CPU old = *cpu;

    /*
     * Architectural state is zero at power-on unless set below.  What is
     * not architectural (identity, threads, accelerator resources such as
     * TCG's TLB tables) survives: a field added to X86CPU that must
     * survive a reset belongs in this list.
     */
    memset(cpu, 0, sizeof(*cpu));
    cpu->machine = old.machine;
    cpu->index = old.index;
    cpu->apic_id = old.apic_id;
    cpu->thread = old.thread;
    cpu->accel = old.accel;
    cpu->tcg = old.tcg;
    memcpy(cpu->tlb_table, old.tlb_table, sizeof(cpu->tlb_table));
    cpu->reset_count = old.reset_count + 1;
    cpu->exception_index = -1;

    cpu->regs[R_EDX] = cpu_reset_signature();
    cpu->rip = 0xfff0;
    cpu->rflags = 0x2;
    seg_set(&cpu->segs[R_CS], 0xf000, 0xffff0000, 0xffff, ATTR_CODE16_RESET);
    for (int i = 0; i < 6; i++) {
        if (i != R_CS) {
            seg_set(&cpu->segs[i], 0, 0, 0xffff, ATTR_DATA16_RESET);
        }
    }
    seg_set(&cpu->ldt, 0, 0, 0xffff, ATTR_LDT);
    seg_set(&cpu->tr, 0, 0, 0xffff, ATTR_TSS_BUSY);
    cpu->gdt.limit = 0xffff;
    cpu->idt.limit = 0xffff;
    cpu->cr0 = CR0_CD | CR0_NW | CR0_ET;        /* 0x60000010 */
    cpu->dr[6] = 0xffff0ff0;
    cpu->dr[7] = 0x400;

    cpu->pat = PAT_POWER_ON;
    cpu->misc_enable = MISC_ENABLE_FAST_STRINGS;
    cpu->apic_base = APIC_DEFAULT_BASE | APIC_BASE_ENABLE |
                     (cpu->index == 0 ? APIC_BASE_BSP : 0);

    cpu->fpu.fcw = 0x37f;                       /* as after FNINIT */
    cpu->fpu.mxcsr = 0x1f80;

    /* Application processors wait for INIT-SIPI-SIPI. */
    cpu->halted = cpu->sipi_wait = cpu->index != 0;
    cpu->nmi_blocked = false;
    cpu->regs_dirty = true;
}

void x86_cpu_set_flat32(X86CPU *cpu)
{
    const uint16_t code = SEG_ATTR_G | SEG_ATTR_DB | SEG_ATTR_P |
                          SEG_ATTR_S | 0xb;     /* 0xc09b */
    const uint16_t data = SEG_ATTR_G | SEG_ATTR_DB | SEG_ATTR_P |
                          SEG_ATTR_S | 0x3;     /* 0xc093 */

    seg_set(&cpu->segs[R_CS], 0x10, 0, 0xffffffff, code);
    for (int i = 0; i < 6; i++) {
        if (i != R_CS) {
            seg_set(&cpu->segs[i], 0x18, 0, 0xffffffff, data);
        }
    }
    cpu->cr0 = (cpu->cr0 | CR0_PE) & ~CR0_PG;
    cpu->rflags = 0x2;                          /* IF clear */
    cpu->efer &= ~(EFER_LME | EFER_LMA);
    cpu->halted = cpu->sipi_wait = false;
    cpu->regs_dirty = true;
}

/* ---- "info registers" ------------------------------------------------ */

static bool cpu_long_mode(X86CPU *cpu)
{
    return cpu->efer & EFER_LMA;
}

static bool cpu_code64(X86CPU *cpu)
{
    return cpu_long_mode(cpu) && (cpu->segs[R_CS].attr & SEG_ATTR_L);
}

static void dump_seg(X86CPU *cpu, GString *out, const char *name,
                     const SegmentCache *sc)
{
    static const char *const sys32[16] = {
        "Reserved", "TSS16-avl", "LDT", "TSS16-busy",
        "CallGate16", "TaskGate", "IntGate16", "TrapGate16",
        "Reserved", "TSS32-avl", "Reserved", "TSS32-busy",
        "CallGate32", "Reserved", "IntGate32", "TrapGate32",
    };
    static const char *const sys64[16] = {
        "<hiword>", "Reserved", "LDT", "Reserved",
        "Reserved", "Reserved", "Reserved", "Reserved",
        "Reserved", "TSS64-avl", "Reserved", "TSS64-busy",
        "CallGate64", "Reserved", "IntGate64", "TrapGate64",
    };
    unsigned type = sc->attr & SEG_ATTR_TYPE_MASK;
    uint32_t flags = (uint32_t)sc->attr << 8;   /* descriptor word 2 */

    if (cpu_code64(cpu)) {
        g_string_append_printf(out, "%-3s=%04x %016" PRIx64 " %08x %08x",
                               name, sc->selector, sc->base, sc->limit,
                               flags);
    } else {
        g_string_append_printf(out, "%-3s=%04x %08x %08x %08x", name,
                               sc->selector, (uint32_t)sc->base, sc->limit,
                               flags);
    }
    if ((cpu->cr0 & CR0_PE) && (sc->attr & SEG_ATTR_P)) {
        g_string_append_printf(out, " DPL=%d ",
                               (sc->attr >> SEG_ATTR_DPL_SHIFT) & 3);
        if (!(sc->attr & SEG_ATTR_S)) {
            g_string_append(out, (cpu_long_mode(cpu) ? sys64 : sys32)[type]);
        } else if (type & 8) {          /* code */
            g_string_append_printf(out, "%s [%c%c%c]",
                (sc->attr & SEG_ATTR_L) ? "CS64" :
                (sc->attr & SEG_ATTR_DB) ? "CS32" : "CS16",
                (type & 4) ? 'C' : '-', (type & 2) ? 'R' : '-',
                (type & 1) ? 'A' : '-');
        } else {                        /* data */
            g_string_append_printf(out, "%s [%c%c%c]",
                ((sc->attr & SEG_ATTR_DB) || cpu_long_mode(cpu))
                    ? "DS  " : "DS16",
                (type & 4) ? 'E' : '-', (type & 2) ? 'W' : '-',
                (type & 1) ? 'A' : '-');
        }
    }
    g_string_append_c(out, '\n');
}

void x86_cpu_dump_state(X86CPU *cpu, GString *out)
{
    static const char *const seg_names[6] = {
        "ES", "CS", "SS", "DS", "FS", "GS",
    };
    static const char flag_chars[] = "DOSZAPC";
    static const int flag_bits[] = { 10, 11, 7, 6, 4, 2, 0 };
    uint32_t rfl = (uint32_t)cpu->rflags;
    char flags[8];
    int cpl = (cpu->segs[R_CS].attr >> SEG_ATTR_DPL_SHIFT) & 3;

    for (int i = 0; i < 7; i++) {
        flags[i] = (rfl >> flag_bits[i]) & 1 ? flag_chars[i] : '-';
    }
    flags[7] = 0;
    if (!(cpu->cr0 & CR0_PE)) {
        cpl = 0;
    } else if (cpu->rflags & (1ULL << 17)) {
        cpl = 3;                            /* virtual-8086 */
    }

    if (cpu_code64(cpu)) {
        const uint64_t *r = cpu->regs;

        g_string_append_printf(out,
            "RAX=%016" PRIx64 " RBX=%016" PRIx64 " RCX=%016" PRIx64
            " RDX=%016" PRIx64 "\n"
            "RSI=%016" PRIx64 " RDI=%016" PRIx64 " RBP=%016" PRIx64
            " RSP=%016" PRIx64 "\n"
            "R8 =%016" PRIx64 " R9 =%016" PRIx64 " R10=%016" PRIx64
            " R11=%016" PRIx64 "\n"
            "R12=%016" PRIx64 " R13=%016" PRIx64 " R14=%016" PRIx64
            " R15=%016" PRIx64 "\n"
            "RIP=%016" PRIx64 " RFL=%08x [%s] CPL=%d II=0 A20=1 SMM=0 "
            "HLT=%d\n",
            r[R_EAX], r[R_EBX], r[R_ECX], r[R_EDX],
            r[R_ESI], r[R_EDI], r[R_EBP], r[R_ESP],
            r[R_R8], r[R_R9], r[R_R10], r[R_R11],
            r[R_R12], r[R_R13], r[R_R14], r[R_R15],
            cpu->rip, rfl, flags, cpl, cpu->halted);
    } else {
        g_string_append_printf(out,
            "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n"
            "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n"
            "EIP=%08x EFL=%08x [%s] CPL=%d II=0 A20=1 SMM=0 HLT=%d\n",
            (uint32_t)cpu->regs[R_EAX], (uint32_t)cpu->regs[R_EBX],
            (uint32_t)cpu->regs[R_ECX], (uint32_t)cpu->regs[R_EDX],
            (uint32_t)cpu->regs[R_ESI], (uint32_t)cpu->regs[R_EDI],
            (uint32_t)cpu->regs[R_EBP], (uint32_t)cpu->regs[R_ESP],
            (uint32_t)cpu->rip, rfl, flags, cpl, cpu->halted);
    }
    for (int i = 0; i < 6; i++) {
        dump_seg(cpu, out, seg_names[i], &cpu->segs[i]);
    }
    dump_seg(cpu, out, "LDT", &cpu->ldt);
    dump_seg(cpu, out, "TR", &cpu->tr);

    if (cpu_long_mode(cpu)) {
        g_string_append_printf(out,
            "GDT=     %016" PRIx64 " %08x\n"
            "IDT=     %016" PRIx64 " %08x\n"
            "CR0=%08x CR2=%016" PRIx64 " CR3=%016" PRIx64 " CR4=%08x\n",
            cpu->gdt.base, cpu->gdt.limit, cpu->idt.base, cpu->idt.limit,
            (uint32_t)cpu->cr0, cpu->cr2, cpu->cr3, (uint32_t)cpu->cr4);
    } else {
        g_string_append_printf(out,
            "GDT=     %08x %08x\n"
            "IDT=     %08x %08x\n"
            "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n",
            (uint32_t)cpu->gdt.base, cpu->gdt.limit,
            (uint32_t)cpu->idt.base, cpu->idt.limit,
            (uint32_t)cpu->cr0, (uint32_t)cpu->cr2, (uint32_t)cpu->cr3,
            (uint32_t)cpu->cr4);
    }
    for (int i = 0; i < 4; i++) {
        g_string_append_printf(out, "DR%d=%016" PRIx64 " ", i, cpu->dr[i]);
    }
    g_string_append_printf(out, "\nDR6=%016" PRIx64 " DR7=%016" PRIx64 "\n",
                           cpu->dr[6], cpu->dr[7]);
    g_string_append_printf(out, "EFER=%016" PRIx64 "\n", cpu->efer);

    /* FPU: QEMU's monitor prints it too ("info registers" = CPU_DUMP_FPU). */
    {
        const X86FPUState *f = &cpu->fpu;
        unsigned top = (f->fsw >> 11) & 7;

        g_string_append_printf(out, "FCW=%04x FSW=%04x [ST=%d] FTW=%02x "
                               "MXCSR=%08x\n", f->fcw, f->fsw, top, f->ftw,
                               f->mxcsr);
        for (int i = 0; i < 8; i++) {
            uint64_t mant;
            uint16_t exp;

            memcpy(&mant, f->st[i], 8);
            memcpy(&exp, f->st[i] + 8, 2);
            g_string_append_printf(out, "FPR%d=%016" PRIx64 " %04x%s", i,
                                   mant, exp, (i & 1) ? "\n" : " ");
        }
        for (int i = 0; i < (cpu_long_mode(cpu) ? 16 : 8); i++) {
            uint64_t q[2];

            memcpy(q, f->xmm[i], 16);
            g_string_append_printf(out, "XMM%02d=%016" PRIx64 " %016" PRIx64
                                   "%s", i, q[1], q[0],
                                   (i & 1) ? "\n" : " ");
        }
    }
}
