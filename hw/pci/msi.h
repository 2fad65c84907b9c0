/*
 * msi.h: the PCI MSI capability (PCI Local Bus spec 3.0, 6.8.1).
 *
 * A device adds the capability once at creation and calls msi_notify()
 * instead of pci_set_irq() while msi_enabled() is true.  The guest programs
 * address, data and the number of vectors; the core applies its writes
 * through msi_write_config().  Per-vector masking is not offered (Message
 * Control bit 8 reads 0), as in QEMU's default.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_PCI_MSI_H
#define HW_PCI_MSI_H

#include "hw/pci/pci.h"

/* Offsets inside the capability and Message Control bits. */
#define PCI_MSI_FLAGS           2       /* 16 bits */
#define  PCI_MSI_FLAGS_ENABLE       0x0001
#define  PCI_MSI_FLAGS_QMASK        0x000e  /* vectors capable, log2 */
#define  PCI_MSI_FLAGS_QSIZE        0x0070  /* vectors enabled, log2 */
#define  PCI_MSI_FLAGS_64BIT        0x0080
#define PCI_MSI_ADDRESS_LO      4
#define PCI_MSI_ADDRESS_HI      8       /* 64-bit capability only */
#define PCI_MSI_DATA_32         8
#define PCI_MSI_DATA_64         12
#define PCI_MSI_32_SIZEOF       10
#define PCI_MSI_64_SIZEOF       14

/* MSI writes in this window go to the local APICs, not to memory. */
#define MSI_ADDR_APIC_BASE      0xfee00000ULL
#define MSI_ADDR_APIC_SIZE      0x00100000ULL

/**
 * msi_init: add an MSI capability to @dev.
 * @offset: config offset, 0 to pick the first free space after 0x40.
 * @nr_vectors: 1, 2, 4, 8, 16 or 32.
 * @is_64bit: offer a 64-bit message address.
 * Returns the capability offset, or -errno with @errp set.
 */
int msi_init(PCIDevice *dev, uint8_t offset, unsigned nr_vectors,
             bool is_64bit, GError **errp);

/** msi_enabled: the guest has set Message Control's enable bit. */
bool msi_enabled(PCIDevice *dev);

/**
 * msi_notify: send vector @vector: a write of the message data (low bits
 * replaced by @vector when several vectors are enabled) to the message
 * address.  Dropped and traced when MSI or bus mastering is off, or
 * @vector is beyond what the guest enabled.  Addresses in the APIC window
 * go to machine_deliver_msi(); others are a DWORD DMA write, as on a bus.
 */
void msi_notify(PCIDevice *dev, unsigned vector);

/** msi_write_config: the core's hook after a config write (masks applied). */
void msi_write_config(PCIDevice *dev, uint32_t addr, uint32_t val,
                      unsigned len);

/** msi_reset: disable MSI and clear address and data (device reset). */
void msi_reset(PCIDevice *dev);

#endif
