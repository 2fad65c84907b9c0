/*
 * test-hw-serial.c: the 16550A at 0x3f8 as a driver sees it: divisor
 * latch, line status, loopback, interrupts gated by IER and OUT2, the
 * receive FIFO with its trigger level and timeout, and output reaching a
 * file: backend.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <unistd.h>
#include "hw/char/serial.h"
#include "main/main-loop.h"
#include "hw-test.h"

#define MS ((int64_t)1000 * 1000)
#define COM1 0x3f8

static Machine *m;
static char out_path[] = "/tmp/janus-test-serial-XXXXXX";

static void test_divisor_and_lsr(void)
{
    g_assert_cmphex(inb(COM1 + 5), ==, 0x60);   /* THRE | TEMT */
    g_assert_cmphex(inb(COM1 + 2), ==, 0x01);   /* no interrupt */
    outb(COM1 + 3, 0x80);                       /* DLAB */
    g_assert_cmphex(inb(COM1 + 0), ==, 12);     /* reset: 9600 baud */
    outb(COM1 + 0, 0x01);
    outb(COM1 + 1, 0x02);
    g_assert_cmphex(inb(COM1 + 0), ==, 0x01);
    g_assert_cmphex(inb(COM1 + 1), ==, 0x02);
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);                       /* 8N1, DLAB off */
    g_assert_cmphex(inb(COM1 + 3), ==, 0x03);
    g_assert_cmphex(inb(COM1 + 1), ==, 0x00);   /* IER again */
    outb(COM1 + 7, 0x5a);
    g_assert_cmphex(inb(COM1 + 7), ==, 0x5a);
    g_test_message("divisor 0x0201 through DLAB, LCR 0x03, LSR 0x60, "
                   "scratch 0x5a");
}

static void test_output_to_backend(void)
{
    g_autofree char *text = NULL;
    g_autofree char *escaped = NULL;

    for (const char *p = "hi\n"; *p; p++) {
        g_assert_cmphex(inb(COM1 + 5) & 0x20, ==, 0x20);
        outb(COM1, *p);
    }
    g_assert_true(g_file_get_contents(out_path, &text, NULL, NULL));
    escaped = g_strescape(text, NULL);
    g_test_message("backend file holds \"%s\"", escaped);
    g_assert_cmpstr(text, ==, "hi\n");
}

static void test_loopback(void)
{
    outb(COM1 + 4, 0x10 | 0x0f);        /* LOOP + DTR RTS OUT1 OUT2 */
    g_assert_cmphex(inb(COM1 + 6) & 0xf0, ==, 0xf0);
    outb(COM1 + 4, 0x10);
    /* CTS DSR DCD fell, RI had a trailing edge */
    g_assert_cmphex(inb(COM1 + 6), ==, 0x0f);
    g_assert_cmphex(inb(COM1 + 6), ==, 0x00);
    outb(COM1, 'A');
    g_assert_cmphex(inb(COM1 + 5), ==, 0x61);
    g_assert_cmphex(inb(COM1), ==, 'A');
    g_assert_cmphex(inb(COM1 + 5), ==, 0x60);
    /* without the FIFO a second byte overruns (replaces) the first */
    outb(COM1, 'B');
    outb(COM1, 'C');
    g_assert_cmphex(inb(COM1 + 5), ==, 0x63);
    g_assert_cmphex(inb(COM1 + 5), ==, 0x61);   /* OE cleared by reading */
    g_assert_cmphex(inb(COM1), ==, 'C');
    /* leaving loopback reconnects the inputs without delta bits */
    outb(COM1 + 4, 0x08);
    g_assert_cmphex(inb(COM1 + 6), ==, 0xb0);
    g_test_message("loopback echoes 'A', MSR follows MCR, overrun sets OE");
}

static void test_irq_gating(void)
{
    outb(COM1 + 4, 0x00);               /* OUT2 off */
    outb(COM1 + 1, 0x02);               /* ETBEI */
    g_assert_cmphex(inb(COM1 + 2), ==, 0x02);
    /* the read acknowledged it; re-enable to get it back */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 1, 0x02);
    g_assert_cmpint(hw_test_irqs.gsi_level[4], ==, 0);
    outb(COM1 + 4, 0x08);               /* OUT2 on: the line rises */
    g_assert_cmpint(hw_test_irqs.gsi_level[4], ==, 1);
    g_assert_cmphex(inb(COM1 + 2), ==, 0x02);
    g_assert_cmpint(hw_test_irqs.gsi_level[4], ==, 0);
    outb(COM1, '.');                    /* THR empty again */
    g_assert_cmpint(hw_test_irqs.gsi_level[4], ==, 1);
    outb(COM1 + 1, 0x00);
    g_assert_cmpint(hw_test_irqs.gsi_level[4], ==, 0);
    g_test_message("THRE interrupt: held back without OUT2, raised with it, "
                   "cleared by IIR read and by IER");
}

static void test_rx_fifo(void)
{
    const uint8_t many[20] = "0123456789abcdefghij";
    SerialState *s = serial_from_machine(m);
    int64_t end;

    g_assert_nonnull(s);
    outb(COM1 + 3, 0x83);               /* 115200 8N1 */
    outb(COM1 + 0, 0x01);
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);
    outb(COM1 + 2, 0xc7);               /* FIFO on, clear, trigger 14 */
    outb(COM1 + 1, 0x01);               /* ERBFI */
    g_assert_cmphex(inb(COM1 + 2), ==, 0xc1);

    /* below the trigger: only the character timeout interrupts */
    vm_clock_set_running(false);
    serial_receive(s, (const uint8_t *)"xyz", 3);
    g_assert_cmphex(inb(COM1 + 5) & 0x01, ==, 0x01);
    g_assert_cmpint(hw_test_irqs.gsi_level[4], ==, 0);
    vm_clock_set_running(true);
    end = clock_virtual_ns() + 100 * MS;
    while (!hw_test_irqs.gsi_level[4] && clock_virtual_ns() < end) {
        main_loop_iterate(10 * MS);
    }
    g_assert_cmpint(hw_test_irqs.gsi_level[4], ==, 1);
    g_assert_cmphex(inb(COM1 + 2), ==, 0xcc);
    g_assert_cmphex(inb(COM1), ==, 'x');
    /* reading RBR clears it */
    g_assert_cmpint(hw_test_irqs.gsi_level[4], ==, 0);
    g_assert_cmphex(inb(COM1), ==, 'y');
    g_assert_cmphex(inb(COM1), ==, 'z');
    g_assert_cmphex(inb(COM1 + 5) & 0x01, ==, 0x00);
    g_test_message("3 bytes under trigger 14: timeout interrupt (IIR 0xcc)");

    /* 20 bytes: 16 in the FIFO (over the trigger), 4 queued behind */
    vm_clock_set_running(false);
    serial_receive(s, many, sizeof(many));
    g_assert_cmpint(hw_test_irqs.gsi_level[4], ==, 1);
    g_assert_cmphex(inb(COM1 + 2), ==, 0xc4);
    for (size_t i = 0; i < sizeof(many); i++) {
        g_assert_cmphex(inb(COM1 + 5) & 0x01, ==, 0x01);
        g_assert_cmphex(inb(COM1), ==, many[i]);
    }
    g_assert_cmphex(inb(COM1 + 5), ==, 0x60);
    g_assert_cmpint(hw_test_irqs.gsi_level[4], ==, 0);
    g_test_message("20 bytes: RDA at the trigger, all read back in order, "
                   "no overrun");

    /* FCR bit 1 empties the FIFO */
    serial_receive(s, many, 5);
    outb(COM1 + 2, 0xc3);
    g_assert_cmphex(inb(COM1 + 5) & 0x01, ==, 0);
    outb(COM1 + 1, 0x00);
    outb(COM1 + 2, 0x00);
}

static void test_reset(void)
{
    outb(COM1 + 3, 0x1b);
    outb(COM1 + 1, 0x0f);
    machine_reset(m);
    g_assert_cmphex(inb(COM1 + 3), ==, 0x00);
    g_assert_cmphex(inb(COM1 + 1), ==, 0x00);
    g_assert_cmphex(inb(COM1 + 4), ==, 0x08);
    g_assert_cmphex(inb(COM1 + 6), ==, 0xb0);
    g_assert_cmpint(hw_test_irqs.gsi_level[4], ==, 0);
    g_test_message("reset: LCR 0, IER 0, MCR OUT2, MSR 0xb0");
}

int main(int argc, char **argv)
{
    static MachineConfig cfg = { .ram_size = 16 * MiB, .smp = 1 };
    g_autofree char *spec = NULL;
    int fd, ret;

    g_test_init(&argc, &argv, NULL);
    fd = mkstemp(out_path);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    spec = g_strdup_printf("file:%s", out_path);
    cfg.serial = spec;
    m = hw_test_machine_new(&cfg, NULL, hw_test_gsi_record);
    hw_test_create_or_die(m, "isa-serial");

    g_test_add_func("/serial/divisor-and-lsr", test_divisor_and_lsr);
    g_test_add_func("/serial/output-to-backend", test_output_to_backend);
    g_test_add_func("/serial/loopback", test_loopback);
    g_test_add_func("/serial/irq-gating", test_irq_gating);
    g_test_add_func("/serial/rx-fifo", test_rx_fifo);
    g_test_add_func("/serial/reset", test_reset);
    ret = g_test_run();
    unlink(out_path);
    return ret;
}
