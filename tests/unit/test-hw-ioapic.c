/*
 * test-hw-ioapic.c: the I/O APIC programmed through its MMIO window; its
 * deliveries are caught as MSI writes by a test accelerator.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/intc/ioapic.h"
#include "hw-test.h"

static Machine *m;

static uint32_t reg_read(unsigned idx)
{
    mmio_write(IOAPIC_DEFAULT_BASE, idx, 4);
    return mmio_read(IOAPIC_DEFAULT_BASE + 0x10, 4);
}

static void reg_write(unsigned idx, uint32_t val)
{
    mmio_write(IOAPIC_DEFAULT_BASE, idx, 4);
    mmio_write(IOAPIC_DEFAULT_BASE + 0x10, val, 4);
}

static void set_entry(int pin, uint32_t low, uint32_t high)
{
    reg_write(0x11 + 2 * pin, high);
    reg_write(0x10 + 2 * pin, low);
}

static void test_id_version(void)
{
    g_assert_cmphex(reg_read(0x01), ==, 0x00170020);
    g_assert_cmphex(reg_read(0x00), ==, 0);
    reg_write(0x00, 0x0f000000 | 0x1234);
    g_assert_cmphex(reg_read(0x00), ==, 0x0f000000);
    g_assert_cmphex(reg_read(0x02), ==, 0x0f000000);
    reg_write(0x00, 0);
    /* after reset every entry is masked */
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        g_assert_cmphex(reg_read(0x10 + 2 * pin), ==, 0x00010000);
    }
    /* a register past the table reads 0, a write there does nothing */
    reg_write(0x40, 0xffffffff);
    g_assert_cmphex(reg_read(0x40), ==, 0);
    g_test_message("version 0x%08x, ID writable in bits 24-27, 24 masked "
                   "entries", reg_read(0x01));
}

static void test_edge(void)
{
    unsigned before;

    /* pin 4: vector 0x31, fixed, physical, edge, unmasked, APIC 1 */
    set_entry(4, 0x31, 0x01000000);
    g_assert_cmphex(reg_read(0x18), ==, 0x31);
    g_assert_cmphex(reg_read(0x19), ==, 0x01000000);
    before = hw_test_irqs.msi_count;
    ioapic_set_irq(m->ioapic, 4, 1);
    g_assert_cmpuint(hw_test_irqs.msi_count, ==, before + 1);
    g_assert_cmphex(hw_test_irqs.msi_addr, ==, 0xfee01000);
    g_assert_cmphex(hw_test_irqs.msi_data, ==, 0x4031);
    g_test_message("edge pin 4 -> MSI addr 0x%" PRIx64 " data 0x%x",
                   hw_test_irqs.msi_addr, hw_test_irqs.msi_data);
    /* still high: no new edge */
    ioapic_set_irq(m->ioapic, 4, 1);
    g_assert_cmpuint(hw_test_irqs.msi_count, ==, before + 1);
    ioapic_set_irq(m->ioapic, 4, 0);
    ioapic_set_irq(m->ioapic, 4, 1);
    g_assert_cmpuint(hw_test_irqs.msi_count, ==, before + 2);
    ioapic_set_irq(m->ioapic, 4, 0);

    /* masked: the edge waits for the unmask */
    set_entry(4, 0x10031, 0x01000000);
    ioapic_set_irq(m->ioapic, 4, 1);
    ioapic_set_irq(m->ioapic, 4, 0);
    g_assert_cmpuint(hw_test_irqs.msi_count, ==, before + 2);
    set_entry(4, 0x31, 0x01000000);
    g_assert_cmpuint(hw_test_irqs.msi_count, ==, before + 3);

    /* NMI delivery, logical destination 0x0f */
    set_entry(5, 0x400 | 0x800 | 0x02, 0x0f000000);
    ioapic_set_irq(m->ioapic, 5, 1);
    g_assert_cmphex(hw_test_irqs.msi_addr, ==, 0xfee0f004);
    g_assert_cmphex(hw_test_irqs.msi_data, ==, 0x4402);
    ioapic_set_irq(m->ioapic, 5, 0);
    set_entry(4, 0x10000, 0);
    set_entry(5, 0x10000, 0);
    g_test_message("no MSI while high, a masked edge is delivered on unmask, "
                   "NMI/logical encoded as 0x%x at 0x%" PRIx64,
                   hw_test_irqs.msi_data, hw_test_irqs.msi_addr);
}

static void test_level_remote_irr(void)
{
    unsigned before = hw_test_irqs.msi_count;

    /* pin 10: vector 0x41, level, logical, destination 3 */
    set_entry(10, 0x41 | 0x8000 | 0x800, 0x03000000);
    ioapic_set_irq(m->ioapic, 10, 1);
    g_assert_cmpuint(hw_test_irqs.msi_count, ==, before + 1);
    g_assert_cmphex(hw_test_irqs.msi_addr, ==, 0xfee03004);
    g_assert_cmphex(hw_test_irqs.msi_data, ==, 0xc041);
    g_assert_cmphex(reg_read(0x24) & 0x4000, ==, 0x4000);
    g_test_message("level pin 10 -> data 0x%x, remote IRR set",
                   hw_test_irqs.msi_data);

    /* remote IRR holds further deliveries */
    ioapic_set_irq(m->ioapic, 10, 0);
    ioapic_set_irq(m->ioapic, 10, 1);
    g_assert_cmpuint(hw_test_irqs.msi_count, ==, before + 1);
    /* remote IRR is read-only */
    reg_write(0x24, 0x41 | 0x8000 | 0x800);
    g_assert_cmphex(reg_read(0x24) & 0x4000, ==, 0x4000);
    g_assert_cmpuint(hw_test_irqs.msi_count, ==, before + 1);

    /* EOI with the line still high: delivered again */
    ioapic_eoi_broadcast(m->ioapic, 0x41);
    g_assert_cmpuint(hw_test_irqs.msi_count, ==, before + 2);
    g_assert_cmphex(reg_read(0x24) & 0x4000, ==, 0x4000);

    /* line low, EOI through the version 0x20 EOI register: quiet */
    ioapic_set_irq(m->ioapic, 10, 0);
    mmio_write(IOAPIC_DEFAULT_BASE + 0x40, 0x41, 4);
    g_assert_cmphex(reg_read(0x24) & 0x4000, ==, 0);
    g_assert_cmpuint(hw_test_irqs.msi_count, ==, before + 2);

    /* an EOI for another vector leaves it alone */
    ioapic_set_irq(m->ioapic, 10, 1);
    g_assert_cmpuint(hw_test_irqs.msi_count, ==, before + 3);
    ioapic_eoi_broadcast(m->ioapic, 0x42);
    g_assert_cmphex(reg_read(0x24) & 0x4000, ==, 0x4000);
    ioapic_set_irq(m->ioapic, 10, 0);
    ioapic_eoi_broadcast(m->ioapic, 0x41);
    set_entry(10, 0x10000, 0);
    g_test_message("remote IRR blocks until EOI; EOI re-delivers while high");
}

static void test_bad_inputs(void)
{
    unsigned before = hw_test_irqs.msi_count;

    ioapic_set_irq(m->ioapic, 24, 1);
    ioapic_set_irq(m->ioapic, -1, 1);
    /* reserved delivery mode 3 is dropped */
    set_entry(6, 0x300 | 0x50, 0);
    ioapic_set_irq(m->ioapic, 6, 1);
    ioapic_set_irq(m->ioapic, 6, 0);
    g_assert_cmpuint(hw_test_irqs.msi_count, ==, before);
    set_entry(6, 0x10000, 0);
    /* reads outside the two registers return 0 */
    g_assert_cmphex(mmio_read(IOAPIC_DEFAULT_BASE + 0x20, 4), ==, 0);
    g_test_message("pins 24/-1 and delivery mode 3 ignored");
}

static void test_reset(void)
{
    set_entry(7, 0x33, 0);
    reg_write(0x00, 0x02000000);
    machine_reset(m);
    g_assert_cmphex(reg_read(0x1e), ==, 0x00010000);
    g_assert_cmphex(reg_read(0x00), ==, 0);
    g_test_message("reset masks every entry and clears the ID");
}

int main(int argc, char **argv)
{
    static MachineConfig cfg = { .ram_size = 16 * MiB, .smp = 1 };

    g_test_init(&argc, &argv, NULL);
    m = hw_test_machine_new(&cfg, &hw_test_accel, NULL);
    hw_test_create_or_die(m, "ioapic,version=0x20");
    g_assert_nonnull(m->ioapic);

    g_test_add_func("/ioapic/id-version", test_id_version);
    g_test_add_func("/ioapic/edge", test_edge);
    g_test_add_func("/ioapic/level-remote-irr", test_level_remote_irr);
    g_test_add_func("/ioapic/bad-inputs", test_bad_inputs);
    g_test_add_func("/ioapic/reset", test_reset);
    return g_test_run();
}
