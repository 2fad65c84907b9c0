/*
 * hw-test.c: the device tests' fixture (see hw-test.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw-test.h"
#include "guest-ram.h"
#include "main/main-loop.h"

HwTestIrqs hw_test_irqs;

void hw_test_gsi_record(void *opaque G_GNUC_UNUSED, int n, int level)
{
    if (hw_test_irqs.gsi_level[n] != level) {
        hw_test_irqs.gsi_changes[n]++;
    }
    hw_test_irqs.gsi_level[n] = level;
}

static void hw_test_deliver_msi(Machine *m G_GNUC_UNUSED, uint64_t addr,
                                uint32_t data)
{
    hw_test_irqs.msi_count++;
    hw_test_irqs.msi_addr = addr;
    hw_test_irqs.msi_data = data;
}

static void hw_test_set_extint(Machine *m G_GNUC_UNUSED, int level)
{
    hw_test_irqs.extint_level = level;
    hw_test_irqs.extint_calls++;
}

const AccelOps hw_test_accel = {
    .name = "test",
    .deliver_msi = hw_test_deliver_msi,
    .set_extint = hw_test_set_extint,
};

Machine *hw_test_machine_new(MachineConfig *cfg, const AccelOps *accel,
                             IRQHandler *gsi)
{
    Machine *m;

    memory_init();
    main_loop_init();
    bql_lock();
    m = machine_new(cfg);
    m->accel = accel;
    for (int i = 0; gsi && i < PC_NUM_GSI; i++) {
        m->gsi[i] = irq_new(gsi, NULL, i);
    }
    return m;
}

int hw_test_create(Machine *m, const char *spec, GError **errp)
{
    Opts *opts = opts_parse(spec, true, errp);
    int ret;

    if (!opts) {
        return -1;
    }
    ret = machine_create_device(m, opts, errp);
    opts_free(opts);
    return ret;
}

void hw_test_create_or_die(Machine *m, const char *spec)
{
    g_autoptr(GError) err = NULL;

    if (hw_test_create(m, spec, &err) < 0) {
        g_error("%s: %s", spec, err ? err->message : "?");
    }
}

uint8_t *hw_test_add_ram(MemoryRegion *ram, const char *name, uint64_t size)
{
    return guest_ram_add(ram, name, size);
}

void io_write(uint16_t port, uint32_t val, unsigned size)
{
    address_space_write(&address_space_io, port, MEMTXATTRS_UNSPECIFIED, &val,
                        size);
}

uint32_t io_read(uint16_t port, unsigned size)
{
    uint32_t val = 0;

    address_space_read(&address_space_io, port, MEMTXATTRS_UNSPECIFIED, &val,
                       size);
    return val;
}

void outb(uint16_t port, uint8_t val)
{
    io_write(port, val, 1);
}

uint8_t inb(uint16_t port)
{
    return io_read(port, 1);
}

void mmio_write(hwaddr addr, uint64_t val, unsigned size)
{
    address_space_write(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                        &val, size);
}

uint64_t mmio_read(hwaddr addr, unsigned size)
{
    uint64_t val = 0;

    address_space_read(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                       &val, size);
    return val;
}

void mmio_write_direct(MemoryRegion *mr, hwaddr off, uint64_t val,
                       unsigned size)
{
    bql_lock();
    mr->ops->write(mr->opaque, off, val, size);
    bql_unlock();
}

uint64_t mmio_read_direct(MemoryRegion *mr, hwaddr off, unsigned size)
{
    uint64_t v;

    bql_lock();
    v = mr->ops->read(mr->opaque, off, size);
    bql_unlock();
    return v;
}

uint32_t pci_cfg_addr(int bus, int devfn, int reg)
{
    return 0x80000000u | bus << 16 | devfn << 8 | (reg & 0xfc);
}

uint32_t pci_cfg_read(int devfn, int reg, unsigned size)
{
    io_write(0xcf8, pci_cfg_addr(0, devfn, reg), 4);
    return io_read(0xcfc + (reg & 3), size);
}

void pci_cfg_write(int devfn, int reg, uint32_t val, unsigned size)
{
    io_write(0xcf8, pci_cfg_addr(0, devfn, reg), 4);
    io_write(0xcfc + (reg & 3), val, size);
}
