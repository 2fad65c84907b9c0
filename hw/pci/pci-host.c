/*
 * pci-host.c: the i440FX host bridge and PIIX3 ISA bridge as a guest
 * enumerates them, and PCI configuration mechanism #1.
 *
 * Ports (as the PIIX decodes them):
 *   0xcf8  dword      CONFIG_ADDRESS: enable(31) bus(23:16) dev(15:11)
 *                     fn(10:8) register(7:2)
 *   0xcf9  byte       Reset Control Register (RCR)
 *   0xcfc-0xcff       CONFIG_DATA: 1, 2 or 4 bytes at any offset that stays
 *                     within the dword
 * 0xcf8 and 0xcf9 share the region "pci-conf-idx" and are told apart by
 * access size, which is how the chipset decodes them: only a dword access
 * at 0xcf8 is CONFIG_ADDRESS.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdio.h>
#include "hw/pci/pci.h"
#include "main/main-loop.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(pci_host_rcr);
TRACE_EVENT_DEFINE(pci_host_bad_access);

#define PCI_HOST_CONFIG_ADDR    0xcf8
#define PCI_HOST_CONFIG_DATA    0xcfc
#define CONFIG_ADDR_ENABLE      0x80000000u
/* Bits 30:24 and 1:0 are reserved and read back 0. */
#define CONFIG_ADDR_MASK        0x80fffffcu

#define RCR_SYS_RST             0x02    /* hard (1) or soft (0) reset */
#define RCR_RST_CPU             0x04    /* 0 -> 1 starts the reset */
#define RCR_FULL_RST            0x08
#define RCR_KEEP                (RCR_SYS_RST | RCR_FULL_RST)

/* PIIX3 PIRQ route control registers (PIRQRC[A:D]). */
#define PIIX_PIRQRC             0x60

typedef struct PCIHostState {
    Machine *machine;
    PCIBus *bus;
    uint32_t config_addr;
    uint8_t rcr;
    MemoryRegion conf_idx;
    MemoryRegion conf_data;
    MemoryRegion *pci_memory;   /* ours only when the machine gave none */
} PCIHostState;

static uint64_t pci_host_idx_read(void *opaque, hwaddr addr, unsigned size)
{
    PCIHostState *s = opaque;

    if (addr == 0 && size == 4) {
        return s->config_addr;
    }
    if (addr == 1 && size == 1) {
        return s->rcr;
    }
    /* Narrower cycles at 0xcf8 fall through to the (empty) ISA bus. */
    trace(pci_host_bad_access, "read 0x%" HWADDR_PRIx " size %u",
          PCI_HOST_CONFIG_ADDR + addr, size);
    return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

static void pci_host_rcr_write(PCIHostState *s, uint8_t val)
{
    trace(pci_host_rcr, "0x%02x", val);
    if (val & RCR_RST_CPU) {
        trace(pci_host_rcr, "%s reset requested",
              (val & RCR_SYS_RST) ? "hard" : "soft");
        /* janus has one kind of reset: the whole machine, as QEMU does. */
        vm_request_reset();
        return;
    }
    s->rcr = val & RCR_KEEP;
}

static void pci_host_idx_write(void *opaque, hwaddr addr, uint64_t val,
                               unsigned size)
{
    PCIHostState *s = opaque;

    if (addr == 0 && size == 4) {
        s->config_addr = val & CONFIG_ADDR_MASK;
    } else if (addr == 1 && size == 1) {
        pci_host_rcr_write(s, val);
    } else {
        trace(pci_host_bad_access, "write 0x%" HWADDR_PRIx " size %u "
              "val 0x%" PRIx64, PCI_HOST_CONFIG_ADDR + addr, size, val);
    }
}

static const MemoryRegionOps pci_host_idx_ops = {
    .read = pci_host_idx_read,
    .write = pci_host_idx_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* The bus 0 devfn CONFIG_ADDRESS selects, or -1 for no config cycle. */
static int pci_host_target(PCIHostState *s)
{
    if (!(s->config_addr & CONFIG_ADDR_ENABLE)) {
        return -1;
    }
    if ((s->config_addr >> 16) & 0xff) {
        /* Only bus 0 exists: no bridge claims other bus numbers. */
        return -1;
    }
    return (s->config_addr >> 8) & 0xff;
}

static uint64_t pci_host_data_read(void *opaque, hwaddr addr, unsigned size)
{
    PCIHostState *s = opaque;
    uint32_t ones = size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
    int devfn = pci_host_target(s);

    if (devfn < 0 || addr + size > 4) {
        return ones;
    }
    return pci_bus_config_read(s->bus, devfn,
                               (s->config_addr & 0xfc) + addr, size);
}

static void pci_host_data_write(void *opaque, hwaddr addr, uint64_t val,
                                unsigned size)
{
    PCIHostState *s = opaque;
    int devfn = pci_host_target(s);

    if (devfn < 0 || addr + size > 4) {
        return;
    }
    pci_bus_config_write(s->bus, devfn, (s->config_addr & 0xfc) + addr,
                         val, size);
}

static const MemoryRegionOps pci_host_data_ops = {
    .read = pci_host_data_read,
    .write = pci_host_data_write,
    /* A word at 0xcfd is a legal cycle (byte enables 1-2): take it whole. */
    .valid = { .min_access_size = 1, .max_access_size = 4,
               .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4,
              .unaligned = true },
};

static void pci_host_reset(void *opaque)
{
    PCIHostState *s = opaque;

    s->config_addr = 0;
    s->rcr = 0;
}

static int pci_host_create(Machine *m, Opts *opts, GError **errp)
{
    MemoryRegion *io = m->system_io ? m->system_io : get_system_io();
    PCIHostState *s;
    PCIDevice *isa;

    if (opts && opts_check_unused(opts, "i440FX-pcihost", errp) < 0) {
        return -EINVAL;
    }
    if (m->pci_bus) {
        g_set_error(errp, JANUS_ERROR, 0,
                    "i440FX-pcihost: the machine already has a PCI bus");
        return -EBUSY;
    }

    s = g_new0(PCIHostState, 1);
    s->machine = m;
    if (!m->pci_memory) {
        /* Normally hw/pc.c builds "pci" and the holes that show it; a bare
         * machine (unit tests) gets a container behind everything else. */
        MemoryRegion *sys = m->system_memory ? m->system_memory
                                             : get_system_memory();

        s->pci_memory = g_new0(MemoryRegion, 1);
        memory_region_init(s->pci_memory, "pci", MEMORY_SIZE_2_64);
        memory_region_add_subregion_overlap(sys, 0, s->pci_memory, -1);
        m->pci_memory = s->pci_memory;
    }
    s->bus = pci_bus_new(m, m->pci_memory, io);
    m->pci_bus = s->bus;

    /* Creation order matters to nobody but errors: both slots are free. */
    if (!pci_device_new(s->bus, PCI_DEVFN(0, 0), "i440FX",
                        PCI_VENDOR_ID_INTEL, 0x1237,
                        PCI_CLASS_BRIDGE_HOST << 16 | 0x02, errp)) {
        return -EBUSY;
    }
    isa = pci_device_new(s->bus, PCI_DEVFN(1, 0), "PIIX3",
                         PCI_VENDOR_ID_INTEL, 0x7000,
                         PCI_CLASS_BRIDGE_ISA << 16, errp);
    if (!isa) {
        return -EBUSY;
    }
    /* The PIIX3 is function 0 of a multi-function device on every PC. */
    isa->config[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MULTI_FUNCTION;
    /* The routing pci_set_irq uses, fixed (read-only) because no firmware
     * programs it and the ACPI/MP tables describe exactly this. */
    for (int i = 0; i < PCI_NUM_PIRQS; i++) {
        isa->config[PIIX_PIRQRC + i] = pci_pirq_to_irq[i];
    }

    memory_region_init_io(&s->conf_idx, &pci_host_idx_ops, s,
                          "pci-conf-idx", 4);
    memory_region_init_io(&s->conf_data, &pci_host_data_ops, s,
                          "pci-conf-data", 4);
    memory_region_transaction_begin();
    memory_region_add_subregion(io, PCI_HOST_CONFIG_ADDR, &s->conf_idx);
    memory_region_add_subregion(io, PCI_HOST_CONFIG_DATA, &s->conf_data);
    memory_region_transaction_commit();

    machine_register_reset(m, pci_host_reset, s);
    return 0;
}

static DeviceInfo pci_host_info = {
    .name = "i440FX-pcihost",
    .desc = "i440FX host bridge, PIIX3 ISA bridge and config mechanism #1",
    .user_creatable = false,
    .create = pci_host_create,
};
DEVICE_REGISTER(pci_host_info)
