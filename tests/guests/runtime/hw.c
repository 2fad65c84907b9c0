/*
 * Test guest runtime: PCI configuration, local APIC and fw_cfg helpers.
 */
#include "runtime.h"

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc

#define APIC_ID    0x020
#define APIC_SVR   0x0f0
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define APIC_ICR_BUSY (1u << 12)

#define FW_CFG_SEL  0x510
#define FW_CFG_DATA 0x511

static void pci_select(int bus, int dev, int fn, int off)
{
    outl(PCI_ADDR, 0x80000000u | (bus << 16) | (dev << 11) | (fn << 8) |
         (off & 0xfc));
}

uint32_t pci_read32(int bus, int dev, int fn, int off)
{
    pci_select(bus, dev, fn, off);
    return inl(PCI_DATA);
}

void pci_write32(int bus, int dev, int fn, int off, uint32_t v)
{
    pci_select(bus, dev, fn, off);
    outl(PCI_DATA, v);
}

uint16_t pci_read16(int bus, int dev, int fn, int off)
{
    pci_select(bus, dev, fn, off);
    return inw(PCI_DATA + (off & 2));
}

void pci_write16(int bus, int dev, int fn, int off, uint16_t v)
{
    pci_select(bus, dev, fn, off);
    outw(PCI_DATA + (off & 2), v);
}

uint32_t apic_id(void)
{
    return mmio_read32(APIC_BASE + APIC_ID) >> 24;
}

void apic_enable(void)
{
    mmio_write32(APIC_BASE + APIC_SVR, 0x1ff);
}

bool apic_send_ipi(uint32_t dest, uint32_t icr_low)
{
    mmio_write32(APIC_BASE + APIC_ICR_HI, dest << 24);
    mmio_write32(APIC_BASE + APIC_ICR_LO, icr_low);
    /* KVM and QEMU deliver at once; the bound only stops a hang. */
    for (int i = 0; i < 1000; i++) {
        if (!(mmio_read32(APIC_BASE + APIC_ICR_LO) & APIC_ICR_BUSY)) {
            return true;
        }
    }
    return false;
}

void fw_cfg_read(uint16_t key, void *buf, size_t len)
{
    uint8_t *p = buf;

    outw(FW_CFG_SEL, key);
    for (size_t i = 0; i < len; i++) {
        p[i] = inb(FW_CFG_DATA);
    }
}
