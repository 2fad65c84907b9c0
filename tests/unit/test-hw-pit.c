/*
 * test-hw-pit.c: the 8254 through ports 0x40-0x43 and 0x61, on the
 * virtual clock: counts and latches with the clock stopped (exact), and
 * channel 0's interrupts with the clock running and the main loop
 * iterating.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/timer/i8254.h"
#include "main/main-loop.h"
#include "hw-test.h"

#define MS ((int64_t)1000 * 1000)

static Machine *m;
static int irq0_level;
static unsigned irq0_rises;
static int64_t irq0_rise_ns[1024];

static void gsi_record(void *opaque G_GNUC_UNUSED, int n, int level)
{
    if (n != 0) {
        return;
    }
    if (level && !irq0_level) {
        if (irq0_rises < G_N_ELEMENTS(irq0_rise_ns)) {
            irq0_rise_ns[irq0_rises] = clock_virtual_ns();
        }
        irq0_rises++;
    }
    irq0_level = level;
}

static uint16_t read_word(uint16_t port)
{
    uint16_t lo = inb(port);

    return lo | (inb(port) << 8);
}

static int64_t ticks_to_ns(uint64_t ticks)
{
    return (ticks * 1000000000 + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ;
}

/* Run the loop until @ns of virtual time passed. */
static void run_for(int64_t ns)
{
    int64_t end = clock_virtual_ns() + ns;

    while (clock_virtual_ns() < end) {
        main_loop_iterate(end - clock_virtual_ns());
    }
}

static void test_latch_readback_stopped(void)
{
    vm_clock_set_running(false);
    /* channel 0, lobyte/hibyte, mode 0, binary */
    outb(0x43, 0x30);
    outb(0x40, 0x34);
    outb(0x40, 0x12);
    outb(0x43, 0x00);           /* counter latch */
    g_assert_cmphex(read_word(0x40), ==, 0x1234);
    /* read-back: status then count of channel 0 */
    outb(0x43, 0xc2);
    g_assert_cmphex(inb(0x40), ==, 0x30);   /* OUT low, rw 3, mode 0 */
    g_assert_cmphex(read_word(0x40), ==, 0x1234);
    /* a new control word makes the count null until it is written */
    outb(0x43, 0x34);
    outb(0x43, 0xe2);           /* status only */
    g_assert_cmphex(inb(0x40), ==, 0x80 | 0x40 | 0x34);
    outb(0x40, 0x00);
    outb(0x40, 0x10);
    outb(0x43, 0xe2);
    g_assert_cmphex(inb(0x40), ==, 0x80 | 0x34);

    /* BCD and single-byte access */
    outb(0x43, 0x31);           /* ch0 lo/hi mode 0 BCD */
    outb(0x40, 0x99);
    outb(0x40, 0x12);
    outb(0x43, 0x00);
    g_assert_cmphex(read_word(0x40), ==, 0x1299);
    outb(0x43, 0x20);           /* ch0 MSB only, mode 0 */
    outb(0x40, 0x56);
    g_assert_cmphex(inb(0x40), ==, 0x56);
    outb(0x43, 0x10);           /* ch0 LSB only, mode 0 */
    outb(0x40, 0x78);
    g_assert_cmphex(inb(0x40), ==, 0x78);
    g_test_message("latch 0x1234, read-back status 0x30, null count, BCD "
                   "0x1299, MSB/LSB-only access");
}

static void test_counts_decrease(void)
{
    uint16_t a, b, c;

    vm_clock_set_running(true);
    outb(0x43, 0x30);           /* mode 0, 0xffff: 55 ms */
    outb(0x40, 0xff);
    outb(0x40, 0xff);
    outb(0x43, 0x00);
    a = read_word(0x40);
    g_usleep(2000);
    outb(0x43, 0x00);
    b = read_word(0x40);
    g_usleep(2000);
    outb(0x43, 0xd2);           /* read-back, count only */
    c = read_word(0x40);
    g_test_message("counts 0x%04x > 0x%04x > 0x%04x", a, b, c);
    g_assert_cmpuint(a, >, b);
    g_assert_cmpuint(b, >, c);
    /* 2 ms is 2386 clocks: at least that much, not absurdly more */
    g_assert_cmpuint(a - b, >=, 2300);
    g_assert_cmpuint(a - b, <, 40000);
}

static void test_periodic_mode2(void)
{
    const uint16_t count = 11932;           /* ~10 ms */
    const int64_t period = ticks_to_ns(count);
    int64_t load, elapsed;
    unsigned rises, expect;

    vm_clock_set_running(true);
    irq0_rises = 0;
    load = clock_virtual_ns();
    outb(0x43, 0x34);
    outb(0x40, count & 0xff);
    outb(0x40, count >> 8);
    /* loading mode 2 raises OUT (and the line) once */
    g_assert_cmpint(irq0_level, ==, 1);
    irq0_rises = 0;
    run_for(200 * MS);
    elapsed = clock_virtual_ns() - load;
    rises = irq0_rises;
    expect = elapsed / period;
    g_test_message("mode 2, period %" PRId64 " ns: %u interrupts in %" PRId64
                   " ns (%u periods)", period, rises, elapsed, expect);
    g_assert_cmpuint(rises, <=, expect + 1);
    g_assert_cmpuint(rises, >=, expect / 2);
    /* the host falls behind by ~10 periods: one interrupt, not ten */
    g_usleep(100 * 1000);
    irq0_rises = 0;
    main_loop_iterate(0);
    g_test_message("after a 100 ms stall: %u interrupt(s)", irq0_rises);
    g_assert_cmpuint(irq0_rises, ==, 1);
    run_for(25 * MS);
    g_assert_cmpuint(irq0_rises, >=, 2);    /* the coalesced one, then more */
    g_assert_cmpuint(irq0_rises, <=, 4);
}

/*
 * No drift: after a late edge, the next one still comes at the next
 * multiple of the period from the load time, not one period after the
 * late one.  The host is made late on purpose by 2.5 periods.
 */
static void test_no_drift(void)
{
    const uint16_t count = 23864;           /* ~20 ms */
    const int64_t period = ticks_to_ns(count);
    int64_t load, t1, t2, phase;

    vm_clock_set_running(true);
    load = clock_virtual_ns();
    outb(0x43, 0x34);
    outb(0x40, count & 0xff);
    outb(0x40, count >> 8);
    g_usleep(period * 5 / 2 / 1000);
    irq0_rises = 0;
    main_loop_iterate(0);
    t1 = clock_virtual_ns();
    g_assert_cmpuint(irq0_rises, ==, 1);
    while (irq0_rises < 2) {
        main_loop_iterate(-1);
    }
    t2 = irq0_rise_ns[1];
    phase = (t2 - load) % period;
    g_test_message("late edge at +%" PRId64 " ns, next at +%" PRId64
                   " ns: %" PRId64 " ns after a period boundary",
                   t1 - load, t2 - load, phase);
    g_assert_cmpint(t2 - load, >=, (t1 - load) / period * period + period);
    g_assert_cmpint(phase, <, period / 4);
}

static void test_oneshot_and_port61(void)
{
    vm_clock_set_running(true);
    /* mode 0 on channel 0: the line drops at the control word and rises
     * once at terminal count */
    outb(0x43, 0x30);
    g_assert_cmpint(irq0_level, ==, 0);
    irq0_rises = 0;
    outb(0x40, 1193 & 0xff);
    outb(0x40, 1193 >> 8);
    run_for(5 * MS);
    g_assert_cmpuint(irq0_rises, ==, 1);
    g_assert_cmpint(irq0_level, ==, 1);
    run_for(5 * MS);
    g_assert_cmpuint(irq0_rises, ==, 1);
    g_test_message("mode 0: one interrupt ~1 ms after the load");

    /* channel 2 gated by port 0x61 bit 0; OUT2 reads in bit 5 */
    vm_clock_set_running(false);
    outb(0x61, 0x01);
    g_assert_cmphex(inb(0x61) & 0x03, ==, 0x01);
    outb(0x43, 0xb0);           /* ch2 lo/hi mode 0 */
    outb(0x42, 100);
    outb(0x42, 0);
    g_assert_cmphex(inb(0x61) & 0x20, ==, 0);
    vm_clock_set_running(true);
    g_usleep(1000);
    g_assert_cmphex(inb(0x61) & 0x20, ==, 0x20);
    outb(0x61, 0x00);
    g_test_message("OUT2 low, then high 100 clocks later (port 0x61 0x%02x)",
                   inb(0x61));
}

static void test_reset(void)
{
    vm_clock_set_running(false);
    outb(0x43, 0x30);
    outb(0x40, 0x10);
    outb(0x40, 0x00);
    machine_reset(m);
    /* reset leaves mode 3 with count 65536 on every channel */
    outb(0x43, 0xee);           /* read-back status ch0-2 */
    g_assert_cmphex(inb(0x40), ==, 0x80 | 0x36);
    g_assert_cmphex(inb(0x41), ==, 0x80 | 0x36);
    g_assert_cmphex(inb(0x42), ==, 0x80 | 0x36);
    g_test_message("reset: mode 3, lo/hi, OUT high on all channels");
}

int main(int argc, char **argv)
{
    static MachineConfig cfg = { .ram_size = 16 * MiB, .smp = 1 };

    g_test_init(&argc, &argv, NULL);
    m = hw_test_machine_new(&cfg, NULL, gsi_record);
    hw_test_create_or_die(m, "i8254");

    g_test_add_func("/pit/latch-readback", test_latch_readback_stopped);
    g_test_add_func("/pit/counts-decrease", test_counts_decrease);
    g_test_add_func("/pit/periodic-mode2", test_periodic_mode2);
    g_test_add_func("/pit/no-drift", test_no_drift);
    g_test_add_func("/pit/oneshot-and-port61", test_oneshot_and_port61);
    g_test_add_func("/pit/reset", test_reset);
    return g_test_run();
}
