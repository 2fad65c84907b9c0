/*
 * test-apic.c: TCG's local APIC model (hw/intc/apic.c), driven the way the
 * TCG exec loop and helpers drive it: xAPIC MMIO through address_space_rw
 * with a chosen current_cpu, x2APIC MSRs, MSIs, the PIC's INTR line, and
 * the timers on the virtual clock.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/cpu.h"
#include "hw/intc/apic.h"
#include "hw/intc/i8259.h"
#include "hw/intc/ioapic.h"
#include "main/main-loop.h"
#include "hw-test.h"

#define NCPUS   3
#define MS      1000000LL

#define A_ID        0x020
#define A_VERSION   0x030
#define A_TPR       0x080
#define A_APR       0x090
#define A_PPR       0x0a0
#define A_EOI       0x0b0
#define A_LDR       0x0d0
#define A_DFR       0x0e0
#define A_SVR       0x0f0
#define A_ISR       0x100
#define A_TMR       0x180
#define A_IRR       0x200
#define A_ESR       0x280
#define A_ICR_LO    0x300
#define A_ICR_HI    0x310
#define A_LVT_TIMER 0x320
#define A_LVT_LINT0 0x350
#define A_LVT_LINT1 0x360
#define A_LVT_ERROR 0x370
#define A_INITIAL   0x380
#define A_CURRENT   0x390
#define A_DCR       0x3e0

static Machine *m;
static unsigned kicks[NCPUS];

static void test_kick(X86CPU *cpu)
{
    if (cpu->index < NCPUS) {
        kicks[cpu->index]++;
    }
}

static const AccelOps test_accel = {
    .name = "test-apic",
    .deliver_msi = apic_deliver_msi,
    .set_extint = apic_set_extint,
};

static X86CPU *cpu(unsigned i)
{
    return m->cpus[i];
}

/* MMIO as vCPU @i (i < 0: as a device, no current CPU). */
static uint32_t rd(int i, hwaddr off)
{
    uint32_t v = 0xdeadbeef;

    current_cpu = i < 0 ? NULL : cpu(i);
    address_space_read(&address_space_memory, APIC_DEFAULT_ADDRESS + off,
                       MEMTXATTRS_UNSPECIFIED, &v, 4);
    current_cpu = NULL;
    return v;
}

static void wr(int i, hwaddr off, uint32_t v)
{
    current_cpu = i < 0 ? NULL : cpu(i);
    address_space_write(&address_space_memory, APIC_DEFAULT_ADDRESS + off,
                        MEMTXATTRS_UNSPECIFIED, &v, 4);
    current_cpu = NULL;
}

static bool irr_has(int i, int vector)
{
    return rd(i, A_IRR + (vector / 32) * 0x10) & (1u << (vector % 32));
}

static bool isr_has(int i, int vector)
{
    return rd(i, A_ISR + (vector / 32) * 0x10) & (1u << (vector % 32));
}

static bool tmr_has(int i, int vector)
{
    return rd(i, A_TMR + (vector / 32) * 0x10) & (1u << (vector % 32));
}

static void send_ipi(int from, uint8_t dest, uint32_t icr)
{
    wr(from, A_ICR_HI, (uint32_t)dest << 24);
    wr(from, A_ICR_LO, icr);
}

/* Acknowledge and EOI whatever @i has, so the next test starts clean. */
static void drain(int i)
{
    int v;

    while ((v = apic_get_interrupt(cpu(i))) >= 0) {
        wr(i, A_EOI, 0);
    }
}

/* Every test starts from power-on CPUs and devices, APICs enabled. */
static void reset_all(void)
{
    for (unsigned i = 0; i < NCPUS; i++) {
        x86_cpu_reset(cpu(i));
    }
    machine_reset(m);
    for (unsigned i = 0; i < NCPUS; i++) {
        wr(i, A_SVR, 0x1ff);
        kicks[i] = 0;
    }
}

static void test_mmio_registers(void)
{
    reset_all();
    for (unsigned i = 0; i < NCPUS; i++) {
        g_assert_cmphex(rd(i, A_ID), ==, i << 24);
        g_assert_cmphex(rd(i, A_VERSION), ==, 0x50014);
        g_assert_cmphex(rd(i, A_DFR), ==, 0xffffffff);
        g_assert_cmphex(rd(i, A_LVT_TIMER), ==, 0x10000);
        /* the boot CPU's LINT0 is ExtINT, as the BIOS leaves it */
        g_assert_cmphex(rd(i, A_LVT_LINT0), ==, i == 0 ? 0x700 : 0x10000);
        g_assert_cmphex(rd(i, A_LVT_LINT1), ==, 0x10000);
    }
    g_test_message("IDs 0..%d in bits 24-31, version 0x50014, LVTs masked "
                   "but the BSP's LINT0 (ExtINT)", NCPUS - 1);

    /* per-CPU view: the same address reaches a different APIC */
    wr(0, A_TPR, 0x20);
    wr(1, A_TPR, 0x70);
    g_assert_cmphex(rd(0, A_TPR), ==, 0x20);
    g_assert_cmphex(rd(1, A_TPR), ==, 0x70);
    g_assert_cmphex(rd(1, A_PPR), ==, 0x70);
    g_assert_cmphex(apic_get_cr8(cpu(1)), ==, 7);
    apic_set_cr8(cpu(1), 3);
    g_assert_cmphex(rd(1, A_TPR), ==, 0x30);
    g_test_message("TPR per CPU: cpu0 0x20, cpu1 0x70 -> CR8 7; CR8 3 -> "
                   "TPR 0x30");

    /* read-only registers ignore writes; LDR keeps bits 24-31 only */
    wr(0, A_VERSION, 0);
    g_assert_cmphex(rd(0, A_VERSION), ==, 0x50014);
    wr(0, A_LDR, 0x12345678);
    g_assert_cmphex(rd(0, A_LDR), ==, 0x12000000);
    wr(0, A_DFR, 0x0);
    g_assert_cmphex(rd(0, A_DFR), ==, 0x0fffffff);
    wr(0, A_DFR, 0xffffffff);

    /* a byte read inside a register */
    {
        uint8_t b = 0;

        current_cpu = cpu(0);
        address_space_read(&address_space_memory,
                           APIC_DEFAULT_ADDRESS + A_VERSION + 2,
                           MEMTXATTRS_UNSPECIFIED, &b, 1);
        current_cpu = NULL;
        g_assert_cmphex(b, ==, 0x05);
    }

    /* SVR: software disable masks LVTs and keeps them masked */
    wr(0, A_LVT_LINT0, 0x700);
    g_assert_cmphex(rd(0, A_LVT_LINT0), ==, 0x700);
    wr(0, A_SVR, 0xff);
    g_assert_cmphex(rd(0, A_LVT_LINT0), ==, 0x10700);
    wr(0, A_LVT_LINT0, 0x700);
    g_assert_cmphex(rd(0, A_LVT_LINT0), ==, 0x10700);
    wr(0, A_SVR, 0x1ff);
    g_assert_cmphex(rd(0, A_SVR), ==, 0x1ff);

    /* a hole: illegal register address in ESR after the ESR write */
    wr(0, 0x040, 1);
    wr(0, A_ESR, 0);
    g_assert_cmphex(rd(0, A_ESR), ==, 0x80);
    wr(0, A_ESR, 0);
    g_assert_cmphex(rd(0, A_ESR), ==, 0);
    g_test_message("RO writes ignored, byte reads, SVR masking, ESR 0x80 "
                   "for a hole");
}

static void test_ipi_fixed_eoi(void)
{
    reset_all();
    send_ipi(0, 1, 0x4040);         /* fixed, physical, assert, vec 0x40 */
    g_assert_true(irr_has(1, 0x40));
    g_assert_false(irr_has(0, 0x40));
    g_assert_false(tmr_has(1, 0x40));
    g_assert_cmpuint(apic_pending(cpu(1)) & APIC_EV_INTR, !=, 0);
    g_assert_cmpuint(apic_pending(cpu(0)), ==, 0);
    g_assert_cmpuint(kicks[1], ==, 1);
    g_assert_cmphex(rd(0, A_ICR_LO) & (1u << 12), ==, 0);   /* idle */
    g_assert_true(apic_has_interrupt(cpu(1)));
    g_assert_cmpint(apic_get_interrupt(cpu(1)), ==, 0x40);
    g_assert_false(irr_has(1, 0x40));
    g_assert_true(isr_has(1, 0x40));
    g_assert_cmphex(rd(1, A_PPR), ==, 0x40);
    g_assert_false(apic_has_interrupt(cpu(1)));
    g_assert_cmpint(apic_get_interrupt(cpu(1)), ==, -1);
    wr(1, A_EOI, 0);
    g_assert_false(isr_has(1, 0x40));
    g_assert_cmphex(rd(1, A_PPR), ==, 0);
    g_test_message("IPI 0x40 0->1: IRR, pending flag, kick; ack -> ISR, "
                   "PPR 0x40; EOI clears");

    /* shorthands: self, all including self, all excluding self */
    wr(2, A_ICR_LO, 0x44041);       /* self */
    g_assert_true(irr_has(2, 0x41));
    g_assert_false(irr_has(0, 0x41) || irr_has(1, 0x41));
    wr(2, A_ICR_LO, 0x84042);       /* all incl. self */
    g_assert_true(irr_has(0, 0x42) && irr_has(1, 0x42) && irr_has(2, 0x42));
    wr(2, A_ICR_LO, 0xc4043);       /* all excl. self */
    g_assert_true(irr_has(0, 0x43) && irr_has(1, 0x43));
    g_assert_false(irr_has(2, 0x43));
    g_test_message("shorthands self / all / others reach the right APICs");

    /* logical flat and cluster destinations */
    drain(0);
    drain(1);
    drain(2);
    wr(0, A_LDR, 0x01000000);
    wr(1, A_LDR, 0x02000000);
    wr(2, A_LDR, 0x04000000);
    send_ipi(0, 0x06, 0x4850);      /* logical, dest bits 1|2 */
    g_assert_false(irr_has(0, 0x50));
    g_assert_true(irr_has(1, 0x50) && irr_has(2, 0x50));
    for (int i = 0; i < NCPUS; i++) {
        wr(i, A_DFR, 0x0fffffff);   /* cluster model */
    }
    wr(0, A_LDR, 0x11000000);       /* cluster 1, member 1 */
    wr(1, A_LDR, 0x12000000);       /* cluster 1, member 2 */
    wr(2, A_LDR, 0x21000000);       /* cluster 2, member 1 */
    send_ipi(0, 0x11, 0x4851);
    g_assert_true(irr_has(0, 0x51));
    g_assert_false(irr_has(1, 0x51) || irr_has(2, 0x51));
    send_ipi(0, 0x21, 0x4852);
    g_assert_true(irr_has(2, 0x52));
    g_assert_false(irr_has(0, 0x52) || irr_has(1, 0x52));
    /* lowest priority: the lowest APIC ID among the matches */
    send_ipi(2, 0x13, 0x4953);
    g_assert_true(irr_has(0, 0x53));
    g_assert_false(irr_has(1, 0x53));
    g_test_message("logical flat 0x06 -> cpus 1,2; cluster 0x11 -> cpu0, "
                   "0x21 -> cpu2; lowest priority 0x13 -> cpu0");
}

static void test_tpr_ppr(void)
{
    reset_all();
    wr(0, A_TPR, 0x60);
    send_ipi(1, 0, 0x4050);
    g_assert_true(irr_has(0, 0x50));
    g_assert_false(apic_has_interrupt(cpu(0)));
    g_assert_cmpuint(apic_pending(cpu(0)) & APIC_EV_INTR, ==, 0);
    g_assert_cmphex(rd(0, A_APR), ==, 0x60);
    wr(0, A_TPR, 0x50);             /* same class: still masked */
    g_assert_false(apic_has_interrupt(cpu(0)));
    apic_set_cr8(cpu(0), 4);
    g_assert_true(apic_has_interrupt(cpu(0)));
    g_assert_cmpuint(apic_pending(cpu(0)) & APIC_EV_INTR, !=, 0);
    g_assert_cmpint(apic_get_interrupt(cpu(0)), ==, 0x50);
    g_assert_cmphex(rd(0, A_PPR), ==, 0x50);
    g_test_message("TPR 0x60/0x50 hold vector 0x50 back, CR8 4 lets it in; "
                   "PPR 0x50 in service");

    send_ipi(1, 0, 0x4055);         /* same class as in service: waits */
    send_ipi(1, 0, 0x4061);         /* higher class: nests */
    g_assert_cmpint(apic_get_interrupt(cpu(0)), ==, 0x61);
    g_assert_false(apic_has_interrupt(cpu(0)));
    wr(0, A_EOI, 0);                /* EOIs 0x61 */
    g_assert_false(isr_has(0, 0x61));
    g_assert_true(isr_has(0, 0x50));
    g_assert_false(apic_has_interrupt(cpu(0)));
    wr(0, A_EOI, 0);                /* EOIs 0x50 */
    g_assert_cmpint(apic_get_interrupt(cpu(0)), ==, 0x55);
    wr(0, A_EOI, 0);
    g_assert_cmphex(rd(0, A_PPR), ==, 0x40);
    g_test_message("nesting: 0x61 over 0x50, 0x55 after both EOIs");
}

static void ioapic_reg(uint32_t idx, uint32_t val)
{
    uint32_t v = idx;

    address_space_write(&address_space_memory, IOAPIC_DEFAULT_BASE,
                        MEMTXATTRS_UNSPECIFIED, &v, 4);
    address_space_write(&address_space_memory, IOAPIC_DEFAULT_BASE + 0x10,
                        MEMTXATTRS_UNSPECIFIED, &val, 4);
}

static void test_level_eoi(void)
{
    reset_all();
    /* pin 9: level, vector 0x71, physical dest 1 */
    ioapic_reg(0x10 + 2 * 9 + 1, 1u << 24);
    ioapic_reg(0x10 + 2 * 9, 0x8071);
    ioapic_set_irq(m->ioapic, 9, 1);
    g_assert_true(irr_has(1, 0x71));
    g_assert_true(tmr_has(1, 0x71));
    g_assert_cmpint(apic_get_interrupt(cpu(1)), ==, 0x71);
    /* line still high: the EOI broadcast makes the IOAPIC send again */
    wr(1, A_EOI, 0);
    g_assert_true(irr_has(1, 0x71));
    g_assert_cmpint(apic_get_interrupt(cpu(1)), ==, 0x71);
    ioapic_set_irq(m->ioapic, 9, 0);
    wr(1, A_EOI, 0);
    g_assert_false(irr_has(1, 0x71));
    g_assert_false(tmr_has(1, 0x71));
    g_test_message("level vector 0x71: TMR set, EOI -> IOAPIC re-delivers "
                   "while the line is high, not after");

    /* pin 10: level, lowest priority, logical flat dest 0x06 (cpus 1, 2) */
    wr(1, A_LDR, 0x02000000);
    wr(2, A_LDR, 0x04000000);
    ioapic_reg(0x10 + 2 * 10 + 1, 0x06u << 24);
    ioapic_reg(0x10 + 2 * 10, 0x8000 | 0x800 | 0x100 | 0x72);
    ioapic_set_irq(m->ioapic, 10, 1);
    g_assert_true(irr_has(1, 0x72) && tmr_has(1, 0x72));
    g_assert_false(irr_has(2, 0x72));
    g_assert_cmpint(apic_get_interrupt(cpu(1)), ==, 0x72);
    ioapic_set_irq(m->ioapic, 10, 0);
    wr(1, A_EOI, 0);
    ioapic_set_irq(m->ioapic, 10, 1);   /* remote IRR was cleared */
    g_assert_true(irr_has(1, 0x72));
    ioapic_set_irq(m->ioapic, 10, 0);
    drain(1);
    g_test_message("level lowest-priority 0x72 -> cpu1 (lowest ID of 1,2), "
                   "its EOI clears the IOAPIC's remote IRR");
}

/* Run the main loop until @cond holds or @limit_ms of virtual time pass. */
#define WAIT_FOR(cond, limit_ms)                                           \
    do {                                                                   \
        int64_t end_ = clock_virtual_ns() + (limit_ms) * MS;               \
        while (!(cond) && clock_virtual_ns() < end_) {                     \
            main_loop_iterate(MS);                                         \
        }                                                                  \
    } while (0)

static void test_timer_oneshot_periodic(void)
{
    int64_t t0, t1;
    uint32_t c1, c2;
    int fired = 0;

    reset_all();
    vm_clock_set_running(true);
    wr(0, A_DCR, 0xb);              /* divide by 1: 1 ns per count */
    wr(0, A_LVT_TIMER, 0x30);       /* one-shot, vector 0x30 */
    t0 = clock_virtual_ns();
    wr(0, A_INITIAL, 20 * MS);
    c1 = rd(0, A_CURRENT);
    g_assert_cmpuint(c1, <=, 20 * MS);
    g_assert_cmpuint(c1, >, 0);
    WAIT_FOR(irr_has(0, 0x30), 2000);
    t1 = clock_virtual_ns();
    g_assert_true(irr_has(0, 0x30));
    g_assert_cmpint(t1 - t0, >=, 20 * MS);
    g_assert_cmpuint(rd(0, A_CURRENT), ==, 0);
    g_assert_cmpint(apic_get_interrupt(cpu(0)), ==, 0x30);
    wr(0, A_EOI, 0);
    main_loop_iterate(30 * MS);     /* one-shot: no second expiry */
    g_assert_false(irr_has(0, 0x30));
    g_test_message("one-shot 20 ms (count %u at start) fired after %.1f ms, "
                   "current count 0, no repeat", c1, (t1 - t0) / 1e6);

    /* divide by 2: 5,000,000 counts take 10 ms */
    wr(0, A_DCR, 0x0);
    t0 = clock_virtual_ns();
    wr(0, A_INITIAL, 5000000);
    c2 = rd(0, A_CURRENT);
    g_assert_cmpuint(c2, <=, 5000000);
    WAIT_FOR(irr_has(0, 0x30), 2000);
    g_assert_true(irr_has(0, 0x30));
    g_assert_cmpint(clock_virtual_ns() - t0, >=, 10 * MS);
    drain(0);

    /* periodic 5 ms: several expiries */
    wr(0, A_DCR, 0xb);
    wr(0, A_LVT_TIMER, 0x20031);
    t0 = clock_virtual_ns();
    wr(0, A_INITIAL, 5 * MS);
    while (fired < 4 && clock_virtual_ns() - t0 < 2000 * MS) {
        WAIT_FOR(irr_has(0, 0x31), 100);
        if (apic_get_interrupt(cpu(0)) == 0x31) {
            fired++;
            wr(0, A_EOI, 0);
        }
    }
    t1 = clock_virtual_ns();
    g_assert_cmpint(fired, ==, 4);
    g_assert_cmpint(t1 - t0, >=, 20 * MS);
    g_assert_cmpuint(rd(0, A_CURRENT), <=, 5 * MS);
    g_assert_cmpuint(rd(0, A_CURRENT), >, 0);
    /* masking stops deliveries, not the count */
    wr(0, A_LVT_TIMER, 0x30031);
    WAIT_FOR(false, 20);
    g_assert_false(irr_has(0, 0x31));
    wr(0, A_INITIAL, 0);            /* stop */
    g_assert_cmpuint(rd(0, A_CURRENT), ==, 0);
    g_test_message("periodic 5 ms: 4 expiries in %.1f ms; masked: none; "
                   "initial 0 stops", (t1 - t0) / 1e6);
    vm_clock_set_running(false);
}

static void test_tsc_deadline(void)
{
    uint64_t v = 1;
    int64_t t0;

    reset_all();
    vm_clock_set_running(true);
    /* outside TSC-deadline mode the MSR reads 0 and ignores writes */
    g_assert_cmpint(apic_msr_write(cpu(0), MSR_IA32_TSC_DEADLINE, 5), ==, 0);
    g_assert_cmpint(apic_msr_read(cpu(0), MSR_IA32_TSC_DEADLINE, &v), ==, 0);
    g_assert_cmpuint(v, ==, 0);

    wr(0, A_LVT_TIMER, 0x40032);    /* TSC-deadline, vector 0x32 */
    wr(0, A_INITIAL, 1000);         /* ignored in this mode */
    g_assert_cmpuint(rd(0, A_INITIAL), ==, 0);
    t0 = clock_virtual_ns();
    /* default TSC: the virtual clock in ns */
    g_assert_cmpint(apic_msr_write(cpu(0), MSR_IA32_TSC_DEADLINE,
                                   t0 + 10 * MS), ==, 0);
    apic_msr_read(cpu(0), MSR_IA32_TSC_DEADLINE, &v);
    g_assert_cmpuint(v, ==, t0 + 10 * MS);
    WAIT_FOR(irr_has(0, 0x32), 2000);
    g_assert_true(irr_has(0, 0x32));
    g_assert_cmpint(clock_virtual_ns(), >=, t0 + 10 * MS);
    apic_msr_read(cpu(0), MSR_IA32_TSC_DEADLINE, &v);
    g_assert_cmpuint(v, ==, 0);
    drain(0);

    /* a deadline in the past fires at once; 0 disarms */
    apic_msr_write(cpu(0), MSR_IA32_TSC_DEADLINE, 1);
    WAIT_FOR(irr_has(0, 0x32), 100);
    g_assert_true(irr_has(0, 0x32));
    drain(0);
    apic_msr_write(cpu(0), MSR_IA32_TSC_DEADLINE, clock_virtual_ns() + MS);
    apic_msr_write(cpu(0), MSR_IA32_TSC_DEADLINE, 0);
    main_loop_iterate(5 * MS);
    g_assert_false(irr_has(0, 0x32));
    /* leaving the mode disarms */
    apic_msr_write(cpu(0), MSR_IA32_TSC_DEADLINE, clock_virtual_ns() + MS);
    wr(0, A_LVT_TIMER, 0x32);
    main_loop_iterate(5 * MS);
    g_assert_false(irr_has(0, 0x32));
    g_test_message("TSC deadline +10 ms fired and read back 0; past "
                   "deadline fires at once; 0 and a mode change disarm");
    vm_clock_set_running(false);
}

static void test_x2apic(void)
{
    uint64_t base, v = 0;

    reset_all();
    base = apic_get_base(cpu(1));
    g_assert_cmphex(base, ==, APIC_DEFAULT_ADDRESS | APIC_BASE_ENABLE);
    g_assert_cmpint(apic_msr_read(cpu(1), 0x802, &v), ==, -1);  /* xAPIC */
    g_assert_cmpint(apic_set_base(cpu(1), base | APIC_BASE_EXTD), ==, 0);
    g_assert_cmphex(apic_get_base(cpu(1)), ==, base | APIC_BASE_EXTD);
    g_assert_cmpint(apic_msr_read(cpu(1), 0x802, &v), ==, 0);
    g_assert_cmphex(v, ==, 1);
    apic_msr_read(cpu(1), 0x803, &v);
    g_assert_cmphex(v, ==, 0x50014);
    apic_msr_read(cpu(1), 0x80d, &v);
    g_assert_cmphex(v, ==, 0x2);    /* cluster 0, bit 1 */
    g_assert_cmpint(apic_msr_write(cpu(1), 0x808, 0x30), ==, 0);
    apic_msr_read(cpu(1), 0x80a, &v);
    g_assert_cmphex(v, ==, 0x30);
    g_assert_cmphex(apic_get_cr8(cpu(1)), ==, 3);
    g_test_message("x2APIC: ID 1, version, LDR 0x2, TPR->PPR through MSRs");

    /* #GP cases */
    g_assert_cmpint(apic_msr_write(cpu(1), 0x80b, 1), ==, -1);   /* EOI!=0 */
    g_assert_cmpint(apic_msr_write(cpu(1), 0x803, 0), ==, -1);   /* RO */
    g_assert_cmpint(apic_msr_write(cpu(1), 0x802, 5), ==, -1);   /* ID */
    g_assert_cmpint(apic_msr_read(cpu(1), 0x80e, &v), ==, -1);   /* DFR */
    g_assert_cmpint(apic_msr_read(cpu(1), 0x831, &v), ==, -1);   /* ICR2 */
    g_assert_cmpint(apic_msr_read(cpu(1), 0x80b, &v), ==, -1);   /* EOI */
    g_assert_cmpint(apic_msr_read(cpu(1), 0x83f, &v), ==, -1);   /* SELF */
    g_assert_cmpint(apic_msr_read(cpu(1), 0x8ff, &v), ==, -1);
    g_assert_cmpint(apic_msr_write(cpu(1), 0x808, 1ULL << 32), ==, -1);
    g_assert_cmpint(apic_msr_write(cpu(1), 0x828, 1), ==, -1);   /* ESR!=0 */
    g_test_message("x2APIC #GP: EOI!=0, RO writes, DFR/ICR2/WO reads, "
                   "high bits");

    /* the MMIO page is gone for an x2APIC CPU */
    g_assert_cmphex(rd(1, A_VERSION), ==, 0);

    /* ICR as one 64-bit MSR, x2APIC destination in bits 32-63 */
    g_assert_cmpint(apic_msr_write(cpu(1), 0x830, (0ULL << 32) | 0x4045),
                    ==, 0);
    g_assert_true(irr_has(0, 0x45));
    apic_msr_read(cpu(1), 0x830, &v);
    g_assert_cmphex(v, ==, 0x4045);
    g_assert_cmpint(apic_msr_write(cpu(1), 0x830, (2ULL << 32) | 0x4046),
                    ==, 0);
    g_assert_true(irr_has(2, 0x46));
    /* SELF IPI */
    g_assert_cmpint(apic_msr_write(cpu(1), 0x83f, 0x47), ==, 0);
    apic_msr_read(cpu(1), 0x820 + 0x47 / 32, &v);
    g_assert_cmphex(v & (1u << (0x47 % 32)), !=, 0);
    g_assert_cmpint(apic_msr_write(cpu(1), 0x808, 0), ==, 0);
    g_assert_cmpint(apic_get_interrupt(cpu(1)), ==, 0x47);
    g_assert_cmpint(apic_msr_write(cpu(1), 0x80b, 0), ==, 0);
    apic_msr_read(cpu(1), 0x810 + 0x47 / 32, &v);
    g_assert_cmphex(v, ==, 0);
    /* MSI to an x2APIC target with its APIC ID */
    apic_deliver_msi(m, 0xfee01000, 0x48);
    apic_msr_read(cpu(1), 0x820 + 0x48 / 32, &v);
    g_assert_cmphex(v & (1u << (0x48 % 32)), !=, 0);
    g_test_message("ICR MSR -> cpu0/cpu2, SELF IPI, EOI MSR, MSI to "
                   "x2APIC ID 1");

    /* mode transitions */
    g_assert_cmpint(apic_set_base(cpu(1), base), ==, -1);    /* x2 -> x */
    g_assert_cmpint(apic_set_base(cpu(1), APIC_DEFAULT_ADDRESS), ==, 0);
    g_assert_cmpint(apic_set_base(cpu(1), APIC_DEFAULT_ADDRESS |
                                          APIC_BASE_EXTD |
                                          APIC_BASE_ENABLE), ==, -1);
    g_assert_cmpint(apic_set_base(cpu(1), base | 1), ==, -1); /* reserved */
    g_assert_cmpint(apic_set_base(cpu(1), base | (1ULL << 60)), ==, -1);
    g_assert_cmpint(apic_set_base(cpu(1), APIC_DEFAULT_ADDRESS |
                                          APIC_BASE_EXTD), ==, -1);
    /* disabled: off the bus */
    send_ipi(0, 1, 0x4049);
    g_assert_false(apic_has_interrupt(cpu(1)));
    g_assert_cmpint(apic_set_base(cpu(1), base), ==, 0);
    g_assert_cmphex(rd(1, A_SVR), ==, 0xff);     /* back from reset */
    g_assert_cmpint(apic_set_base(cpu(1), base | APIC_BASE_BSP), ==, 0);
    g_assert_cmphex(apic_get_base(cpu(1)), ==, base);   /* BSP is RO */
    g_test_message("IA32_APIC_BASE: x2->x, disabled->x2, reserved bits #GP; "
                   "disable/enable resets; BSP flag read-only");
}

static void test_msi(void)
{
    uint32_t v = 0x52;

    reset_all();
    apic_deliver_msi(m, 0xfee01000, 0x4051);     /* dest 1, fixed */
    g_assert_true(irr_has(1, 0x51));
    g_assert_false(irr_has(0, 0x51));
    apic_deliver_msi(m, 0xfee01000, 0x8051 | 0x4000);   /* level */
    g_assert_true(tmr_has(1, 0x51));
    /* a device's DMA write into the window is a message */
    address_space_write(&address_space_memory, 0xfee00000,
                        MEMTXATTRS_UNSPECIFIED, &v, 4);
    g_assert_true(irr_has(0, 0x52));
    /* and so is a CPU's write to offset 0 (reserved in the page) */
    wr(2, 0x0, 0x53);
    g_assert_true(irr_has(0, 0x53));
    /* logical flat: LDR bit 2 on cpu2 */
    wr(2, A_LDR, 0x04000000);
    apic_deliver_msi(m, 0xfee04004, 0x54);
    g_assert_true(irr_has(2, 0x54));
    g_assert_false(irr_has(0, 0x54) || irr_has(1, 0x54));
    /* broadcast */
    apic_deliver_msi(m, 0xfeeff000, 0x55);
    g_assert_true(irr_has(0, 0x55) && irr_has(1, 0x55) && irr_has(2, 0x55));
    /* NMI */
    apic_deliver_msi(m, 0xfee02000, 0x400);
    g_assert_cmpuint(apic_pending(cpu(2)) & APIC_EV_NMI, !=, 0);
    g_assert_true(apic_take_nmi(cpu(2)));
    g_assert_false(apic_take_nmi(cpu(2)));
    g_assert_cmpuint(apic_pending(cpu(2)) & APIC_EV_NMI, ==, 0);
    /* outside the window, reserved delivery mode, SMI: dropped */
    apic_deliver_msi(m, 0xfed01000, 0x56);
    apic_deliver_msi(m, 0xfee01000, 0x356);
    apic_deliver_msi(m, 0xfee01000, 0x256);
    g_assert_false(irr_has(1, 0x56));
    g_test_message("MSI: physical, level (TMR), DMA write, offset 0, "
                   "logical, broadcast, NMI; bad ones dropped");
}

static void test_init_sipi(void)
{
    X86CPU *c1;

    reset_all();
    c1 = cpu(1);
    g_assert_true(c1->sipi_wait);
    /* SIPI starts a waiting AP in real mode at vector << 12 */
    send_ipi(0, 1, 0x4608);
    g_assert_cmpuint(apic_pending(c1) & APIC_EV_INIT_SIPI, !=, 0);
    g_assert_true(apic_handle_init_sipi(c1));
    g_assert_false(c1->halted || c1->sipi_wait);
    g_assert_cmphex(c1->segs[R_CS].selector, ==, 0x800);
    g_assert_cmphex(c1->segs[R_CS].base, ==, 0x8000);
    g_assert_cmphex(c1->rip, ==, 0);
    g_assert_cmpuint(apic_pending(c1), ==, 0);
    /* the second SIPI of the sequence finds it running: ignored */
    send_ipi(0, 1, 0x4608);
    g_assert_false(apic_handle_init_sipi(c1));
    g_test_message("SIPI 0x08: CS 0x800 base 0x8000 IP 0, running; "
                   "second SIPI ignored");

    /* INIT puts it back to wait-for-SIPI, MSRs kept */
    c1->rip = 0x1234;
    c1->lstar = 0xabcd;
    wr(1, A_TPR, 0x40);
    send_ipi(0, 1, 0x8500);         /* INIT level de-assert: nothing */
    g_assert_cmpuint(apic_pending(c1), ==, 0);
    send_ipi(0, 1, 0x4500);
    g_assert_true(apic_handle_init_sipi(c1));
    g_assert_true(c1->halted && c1->sipi_wait);
    g_assert_cmphex(c1->rip, ==, 0xfff0);
    g_assert_cmphex(c1->lstar, ==, 0xabcd);
    g_assert_cmphex(rd(1, A_TPR), ==, 0);
    g_assert_cmphex(rd(1, A_ID), ==, 1u << 24);
    /* INIT + SIPI queued together: both apply, in order */
    send_ipi(0, 1, 0x4500);
    send_ipi(0, 1, 0x4610);
    g_assert_true(apic_handle_init_sipi(c1));
    g_assert_cmphex(c1->segs[R_CS].base, ==, 0x10000);
    g_assert_false(c1->sipi_wait);
    g_test_message("INIT: wait-for-SIPI at f000:fff0, LSTAR kept, APIC "
                   "reset; INIT+SIPI queued both apply");

    /* all-excluding-self INIT: the others only; BSP restarts running */
    x86_cpu_reset(cpu(2));
    cpu(2)->sipi_wait = cpu(2)->halted = false;
    wr(1, A_ICR_LO, 0xc4500);
    g_assert_cmpuint(apic_pending(cpu(1)), ==, 0);
    g_assert_true(apic_handle_init_sipi(cpu(0)));
    g_assert_true(apic_handle_init_sipi(cpu(2)));
    g_assert_false(cpu(0)->halted);
    g_assert_true(cpu(2)->sipi_wait);
    g_test_message("INIT to all-but-self: BSP back at the reset vector "
                   "running, AP 2 waits for SIPI");
}

static void test_extint(void)
{
    reset_all();
    /* master PIC: vectors 0x20-0x27, only IRQ 0 unmasked */
    outb(0x20, 0x11);
    outb(0x21, 0x20);
    outb(0x21, 0x04);
    outb(0x21, 0x01);
    outb(0x21, 0xfe);
    pic_set_irq(m->pic, 0, 1);
    g_assert_true(pic_intr_pending(m->pic));
    /* a masked LINT0 stops the PIC; the BIOS-state 0x700 passes it */
    wr(0, A_LVT_LINT0, 0x10700);
    g_assert_false(apic_has_interrupt(cpu(0)));
    wr(0, A_LVT_LINT0, 0x700);
    g_assert_true(apic_has_interrupt(cpu(0)));
    g_assert_false(apic_has_interrupt(cpu(1)));    /* boot CPU only */
    g_assert_cmpint(apic_get_interrupt(cpu(0)), ==, 0x20);
    g_assert_false(apic_has_interrupt(cpu(0)));
    outb(0x20, 0x20);               /* PIC EOI */
    pic_set_irq(m->pic, 0, 0);
    pic_set_irq(m->pic, 0, 1);
    g_assert_true(apic_has_interrupt(cpu(0)));
    /* masked LINT0 with a globally disabled APIC still passes the PIC */
    wr(0, A_LVT_LINT0, 0x10700);
    g_assert_false(apic_has_interrupt(cpu(0)));
    apic_set_base(cpu(0), APIC_DEFAULT_ADDRESS | APIC_BASE_BSP);
    g_assert_true(apic_has_interrupt(cpu(0)));
    g_assert_cmpint(apic_get_interrupt(cpu(0)), ==, 0x20);
    outb(0x20, 0x20);
    pic_set_irq(m->pic, 0, 0);
    apic_set_base(cpu(0), APIC_DEFAULT_ADDRESS | APIC_BASE_BSP |
                  APIC_BASE_ENABLE);
    g_test_message("ExtINT: LINT0 masked -> none, 0x700 -> PIC vector 0x20 "
                   "on cpu0 only; APIC disabled -> PIC passes");
}

static void test_bad_values(void)
{
    X86CPU *stray;
    uint64_t v;

    reset_all();
    /* a fixed IPI with vector < 16: send illegal vector, no delivery */
    send_ipi(0, 1, 0x4005);
    g_assert_false(irr_has(1, 0x05));
    g_assert_cmpuint(apic_pending(cpu(1)), ==, 0);
    wr(0, A_ESR, 0);
    g_assert_cmphex(rd(0, A_ESR), ==, 0x20);
    /* an MSI with vector < 16: receive illegal vector, error LVT fires */
    wr(1, A_LVT_ERROR, 0x3e);
    apic_deliver_msi(m, 0xfee01000, 0x0003);
    wr(1, A_ESR, 0);
    g_assert_cmphex(rd(1, A_ESR), ==, 0x40);
    g_assert_true(irr_has(1, 0x3e));
    g_assert_false(irr_has(1, 0x03));
    /* an error LVT with an illegal vector does not recurse */
    wr(2, A_LVT_ERROR, 0x02);
    apic_deliver_msi(m, 0xfee02000, 0x0001);
    wr(2, A_ESR, 0);
    g_assert_cmphex(rd(2, A_ESR), ==, 0x40);
    g_assert_false(apic_has_interrupt(cpu(2)));
    g_test_message("vector 5 IPI: ESR 0x20 on the sender; vector 3 MSI: "
                   "ESR 0x40 + error LVT 0x3e; error vector 2 ignored");

    /* odd accesses never crash: unaligned, narrow writes, past the page */
    for (hwaddr off = 0; off < 0x1010; off += 0x1f) {
        uint8_t b = 0xff;

        wr(0, off & ~3, 0);
        current_cpu = cpu(0);
        address_space_write(&address_space_memory, APIC_DEFAULT_ADDRESS + off,
                            MEMTXATTRS_UNSPECIFIED, &b, 1);
        address_space_read(&address_space_memory, APIC_DEFAULT_ADDRESS + off,
                           MEMTXATTRS_UNSPECIFIED, &b, 1);
        current_cpu = NULL;
    }
    for (int x2 = 0; x2 < 2; x2++) {
        if (x2) {
            apic_set_base(cpu(0), apic_get_base(cpu(0)) | APIC_BASE_EXTD);
        }
        for (uint32_t msr = 0x7ff; msr <= 0x900; msr++) {
            apic_msr_read(cpu(0), msr, &v);
            apic_msr_write(cpu(0), msr, ~0ULL);
            apic_msr_write(cpu(0), msr, 0);
            apic_msr_write(cpu(0), msr, 0x10);
        }
    }
    g_assert_cmpint(apic_set_base(cpu(0), APIC_DEFAULT_ADDRESS |
                                          APIC_BASE_BSP), ==, 0);
    g_assert_cmpint(apic_set_base(cpu(0), APIC_DEFAULT_ADDRESS |
                                          APIC_BASE_BSP | APIC_BASE_ENABLE),
                    ==, 0);
    wr(0, A_SVR, 0x1ff);
    /* a CPU the model does not know */
    stray = x86_cpu_new(m, 200);
    g_assert_cmpint(apic_msr_read(stray, 0x802, &v), ==, -1);
    g_assert_cmpint(apic_get_interrupt(stray), ==, -1);
    g_assert_cmpuint(apic_pending(stray), ==, 0);
    g_assert_false(apic_handle_init_sipi(stray));
    {
        uint32_t val = 0xdeadbeef;

        current_cpu = stray;
        address_space_read(&address_space_memory,
                           APIC_DEFAULT_ADDRESS + A_VERSION,
                           MEMTXATTRS_UNSPECIFIED, &val, 4);
        current_cpu = NULL;
        g_assert_cmphex(val, ==, 0);
    }
    x86_cpu_free(stray);
    apic_deliver_msi(m, ~0ULL, ~0u);
    apic_deliver_msi(m, 0xfee00000, 0xffffffff);
    /* wild timer values */
    wr(0, A_LVT_TIMER, 0x60030);    /* reserved timer mode */
    wr(0, A_DCR, 0xffffffff);
    wr(0, A_INITIAL, 0xffffffff);
    g_assert_cmpuint(rd(0, A_CURRENT), >, 0);
    wr(0, A_INITIAL, 0);
    g_test_message("unaligned/narrow/out-of-page MMIO, MSRs 0x7ff-0x900 with "
                   "all-ones, unknown CPU, junk MSIs, wild timer values: "
                   "no crash");
}

int main(int argc, char **argv)
{
    static MachineConfig cfg = { .ram_size = 16 * MiB, .smp = NCPUS };
    g_autoptr(GError) err = NULL;

    g_test_init(&argc, &argv, NULL);
    m = hw_test_machine_new(&cfg, &test_accel, NULL);
    hw_test_create_or_die(m, "i8259");
    hw_test_create_or_die(m, "ioapic");
    /* the accelerator's init runs before the CPUs exist ... */
    if (apic_init_machine(m, &err) < 0) {
        g_error("apic_init_machine: %s", err->message);
    }
    m->ncpus = NCPUS;
    m->cpus = g_new0(X86CPU *, NCPUS);
    for (unsigned i = 0; i < NCPUS; i++) {
        m->cpus[i] = x86_cpu_new(m, i);
    }
    /* ... and again from vcpu_init */
    if (apic_init_machine(m, &err) < 0) {
        g_error("apic_init_machine: %s", err->message);
    }
    apic_set_kick_fn(test_kick);

    g_test_add_func("/apic/mmio-registers", test_mmio_registers);
    g_test_add_func("/apic/ipi-fixed-eoi", test_ipi_fixed_eoi);
    g_test_add_func("/apic/tpr-ppr", test_tpr_ppr);
    g_test_add_func("/apic/level-eoi", test_level_eoi);
    g_test_add_func("/apic/timer", test_timer_oneshot_periodic);
    g_test_add_func("/apic/tsc-deadline", test_tsc_deadline);
    g_test_add_func("/apic/x2apic", test_x2apic);
    g_test_add_func("/apic/msi", test_msi);
    g_test_add_func("/apic/init-sipi", test_init_sipi);
    g_test_add_func("/apic/extint", test_extint);
    g_test_add_func("/apic/bad-values", test_bad_values);
    return g_test_run();
}
