/*
 * test-pci.c: the PCI core, the i440FX host bridge and pci-testdev, driven
 * the way a guest drives them: port I/O through address_space_rw.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <unistd.h>
#include "hw/pci/msi.h"
#include "hw/pci/pci.h"
#include "main/main-loop.h"
#include "main/trace.h"
#include "hw-test.h"

static Machine *m;

/* Counts listener callbacks to see that a BAR move is one transaction. */
static unsigned lis_begin, lis_add, lis_del;

static void lis_on_begin(MemoryListener *l)
{
    (void)l;
    lis_begin++;
}

static void lis_on_add(MemoryListener *l, MemoryRegionSection *s)
{
    (void)l;
    (void)s;
    lis_add++;
}

static void lis_on_del(MemoryListener *l, MemoryRegionSection *s)
{
    (void)l;
    (void)s;
    lis_del++;
}

static MemoryListener test_listener = {
    .begin = lis_on_begin,
    .region_add = lis_on_add,
    .region_del = lis_on_del,
};

/* ---- Helpers (the guest-side accessors are in hw-test.h) ---------------- */

static const char *region_at(AddressSpace *as, hwaddr addr)
{
    MemoryRegionSection s;

    if (!address_space_lookup(as, addr, &s)) {
        return NULL;
    }
    return s.mr->name;
}

/* ---- Tests ----------------------------------------------------------------- */

static void test_enumeration(void)
{
    uint32_t v;

    v = pci_cfg_read(PCI_DEVFN(0, 0), 0, 4);
    g_test_message("00:00.0 id 0x%08x", v);
    g_assert_cmphex(v, ==, 0x12378086);
    v = pci_cfg_read(PCI_DEVFN(0, 0), PCI_CLASS_REVISION, 4);
    g_assert_cmphex(v >> 16, ==, 0x0600);
    v = pci_cfg_read(PCI_DEVFN(1, 0), 0, 4);
    g_test_message("00:01.0 id 0x%08x", v);
    g_assert_cmphex(v, ==, 0x70008086);
    g_assert_cmphex(pci_cfg_read(PCI_DEVFN(1, 0), PCI_CLASS_REVISION, 4) >> 16,
                    ==, 0x0601);
    g_assert_cmphex(pci_cfg_read(PCI_DEVFN(1, 0), PCI_HEADER_TYPE, 1), ==,
                    0x80);
    v = pci_cfg_read(PCI_DEVFN(1, 0), 0x60, 4);
    g_test_message("PIRQ routes 0x%08x", v);
    g_assert_cmphex(v, ==, 0x0b0b0a0a);
    /* read-only: a guest cannot reroute */
    pci_cfg_write(PCI_DEVFN(1, 0), 0x60, 0x05, 1);
    g_assert_cmphex(pci_cfg_read(PCI_DEVFN(1, 0), 0x60, 1), ==, 0x0a);

    /* sub-dword CONFIG_DATA accesses at every offset */
    g_assert_cmphex(pci_cfg_read(PCI_DEVFN(0, 0), 0x02, 2), ==, 0x1237);
    g_assert_cmphex(pci_cfg_read(PCI_DEVFN(0, 0), 0x01, 1), ==, 0x80);
    g_assert_cmphex(pci_cfg_read(PCI_DEVFN(0, 0), 0x03, 1), ==, 0x12);
    g_assert_cmphex(pci_cfg_read(PCI_DEVFN(0, 0), 0x2e, 2), ==, 0x1100);

    /* absent slots and functions, other buses, enable bit clear */
    for (int slot = 2; slot < 32; slot++) {
        if (pci_find_device(m->pci_bus, PCI_DEVFN(slot, 0))) {
            continue;
        }
        g_assert_cmphex(pci_cfg_read(PCI_DEVFN(slot, 0), 0, 4), ==, 0xffffffff);
    }
    g_assert_cmphex(pci_cfg_read(PCI_DEVFN(1, 1), 0, 4), ==, 0xffffffff);
    g_assert_cmphex(pci_cfg_read(PCI_DEVFN(1, 1), 0, 2), ==, 0xffff);
    io_write(0xcf8, pci_cfg_addr(1, 0, 0), 4);
    g_assert_cmphex(io_read(0xcfc, 4), ==, 0xffffffff);
    io_write(0xcf8, 0x00000000, 4);
    g_assert_cmphex(io_read(0xcfc, 4), ==, 0xffffffff);
    g_test_message("absent slots, bus 1 and disabled cycles read all-ones");

    /* CONFIG_ADDRESS reads back without its reserved bits */
    io_write(0xcf8, 0xff00ff07, 4);
    g_assert_cmphex(io_read(0xcf8, 4), ==, 0x8000ff04);
}

static void test_reset_register(void)
{
    char path[] = "/tmp/janus-test-pci-XXXXXX";
    g_autoptr(GError) err = NULL;
    g_autofree char *log = NULL;
    int fd = mkstemp(path);
    const char *p;
    int resets = 0;

    g_assert_cmpint(fd, >=, 0);
    close(fd);
    g_assert_cmpint(trace_set_output(path, &err), ==, 0);
    trace_enable_pattern("vm_request_reset");

    /* A dword at 0xcf8 whose byte 1 looks like "reset" is CONFIG_ADDRESS. */
    io_write(0xcf8, 0x80000600, 4);
    g_assert_cmphex(io_read(0xcf8, 4), ==, 0x80000600);
    g_assert_cmphex(io_read(0xcf9, 1), ==, 0x00);
    /* SYS_RST alone only selects the kind of reset */
    io_write(0xcf9, 0x02, 1);
    g_assert_cmphex(io_read(0xcf9, 1), ==, 0x02);
    g_assert_cmphex(io_read(0xcf8, 4), ==, 0x80000600);
    /* a word write at 0xcf8 is neither */
    io_write(0xcf8, 0x0606, 2);
    g_assert_cmphex(io_read(0xcf9, 1), ==, 0x02);

    g_assert_cmpint(g_file_get_contents(path, &log, NULL, NULL), ==, TRUE);
    g_assert_null(strstr(log, "vm_request_reset"));
    g_free(log);
    log = NULL;
    g_test_message("dword 0xcf8 and RCR bit 1 alone request no reset");

    io_write(0xcf9, 0x06, 1);
    g_assert_cmpint(g_file_get_contents(path, &log, NULL, NULL), ==, TRUE);
    for (p = log; (p = strstr(p, "vm_request_reset")); p++) {
        resets++;
    }
    g_test_message("byte 0x06 at 0xcf9: %d reset request(s)", resets);
    g_assert_cmpint(resets, ==, 1);
    unlink(path);
}

static void test_bar_sizing_and_moving(void)
{
    g_autoptr(GError) err = NULL;
    int devfn = PCI_DEVFN(3, 0);
    char name[32] = "";
    uint32_t v;

    g_assert_cmpint(hw_test_create(m, "pci-testdev,addr=03.0,id=td", &err),
                    ==, 0);
    g_assert_cmphex(pci_cfg_read(devfn, 0, 4), ==, 0x00051b36);
    g_assert_cmphex(pci_cfg_read(devfn, PCI_CLASS_REVISION, 4) >> 16, ==,
                    0x00ff);

    /* sizing: all-ones reads back the size mask and the type bits */
    pci_cfg_write(devfn, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
    v = pci_cfg_read(devfn, PCI_BASE_ADDRESS_0, 4);
    g_test_message("BAR0 sized: 0x%08x", v);
    g_assert_cmphex(v, ==, 0xfffff000);
    pci_cfg_write(devfn, PCI_BASE_ADDRESS_0 + 4, 0xffffffff, 4);
    v = pci_cfg_read(devfn, PCI_BASE_ADDRESS_0 + 4, 4);
    g_test_message("BAR1 sized: 0x%08x", v);
    g_assert_cmphex(v, ==, 0xffffff01);
    g_assert_cmphex(pci_cfg_read(devfn, PCI_BASE_ADDRESS_0 + 8, 4), ==, 0);

    /* an address without the decode bit maps nothing */
    pci_cfg_write(devfn, PCI_BASE_ADDRESS_0, 0xfe000000, 4);
    pci_cfg_write(devfn, PCI_BASE_ADDRESS_0 + 4, 0xc000, 4);
    g_assert_null(region_at(&address_space_memory, 0xfe000000));
    g_assert_null(region_at(&address_space_io, 0xc000));

    /* decode on: both BARs appear */
    pci_cfg_write(devfn, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO, 2);
    g_assert_cmpstr(region_at(&address_space_memory, 0xfe000fff), ==,
                    "pci-testdev-mmio");
    g_assert_cmpstr(region_at(&address_space_io, 0xc0ff), ==,
                    "pci-testdev-portio");
    g_assert_null(region_at(&address_space_memory, 0xfe001000));
    g_test_message("BAR0 at 0xfe000000, BAR1 at 0xc000 after Command=3");

    /* the device answers there: select test 0 of each BAR, read its name */
    io_write(0xc000, 0, 1);
    for (int i = 0; i < 31; i++) {
        name[i] = io_read(0xc000 + 16 + i, 1);
    }
    g_assert_cmpstr(name, ==, "portio-no-eventfd");

    /* move BAR0: one transaction, old range gone, new one there */
    memory_listener_register(&test_listener, &address_space_memory);
    lis_begin = lis_add = lis_del = 0;
    pci_cfg_write(devfn, PCI_BASE_ADDRESS_0, 0xfe100000, 4);
    g_test_message("BAR0 move: %u commit(s), %u del, %u add", lis_begin,
                   lis_del, lis_add);
    g_assert_cmpuint(lis_begin, ==, 1);
    g_assert_cmpuint(lis_del, >=, 1);
    g_assert_cmpuint(lis_add, >=, 1);
    memory_listener_unregister(&test_listener);
    g_assert_null(region_at(&address_space_memory, 0xfe000000));
    g_assert_cmpstr(region_at(&address_space_memory, 0xfe100000), ==,
                    "pci-testdev-mmio");
    g_assert_cmphex(pci_bar_address(pci_find_device(m->pci_bus, devfn), 0),
                    ==, 0xfe100000);

    /* sizing while decoding: all-ones is not a valid address, unmapped */
    pci_cfg_write(devfn, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
    g_assert_null(region_at(&address_space_memory, 0xfffff000));
    g_assert_null(region_at(&address_space_memory, 0xfe100000));
    pci_cfg_write(devfn, PCI_BASE_ADDRESS_0, 0xfe100000, 4);
    g_assert_nonnull(region_at(&address_space_memory, 0xfe100000));

    /* decode off again */
    pci_cfg_write(devfn, PCI_COMMAND, PCI_COMMAND_IO, 2);
    g_assert_null(region_at(&address_space_memory, 0xfe100000));
    g_assert_nonnull(region_at(&address_space_io, 0xc000));
    pci_cfg_write(devfn, PCI_COMMAND, 0, 2);
    g_assert_null(region_at(&address_space_io, 0xc000));
    g_test_message("Command=0 unmaps both BARs");
    pci_cfg_write(devfn, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO, 2);
}

static void test_testdev_widths(void)
{
    const hwaddr bar = 0xfe100000;
    uint64_t v;

    /* datamatch test (2) of the memory BAR: offset 2048 + 2, data 0xfa */
    mmio_write(bar, 2, 1);
    g_assert_cmphex(mmio_read(bar, 1), ==, 2);
    g_assert_cmphex(mmio_read(bar + 1, 1), ==, 1);
    g_assert_cmphex(mmio_read(bar + 4, 4), ==, 2050);
    g_assert_cmphex(mmio_read(bar + 8, 1), ==, 0xfa);
    v = mmio_read(bar + 16, 8);
    g_assert_cmpmem(&v, 8, "mmio-dat", 8);

    mmio_write(bar + 2050, 0xfa, 1);        /* counts */
    mmio_write(bar + 2050, 0xce, 1);        /* wrong data */
    mmio_write(bar + 2050, 0xfa, 2);        /* byte 0xfa at 2050: counts */
    mmio_write(bar + 2048, 0x0000fa00, 4);  /* 0xfa at 2049: no */
    mmio_write(bar + 2048, 0xfa0000ULL, 8); /* 0xfa at 2050: counts */
    mmio_write(bar + 2049, 0xfa00, 2);      /* unaligned, 0xfa at 2050 */
    g_assert_cmphex(mmio_read(bar + 12, 4), ==, 4);
    g_assert_cmphex(mmio_read(bar + 12, 8), ==, 0x6f696d6d00000004ULL);
    g_test_message("width 1/2/4/8 stores act as byte stores: count=4");

    /* wildcard (1) counts any data; selecting resets the count */
    mmio_write(bar, 1, 1);
    mmio_write(bar + 2049, 0x12, 1);
    mmio_write(bar + 2049, 0x34, 1);
    g_assert_cmphex(mmio_read(bar + 12, 4), ==, 2);
    /* an out-of-range test number deselects: reads are 0 */
    mmio_write(bar, 7, 1);
    g_assert_cmphex(mmio_read(bar, 8), ==, 0);
    /* the last name byte reads 0 and past the name too */
    mmio_write(bar, 0, 1);
    g_assert_cmphex(mmio_read(bar + 16 + 14, 1), ==, 0x64);   /* 'd' */
    g_assert_cmphex(mmio_read(bar + 16 + 15, 1), ==, 0);
    g_assert_cmphex(mmio_read(bar + 100, 4), ==, 0);
    /* reset: no firmware preset for pci-testdev, so the BAR is gone */
    machine_reset(m);
    g_assert_null(region_at(&address_space_memory, bar));
    g_assert_cmphex(mmio_read(bar, 1), ==, 0xff);
}

static PCIDevice *intx_a, *intx_b;
static MemoryRegion bar_a, bar_b64;

static uint64_t dummy_read(void *opaque, hwaddr addr, unsigned size)
{
    (void)opaque;
    (void)size;
    return addr;
}

static void dummy_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)v;
    (void)size;
}

static const MemoryRegionOps dummy_ops = {
    .read = dummy_read,
    .write = dummy_write,
};

static void test_preassigned_bar(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GString) info = g_string_new("");
    int devfn = PCI_DEVFN(4, 0);

    /* a hitb-like device: 1 MiB BAR0 pre-assigned, INTA */
    intx_a = pci_device_new(m->pci_bus, devfn, "hitb-like", 0x1234, 0x2333,
                            PCI_CLASS_OTHERS << 16 | 0x10, &err);
    g_assert_nonnull(intx_a);
    pci_config_set_interrupt_pin(intx_a, 1);
    memory_region_init_io(&bar_a, &dummy_ops, NULL, "hitb-like-mmio", MiB);
    pci_register_bar(intx_a, 0, PCI_BAR_MEM32, &bar_a);
    memory_region_init_io(&bar_b64, &dummy_ops, NULL, "hitb-like-64", 16 * KiB);
    pci_register_bar(intx_a, 2, PCI_BAR_MEM64 | PCI_BAR_PREFETCH, &bar_b64);
    pci_dev_assign_bar_address(intx_a, 0, 0xfea00000);
    g_assert_cmpstr(region_at(&address_space_memory, 0xfeafffff), ==,
                    "hitb-like-mmio");
    g_assert_cmphex(pci_cfg_read(devfn, PCI_COMMAND, 2) & 3, ==,
                    PCI_COMMAND_MEMORY);
    g_assert_cmphex(pci_cfg_read(devfn, PCI_INTERRUPT_LINE, 1), ==, 11);

    /* 64-bit BAR sizing and a mapping above 4 GiB */
    pci_cfg_write(devfn, PCI_BASE_ADDRESS_0 + 8, 0xffffffff, 4);
    pci_cfg_write(devfn, PCI_BASE_ADDRESS_0 + 12, 0xffffffff, 4);
    g_assert_cmphex(pci_cfg_read(devfn, PCI_BASE_ADDRESS_0 + 8, 4), ==,
                    0xffffc00c);
    g_assert_cmphex(pci_cfg_read(devfn, PCI_BASE_ADDRESS_0 + 12, 4), ==,
                    0xffffffff);
    pci_cfg_write(devfn, PCI_BASE_ADDRESS_0 + 8, 0x0000000c, 4);
    pci_cfg_write(devfn, PCI_BASE_ADDRESS_0 + 12, 0x8, 4);
    g_assert_cmpstr(region_at(&address_space_memory, 0x800000000ULL), ==,
                    "hitb-like-64");
    g_test_message("64-bit BAR2 at 0x800000000");

    /* reset keeps the pre-assigned BAR, drops the guest's */
    machine_reset(m);
    g_assert_cmpstr(region_at(&address_space_memory, 0xfea00000), ==,
                    "hitb-like-mmio");
    g_assert_null(region_at(&address_space_memory, 0x800000000ULL));
    g_assert_cmphex(pci_cfg_read(devfn, PCI_INTERRUPT_LINE, 1), ==, 11);

    pci_info(m->pci_bus, info);
    g_test_message("info pci:\n%s", info->str);
    g_assert_nonnull(strstr(info->str,
        "  Bus  0, device   0, function 0:\n"
        "    Host bridge: PCI device 8086:1237\n"
        "      PCI subsystem 1af4:1100\n"
        "      id \"\"\n"));
    g_assert_nonnull(strstr(info->str,
        "  Bus  0, device   4, function 0:\n"
        "    Class 0255: PCI device 1234:2333\n"
        "      PCI subsystem 1af4:1100\n"
        "      IRQ 11, pin A\n"
        "      BAR0: 32 bit memory at 0xfea00000 [0xfeafffff].\n"
        "      BAR2: 64 bit prefetchable memory at 0xffffffffffffffff "
        "[0x00003ffe].\n"
        "      id \"\"\n"));
    g_assert_nonnull(strstr(info->str, "    ISA bridge: PCI device 8086:7000\n"));
    g_assert_nonnull(strstr(info->str, "      id \"td\"\n"));
}

static void test_intx_routing(void)
{
    g_autoptr(GError) err = NULL;
    int devfn_b = PCI_DEVFN(3, 1);

    /* the PIIX swizzle and the {10,10,11,11} routing */
    g_assert_cmpint(pci_intx_gsi(4, 1), ==, 11);
    g_assert_cmpint(pci_intx_gsi(5, 1), ==, 10);
    g_assert_cmpint(pci_intx_gsi(1, 1), ==, 10);
    g_assert_cmpint(pci_intx_gsi(3, 1), ==, 11);
    g_assert_cmpint(pci_intx_gsi(3, 2), ==, 11);
    g_assert_cmpint(pci_intx_gsi(3, 3), ==, 10);
    g_assert_cmpint(pci_intx_gsi(4, 0), ==, -1);

    /* 00:03.1 pin A -> PIRQC -> IRQ 11, shared with 00:04.0 (PIRQD) */
    intx_b = pci_device_new(m->pci_bus, devfn_b, "intx-b", 0x1234, 0x0001,
                            PCI_CLASS_OTHERS << 16, &err);
    g_assert_nonnull(intx_b);
    pci_config_set_interrupt_pin(intx_b, 1);
    /* function 0 now says multi-function */
    g_assert_cmphex(pci_cfg_read(PCI_DEVFN(3, 0), PCI_HEADER_TYPE, 1), ==,
                    0x80);

    memset(hw_test_irqs.gsi_changes, 0, sizeof(hw_test_irqs.gsi_changes));
    pci_set_irq(intx_a, 1);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 1);
    g_assert_cmpint(hw_test_irqs.gsi_level[10], ==, 0);
    g_assert_cmphex(pci_cfg_read(PCI_DEVFN(4, 0), PCI_STATUS, 2) &
                    PCI_STATUS_INTERRUPT, ==, PCI_STATUS_INTERRUPT);
    pci_set_irq(intx_b, 1);
    pci_set_irq(intx_a, 0);
    /* b still holds it */
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 1);
    pci_set_irq(intx_b, 0);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 0);
    g_assert_cmpint(hw_test_irqs.gsi_changes[11], ==, 2);
    g_assert_cmpint(hw_test_irqs.gsi_changes[10], ==, 0);
    g_test_message("shared IRQ 11 is the OR of 04.0 and 03.1");

    /* INTx disable masks the pin; clearing it lets the level through */
    pci_set_irq(intx_a, 1);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 1);
    pci_cfg_write(PCI_DEVFN(4, 0), PCI_COMMAND,
              PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE, 2);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 0);
    g_assert_cmphex(pci_cfg_read(PCI_DEVFN(4, 0), PCI_STATUS, 2) &
                    PCI_STATUS_INTERRUPT, ==, PCI_STATUS_INTERRUPT);
    pci_cfg_write(PCI_DEVFN(4, 0), PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 1);
    g_test_message("Command bit 10 masks INTx");
    /* reset deasserts */
    machine_reset(m);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 0);
}

static void test_msi(void)
{
    g_autoptr(GError) err = NULL;
    int devfn = PCI_DEVFN(4, 0);
    int cap, ret;
    uint16_t flags;

    ret = msi_init(intx_a, 0, 4, true, &err);
    g_assert_cmpint(ret, >=, 0x40);
    g_assert_cmpint(msi_init(intx_a, 0, 4, true, NULL), <, 0);

    /* the guest walks the capability list */
    g_assert_cmphex(pci_cfg_read(devfn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST,
                    !=, 0);
    cap = pci_cfg_read(devfn, PCI_CAPABILITY_LIST, 1);
    g_assert_cmpint(cap, ==, ret);
    g_assert_cmphex(pci_cfg_read(devfn, cap, 1), ==, PCI_CAP_ID_MSI);
    g_assert_cmphex(pci_cfg_read(devfn, cap + 1, 1), ==, 0);
    flags = pci_cfg_read(devfn, cap + PCI_MSI_FLAGS, 2);
    g_test_message("MSI cap at 0x%02x flags 0x%04x", cap, flags);
    g_assert_cmphex(flags, ==, PCI_MSI_FLAGS_64BIT | (2 << 1));

    pci_cfg_write(devfn, cap + PCI_MSI_ADDRESS_LO, 0xfee00003, 4);
    g_assert_cmphex(pci_cfg_read(devfn, cap + PCI_MSI_ADDRESS_LO, 4), ==,
                    0xfee00000);
    pci_cfg_write(devfn, cap + PCI_MSI_ADDRESS_HI, 0, 4);
    pci_cfg_write(devfn, cap + PCI_MSI_DATA_64, 0x4041, 2);

    hw_test_irqs.msi_count = 0;
    msi_notify(intx_a, 0);
    g_assert_false(msi_enabled(intx_a));
    g_assert_cmpuint(hw_test_irqs.msi_count, ==, 0);

    /* asking for 32 vectors gets the 4 offered */
    pci_cfg_write(devfn, cap + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | (5 << 4),
                  2);
    g_assert_true(msi_enabled(intx_a));
    g_assert_cmphex((pci_cfg_read(devfn, cap + PCI_MSI_FLAGS, 2) >> 4) & 7,
                    ==, 2);

    /* no bus master, no message */
    msi_notify(intx_a, 1);
    g_assert_cmpuint(hw_test_irqs.msi_count, ==, 0);
    pci_cfg_write(devfn, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER,
                  2);
    msi_notify(intx_a, 3);
    g_test_message("MSI vector 3 -> addr 0x%" PRIx64 " data 0x%x",
                   hw_test_irqs.msi_addr, hw_test_irqs.msi_data);
    g_assert_cmpuint(hw_test_irqs.msi_count, ==, 1);
    g_assert_cmphex(hw_test_irqs.msi_addr, ==, 0xfee00000);
    g_assert_cmphex(hw_test_irqs.msi_data, ==, 0x4043);
    msi_notify(intx_a, 4);      /* beyond the 4 enabled: dropped */
    g_assert_cmpuint(hw_test_irqs.msi_count, ==, 1);

    /* enabling MSI withdraws INTx */
    pci_set_irq(intx_a, 1);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 1);
    pci_cfg_write(devfn, cap + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | (2 << 4),
                  2);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 0);

    /* reset disables MSI */
    machine_reset(m);
    g_assert_false(msi_enabled(intx_a));
    g_assert_cmphex(pci_cfg_read(devfn, cap + PCI_MSI_ADDRESS_LO, 4), ==, 0);
}

static void test_devfn_parsing(void)
{
    g_autoptr(GError) err = NULL;
    int devfn = 0;

    g_assert_cmpint(pci_parse_devfn("04.0", &devfn, NULL), ==, 0);
    g_assert_cmpint(devfn, ==, PCI_DEVFN(4, 0));
    g_assert_cmpint(pci_parse_devfn("1f.7", &devfn, NULL), ==, 0);
    g_assert_cmpint(devfn, ==, 0xff);
    g_assert_cmpint(pci_parse_devfn("a", &devfn, NULL), ==, 0);
    g_assert_cmpint(devfn, ==, PCI_DEVFN(10, 0));
    g_assert_cmpint(pci_parse_devfn("20.0", &devfn, NULL), <, 0);
    g_assert_cmpint(pci_parse_devfn("4.8", &devfn, NULL), <, 0);
    g_assert_cmpint(pci_parse_devfn("4.", &devfn, NULL), <, 0);
    g_assert_cmpint(pci_parse_devfn("", &devfn, NULL), <, 0);
    g_assert_cmpint(pci_parse_devfn("x4", &devfn, &err), <, 0);
    g_test_message("bad addr: %s", err->message);

    /* taken slot, unknown property, first free slot */
    {
        Opts *o = opts_parse("pci-testdev,addr=4", true, NULL);
        g_clear_error(&err);
        g_assert_cmpint(machine_create_device(m, o, &err), <, 0);
        g_test_message("addr=4: %s", err->message);
        opts_free(o);
        o = opts_parse("pci-testdev,bogus=1", true, NULL);
        g_clear_error(&err);
        g_assert_cmpint(machine_create_device(m, o, &err), <, 0);
        g_test_message("bogus=1: %s", err->message);
        opts_free(o);
        g_assert_cmpint(hw_test_create(m, "pci-testdev", NULL), ==, 0);
        g_assert_nonnull(pci_find_device(m->pci_bus, PCI_DEVFN(2, 0)));
    }
}

int main(int argc, char **argv)
{
    static MachineConfig cfg = { .ram_size = 64 * MiB, .smp = 1 };

    g_test_init(&argc, &argv, NULL);
    m = hw_test_machine_new(&cfg, &hw_test_accel, hw_test_gsi_record);
    hw_test_create_or_die(m, "i440FX-pcihost");

    g_test_add_func("/pci/enumeration", test_enumeration);
    g_test_add_func("/pci/reset-register", test_reset_register);
    g_test_add_func("/pci/bar-sizing-moving", test_bar_sizing_and_moving);
    g_test_add_func("/pci/testdev-widths", test_testdev_widths);
    g_test_add_func("/pci/preassigned-bar-info", test_preassigned_bar);
    g_test_add_func("/pci/intx-routing", test_intx_routing);
    g_test_add_func("/pci/msi", test_msi);
    g_test_add_func("/pci/devfn-parsing", test_devfn_parsing);
    return g_test_run();
}
