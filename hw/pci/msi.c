/*
 * msi.c: the PCI MSI capability.
 *
 * The capability is plain config space: the guest's writes land through
 * the core's write masks, and msi_notify() reads address and data back at
 * send time, so there is no shadow state to keep coherent.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdio.h>
#include "hw/pci/msi.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(pci_msi_notify);
TRACE_EVENT_DEFINE(pci_msi_dropped);
TRACE_EVENT_DEFINE(pci_msi_config);

static uint16_t msi_flags(PCIDevice *dev)
{
    return pci_get_word(dev->config + dev->msi_cap + PCI_MSI_FLAGS);
}

static bool msi_is_64bit(PCIDevice *dev)
{
    return msi_flags(dev) & PCI_MSI_FLAGS_64BIT;
}

static unsigned msi_data_offset(PCIDevice *dev)
{
    return dev->msi_cap +
           (msi_is_64bit(dev) ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32);
}

int msi_init(PCIDevice *dev, uint8_t offset, unsigned nr_vectors,
             bool is_64bit, GError **errp)
{
    unsigned log2 = 0;
    uint8_t size = is_64bit ? PCI_MSI_64_SIZEOF : PCI_MSI_32_SIZEOF;
    uint16_t flags;
    int cap;

    if (dev->msi_cap) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: MSI capability already added",
                    dev->name);
        return -EBUSY;
    }
    if (nr_vectors < 1 || nr_vectors > 32 ||
        (nr_vectors & (nr_vectors - 1))) {
        g_set_error(errp, JANUS_ERROR, 0,
                    "%s: MSI vector count %u is not a power of two in 1-32",
                    dev->name, nr_vectors);
        return -EINVAL;
    }
    while ((1u << log2) < nr_vectors) {
        log2++;
    }

    cap = pci_add_capability(dev, PCI_CAP_ID_MSI, offset, size, errp);
    if (cap < 0) {
        return cap;
    }
    dev->msi_cap = cap;
    dev->msi_nr_vectors = nr_vectors;

    flags = log2 << 1;
    if (is_64bit) {
        flags |= PCI_MSI_FLAGS_64BIT;
    }
    pci_set_word(dev->config + cap + PCI_MSI_FLAGS, flags);
    pci_set_word(dev->wmask + cap + PCI_MSI_FLAGS,
                 PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
    /* The address is DWORD aligned: its two low bits are read-only 0. */
    pci_set_long(dev->wmask + cap + PCI_MSI_ADDRESS_LO, 0xfffffffc);
    if (is_64bit) {
        pci_set_long(dev->wmask + cap + PCI_MSI_ADDRESS_HI, 0xffffffff);
    }
    pci_set_word(dev->wmask + msi_data_offset(dev), 0xffff);
    return cap;
}

bool msi_enabled(PCIDevice *dev)
{
    return dev->msi_cap && (msi_flags(dev) & PCI_MSI_FLAGS_ENABLE);
}

void msi_write_config(PCIDevice *dev, uint32_t addr, uint32_t val,
                      unsigned len)
{
    uint32_t flags_at = dev->msi_cap + PCI_MSI_FLAGS;
    uint16_t flags;
    unsigned capable, enabled;

    (void)val;
    if (!dev->msi_cap || addr + len <= flags_at || addr > flags_at + 1) {
        return;
    }

    flags = msi_flags(dev);
    capable = (flags & PCI_MSI_FLAGS_QMASK) >> 1;
    enabled = (flags & PCI_MSI_FLAGS_QSIZE) >> 4;
    if (enabled > capable) {
        /* A guest asking for more vectors than offered gets the maximum. */
        trace(pci_msi_config, "%s: MME %u > MMC %u, clamped", dev->name,
              enabled, capable);
        flags = (flags & ~PCI_MSI_FLAGS_QSIZE) | (capable << 4);
        pci_set_word(dev->config + dev->msi_cap + PCI_MSI_FLAGS, flags);
    }
    trace(pci_msi_config, "%s: %s, %u vector(s)", dev->name,
          (flags & PCI_MSI_FLAGS_ENABLE) ? "enabled" : "disabled",
          1u << ((flags & PCI_MSI_FLAGS_QSIZE) >> 4));

    /* A function using MSI must not also assert INTx (spec 6.8.1.3). */
    if (flags & PCI_MSI_FLAGS_ENABLE) {
        pci_set_irq(dev, 0);
    }
}

void msi_reset(PCIDevice *dev)
{
    unsigned cap = dev->msi_cap;
    uint16_t flags;

    if (!cap) {
        return;
    }
    flags = msi_flags(dev) & ~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
    pci_set_word(dev->config + cap + PCI_MSI_FLAGS, flags);
    pci_set_long(dev->config + cap + PCI_MSI_ADDRESS_LO, 0);
    if (msi_is_64bit(dev)) {
        pci_set_long(dev->config + cap + PCI_MSI_ADDRESS_HI, 0);
    }
    pci_set_word(dev->config + msi_data_offset(dev), 0);
}

void msi_notify(PCIDevice *dev, unsigned vector)
{
    unsigned cap = dev->msi_cap;
    unsigned nr_enabled;
    uint64_t addr;
    uint32_t data;

    if (!msi_enabled(dev)) {
        trace(pci_msi_dropped, "%s vector %u: MSI disabled", dev->name,
              vector);
        return;
    }
    nr_enabled = 1u << ((msi_flags(dev) & PCI_MSI_FLAGS_QSIZE) >> 4);
    if (vector >= nr_enabled) {
        trace(pci_msi_dropped, "%s vector %u: only %u enabled", dev->name,
              vector, nr_enabled);
        return;
    }
    /* MSI is a memory write by the function: no bus master, no message. */
    if (!pci_bus_master_enabled(dev)) {
        trace(pci_msi_dropped, "%s vector %u: bus master disabled",
              dev->name, vector);
        return;
    }

    addr = pci_get_long(dev->config + cap + PCI_MSI_ADDRESS_LO);
    if (msi_is_64bit(dev)) {
        addr |= (uint64_t)pci_get_long(dev->config + cap +
                                       PCI_MSI_ADDRESS_HI) << 32;
    }
    data = pci_get_word(dev->config + msi_data_offset(dev));
    if (nr_enabled > 1) {
        data = (data & ~(nr_enabled - 1)) | vector;
    }

    trace(pci_msi_notify, "%s vector %u addr 0x%" PRIx64 " data 0x%x",
          dev->name, vector, addr, data);
    if (addr >= MSI_ADDR_APIC_BASE &&
        addr < MSI_ADDR_APIC_BASE + MSI_ADDR_APIC_SIZE) {
        machine_deliver_msi(dev->machine, addr, data);
    } else {
        uint8_t buf[4] = { data, data >> 8, data >> 16, data >> 24 };

        pci_dma_rw(dev, addr, buf, sizeof(buf), true);
    }
}
