/*
 * test-hw-pic.c: the i8259 pair, programmed through its ports the way a
 * BIOS or Linux does, with the INTA cycle run as an accelerator would.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/intc/i8259.h"
#include "hw-test.h"

static Machine *m;

static void gsi_to_pic(void *opaque G_GNUC_UNUSED, int n, int level)
{
    if (n < 16) {
        pic_set_irq(m->pic, n, level);
    }
}

/* The classic PC initialization: vectors 0x08 and 0x70, cascade on 2. */
static void pic_init(uint8_t icw4)
{
    outb(0x20, 0x11);
    outb(0x21, 0x08);
    outb(0x21, 0x04);
    outb(0x21, icw4);
    outb(0xa0, 0x11);
    outb(0xa1, 0x70);
    outb(0xa1, 0x02);
    outb(0xa1, icw4);
    outb(0x4d0, 0);
    outb(0x4d1, 0);
}

static uint8_t read_irr(uint16_t base)
{
    outb(base, 0x0a);
    return inb(base);
}

static uint8_t read_isr(uint16_t base)
{
    outb(base, 0x0b);
    return inb(base);
}

static void test_init_and_mask(void)
{
    pic_init(0x01);
    g_assert_cmphex(inb(0x21), ==, 0x00);
    outb(0x21, 0xfd);           /* only IRQ 1 */
    outb(0xa1, 0xff);
    g_assert_cmphex(inb(0x21), ==, 0xfd);
    g_assert_cmphex(inb(0xa1), ==, 0xff);
    g_assert_false(pic_intr_pending(m->pic));

    irq_raise(m->gsi[3]);       /* masked */
    g_assert_cmpint(hw_test_irqs.extint_level, ==, 0);
    g_assert_cmphex(read_irr(0x20), ==, 0x08);
    g_test_message("masked IRQ 3 sits in IRR (0x%02x) without INTR",
                   read_irr(0x20));

    irq_raise(m->gsi[1]);
    g_assert_cmpint(hw_test_irqs.extint_level, ==, 1);
    g_assert_true(pic_intr_pending(m->pic));
    g_assert_cmphex(pic_read_irq(m->pic), ==, 0x09);
    g_assert_cmpint(hw_test_irqs.extint_level, ==, 0);
    g_assert_cmphex(read_isr(0x20), ==, 0x02);
    g_assert_cmphex(read_irr(0x20), ==, 0x08);
    irq_lower(m->gsi[1]);
    outb(0x20, 0x20);           /* non-specific EOI */
    g_assert_cmphex(read_isr(0x20), ==, 0x00);

    /* unmasking IRQ 3 delivers the latched edge */
    outb(0x21, 0xf5);
    g_assert_cmpint(hw_test_irqs.extint_level, ==, 1);
    g_assert_cmphex(pic_read_irq(m->pic), ==, 0x0b);
    outb(0x20, 0x63);           /* specific EOI for 3 */
    irq_lower(m->gsi[3]);
    g_assert_cmphex(read_isr(0x20), ==, 0x00);
    g_test_message("init to 0x08/0x70, mask, INTA gives 0x09 then 0x0b, "
                   "EOI clears ISR");
}

static void test_priority_and_edge(void)
{
    pic_init(0x01);
    outb(0xa1, 0xff);
    irq_raise(m->gsi[4]);
    irq_raise(m->gsi[3]);
    g_assert_cmphex(pic_read_irq(m->pic), ==, 0x0b);
    /* 4 is lower than 3 in service: no INTR until the EOI */
    g_assert_false(pic_intr_pending(m->pic));
    outb(0x20, 0x20);
    g_assert_true(pic_intr_pending(m->pic));
    g_assert_cmphex(pic_read_irq(m->pic), ==, 0x0c);
    outb(0x20, 0x20);
    /* edge: the line is still high but the request was taken */
    g_assert_false(pic_intr_pending(m->pic));
    irq_raise(m->gsi[4]);       /* no new edge */
    g_assert_false(pic_intr_pending(m->pic));
    irq_lower(m->gsi[4]);
    irq_raise(m->gsi[4]);
    g_assert_true(pic_intr_pending(m->pic));
    g_assert_cmphex(pic_read_irq(m->pic), ==, 0x0c);
    outb(0x20, 0x20);
    irq_lower(m->gsi[3]);
    irq_lower(m->gsi[4]);

    /* set priority: 3 lowest, so 5 beats 1 */
    outb(0x20, 0xc3);
    irq_raise(m->gsi[1]);
    irq_raise(m->gsi[5]);
    g_assert_cmphex(pic_read_irq(m->pic), ==, 0x0d);
    outb(0x20, 0x20);
    g_assert_cmphex(pic_read_irq(m->pic), ==, 0x09);
    outb(0x20, 0x20);
    irq_lower(m->gsi[1]);
    irq_lower(m->gsi[5]);
    g_test_message("3 before 4, 4 held back by ISR 3, edges need a new "
                   "rising edge, rotation puts 5 before 1");
}

static void test_level_and_cascade(void)
{
    pic_init(0x01);
    outb(0x4d1, 0x04 | 0x01 | 0x20);    /* IRQ 10 level; 8 and 13 refused */
    g_assert_cmphex(inb(0x4d1), ==, 0x04);
    outb(0x4d0, 0x07);                  /* IRQ 0-2 are edge-only */
    g_assert_cmphex(inb(0x4d0), ==, 0x00);

    irq_raise(m->gsi[10]);
    g_assert_cmpint(hw_test_irqs.extint_level, ==, 1);
    g_assert_cmphex(read_irr(0x20), ==, 0x04);
    g_assert_cmphex(pic_read_irq(m->pic), ==, 0x72);
    g_assert_cmphex(read_isr(0x20), ==, 0x04);
    g_assert_cmphex(read_isr(0xa0), ==, 0x04);
    outb(0xa0, 0x20);
    outb(0x20, 0x20);
    /* still high: a level request comes straight back */
    g_assert_true(pic_intr_pending(m->pic));
    g_assert_cmphex(pic_read_irq(m->pic), ==, 0x72);
    irq_lower(m->gsi[10]);
    outb(0xa0, 0x20);
    outb(0x20, 0x20);
    g_assert_false(pic_intr_pending(m->pic));
    g_assert_cmphex(read_irr(0xa0), ==, 0x00);

    /* edge on the slave: IRQ 12 -> 0x74 */
    irq_raise(m->gsi[12]);
    g_assert_cmphex(pic_read_irq(m->pic), ==, 0x74);
    g_assert_cmphex(read_isr(0xa0), ==, 0x10);
    outb(0xa0, 0x20);
    outb(0x20, 0x20);
    irq_lower(m->gsi[12]);
    outb(0x4d1, 0);
    g_test_message("level IRQ 10 via the slave is 0x72 and re-fires while "
                   "high; edge IRQ 12 is 0x74; ELCR masks 0xf8/0xde");
}

static void test_spurious_aeoi_poll(void)
{
    pic_init(0x01);
    /* nothing pending: IRQ 7's vector, no ISR bit */
    g_assert_cmphex(pic_read_irq(m->pic), ==, 0x0f);
    g_assert_cmphex(read_isr(0x20), ==, 0x00);

    /* a level request that vanishes before INTA is spurious too */
    outb(0x4d0, 0x20);
    irq_raise(m->gsi[5]);
    g_assert_cmpint(hw_test_irqs.extint_level, ==, 1);
    irq_lower(m->gsi[5]);
    g_assert_cmpint(hw_test_irqs.extint_level, ==, 0);
    g_assert_cmphex(pic_read_irq(m->pic), ==, 0x0f);
    outb(0x4d0, 0);

    /* auto-EOI: ISR never set */
    pic_init(0x03);
    irq_raise(m->gsi[6]);
    g_assert_cmphex(pic_read_irq(m->pic), ==, 0x0e);
    g_assert_cmphex(read_isr(0x20), ==, 0x00);
    irq_lower(m->gsi[6]);

    /* poll mode: the read is the acknowledge */
    pic_init(0x01);
    irq_raise(m->gsi[7]);
    outb(0x20, 0x0c);
    g_assert_cmphex(inb(0x20), ==, 0x87);
    g_assert_cmphex(read_isr(0x20), ==, 0x80);
    outb(0x20, 0x0c);
    g_assert_cmphex(inb(0x20), ==, 0x00);
    outb(0x20, 0x20);
    irq_lower(m->gsi[7]);

    /* special mask mode: masking the in-service 3 lets 5 through */
    irq_raise(m->gsi[3]);
    g_assert_cmphex(pic_read_irq(m->pic), ==, 0x0b);
    irq_raise(m->gsi[5]);
    g_assert_false(pic_intr_pending(m->pic));
    outb(0x21, 0x08);
    outb(0x20, 0x68);           /* OCW3: set special mask */
    g_assert_true(pic_intr_pending(m->pic));
    g_assert_cmphex(pic_read_irq(m->pic), ==, 0x0d);
    outb(0x20, 0x65);
    outb(0x20, 0x48);           /* clear special mask */
    outb(0x20, 0x63);
    outb(0x21, 0x00);
    irq_lower(m->gsi[3]);
    irq_lower(m->gsi[5]);
    g_assert_cmphex(read_isr(0x20), ==, 0x00);
    g_test_message("spurious 0x0f, auto-EOI, poll 0x87, special mask mode");
}

static void test_reset(void)
{
    pic_init(0x01);
    irq_raise(m->gsi[1]);
    g_assert_cmpint(hw_test_irqs.extint_level, ==, 1);
    machine_reset(m);
    g_assert_cmpint(hw_test_irqs.extint_level, ==, 0);
    g_assert_cmphex(inb(0x21), ==, 0x00);
    g_assert_cmphex(read_irr(0x20), ==, 0x00);
    irq_lower(m->gsi[1]);
    g_test_message("reset drops INTR and clears IRR/IMR");
}

int main(int argc, char **argv)
{
    static MachineConfig cfg = { .ram_size = 16 * MiB, .smp = 1 };

    g_test_init(&argc, &argv, NULL);
    m = hw_test_machine_new(&cfg, &hw_test_accel, gsi_to_pic);
    hw_test_create_or_die(m, "i8259");
    g_assert_nonnull(m->pic);

    g_test_add_func("/pic/init-and-mask", test_init_and_mask);
    g_test_add_func("/pic/priority-and-edge", test_priority_and_edge);
    g_test_add_func("/pic/level-and-cascade", test_level_and_cascade);
    g_test_add_func("/pic/spurious-aeoi-poll", test_spurious_aeoi_poll);
    g_test_add_func("/pic/reset", test_reset);
    return g_test_run();
}
