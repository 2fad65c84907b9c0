/*
 * test-tcg-system.c: TCG's system helpers on a vCPU that runs no code:
 * interrupt and exception delivery (long mode with stack switch, IST and
 * error codes; 32-bit protected mode; real mode), #DF escalation and the
 * triple fault, CPUID masking, the I/O permission bitmap, far jumps and
 * IRET with their descriptor checks, SYSCALL/SYSRET and the MSRs.
 *
 * Guest RAM holds page tables, a GDT, IDTs and TSSs built here; the
 * helpers reach it through the real softmmu.  A helper that raises a
 * guest exception leaves through cpu_loop_exit into catch_exc() below,
 * the way it leaves generated code into the exec loop.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <cpuid.h>
#include <setjmp.h>
#include <string.h>
#include "hw/cpu.h"
#include "memory/memory.h"
#include "tcg/exec.h"
#include "tcg/exec-internal.h"
#include "tcg/softmmu.h"
#include "tcg/i386/helper.h"
#include "tcg/i386/translate.h"
#include "guest-ram.h"

#define RAM_SIZE    (16 * MiB)

#define PML4        0x1000
#define PDPT        0x2000
#define PD          0x3000
#define GDT         0x10000
#define TSS64       0x11000
#define IDT64       0x12000
#define IDT32       0x13000
#define TSS32       0x14000
#define USTACK      0x70000
#define KSTACK      0x80000
#define ISTSTACK    0x90000
#define HANDLER     0x200000

/* selectors */
#define KCODE64     0x08
#define KDATA       0x10
#define UDATA       0x1b
#define UCODE64     0x23
#define TSS64_SEL   0x28
#define KCODE32     0x38
#define UCODE32     0x43
#define TSS32_SEL   0x48
#define NP_CODE     0x50
#define KCODE16     0x58
#define CALLGATE    0x60

/* attributes (SEG_ATTR_* layout) */
#define A_CODE64_K  0x209b
#define A_CODE64_U  0x20fb
#define A_CODE32_K  0xc09b
#define A_CODE32_U  0xc0fb
#define A_DATA_K    0xc093
#define A_DATA_U    0xc0f3

#define IF_FLAG     RFLAGS_IF

static MemoryRegion ram;
static X86CPU *cpu;

/* ---- Guest memory and tables ------------------------------------------- */

static uint64_t seg_desc(uint32_t base, uint32_t limit, uint16_t attr)
{
    uint32_t lo = (limit & 0xffff) | (base << 16);
    uint32_t hi = ((base >> 16) & 0xff) | ((uint32_t)(attr & 0xf0ff) << 8) |
                  (limit & 0xf0000) | (base & 0xff000000u);

    return lo | ((uint64_t)hi << 32);
}

static void set_gdt(uint16_t sel, uint64_t desc)
{
    put64(GDT + (sel & ~7), desc);
}

static void set_gate(uint64_t idt, bool lm, int vec, uint16_t sel,
                     uint64_t off, int type, int dpl, int ist, bool present)
{
    uint64_t lo = (off & 0xffff) | ((uint64_t)sel << 16) |
                  ((uint64_t)(ist | (type << 8) | (dpl << 13) |
                              (present << 15)) << 32) |
                  (((off >> 16) & 0xffff) << 48);

    if (lm) {
        put64(idt + vec * 16, lo);
        put64(idt + vec * 16 + 8, off >> 32);
    } else {
        put64(idt + vec * 8, lo);
    }
}

static void seg_load(SegmentCache *sc, uint16_t sel, uint16_t attr)
{
    sc->selector = sel;
    sc->base = 0;
    sc->limit = 0xffffffff;
    sc->attr = attr;
}

static void build_tables(void)
{
    memset(guest_ram, 0, 0x100000);
    /* identity map of the first 16 MiB, 2 MiB user pages */
    put64(PML4, PDPT | 7);
    put64(PDPT, PD | 7);
    for (int i = 0; i < 8; i++) {
        put64(PD + i * 8, ((uint64_t)i << 21) | 0x87);
    }
    set_gdt(KCODE64, seg_desc(0, 0xfffff, 0xa09b));
    set_gdt(KDATA, seg_desc(0, 0xfffff, 0xc093));
    set_gdt(UDATA, seg_desc(0, 0xfffff, 0xc0f3));
    set_gdt(UCODE64, seg_desc(0, 0xfffff, 0xa0fb));
    set_gdt(TSS64_SEL, seg_desc(TSS64, 0x67 + 0x2001, 0x89));
    put64(GDT + TSS64_SEL + 8, 0);
    set_gdt(KCODE32, seg_desc(0, 0xfffff, 0xc09b));
    set_gdt(UCODE32, seg_desc(0, 0xfffff, 0xc0fb));
    set_gdt(TSS32_SEL, seg_desc(TSS32, 0x67, 0x89));
    set_gdt(NP_CODE, seg_desc(0, 0xfffff, 0xa01b));  /* P clear */
    set_gdt(KCODE16, seg_desc(0, 0xffff, 0x009b));
    /* 64-bit TSS: RSP0 (misaligned on purpose: delivery aligns it), IST1,
     * I/O bitmap right after the header */
    put64(TSS64 + 4, KSTACK + 8);
    put64(TSS64 + 0x24, ISTSTACK);
    put16(TSS64 + 0x66, 0x68);
    memset(guest_ram + TSS64 + 0x68, 0xff, 0x2000);
    guest_ram[TSS64 + 0x68 + 0x80 / 8] &= ~1;        /* port 0x80 allowed */
    /* 32-bit TSS: ESP0/SS0 */
    put32(TSS32 + 4, KSTACK);
    put16(TSS32 + 8, KDATA);
}

/* Long mode at @cpl (64-bit code), interrupts enabled, CF set. */
static void setup_long(int cpl)
{
    build_tables();
    cpu->cr0 = CR0_PE | CR0_PG | CR0_ET;
    cpu->cr4 = CR4_PAE;
    cpu->cr3 = PML4;
    cpu->efer = EFER_LME | EFER_LMA | EFER_SCE;
    cpu->gdt = (DescriptorTable) { GDT, 0x67 };
    cpu->idt = (DescriptorTable) { IDT64, 256 * 16 - 1 };
    cpu->tr.selector = TSS64_SEL;
    cpu->tr.base = TSS64;
    cpu->tr.limit = 0x67 + 0x2001;
    cpu->tr.attr = 0x8b;
    cpu->ldt = (SegmentCache) { 0 };
    for (int i = 0; i < 6; i++) {
        seg_load(&cpu->segs[i], cpl ? UDATA : KDATA, cpl ? A_DATA_U
                                                          : A_DATA_K);
    }
    seg_load(&cpu->segs[R_CS], cpl ? UCODE64 : KCODE64,
             cpl ? A_CODE64_U : A_CODE64_K);
    cpu->regs[R_ESP] = cpl ? USTACK - 8 : 0x50008;
    cpu->rip = 0x400123;
    cpu->rflags = 0x2 | IF_FLAG | RFLAGS_CF;
    cpu->cc_op = CC_OP_EFLAGS;
    cpu->halted = false;
    cpu->exception_index = -1;
    tlb_flush(cpu);
}

/* 32-bit protected mode, paging off, at @cpl. */
static void setup_prot32(int cpl)
{
    setup_long(0);
    cpu->cr0 = CR0_PE | CR0_ET;
    cpu->cr4 = 0;
    cpu->efer = 0;
    cpu->idt = (DescriptorTable) { IDT32, 256 * 8 - 1 };
    cpu->tr.selector = TSS32_SEL;
    cpu->tr.base = TSS32;
    cpu->tr.limit = 0x67;
    for (int i = 0; i < 6; i++) {
        seg_load(&cpu->segs[i], cpl ? UDATA : KDATA, cpl ? A_DATA_U
                                                          : A_DATA_K);
    }
    seg_load(&cpu->segs[R_CS], cpl ? UCODE32 : KCODE32,
             cpl ? A_CODE32_U : A_CODE32_K);
    cpu->regs[R_ESP] = cpl ? USTACK : 0x50000;
    tlb_flush(cpu);
}

/* ---- Catching raised exceptions ------------------------------------------ */

typedef void TestFn(void *opaque);

/* Run @fn as if from generated code; returns the exception it raised
 * (-1 for none). */
static int catch_exc(TestFn *fn, void *opaque)
{
    TCGCPUState *t = tcg_cpu(cpu);

    cpu->exception_index = -1;
    t->in_exec = true;
    if (sigsetjmp(t->jmp_env, 0)) {
        t->in_exec = false;
        return cpu->exception_index;
    }
    fn(opaque);
    t->in_exec = false;
    return -1;
}

static void expect_exc(TestFn *fn, void *opaque, int vector, uint32_t err,
                       const char *what)
{
    int got = catch_exc(fn, opaque);

    g_assert_cmpint(got, ==, vector);
    if (vector >= 0) {
        g_assert_cmphex(cpu->exception_error_code, ==, err);
    }
    g_test_message("%s: exception %d error 0x%x", what, got,
                   got >= 0 ? cpu->exception_error_code : 0);
}

/* ---- Long mode delivery ---------------------------------------------------- */

static void test_long_cpl3_to_cpl0(void)
{
    uint64_t sp;

    setup_long(3);
    set_gate(IDT64, true, EXCP_PF, KCODE64, HANDLER, 0xe, 0, 0, true);
    cpu->cr2 = 0x1234;
    x86_cpu_do_interrupt(cpu, EXCP_PF, false, 0x6, true, 0);

    sp = KSTACK - 6 * 8;        /* RSP0 + 8 aligned down to KSTACK */
    g_assert_cmphex(cpu->segs[R_CS].selector, ==, KCODE64);
    g_assert_cmphex(cpu->rip, ==, HANDLER);
    g_assert_cmphex(cpu->segs[R_SS].selector, ==, 0);     /* null, RPL 0 */
    g_assert_cmphex(cpu->regs[R_ESP], ==, sp);
    g_assert_cmphex(get64(sp), ==, 0x6);                   /* error code */
    g_assert_cmphex(get64(sp + 8), ==, 0x400123);
    g_assert_cmphex(get64(sp + 16), ==, UCODE64);
    g_assert_cmphex(get64(sp + 24), ==, 0x2 | IF_FLAG | RFLAGS_CF);
    g_assert_cmphex(get64(sp + 32), ==, USTACK - 8);
    g_assert_cmphex(get64(sp + 40), ==, UDATA);
    g_assert_false(x86_compute_eflags(cpu) & IF_FLAG);     /* int gate */
    g_assert_true(x86_compute_eflags(cpu) & RFLAGS_CF);
    g_test_message("#PF from CPL3: RSP0 aligned to 0x%" PRIx64 ", 6-word "
                   "frame with error code, SS null, IF cleared", sp);
}

static void test_long_ist_and_trap_gate(void)
{
    setup_long(0);
    /* NMI on IST1, a trap gate: IF stays set; same CPL still switches */
    set_gate(IDT64, true, EXCP_NMI, KCODE64, HANDLER + 0x10, 0xf, 0, 1, true);
    x86_cpu_do_interrupt(cpu, EXCP_NMI, false, 0, false, 0);
    g_assert_cmphex(cpu->regs[R_ESP], ==, ISTSTACK - 40);
    g_assert_cmphex(cpu->segs[R_SS].selector, ==, KDATA);  /* unchanged */
    g_assert_cmphex(get64(ISTSTACK - 8), ==, KDATA);
    g_assert_cmphex(get64(ISTSTACK - 16), ==, 0x50008);
    g_assert_cmphex(get64(ISTSTACK - 40), ==, 0x400123);
    g_assert_true(x86_compute_eflags(cpu) & IF_FLAG);
    g_test_message("IST1 stack at CPL0, trap gate keeps IF");

    /* same CPL without IST: the current RSP, aligned down to 16 */
    setup_long(0);
    set_gate(IDT64, true, 0x40, KCODE64, HANDLER, 0xe, 0, 0, true);
    x86_cpu_do_interrupt(cpu, 0x40, false, 0, false, 0);
    g_assert_cmphex(cpu->regs[R_ESP], ==, 0x50000 - 40);
    g_assert_cmphex(get64(0x50000 - 40), ==, 0x400123);
    g_test_message("hardware vector 0x40 at CPL0: RSP 0x50008 -> frame at "
                   "0x%x", 0x50000 - 40);
}

static void test_long_softint(void)
{
    /* INT 0x80 from CPL3 through a DPL3 gate pushes the next rip */
    setup_long(3);
    set_gate(IDT64, true, 0x80, KCODE64, HANDLER, 0xe, 3, 0, true);
    x86_cpu_do_interrupt(cpu, 0x80, true, 0, false, 0x400125);
    g_assert_cmphex(get64(KSTACK - 40), ==, 0x400125);
    g_assert_cmphex(cpu->segs[R_CS].selector, ==, KCODE64);
    g_test_message("INT 0x80 via DPL3 gate: next rip pushed");

    /* through a DPL0 gate: #GP(0x80 * 8 + 2), delivered at the INT */
    setup_long(3);
    set_gate(IDT64, true, 0x80, KCODE64, HANDLER, 0xe, 0, 0, true);
    set_gate(IDT64, true, EXCP_GP, KCODE64, HANDLER + 0x100, 0xe, 0, 0,
             true);
    x86_cpu_do_interrupt(cpu, 0x80, true, 0, false, 0x400125);
    g_assert_cmphex(cpu->rip, ==, HANDLER + 0x100);
    g_assert_cmphex(get64(KSTACK - 48), ==, 0x80 * 8 + 2);
    g_assert_cmphex(get64(KSTACK - 40), ==, 0x400123);
    g_test_message("INT 0x80 via DPL0 gate at CPL3: #GP(0x402) at the INT");
}

static void test_double_and_triple_fault(void)
{
    /* #PF whose gate is not present: #NP (contributory) -> #DF */
    setup_long(3);
    set_gate(IDT64, true, EXCP_PF, KCODE64, HANDLER, 0xe, 0, 0, false);
    set_gate(IDT64, true, EXCP_DF, KCODE64, HANDLER + 0x800, 0xe, 0, 1,
             true);
    x86_cpu_do_interrupt(cpu, EXCP_PF, false, 0x4, true, 0);
    g_assert_cmphex(cpu->rip, ==, HANDLER + 0x800);
    g_assert_cmphex(cpu->regs[R_ESP], ==, ISTSTACK - 48);
    g_assert_cmphex(get64(ISTSTACK - 48), ==, 0);          /* #DF error */
    g_assert_cmphex(get64(ISTSTACK - 40), ==, 0x400123);
    g_test_message("#PF + #NP on its gate -> #DF on IST1 with error 0");

    /* #UD (benign) whose gate is absent: just #NP */
    setup_long(0);
    set_gate(IDT64, true, EXCP_UD, KCODE64, HANDLER, 0xe, 0, 0, false);
    set_gate(IDT64, true, EXCP_NP, KCODE64, HANDLER + 0x300, 0xe, 0, 0,
             true);
    x86_cpu_do_interrupt(cpu, EXCP_UD, false, 0, false, 0);
    g_assert_cmphex(cpu->rip, ==, HANDLER + 0x300);
    g_assert_cmphex(get64(cpu->regs[R_ESP]), ==, EXCP_UD * 8 + 2 + 1);
    g_test_message("#UD + #NP on its gate -> #NP(0x%x), no #DF",
                   EXCP_UD * 8 + 3);

    /* #GP with no #GP and no #DF gate: triple fault */
    setup_long(0);
    cpu->idt.limit = 0;
    x86_cpu_do_interrupt(cpu, EXCP_GP, false, 0, true, 0);
    g_assert_true(cpu->halted);
    g_assert_false(cpu->rflags & IF_FLAG);
    g_test_message("empty IDT: triple fault parks the vCPU (halted, IF=0)");
}

static void test_stack_fault_escalation(void)
{
    /* RSP0 points at an unmapped page: #PF delivery faults with #PF
     * while pushing -> #DF */
    setup_long(3);
    put64(TSS64 + 4, 0x40000000);           /* beyond the 16 MiB map */
    set_gate(IDT64, true, EXCP_PF, KCODE64, HANDLER, 0xe, 0, 0, true);
    set_gate(IDT64, true, EXCP_DF, KCODE64, HANDLER + 0x800, 0xe, 0, 1,
             true);
    x86_cpu_do_interrupt(cpu, EXCP_PF, false, 0x4, true, 0);
    g_assert_cmphex(cpu->rip, ==, HANDLER + 0x800);
    g_assert_cmphex(cpu->cr2, ==, 0x40000000 - 8);
    g_test_message("#PF pushing to an unmapped RSP0 -> #DF, CR2 = 0x%"
                   PRIx64, cpu->cr2);
}

/* ---- 32-bit and real mode -------------------------------------------------- */

static void test_prot32(void)
{
    setup_prot32(3);
    set_gate(IDT32, false, EXCP_GP, KCODE32, HANDLER, 0xe, 0, 0, true);
    x86_cpu_do_interrupt(cpu, EXCP_GP, false, 0x1230, true, 0);
    g_assert_cmphex(cpu->segs[R_CS].selector, ==, KCODE32);
    g_assert_cmphex(cpu->segs[R_SS].selector, ==, KDATA);
    g_assert_cmphex(cpu->regs[R_ESP], ==, KSTACK - 24);
    g_assert_cmphex(get32(KSTACK - 24), ==, 0x1230);
    g_assert_cmphex(get32(KSTACK - 20), ==, 0x400123);
    g_assert_cmphex(get32(KSTACK - 16), ==, UCODE32);
    g_assert_cmphex(get32(KSTACK - 12), ==, 0x2 | IF_FLAG | RFLAGS_CF);
    g_assert_cmphex(get32(KSTACK - 8), ==, USTACK);
    g_assert_cmphex(get32(KSTACK - 4), ==, UDATA);
    g_test_message("32-bit #GP from CPL3: SS0:ESP0 from the TSS, 6 dwords");

    setup_prot32(0);
    set_gate(IDT32, false, 0x30, KCODE32, HANDLER, 0xf, 0, 0, true);
    x86_cpu_do_interrupt(cpu, 0x30, false, 0, false, 0);
    g_assert_cmphex(cpu->regs[R_ESP], ==, 0x50000 - 12);
    g_assert_cmphex(get32(0x50000 - 12), ==, 0x400123);
    g_assert_true(cpu->rflags & IF_FLAG);
    g_test_message("32-bit trap gate at CPL0: 3 dwords on the same stack");
}

static void test_real_mode(void)
{
    setup_long(0);
    x86_cpu_reset(cpu);
    memset(guest_ram, 0, 0x1000);
    put64(0x10 * 4, 0x12345678);            /* IVT[0x10] = 1234:5678 */
    cpu->segs[R_CS].selector = 0x1000;
    cpu->segs[R_CS].base = 0x10000;
    cpu->segs[R_SS].base = 0x7000;
    cpu->regs[R_ESP] = 0x100;
    cpu->rip = 0x20;
    cpu->rflags = 0x2 | IF_FLAG;
    tlb_flush(cpu);
    x86_cpu_do_interrupt(cpu, 0x10, true, 0, false, 0x22);
    g_assert_cmphex(cpu->segs[R_CS].selector, ==, 0x1234);
    g_assert_cmphex(cpu->segs[R_CS].base, ==, 0x12340);
    g_assert_cmphex(cpu->rip, ==, 0x5678);
    g_assert_cmphex(cpu->regs[R_ESP], ==, 0xfa);
    g_assert_cmphex(get16(0x70fa), ==, 0x22);
    g_assert_cmphex(get16(0x70fc), ==, 0x1000);
    g_assert_cmphex(get16(0x70fe), ==, 0x2 | IF_FLAG);
    g_assert_false(cpu->rflags & IF_FLAG);
    g_test_message("real mode INT 0x10: IVT vector, FLAGS/CS/IP pushed");
}

/* ---- CPUID ---------------------------------------------------------------- */

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    cpu->regs[R_EAX] = leaf;
    cpu->regs[R_ECX] = sub;
    helper_cpuid(cpu);
    r[0] = cpu->regs[R_EAX];
    r[1] = cpu->regs[R_EBX];
    r[2] = cpu->regs[R_ECX];
    r[3] = cpu->regs[R_EDX];
}

static bool host_has_abm(void)
{
    unsigned a, b, c, d;

    return __get_cpuid(0x80000001, &a, &b, &c, &d) && (c & (1u << 5));
}

static void test_cpuid(void)
{
    uint32_t r[4];

    setup_long(0);
    cpuid(1, 0, r);
    g_assert_true(r[3] & (1u << 6));        /* PAE */
    g_assert_true(r[3] & (1u << 9));        /* APIC */
    g_assert_true(r[3] & (1u << 4));        /* TSC */
    g_assert_false(r[3] & (1u << 25));      /* SSE: not implemented */
    g_assert_false(r[3] & (1u << 0));       /* FPU: not implemented */
    g_assert_false(r[2] & (1u << 27));      /* OSXSAVE */
    g_assert_false(r[2] & (1u << 21));      /* x2APIC: hidden by "janus" */
    g_assert_true(r[2] & (1u << 31));       /* hypervisor */
    g_assert_cmpuint(r[1] >> 24, ==, cpu->apic_id);
    g_test_message("leaf 1: edx=0x%08x ecx=0x%08x", r[3], r[2]);
    cpuid(0x80000001, 0, r);
    g_assert_true(r[3] & (1u << 29));       /* LM */
    g_assert_true(r[3] & (1u << 20));       /* NX */
    g_assert_true(r[3] & (1u << 11));       /* SYSCALL */
    /* LZCNT (ABM) is implemented: offered when the host has it too */
    g_assert_cmpuint(!!(r[2] & (1u << 5)), ==, host_has_abm());
    g_test_message("leaf 0x80000001: edx=0x%08x ecx=0x%08x", r[3], r[2]);
    cpuid(7, 0, r);
    g_assert_cmphex(r[1] & ~(1u << 7), ==, 0);  /* at most SMEP */
    g_assert_cmphex(r[2], ==, 0);
    g_test_message("leaf 7: ebx=0x%08x", r[1]);
    cpu->apic_base &= ~(1ULL << 11);
    cpuid(1, 0, r);
    g_assert_false(r[3] & (1u << 9));
    cpu->apic_base |= 1ULL << 11;
    g_test_message("CPUID.1:EDX.APIC follows IA32_APIC_BASE.EN");
}

/* ---- Port I/O ------------------------------------------------------------------- */

static uint64_t io_last_write;
static unsigned io_writes;

static uint64_t io_read(void *opaque, hwaddr addr, unsigned size)
{
    (void)opaque;
    (void)size;
    return 0x5a + addr;
}

static void io_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)size;
    io_last_write = data;
    io_writes++;
}

static const MemoryRegionOps io_ops = {
    .read = io_read,
    .write = io_write,
};

static uint32_t io_port, io_val;

static void do_in(void *opaque)
{
    io_val = helper_in(cpu, io_port, GPOINTER_TO_UINT(opaque));
}

static void do_out(void *opaque)
{
    helper_out(cpu, io_port, 0xab, GPOINTER_TO_UINT(opaque));
}

static void test_io_permissions(void)
{
    setup_long(3);
    io_port = 0x80;
    expect_exc(do_in, GUINT_TO_POINTER(1), -1, 0,
               "inb 0x80 at CPL3, bitmap allows it");
    g_assert_cmphex(io_val, ==, 0x5a);
    io_writes = 0;
    expect_exc(do_out, GUINT_TO_POINTER(1), -1, 0, "outb 0x80 at CPL3");
    g_assert_cmpuint(io_writes, ==, 1);
    g_assert_cmphex(io_last_write, ==, 0xab);
    expect_exc(do_in, GUINT_TO_POINTER(2), EXCP_GP, 0,
               "inw 0x80 at CPL3: port 0x81 denied");
    io_port = 0x3f8;
    io_writes = 0;
    expect_exc(do_out, GUINT_TO_POINTER(1), EXCP_GP, 0,
               "outb 0x3f8 at CPL3, bitmap denies it");
    g_assert_cmpuint(io_writes, ==, 0);
    cpu->rflags |= RFLAGS_IOPL;
    expect_exc(do_out, GUINT_TO_POINTER(1), -1, 0, "outb 0x3f8 with IOPL 3");
    g_assert_cmpuint(io_writes, ==, 1);
    cpu->rflags &= ~RFLAGS_IOPL;
    cpu->tr.limit = 0x67 + 0x80 / 8 - 1;
    io_port = 0x80;
    expect_exc(do_in, GUINT_TO_POINTER(1), EXCP_GP, 0,
               "inb 0x80 with the bitmap beyond the TSS limit");
    setup_long(0);
    io_port = 0x3f8;
    expect_exc(do_in, GUINT_TO_POINTER(4), -1, 0, "inl 0x3f8 at CPL0");
}

/* ---- Far jumps, IRET, segment loads ------------------------------------------------ */

static uint32_t far_sel;

static void do_ljmp(void *opaque)
{
    (void)opaque;
    helper_ljmp(cpu, far_sel, 0x1000, 0);
}

static void do_load_fs(void *opaque)
{
    (void)opaque;
    helper_load_seg(cpu, R_FS, far_sel);
}

static void do_iretq(void *opaque)
{
    (void)opaque;
    helper_iret(cpu, 2, 0);
}

static void push_iret_frame(uint64_t rip, uint64_t cs, uint64_t fl,
                            uint64_t rsp, uint64_t ss)
{
    uint64_t sp = cpu->regs[R_ESP] - 40;

    put64(sp, rip);
    put64(sp + 8, cs);
    put64(sp + 16, fl);
    put64(sp + 24, rsp);
    put64(sp + 32, ss);
    cpu->regs[R_ESP] = sp;
}

static void test_far_jmp_and_segs(void)
{
    setup_long(0);
    far_sel = KCODE32;
    expect_exc(do_ljmp, NULL, -1, 0, "ljmp to a 32-bit code segment");
    g_assert_cmphex(cpu->segs[R_CS].selector, ==, KCODE32);
    g_assert_cmphex(cpu->rip, ==, 0x1000);
    setup_long(0);
    far_sel = KDATA;
    expect_exc(do_ljmp, NULL, EXCP_GP, KDATA, "ljmp to a data segment");
    far_sel = NP_CODE;
    expect_exc(do_ljmp, NULL, EXCP_NP, NP_CODE,
               "ljmp to a not-present code segment");
    far_sel = 0;
    expect_exc(do_ljmp, NULL, EXCP_GP, 0, "ljmp to the null selector");
    setup_long(3);
    far_sel = KCODE64;
    expect_exc(do_ljmp, NULL, EXCP_GP, KCODE64,
               "ljmp from CPL3 to a DPL0 code segment");

    setup_long(3);
    far_sel = 0x1230;
    expect_exc(do_load_fs, NULL, EXCP_GP, 0x1230,
               "mov fs, 0x1230 beyond the GDT limit");
    far_sel = KDATA;
    expect_exc(do_load_fs, NULL, EXCP_GP, KDATA,
               "mov fs, a DPL0 data segment at CPL3");
    far_sel = UDATA;
    expect_exc(do_load_fs, NULL, -1, 0, "mov fs, a DPL3 data segment");
    g_assert_cmphex(cpu->segs[R_FS].selector, ==, UDATA);
    g_assert_cmphex(cpu->segs[R_FS].attr, ==, A_DATA_U);
    far_sel = 0;
    expect_exc(do_load_fs, NULL, -1, 0, "mov fs, null");
    g_assert_false(cpu->segs[R_FS].attr & SEG_ATTR_P);
}

static void test_iret(void)
{
    /* iretq from CPL0 to CPL3: pops SS:RSP, data segments nulled */
    setup_long(0);
    push_iret_frame(0x401000, UCODE64, 0x2 | IF_FLAG | RFLAGS_IOPL |
                    CC_Z, USTACK - 16, UDATA);
    cpu->segs[R_DS].selector = KDATA;
    expect_exc(do_iretq, NULL, -1, 0, "iretq to CPL3");
    g_assert_cmphex(cpu->segs[R_CS].selector, ==, UCODE64);
    g_assert_cmphex(cpu->segs[R_SS].selector, ==, UDATA);
    g_assert_cmphex(cpu->regs[R_ESP], ==, USTACK - 16);
    g_assert_cmphex(cpu->rip, ==, 0x401000);
    g_assert_cmphex(cpu->segs[R_DS].selector, ==, 0);
    g_assert_true(x86_compute_eflags(cpu) & CC_Z);
    g_assert_true(x86_compute_eflags(cpu) & IF_FLAG);
    g_assert_cmphex(x86_compute_eflags(cpu) & RFLAGS_IOPL, ==, RFLAGS_IOPL);
    g_assert_cmpint(cpu->cc_op, ==, CC_OP_EFLAGS);

    /* at CPL3 IOPL and IF (CPL > IOPL) cannot change */
    setup_long(3);
    push_iret_frame(0x401000, UCODE64, 0x2 | RFLAGS_IOPL, USTACK, UDATA);
    expect_exc(do_iretq, NULL, -1, 0, "iretq at CPL3 with IOPL/IF in frame");
    g_assert_cmphex(cpu->rflags & (RFLAGS_IOPL | IF_FLAG), ==, IF_FLAG);

    /* to a more privileged CS: #GP(selector) */
    setup_long(3);
    push_iret_frame(0x401000, KCODE64, 0x2, KSTACK, KDATA);
    expect_exc(do_iretq, NULL, EXCP_GP, KCODE64, "iretq from CPL3 to CPL0");
    g_assert_cmphex(cpu->segs[R_CS].selector, ==, UCODE64);  /* unchanged */

    /* SS RPL different from CS RPL: #GP(SS) */
    setup_long(0);
    push_iret_frame(0x401000, UCODE64, 0x2, USTACK, KDATA);
    expect_exc(do_iretq, NULL, EXCP_GP, KDATA, "iretq with SS.RPL != CS.RPL");

    /* non-canonical rip: #GP(0) */
    setup_long(0);
    push_iret_frame(0x0000800000000000ULL, UCODE64, 0x2, USTACK, UDATA);
    expect_exc(do_iretq, NULL, EXCP_GP, 0, "iretq to a non-canonical rip");
}

static void do_lcall_gate(void *opaque)
{
    (void)opaque;
    helper_lcall(cpu, CALLGATE | 3, 0, 1, 0x401005);
}

static void do_lret8(void *opaque)
{
    (void)opaque;
    helper_lret(cpu, 1, 8);
}

static void test_call_gate(void)
{
    uint32_t sp;

    /* 32-bit call gate, DPL3, to a DPL0 code segment, copying 2 dwords */
    setup_prot32(3);
    put64(GDT + CALLGATE, 0x3000 | ((uint64_t)KCODE32 << 16) |
          ((uint64_t)(2 | (0xc << 8) | (3 << 13) | (1 << 15)) << 32));
    cpu->regs[R_ESP] = USTACK - 8;
    put32(USTACK - 8, 0x11111111);
    put32(USTACK - 4, 0x22222222);
    expect_exc(do_lcall_gate, NULL, -1, 0, "lcall through a call gate");
    sp = KSTACK - 24;
    g_assert_cmphex(cpu->segs[R_CS].selector, ==, KCODE32);
    g_assert_cmphex(cpu->rip, ==, 0x3000);
    g_assert_cmphex(cpu->segs[R_SS].selector, ==, KDATA);
    g_assert_cmphex(cpu->regs[R_ESP], ==, sp);
    g_assert_cmphex(get32(sp), ==, 0x401005);
    g_assert_cmphex(get32(sp + 4), ==, UCODE32);
    g_assert_cmphex(get32(sp + 8), ==, 0x11111111);
    g_assert_cmphex(get32(sp + 12), ==, 0x22222222);
    g_assert_cmphex(get32(sp + 16), ==, USTACK - 8);
    g_assert_cmphex(get32(sp + 20), ==, UDATA);
    g_test_message("call gate to CPL0: stack from the TSS, 2 parameters "
                   "copied");

    /* back with lret 8: pops the parameters on both stacks */
    cpu->segs[R_DS].selector = KDATA;
    cpu->segs[R_DS].attr = A_DATA_K;
    expect_exc(do_lret8, NULL, -1, 0, "lret 8 to CPL3");
    g_assert_cmphex(cpu->segs[R_CS].selector, ==, UCODE32);
    g_assert_cmphex(cpu->rip, ==, 0x401005);
    g_assert_cmphex(cpu->segs[R_SS].selector, ==, UDATA);
    g_assert_cmphex(cpu->regs[R_ESP], ==, USTACK);
    g_assert_cmphex(cpu->segs[R_DS].selector, ==, 0);
    g_test_message("lret 8 to CPL3: outer stack restored, DS (DPL0) "
                   "nulled");

    /* a DPL0 gate is out of reach from CPL3 */
    setup_prot32(3);
    put64(GDT + CALLGATE, 0x3000 | ((uint64_t)KCODE32 << 16) |
          ((uint64_t)((0xc << 8) | (1 << 15)) << 32));
    expect_exc(do_lcall_gate, NULL, EXCP_GP, CALLGATE,
               "lcall through a DPL0 call gate from CPL3");
}

/* ---- SYSCALL/SYSRET, MSRs, CR writes ---------------------------------------------------- */

static void do_sysret(void *opaque)
{
    (void)opaque;
    helper_sysret(cpu, 2);
}

static uint32_t msr_index;
static uint64_t msr_value;

static void do_wrmsr(void *opaque)
{
    (void)opaque;
    cpu->regs[R_ECX] = msr_index;
    cpu->regs[R_EAX] = (uint32_t)msr_value;
    cpu->regs[R_EDX] = msr_value >> 32;
    helper_wrmsr(cpu);
}

static void do_rdmsr(void *opaque)
{
    (void)opaque;
    cpu->regs[R_ECX] = msr_index;
    helper_rdmsr(cpu);
}

static void test_syscall_msrs(void)
{
    setup_long(3);
    cpu->star = ((uint64_t)0x10 << 48) | ((uint64_t)KCODE64 << 32);
    cpu->lstar = 0xffffffff81000000ULL;
    cpu->fmask = IF_FLAG | RFLAGS_DF;
    cpu->rflags |= RFLAGS_DF;
    helper_syscall(cpu, 0x400130);
    g_assert_cmphex(cpu->segs[R_CS].selector, ==, KCODE64);
    g_assert_cmphex(cpu->segs[R_SS].selector, ==, KDATA);
    g_assert_cmphex(cpu->rip, ==, 0xffffffff81000000ULL);
    g_assert_cmphex(cpu->regs[R_ECX], ==, 0x400130);
    g_assert_cmphex(cpu->regs[R_R11], ==,
                    0x2 | IF_FLAG | RFLAGS_CF | RFLAGS_DF);
    g_assert_cmphex(cpu->rflags & (IF_FLAG | RFLAGS_DF), ==, 0);
    g_test_message("syscall: CS/SS from STAR, RIP = LSTAR, R11 = RFLAGS, "
                   "FMASK applied");
    expect_exc(do_sysret, NULL, -1, 0, "sysretq");
    g_assert_cmphex(cpu->segs[R_CS].selector, ==, 0x10 + 16 + 3);
    g_assert_cmphex(cpu->segs[R_SS].selector, ==, 0x10 + 8 + 3);
    g_assert_cmphex(cpu->rip, ==, 0x400130);
    g_assert_true(cpu->rflags & IF_FLAG);
    expect_exc(do_sysret, NULL, EXCP_GP, 0, "sysretq at CPL3");

    setup_long(0);
    msr_index = 0xc0000100;                 /* FS_BASE */
    msr_value = 0x7f0000001000ULL;
    expect_exc(do_wrmsr, NULL, -1, 0, "wrmsr FS_BASE");
    g_assert_cmphex(cpu->segs[R_FS].base, ==, msr_value);
    msr_value = 0x800000000000ULL;
    expect_exc(do_wrmsr, NULL, EXCP_GP, 0, "wrmsr FS_BASE non-canonical");
    msr_index = 0x277;                      /* PAT with a reserved type */
    msr_value = 0x0007040600070402ULL;
    expect_exc(do_wrmsr, NULL, EXCP_GP, 0, "wrmsr PAT with type 2");
    msr_index = 0x12345678;
    expect_exc(do_rdmsr, NULL, EXCP_GP, 0, "rdmsr of an unknown MSR");
    msr_index = 0xc0000080;
    expect_exc(do_rdmsr, NULL, -1, 0, "rdmsr EFER");
    g_assert_cmphex(cpu->regs[R_EAX], ==, EFER_LME | EFER_LMA | EFER_SCE);
    msr_value = EFER_SCE | EFER_NXE | EFER_LMA;     /* LME off, PG on */
    expect_exc(do_wrmsr, NULL, EXCP_GP, 0, "wrmsr EFER clearing LME with "
               "paging on");
    setup_long(3);
    expect_exc(do_rdmsr, NULL, EXCP_GP, 0, "rdmsr at CPL3");
}

static void do_write_cr4(void *opaque)
{
    helper_write_cr(cpu, 4, GPOINTER_TO_UINT(opaque));
}

static void test_control_regs(void)
{
    setup_long(0);
    expect_exc(do_write_cr4, GUINT_TO_POINTER(0), EXCP_GP, 0,
               "clearing CR4.PAE in long mode");
    expect_exc(do_write_cr4, GUINT_TO_POINTER(CR4_PAE | (1u << 18)), EXCP_GP,
               0, "setting CR4.OSXSAVE (XSAVE not advertised)");
    expect_exc(do_write_cr4, GUINT_TO_POINTER(CR4_PAE | CR4_PGE), -1, 0,
               "setting CR4.PGE");
    g_assert_cmphex(cpu->cr4, ==, CR4_PAE | CR4_PGE);
}

int main(int argc, char **argv)
{
    MemoryRegion *io = g_new0(MemoryRegion, 1);
    MemoryRegion *io2 = g_new0(MemoryRegion, 1);

    g_test_init(&argc, &argv, NULL);
    memory_init();
    guest_ram_add(&ram, "ram", RAM_SIZE);
    memory_region_init_io(io, &io_ops, NULL, "test-port80", 2);
    memory_region_add_subregion(get_system_io(), 0x80, io);
    memory_region_init_io(io2, &io_ops, NULL, "test-com1", 8);
    memory_region_add_subregion(get_system_io(), 0x3f8, io2);

    cpu = x86_cpu_new(NULL, 0);
    tcg_cpu_state_init(cpu);

    g_test_add_func("/tcg-system/long/cpl3-to-cpl0", test_long_cpl3_to_cpl0);
    g_test_add_func("/tcg-system/long/ist-trap-gate",
                    test_long_ist_and_trap_gate);
    g_test_add_func("/tcg-system/long/softint", test_long_softint);
    g_test_add_func("/tcg-system/long/double-triple-fault",
                    test_double_and_triple_fault);
    g_test_add_func("/tcg-system/long/stack-fault",
                    test_stack_fault_escalation);
    g_test_add_func("/tcg-system/prot32", test_prot32);
    g_test_add_func("/tcg-system/real-mode", test_real_mode);
    g_test_add_func("/tcg-system/cpuid", test_cpuid);
    g_test_add_func("/tcg-system/io-permissions", test_io_permissions);
    g_test_add_func("/tcg-system/far-jmp-segs", test_far_jmp_and_segs);
    g_test_add_func("/tcg-system/iret", test_iret);
    g_test_add_func("/tcg-system/call-gate", test_call_gate);
    g_test_add_func("/tcg-system/syscall-msrs", test_syscall_msrs);
    g_test_add_func("/tcg-system/control-regs", test_control_regs);
    return g_test_run();
}
