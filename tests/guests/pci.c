/*
 * pci: find pci-testdev (-device pci-testdev, 1b36:0005) on bus 0 through
 * configuration mechanism #1, size its BARs, program them when no firmware
 * did, and drive its "no-eventfd" tests through BAR0 (memory) and BAR1
 * (I/O).
 *
 * The device exposes a header per test: writing byte 0 selects a test, the
 * header then reads back as {u8 test, u8 width, u16 pad, u32 offset,
 * u8 data, u8 pad[3], u32 count, name}, and every write of `data` at
 * `offset` increments `count`. Tests are numbered across both BARs: the
 * memory BAR's test 0 is test 0 ("mmio-no-eventfd"), the I/O BAR's test 0
 * is test 3 ("portio-no-eventfd"). Slots and BAR addresses are not printed:
 * they depend on the firmware and the other devices.
 */
#include "runtime/runtime.h"

#define PCI_COMMAND   0x04
#define PCI_CLASS_REV 0x08
#define PCI_BAR0      0x10
#define PCI_BAR1      0x14
#define CMD_IO        0x1
#define CMD_MEM       0x2

#define BAR0_DEFAULT  0xfe000000u
#define BAR1_DEFAULT  0xc000u

static int failures;

static void expect(const char *what, uint32_t got, uint32_t want)
{
    printf("  %s = %#x%s\n", what, got, got == want ? "" : " MISMATCH");
    if (got != want) {
        printf("  (expected %#x)\n", want);
        failures++;
    }
}

static uint32_t bar_size(int dev, int off, uint32_t *orig)
{
    uint32_t v;

    *orig = pci_read32(0, dev, 0, off);
    pci_write32(0, dev, 0, off, 0xffffffff);
    v = pci_read32(0, dev, 0, off);
    pci_write32(0, dev, 0, off, *orig);
    return v;
}

typedef struct Access {
    uint8_t (*rd)(uintptr_t base, int off);
    void (*wr)(uintptr_t base, int off, uint8_t v);
    uint32_t size;      /* of the BAR */
} Access;

static uint8_t mem_rd(uintptr_t b, int off)
{
    return mmio_read8(b + off);
}

static void mem_wr(uintptr_t b, int off, uint8_t v)
{
    mmio_write8(b + off, v);
}

static uint8_t io_rd(uintptr_t b, int off)
{
    return inb(b + off);
}

static void io_wr(uintptr_t b, int off, uint8_t v)
{
    outb(b + off, v);
}

static uint32_t rd32(const Access *a, uintptr_t b, int off)
{
    uint32_t v = 0;

    for (int i = 3; i >= 0; i--) {
        v = (v << 8) | a->rd(b, off + i);
    }
    return v;
}

static void run_test(const char *kind, const Access *a, uintptr_t base,
                     int want_test, const char *want_name,
                     uint32_t want_offset)
{
    char name[32];
    uint32_t offset;
    uint8_t data;
    int i;

    printf("%s: select test 0\n", kind);
    a->wr(base, 0, 0);
    expect("test", a->rd(base, 0), want_test);
    expect("width", a->rd(base, 1), 1);
    offset = rd32(a, base, 4);
    expect("offset", offset, want_offset);
    data = a->rd(base, 8);
    expect("data", data, 0xfa);
    expect("count", rd32(a, base, 12), 0);
    for (i = 0; i < (int)sizeof(name) - 1; i++) {
        name[i] = a->rd(base, 16 + i);
        if (!name[i]) {
            break;
        }
    }
    name[i] = '\0';
    i = strlen(name) != strlen(want_name) ||
        strncmp(name, want_name, strlen(name));
    printf("  name = \"%s\"%s\n", name, i ? " MISMATCH" : "");
    failures += i;

    /* Bounded: a device answering garbage must not make us poke far. */
    offset &= a->size - 1;
    a->wr(base, offset, data);
    a->wr(base, offset, data);
    a->wr(base, offset, data);
    a->wr(base, offset, 0x11);
    printf("  wrote %#x three times and 0x11 once at the offset\n", data);
    expect("count", rd32(a, base, 12), 3);
}

int main(void)
{
    static const Access mem = { mem_rd, mem_wr, 4096 };
    static const Access io = { io_rd, io_wr, 256 };
    uint32_t bar0, bar1, size0, size1;
    int dev;

    for (dev = 0; dev < 32; dev++) {
        if (pci_read32(0, dev, 0, 0) == 0x00051b36) {
            break;
        }
    }
    if (dev == 32) {
        fail("pci-testdev (1b36:0005) not found on bus 0");
    }
    printf("found pci-testdev 1b36:0005 on bus 0\n");
    /* QEMU's PCI_CLASS_OTHERS is 0x00ff: class 0x00, subclass 0xff. */
    expect("class/revision", pci_read32(0, dev, 0, PCI_CLASS_REV), 0x00ff0000);

    pci_write16(0, dev, 0, PCI_COMMAND, 0);
    size0 = bar_size(dev, PCI_BAR0, &bar0);
    size1 = bar_size(dev, PCI_BAR1, &bar1);
    printf("BAR sizing (all-ones written)\n");
    expect("BAR0", size0, 0xfffff000);
    expect("BAR1", size1 & 0xffff, 0xff01);
    /* Firmware (SeaBIOS under QEMU) may have placed them already. */
    if (!(bar0 & ~0xfu)) {
        bar0 = BAR0_DEFAULT;
        pci_write32(0, dev, 0, PCI_BAR0, bar0);
    }
    if (!(bar1 & ~0x3u)) {
        bar1 = BAR1_DEFAULT | 1;
        pci_write32(0, dev, 0, PCI_BAR1, bar1);
    }
    pci_write16(0, dev, 0, PCI_COMMAND, CMD_IO | CMD_MEM);
    expect("command", pci_read16(0, dev, 0, PCI_COMMAND) & 3, 3);

    run_test("BAR0 memory", &mem, bar0 & ~0xfu, 0, "mmio-no-eventfd", 0x800);
    run_test("BAR1 I/O", &io, bar1 & ~0x3u, 3, "portio-no-eventfd", 0x83);
    if (failures) {
        fail("%d mismatches", failures);
    }
    pass();
}
