/*
 * pci.h: conventional PCI bus 0, device config space, BARs and INTx.
 *
 * A PCI device model embeds a PCIDevice as its FIRST member and calls
 * pci_device_init() on it (or uses pci_device_new() when it needs no state
 * of its own).  The core owns the 256-byte config space: it applies the
 * write masks, sizes and maps BARs whenever the guest changes a BAR or the
 * command register, routes INTx to a GSI and prints "info pci".  A device
 * only supplies MemoryRegions for its BARs and, optionally, config-space
 * hooks.
 *
 * Threads: everything here runs under the BQL (config cycles come from
 * port I/O dispatch, device code runs from I/O callbacks and timers).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_PCI_PCI_H
#define HW_PCI_PCI_H

#include "main/janus.h"
#include "main/opts.h"
#include "memory/memory.h"
#include "hw/machine.h"

/* ---- Config space layout (type 0 header; PCI Local Bus spec 3.0) ------- */

#define PCI_CONFIG_SPACE_SIZE   256
#define PCI_VENDOR_ID           0x00    /* 16 bits */
#define PCI_DEVICE_ID           0x02    /* 16 bits */
#define PCI_COMMAND             0x04    /* 16 bits */
#define  PCI_COMMAND_IO             0x0001
#define  PCI_COMMAND_MEMORY         0x0002
#define  PCI_COMMAND_MASTER         0x0004
#define  PCI_COMMAND_PARITY         0x0040
#define  PCI_COMMAND_SERR           0x0100
#define  PCI_COMMAND_INTX_DISABLE   0x0400
#define PCI_STATUS              0x06    /* 16 bits */
#define  PCI_STATUS_INTERRUPT       0x0008  /* INTx asserted (read-only) */
#define  PCI_STATUS_CAP_LIST        0x0010
#define  PCI_STATUS_W1C             0xf900  /* error bits: write 1 to clear */
#define PCI_CLASS_REVISION      0x08    /* rev, prog-if, subclass, class */
#define PCI_CACHE_LINE_SIZE     0x0c
#define PCI_LATENCY_TIMER       0x0d
#define PCI_HEADER_TYPE         0x0e
#define  PCI_HEADER_TYPE_MULTI_FUNCTION 0x80
#define PCI_BASE_ADDRESS_0      0x10    /* six 32-bit BARs */
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID        0x2e
#define PCI_ROM_ADDRESS         0x30
#define PCI_CAPABILITY_LIST     0x34
#define PCI_INTERRUPT_LINE      0x3c
#define PCI_INTERRUPT_PIN       0x3d    /* 0 none, 1 INTA .. 4 INTD */
#define PCI_CONFIG_HEADER_SIZE  0x40

#define PCI_CAP_ID_MSI          0x05

/* Class codes for class_rev (class_rev = class << 16 | prog_if << 8 | rev). */
#define PCI_CLASS_BRIDGE_HOST   0x0600
#define PCI_CLASS_BRIDGE_ISA    0x0601
#define PCI_CLASS_OTHERS        0x00ff

#define PCI_VENDOR_ID_INTEL     0x8086
#define PCI_VENDOR_ID_REDHAT    0x1b36
/* QEMU's default subsystem IDs; guests and `info pci` see the same. */
#define PCI_SUBVENDOR_ID_DEFAULT 0x1af4
#define PCI_SUBDEVICE_ID_DEFAULT 0x1100

/* ---- devfn helpers ------------------------------------------------------- */

#define PCI_DEVFN(slot, fn)     ((((slot) & 0x1f) << 3) | ((fn) & 0x07))
#define PCI_SLOT(devfn)         (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)         ((devfn) & 0x07)
#define PCI_DEVFN_MAX           256

/* ---- BARs ---------------------------------------------------------------- */

#define PCI_NUM_BARS            6
/* BAR types: the values are the low bits the guest reads from the BAR. */
#define PCI_BAR_MEM32           0x00
#define PCI_BAR_IO              0x01
#define PCI_BAR_MEM64           0x04    /* uses BAR n and n + 1 */
#define PCI_BAR_PREFETCH        0x08    /* with MEM32 or MEM64 */
/* Address of a BAR that is not decoded (decode off or invalid address). */
#define PCI_BAR_UNMAPPED        UINT64_MAX

typedef struct PCIDevice PCIDevice;
typedef struct PCIBar PCIBar;

struct PCIBar {
    MemoryRegion *mr;       /* NULL: BAR not implemented */
    uint64_t size;          /* decode size: a power of two */
    uint8_t type;           /* PCI_BAR_* */
    hwaddr addr;            /* where it is mapped, or PCI_BAR_UNMAPPED */
    hwaddr preset;          /* address set at reset, or PCI_BAR_UNMAPPED */
};

/*
 * Config-space hooks: @addr is the register offset (0-255), @len 1, 2 or
 * 4 and addr + len <= 256 (not necessarily aligned).  An override that
 * handles only some registers calls pci_default_read/write_config for the
 * rest.
 */
typedef uint32_t PCIConfigReadFn(PCIDevice *dev, uint32_t addr,
                                 unsigned len);
typedef void PCIConfigWriteFn(PCIDevice *dev, uint32_t addr, uint32_t val,
                              unsigned len);

struct PCIDevice {
    PCIBus *bus;
    Machine *machine;
    int devfn;
    char *name;                 /* model name, e.g. "pci-testdev" */
    char *id;                   /* -device ...,id=X, or NULL */

    uint8_t config[PCI_CONFIG_SPACE_SIZE];
    uint8_t wmask[PCI_CONFIG_SPACE_SIZE];   /* bits the guest may write */
    uint8_t w1cmask[PCI_CONFIG_SPACE_SIZE]; /* bits a 1 write clears */
    uint8_t used[PCI_CONFIG_SPACE_SIZE];    /* bytes owned by header/caps */

    PCIBar bars[PCI_NUM_BARS];
    uint16_t preset_command;    /* decode bits set at reset (no firmware) */

    int irq_level;              /* INTx as the device drives it */
    bool intx_out;              /* counted on the bus: level && !disable */
    int pirq;                   /* 0-3 (PIRQA-D) when a pin is set */

    uint8_t msi_cap;            /* offset of the MSI capability, 0 none */
    uint8_t msi_nr_vectors;     /* vectors the device supports */

    PCIConfigReadFn *config_read;   /* default: pci_default_read_config */
    PCIConfigWriteFn *config_write; /* default: pci_default_write_config */
};

/* ---- Bus ----------------------------------------------------------------- */

/* The PIIX PIRQ router's fixed routing: PIRQA-D -> ISA IRQ 10, 10, 11, 11
 * (what SeaBIOS programs on QEMU; the ACPI/MP tables must say the same). */
#define PCI_NUM_PIRQS 4
extern const uint8_t pci_pirq_to_irq[PCI_NUM_PIRQS];

/**
 * pci_bus_new: bus 0, mapping memory BARs in @mem and I/O BARs in @io.
 * @m: the machine; INTx reaches m->gsi[] and MSI machine_deliver_msi(m).
 */
PCIBus *pci_bus_new(Machine *m, MemoryRegion *mem, MemoryRegion *io);

/** pci_find_device: the function at @devfn on @bus, or NULL. */
PCIDevice *pci_find_device(PCIBus *bus, int devfn);

/**
 * pci_bus_config_read: a config read cycle as the host bridge issues it.
 * @devfn: 0-255.  @addr: register; @len: 1, 2 or 4, addr + len <= 256.
 * Returns all-ones (of @len bytes) for an absent function.
 */
uint32_t pci_bus_config_read(PCIBus *bus, int devfn, uint32_t addr,
                             unsigned len);
/** pci_bus_config_write: the write counterpart; absent functions ignore. */
void pci_bus_config_write(PCIBus *bus, int devfn, uint32_t addr,
                          uint32_t val, unsigned len);

/* ---- Devices ------------------------------------------------------------- */

/**
 * pci_device_init: plug @dev (zeroed, embedded first in the device state)
 * into @bus and fill the standard header.
 * @devfn: PCI_DEVFN(slot, fn), or -1 for function 0 of the first free slot.
 * @name: model name for traces and errors.
 * @class_rev: class << 16 | prog_if << 8 | revision (dword at 0x08).
 * Registers the core's reset with machine_register_reset.  Returns 0, or
 * -ENODEV (no bus), -EBUSY (slot taken), -ENOSPC (no free slot), -EINVAL
 * (bad devfn) with @errp naming the slot.
 */
int pci_device_init(PCIDevice *dev, PCIBus *bus, int devfn, const char *name,
                    uint16_t vendor, uint16_t device, uint32_t class_rev,
                    GError **errp);

/** pci_device_new: allocate a bare PCIDevice and pci_device_init it. */
PCIDevice *pci_device_new(PCIBus *bus, int devfn, const char *name,
                          uint16_t vendor, uint16_t device,
                          uint32_t class_rev, GError **errp);

/**
 * pci_parse_devfn: parse a -device "addr=SS[.F]" value (hex slot 0-1f,
 * function 0-7, as QEMU writes it) into @devfn.
 * Returns 0 or -EINVAL with @errp naming the text.
 */
int pci_parse_devfn(const char *addr, int *devfn, GError **errp);

/**
 * pci_opts_get_devfn: read the "addr" property of @opts (missing -> -1).
 * Returns 0 or -EINVAL with @errp set.
 */
int pci_opts_get_devfn(Opts *opts, int *devfn, GError **errp);

/**
 * pci_register_bar: implement BAR @n with region @mr.
 * @type: PCI_BAR_IO, PCI_BAR_MEM32 or PCI_BAR_MEM64, | PCI_BAR_PREFETCH.
 * The decode size is @mr's size rounded up to a power of two (at least 16
 * bytes for memory, 4 for I/O).  The BAR starts unmapped; it is mapped
 * (in the bus's memory or I/O container, priority 1) while the command
 * register enables its decoding and the guest has written a valid address.
 */
void pci_register_bar(PCIDevice *dev, int n, uint8_t type, MemoryRegion *mr);

/**
 * pci_dev_assign_bar_address: program BAR @n to @addr and enable the
 * matching decode bit, now and at every reset, for guests that run without
 * firmware (e.g. hitb BAR0 at 0xfea00000).
 */
void pci_dev_assign_bar_address(PCIDevice *dev, int n, hwaddr addr);

/** pci_bar_address: where BAR @n is mapped now, or PCI_BAR_UNMAPPED. */
hwaddr pci_bar_address(PCIDevice *dev, int n);

/**
 * pci_config_set_interrupt_pin: give the device INTx pin @pin (1 = INTA ..
 * 4 = INTD, 0 = none).  Interrupt Line then reads the routed ISA IRQ after
 * reset, as firmware would have left it.
 */
void pci_config_set_interrupt_pin(PCIDevice *dev, uint8_t pin);

/**
 * pci_set_irq: drive the device's INTx pin to @level.  Lines shared by
 * several devices (and PIRQs routed to the same IRQ) are OR'ed; Command
 * bit 10 (INTx disable) masks the pin, Status bit 3 shows it.
 */
void pci_set_irq(PCIDevice *dev, int level);

/**
 * pci_intx_gsi: the GSI that pin @pin (1-4) of a device in @slot raises:
 * PIRQ = (slot - 1 + pin - 1) & 3 (the PIIX swizzle QEMU uses), GSI =
 * pci_pirq_to_irq[PIRQ].  Returns -1 for pin 0.  For the ACPI/MP tables.
 */
int pci_intx_gsi(int slot, int pin);

/** pci_bus_master_enabled: Command bit 2; DMA and MSI need it. */
bool pci_bus_master_enabled(PCIDevice *dev);

/**
 * pci_dma_rw: a DMA by @dev into guest memory.  Dropped (MEMTX_ERROR,
 * traced) while bus mastering is off, as on hardware and QEMU.
 */
MemTxResult pci_dma_rw(PCIDevice *dev, hwaddr addr, void *buf, hwaddr len,
                       bool is_write);

/**
 * pci_add_capability: link a capability of @size bytes with ID @cap_id
 * into the capability list at @offset (0: the first free space at or after
 * 0x40).  Returns the offset, or -ENOSPC/-EBUSY/-EINVAL with @errp set.
 */
int pci_add_capability(PCIDevice *dev, uint8_t cap_id, uint8_t offset,
                       uint8_t size, GError **errp);

/* The default config accessors, for overrides to fall back on. */
uint32_t pci_default_read_config(PCIDevice *dev, uint32_t addr,
                                 unsigned len);
void pci_default_write_config(PCIDevice *dev, uint32_t addr, uint32_t val,
                              unsigned len);

/* Little-endian config space accessors for device code. */
static inline uint16_t pci_get_word(const uint8_t *p)
{
    return p[0] | (p[1] << 8);
}
static inline uint32_t pci_get_long(const uint8_t *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline void pci_set_word(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}
static inline void pci_set_long(uint8_t *p, uint32_t v)
{
    p[0] = v;
    p[1] = v >> 8;
    p[2] = v >> 16;
    p[3] = v >> 24;
}

/**
 * pci_device_reset: the core's reset (registered by pci_device_init):
 * command, status and BARs back to their preset state, INTx deasserted,
 * MSI disabled.
 */
void pci_device_reset(void *dev);

/**
 * pci_info: append QEMU's "info pci" text for every function on @bus to
 * @out (device order, BARs with their current address).
 */
void pci_info(PCIBus *bus, GString *out);

#endif
