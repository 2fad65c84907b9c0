/*
 * pci.c: PCI bus 0, config space semantics, BAR mapping, INTx routing and
 * "info pci".
 *
 * The guest owns the BARs and the command register; the core turns their
 * values into MemoryRegion mappings.  A BAR is mapped only while its decode
 * bit is on and its address is valid, and every change happens inside one
 * memory transaction so listeners (KVM slots, TCG TLBs) see one diff.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdio.h>
#include "hw/pci/pci.h"
#include "hw/pci/msi.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(pci_cfg_read);
TRACE_EVENT_DEFINE(pci_cfg_write);
TRACE_EVENT_DEFINE(pci_bar_map);
TRACE_EVENT_DEFINE(pci_bar_unmap);
TRACE_EVENT_DEFINE(pci_irq);
TRACE_EVENT_DEFINE(pci_dma_blocked);

const uint8_t pci_pirq_to_irq[PCI_NUM_PIRQS] = { 10, 10, 11, 11 };

/* ISA IRQs the PIRQs can reach; the bus tracks the level it last drove. */
#define PCI_NUM_ISA_IRQS 16

struct PCIBus {
    Machine *machine;
    MemoryRegion *mem;              /* memory BARs map here */
    MemoryRegion *io;               /* I/O BARs map here */
    PCIDevice *devices[PCI_DEVFN_MAX];
    int pirq_count[PCI_NUM_PIRQS];  /* functions asserting each PIRQ */
    bool irq_out[PCI_NUM_ISA_IRQS];
};

static bool ranges_overlap(uint32_t a, unsigned alen, uint32_t b,
                           unsigned blen)
{
    return a < b + blen && b < a + alen;
}

static uint64_t pow2_ceil(uint64_t v)
{
    uint64_t p = 1;

    while (p < v) {
        p <<= 1;
    }
    return p;
}

/* ---- Bus ------------------------------------------------------------------ */

PCIBus *pci_bus_new(Machine *m, MemoryRegion *mem, MemoryRegion *io)
{
    PCIBus *bus = g_new0(PCIBus, 1);

    bus->machine = m;
    bus->mem = mem;
    bus->io = io;
    return bus;
}

PCIDevice *pci_find_device(PCIBus *bus, int devfn)
{
    if (!bus || devfn < 0 || devfn >= PCI_DEVFN_MAX) {
        return NULL;
    }
    return bus->devices[devfn];
}

uint32_t pci_bus_config_read(PCIBus *bus, int devfn, uint32_t addr,
                             unsigned len)
{
    PCIDevice *dev = pci_find_device(bus, devfn);
    uint32_t mask = len >= 4 ? 0xffffffffu : (1u << (len * 8)) - 1;
    uint32_t val;

    if (len < 1 || len > 4 || addr + len > PCI_CONFIG_SPACE_SIZE) {
        return mask;
    }
    if (!dev) {
        /* Master abort: the bus floats high. */
        return mask;
    }
    val = dev->config_read(dev, addr, len) & mask;
    trace(pci_cfg_read, "%02x:%02x.%x %s @0x%02x len=%u -> 0x%x", 0,
          PCI_SLOT(devfn), PCI_FUNC(devfn), dev->name, addr, len, val);
    return val;
}

void pci_bus_config_write(PCIBus *bus, int devfn, uint32_t addr,
                          uint32_t val, unsigned len)
{
    PCIDevice *dev = pci_find_device(bus, devfn);

    if (!dev || len < 1 || len > 4 || addr + len > PCI_CONFIG_SPACE_SIZE) {
        return;
    }
    if (len < 4) {
        val &= (1u << (len * 8)) - 1;
    }
    trace(pci_cfg_write, "%02x:%02x.%x %s @0x%02x len=%u <- 0x%x", 0,
          PCI_SLOT(devfn), PCI_FUNC(devfn), dev->name, addr, len, val);
    dev->config_write(dev, addr, val, len);
}

/* ---- INTx ----------------------------------------------------------------- */

int pci_intx_gsi(int slot, int pin)
{
    if (pin < 1 || pin > 4) {
        return -1;
    }
    return pci_pirq_to_irq[(slot - 1 + pin - 1) & 3];
}

/* Drive the ISA IRQ behind @pirq: the OR of every PIRQ routed to it. */
static void pci_bus_update_irq(PCIBus *bus, int pirq)
{
    int irq = pci_pirq_to_irq[pirq];
    bool level = false;

    for (int p = 0; p < PCI_NUM_PIRQS; p++) {
        if (pci_pirq_to_irq[p] == irq && bus->pirq_count[p] > 0) {
            level = true;
        }
    }
    if (level == bus->irq_out[irq]) {
        return;
    }
    bus->irq_out[irq] = level;
    trace(pci_irq, "pirq=%c irq=%d level=%d", 'A' + pirq, irq, level);
    if (bus->machine && irq < PC_NUM_GSI) {
        irq_set_level(bus->machine->gsi[irq], level);
    }
}

/* Recompute what @dev puts on its PIRQ after its level or Command changed. */
static void pci_intx_update(PCIDevice *dev)
{
    uint16_t cmd = pci_get_word(dev->config + PCI_COMMAND);
    bool out = dev->irq_level && dev->config[PCI_INTERRUPT_PIN] &&
               !(cmd & PCI_COMMAND_INTX_DISABLE);

    if (out == dev->intx_out) {
        return;
    }
    dev->intx_out = out;
    dev->bus->pirq_count[dev->pirq] += out ? 1 : -1;
    pci_bus_update_irq(dev->bus, dev->pirq);
}

void pci_set_irq(PCIDevice *dev, int level)
{
    uint16_t status;

    level = !!level;
    if (!dev->config[PCI_INTERRUPT_PIN]) {
        return;
    }
    dev->irq_level = level;
    status = pci_get_word(dev->config + PCI_STATUS);
    status = level ? status | PCI_STATUS_INTERRUPT
                   : status & ~PCI_STATUS_INTERRUPT;
    pci_set_word(dev->config + PCI_STATUS, status);
    pci_intx_update(dev);
}

void pci_config_set_interrupt_pin(PCIDevice *dev, uint8_t pin)
{
    g_assert(pin <= 4);
    pci_set_irq(dev, 0);
    dev->config[PCI_INTERRUPT_PIN] = pin;
    if (pin) {
        dev->pirq = (PCI_SLOT(dev->devfn) - 1 + pin - 1) & 3;
        dev->config[PCI_INTERRUPT_LINE] = pci_pirq_to_irq[dev->pirq];
    } else {
        dev->pirq = 0;
        dev->config[PCI_INTERRUPT_LINE] = 0;
    }
}

/* ---- BARs ----------------------------------------------------------------- */

static uint32_t pci_bar_reg(int n)
{
    return PCI_BASE_ADDRESS_0 + 4 * n;
}

/*
 * Where BAR @n should be decoded given the current config space, the rules
 * QEMU follows: no decode bit, address 0, or a range that wraps (which is
 * also what a BAR holds while the guest sizes it with all-ones) mean off.
 */
static hwaddr pci_bar_decode_address(PCIDevice *dev, int n)
{
    PCIBar *b = &dev->bars[n];
    uint16_t cmd = pci_get_word(dev->config + PCI_COMMAND);
    uint64_t addr, last;

    if (b->type & PCI_BAR_IO) {
        if (!(cmd & PCI_COMMAND_IO)) {
            return PCI_BAR_UNMAPPED;
        }
        addr = pci_get_long(dev->config + pci_bar_reg(n)) & ~(b->size - 1);
        last = addr + b->size - 1;
        /* x86 ports stop at 64 KiB. */
        if (addr == 0 || last > 0xffff) {
            return PCI_BAR_UNMAPPED;
        }
        return addr;
    }

    if (!(cmd & PCI_COMMAND_MEMORY)) {
        return PCI_BAR_UNMAPPED;
    }
    addr = pci_get_long(dev->config + pci_bar_reg(n)) & ~0xfULL;
    if (b->type & PCI_BAR_MEM64) {
        addr |= (uint64_t)pci_get_long(dev->config + pci_bar_reg(n + 1)) << 32;
    }
    addr &= ~(b->size - 1);
    last = addr + b->size - 1;
    if (addr == 0 || last < addr || last == UINT64_MAX) {
        return PCI_BAR_UNMAPPED;
    }
    if (!(b->type & PCI_BAR_MEM64) && last >= UINT32_MAX) {
        return PCI_BAR_UNMAPPED;
    }
    return addr;
}

/* Apply BAR and Command changes to the memory map in one transaction. */
static void pci_update_mappings(PCIDevice *dev)
{
    bool in_transaction = false;

    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIBar *b = &dev->bars[n];
        MemoryRegion *container;
        hwaddr addr;

        if (!b->mr) {
            continue;
        }
        addr = pci_bar_decode_address(dev, n);
        if (addr == b->addr) {
            continue;
        }
        container = (b->type & PCI_BAR_IO) ? dev->bus->io : dev->bus->mem;
        if (!container) {
            continue;
        }
        if (!in_transaction) {
            memory_region_transaction_begin();
            in_transaction = true;
        }
        if (b->addr != PCI_BAR_UNMAPPED) {
            trace(pci_bar_unmap, "%s BAR%d 0x%" HWADDR_PRIx, dev->name, n,
                  b->addr);
            memory_region_del_subregion(container, b->mr);
        }
        if (addr != PCI_BAR_UNMAPPED) {
            trace(pci_bar_map, "%s BAR%d 0x%" HWADDR_PRIx " size 0x%" PRIx64,
                  dev->name, n, addr, b->size);
            /* Priority 1: a BAR wins over whatever the pci container holds
             * below it (ROM aliases, the default hole), as in QEMU. */
            memory_region_add_subregion_overlap(container, addr, b->mr, 1);
        }
        b->addr = addr;
    }
    if (in_transaction) {
        memory_region_transaction_commit();
    }
}

/* Write BAR @n's address bits (keeping its read-only type bits). */
static void pci_bar_set_config(PCIDevice *dev, int n, uint64_t addr)
{
    PCIBar *b = &dev->bars[n];
    uint32_t reg = pci_bar_reg(n);

    addr &= ~(b->size - 1);
    pci_set_long(dev->config + reg, (uint32_t)addr | b->type);
    if (b->type & PCI_BAR_MEM64) {
        pci_set_long(dev->config + reg + 4, addr >> 32);
    }
}

void pci_register_bar(PCIDevice *dev, int n, uint8_t type, MemoryRegion *mr)
{
    bool is_io = type & PCI_BAR_IO;
    bool is_64 = !is_io && (type & PCI_BAR_MEM64);
    uint32_t reg = pci_bar_reg(n);
    uint64_t size, mask;
    PCIBar *b;

    g_assert(n >= 0 && n < PCI_NUM_BARS && mr);
    g_assert(!is_64 || n + 1 < PCI_NUM_BARS);
    g_assert(!dev->bars[n].mr && !(is_64 && dev->bars[n + 1].mr));
    g_assert(mr->size != MEMORY_SIZE_2_64);

    if (is_io) {
        type = PCI_BAR_IO;
    }
    size = pow2_ceil(MAX(mr->size, is_io ? 4 : 16));
    b = &dev->bars[n];
    b->mr = mr;
    b->size = size;
    b->type = type;
    b->addr = PCI_BAR_UNMAPPED;
    b->preset = PCI_BAR_UNMAPPED;

    /* Sizing: the bits below the size stay 0, so all-ones reads back as
     * the size mask with the type bits. */
    mask = ~(size - 1);
    pci_set_long(dev->config + reg, type);
    pci_set_long(dev->wmask + reg, (uint32_t)mask & (is_io ? ~0x3u : ~0xfu));
    memset(dev->used + reg, 1, 4);
    if (is_64) {
        pci_set_long(dev->config + reg + 4, 0);
        pci_set_long(dev->wmask + reg + 4, mask >> 32);
        memset(dev->used + reg + 4, 1, 4);
    }
}

void pci_dev_assign_bar_address(PCIDevice *dev, int n, hwaddr addr)
{
    PCIBar *b;
    uint16_t cmd;

    g_assert(n >= 0 && n < PCI_NUM_BARS && dev->bars[n].mr);
    b = &dev->bars[n];
    b->preset = addr & ~(b->size - 1);
    dev->preset_command |= (b->type & PCI_BAR_IO) ? PCI_COMMAND_IO
                                                  : PCI_COMMAND_MEMORY;
    pci_bar_set_config(dev, n, b->preset);
    cmd = pci_get_word(dev->config + PCI_COMMAND) | dev->preset_command;
    pci_set_word(dev->config + PCI_COMMAND, cmd);
    pci_update_mappings(dev);
}

hwaddr pci_bar_address(PCIDevice *dev, int n)
{
    if (n < 0 || n >= PCI_NUM_BARS || !dev->bars[n].mr) {
        return PCI_BAR_UNMAPPED;
    }
    return dev->bars[n].addr;
}

/* ---- DMA ------------------------------------------------------------------ */

bool pci_bus_master_enabled(PCIDevice *dev)
{
    return pci_get_word(dev->config + PCI_COMMAND) & PCI_COMMAND_MASTER;
}

MemTxResult pci_dma_rw(PCIDevice *dev, hwaddr addr, void *buf, hwaddr len,
                       bool is_write)
{
    MemTxAttrs attrs = { .from_device = 1 };

    if (!pci_bus_master_enabled(dev)) {
        trace(pci_dma_blocked, "%s %s 0x%" HWADDR_PRIx " len %" PRIu64
              ": bus master off", dev->name, is_write ? "write" : "read",
              addr, len);
        if (!is_write) {
            memset(buf, 0xff, len);
        }
        return MEMTX_ERROR;
    }
    return address_space_rw(&address_space_memory, addr, attrs, buf, len,
                            is_write);
}

/* ---- Config space --------------------------------------------------------- */

uint32_t pci_default_read_config(PCIDevice *dev, uint32_t addr, unsigned len)
{
    uint32_t val = 0;

    if (addr >= PCI_CONFIG_SPACE_SIZE) {
        return 0xffffffffu;
    }
    len = MIN(len, PCI_CONFIG_SPACE_SIZE - addr);
    for (unsigned i = 0; i < len && i < 4; i++) {
        val |= (uint32_t)dev->config[addr + i] << (8 * i);
    }
    return val;
}

void pci_default_write_config(PCIDevice *dev, uint32_t addr, uint32_t val,
                              unsigned len)
{
    if (addr >= PCI_CONFIG_SPACE_SIZE) {
        return;
    }
    len = MIN(MIN(len, 4u), PCI_CONFIG_SPACE_SIZE - addr);
    for (unsigned i = 0; i < len; i++) {
        uint8_t b = val >> (8 * i);
        uint8_t *c = &dev->config[addr + i];

        *c = (*c & ~dev->wmask[addr + i]) | (b & dev->wmask[addr + i]);
        *c &= ~(b & dev->w1cmask[addr + i]);
    }

    if (ranges_overlap(addr, len, PCI_COMMAND, 2) ||
        ranges_overlap(addr, len, PCI_BASE_ADDRESS_0, 4 * PCI_NUM_BARS)) {
        pci_update_mappings(dev);
    }
    if (ranges_overlap(addr, len, PCI_COMMAND, 2)) {
        pci_intx_update(dev);
    }
    if (dev->msi_cap) {
        msi_write_config(dev, addr, val, len);
    }
}

int pci_add_capability(PCIDevice *dev, uint8_t cap_id, uint8_t offset,
                       uint8_t size, GError **errp)
{
    unsigned start = offset;

    if (size < 2) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: capability 0x%02x: size %u",
                    dev->name, cap_id, size);
        return -EINVAL;
    }
    if (!offset) {
        for (start = PCI_CONFIG_HEADER_SIZE;
             start + size <= PCI_CONFIG_SPACE_SIZE; start += 4) {
            unsigned i = 0;

            while (i < size && !dev->used[start + i]) {
                i++;
            }
            if (i == size) {
                break;
            }
        }
        if (start + size > PCI_CONFIG_SPACE_SIZE) {
            g_set_error(errp, JANUS_ERROR, 0,
                        "%s: no room for capability 0x%02x (%u bytes)",
                        dev->name, cap_id, size);
            return -ENOSPC;
        }
    } else {
        if (offset < PCI_CONFIG_HEADER_SIZE || (offset & 3) ||
            offset + size > PCI_CONFIG_SPACE_SIZE) {
            g_set_error(errp, JANUS_ERROR, 0,
                        "%s: capability 0x%02x at bad offset 0x%02x",
                        dev->name, cap_id, offset);
            return -EINVAL;
        }
        for (unsigned i = 0; i < size; i++) {
            if (dev->used[offset + i]) {
                g_set_error(errp, JANUS_ERROR, 0,
                            "%s: capability 0x%02x at 0x%02x overlaps 0x%02x",
                            dev->name, cap_id, offset, offset + i);
                return -EBUSY;
            }
        }
    }

    memset(dev->used + start, 1, size);
    dev->config[start] = cap_id;
    dev->config[start + 1] = dev->config[PCI_CAPABILITY_LIST];
    dev->config[PCI_CAPABILITY_LIST] = start;
    pci_set_word(dev->config + PCI_STATUS,
                 pci_get_word(dev->config + PCI_STATUS) | PCI_STATUS_CAP_LIST);
    return start;
}

/* ---- Device lifecycle ----------------------------------------------------- */

void pci_device_reset(void *opaque)
{
    PCIDevice *dev = opaque;
    uint16_t cmd, status;

    cmd = pci_get_word(dev->config + PCI_COMMAND);
    cmd &= ~pci_get_word(dev->wmask + PCI_COMMAND);
    pci_set_word(dev->config + PCI_COMMAND, cmd | dev->preset_command);
    status = pci_get_word(dev->config + PCI_STATUS);
    status &= ~(PCI_STATUS_W1C | PCI_STATUS_INTERRUPT);
    pci_set_word(dev->config + PCI_STATUS, status);
    dev->config[PCI_CACHE_LINE_SIZE] = 0;
    /* No firmware runs before the guest, so leave Interrupt Line as a BIOS
     * would: the ISA IRQ the pin is routed to. */
    dev->config[PCI_INTERRUPT_LINE] = dev->config[PCI_INTERRUPT_PIN]
                                      ? pci_pirq_to_irq[dev->pirq] : 0;

    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIBar *b = &dev->bars[n];

        if (b->mr) {
            pci_bar_set_config(dev, n,
                               b->preset == PCI_BAR_UNMAPPED ? 0 : b->preset);
        }
    }

    dev->irq_level = 0;
    pci_intx_update(dev);
    if (dev->msi_cap) {
        msi_reset(dev);
    }
    pci_update_mappings(dev);
}

static void pci_init_header(PCIDevice *dev, uint16_t vendor, uint16_t device,
                            uint32_t class_rev)
{
    pci_set_word(dev->config + PCI_VENDOR_ID, vendor);
    pci_set_word(dev->config + PCI_DEVICE_ID, device);
    pci_set_long(dev->config + PCI_CLASS_REVISION, class_rev);
    pci_set_word(dev->config + PCI_SUBSYSTEM_VENDOR_ID,
                 PCI_SUBVENDOR_ID_DEFAULT);
    pci_set_word(dev->config + PCI_SUBSYSTEM_ID, PCI_SUBDEVICE_ID_DEFAULT);
    memset(dev->used, 1, PCI_CONFIG_HEADER_SIZE);

    pci_set_word(dev->wmask + PCI_COMMAND,
                 PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                 PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
                 PCI_COMMAND_INTX_DISABLE);
    pci_set_word(dev->w1cmask + PCI_STATUS, PCI_STATUS_W1C);
    dev->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    dev->wmask[PCI_INTERRUPT_LINE] = 0xff;

    for (int n = 0; n < PCI_NUM_BARS; n++) {
        dev->bars[n].addr = PCI_BAR_UNMAPPED;
        dev->bars[n].preset = PCI_BAR_UNMAPPED;
    }
}

/* Guests scan functions 1-7 only when function 0 says multi-function. */
static void pci_update_multifunction(PCIBus *bus, int devfn)
{
    int slot = PCI_SLOT(devfn);
    PCIDevice *f0 = bus->devices[PCI_DEVFN(slot, 0)];

    if (!f0) {
        return;
    }
    for (int fn = 1; fn < 8; fn++) {
        if (bus->devices[PCI_DEVFN(slot, fn)]) {
            f0->config[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MULTI_FUNCTION;
            return;
        }
    }
}

int pci_device_init(PCIDevice *dev, PCIBus *bus, int devfn, const char *name,
                    uint16_t vendor, uint16_t device, uint32_t class_rev,
                    GError **errp)
{
    if (!bus) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: no PCI bus", name);
        return -ENODEV;
    }
    if (devfn == -1) {
        for (int slot = 0; slot < 32; slot++) {
            if (!bus->devices[PCI_DEVFN(slot, 0)]) {
                devfn = PCI_DEVFN(slot, 0);
                break;
            }
        }
        if (devfn == -1) {
            g_set_error(errp, JANUS_ERROR, 0, "%s: no free PCI slot", name);
            return -ENOSPC;
        }
    } else if (devfn < 0 || devfn >= PCI_DEVFN_MAX) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: bad devfn %d", name, devfn);
        return -EINVAL;
    } else if (bus->devices[devfn]) {
        g_set_error(errp, JANUS_ERROR, 0,
                    "%s: PCI address %02x.%x is already used by %s", name,
                    PCI_SLOT(devfn), PCI_FUNC(devfn),
                    bus->devices[devfn]->name);
        return -EBUSY;
    }

    dev->bus = bus;
    dev->machine = bus->machine;
    dev->devfn = devfn;
    dev->name = g_strdup(name);
    dev->config_read = pci_default_read_config;
    dev->config_write = pci_default_write_config;
    pci_init_header(dev, vendor, device, class_rev);
    bus->devices[devfn] = dev;
    pci_update_multifunction(bus, devfn);
    if (bus->machine) {
        machine_register_reset(bus->machine, pci_device_reset, dev);
    }
    return 0;
}

PCIDevice *pci_device_new(PCIBus *bus, int devfn, const char *name,
                          uint16_t vendor, uint16_t device,
                          uint32_t class_rev, GError **errp)
{
    PCIDevice *dev = g_new0(PCIDevice, 1);

    if (pci_device_init(dev, bus, devfn, name, vendor, device, class_rev,
                        errp) < 0) {
        g_free(dev);
        return NULL;
    }
    return dev;
}

/* ---- Command line --------------------------------------------------------- */

int pci_parse_devfn(const char *addr, int *devfn, GError **errp)
{
    const char *p = addr;
    char *end;
    uint64_t slot, fn = 0;

    if (!addr || !g_ascii_isxdigit(*p)) {
        goto bad;
    }
    slot = g_ascii_strtoull(p, &end, 16);
    if (end == p || slot > 0x1f) {
        goto bad;
    }
    if (*end == '.') {
        p = end + 1;
        if (!g_ascii_isxdigit(*p)) {
            goto bad;
        }
        fn = g_ascii_strtoull(p, &end, 16);
        if (end == p || fn > 7) {
            goto bad;
        }
    }
    if (*end) {
        goto bad;
    }
    *devfn = PCI_DEVFN(slot, fn);
    return 0;

bad:
    g_set_error(errp, JANUS_ERROR, 0,
                "PCI address '%s': expected SLOT[.FN] with slot 0-1f and "
                "function 0-7 (hex)", addr ? addr : "");
    return -EINVAL;
}

int pci_opts_get_devfn(Opts *opts, int *devfn, GError **errp)
{
    const char *addr = opts_get(opts, "addr");

    if (!addr) {
        *devfn = -1;
        return 0;
    }
    return pci_parse_devfn(addr, devfn, errp);
}

/* ---- info pci ------------------------------------------------------------- */

/* The class names QEMU prints (a subset: classes janus machines carry). */
static const struct {
    uint16_t class;
    const char *desc;
} pci_class_names[] = {
    { 0x0100, "SCSI controller" },
    { 0x0101, "IDE controller" },
    { 0x0106, "SATA controller" },
    { 0x0180, "Storage controller" },
    { 0x0200, "Ethernet controller" },
    { 0x0280, "Network controller" },
    { 0x0300, "VGA controller" },
    { 0x0380, "Display controller" },
    { 0x0401, "Audio controller" },
    { 0x0403, "Audio controller" },
    { 0x0480, "Multimedia controller" },
    { 0x0580, "Memory controller" },
    { 0x0600, "Host bridge" },
    { 0x0601, "ISA bridge" },
    { 0x0604, "PCI bridge" },
    { 0x0680, "Bridge" },
    { 0x0700, "Serial port" },
    { 0x0800, "Interrupt controller" },
    { 0x0c03, "USB controller" },
    { 0x0c05, "SMBus" },
};

static void pci_info_device(PCIDevice *dev, GString *out)
{
    uint16_t class = pci_get_word(dev->config + PCI_CLASS_REVISION + 2);
    const char *desc = NULL;
    uint8_t pin = dev->config[PCI_INTERRUPT_PIN];

    for (size_t i = 0; i < G_N_ELEMENTS(pci_class_names); i++) {
        if (pci_class_names[i].class == class) {
            desc = pci_class_names[i].desc;
        }
    }

    g_string_append_printf(out, "  Bus %2d, device %3d, function %d:\n", 0,
                           PCI_SLOT(dev->devfn), PCI_FUNC(dev->devfn));
    if (desc) {
        g_string_append_printf(out, "    %s", desc);
    } else {
        /* QEMU prints the class number in decimal here. */
        g_string_append_printf(out, "    Class %04d", class);
    }
    g_string_append_printf(out, ": PCI device %04x:%04x\n",
                           pci_get_word(dev->config + PCI_VENDOR_ID),
                           pci_get_word(dev->config + PCI_DEVICE_ID));
    g_string_append_printf(out, "      PCI subsystem %04x:%04x\n",
                           pci_get_word(dev->config + PCI_SUBSYSTEM_VENDOR_ID),
                           pci_get_word(dev->config + PCI_SUBSYSTEM_ID));
    if (pin) {
        g_string_append_printf(out, "      IRQ %d, pin %c\n",
                               dev->config[PCI_INTERRUPT_LINE],
                               'A' + pin - 1);
    }
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIBar *b = &dev->bars[n];
        /* An unmapped BAR prints as -1, end wrapped, exactly as QEMU. */
        uint64_t last = b->addr + b->size - 1;

        if (!b->mr) {
            continue;
        }
        if (b->type & PCI_BAR_IO) {
            g_string_append_printf(out, "      BAR%d: I/O at 0x%04" PRIx64
                                   " [0x%04" PRIx64 "].\n", n, b->addr, last);
        } else {
            g_string_append_printf(out, "      BAR%d: %d bit%s memory at 0x%08"
                                   PRIx64 " [0x%08" PRIx64 "].\n", n,
                                   (b->type & PCI_BAR_MEM64) ? 64 : 32,
                                   (b->type & PCI_BAR_PREFETCH)
                                   ? " prefetchable" : "",
                                   b->addr, last);
        }
    }
    g_string_append_printf(out, "      id \"%s\"\n", dev->id ? dev->id : "");
}

void pci_info(PCIBus *bus, GString *out)
{
    if (!bus) {
        return;
    }
    for (int devfn = 0; devfn < PCI_DEVFN_MAX; devfn++) {
        if (bus->devices[devfn]) {
            pci_info_device(bus->devices[devfn], out);
        }
    }
}
