/*
 * mmio: loads and stores of 1, 2, 4 and 8 bytes, read-modify-write and
 * string instructions on pc-testdev's memory window (-device pc-testdev, a
 * 64 KiB buffer at 0xff000000 that reads back what was written; the device
 * handles at most 4 bytes, so 8-byte accesses are split by the VMM), then
 * unassigned physical memory, which reads all-ones and ignores writes.
 *
 * The unassigned address is 0xc0000000: below the PCI window firmware
 * assigns from the top down (QEMU's standard VGA takes 0xfd000000), above
 * any RAM a 256 MiB guest has. Real hardware and janus read all-ones there;
 * QEMU reads zeros, so "unassigned=0" on the command line (-append) sets the
 * byte value expected instead of 0xff.
 */
#include "runtime/runtime.h"

#define IOMEM 0xff000000ul
#define UNASSIGNED 0xc0000000ul

static int failures;
static uint64_t unassigned_byte = 0xff;

static void expect(const char *what, uint64_t got, uint64_t want)
{
    printf("  %s = %#lx%s\n", what, got, got == want ? "" : " MISMATCH");
    if (got != want) {
        printf("  (expected %#lx)\n", want);
        failures++;
    }
}

static uint64_t device_tests(uint64_t unused)
{
    (void)unused;
    printf("pc-testdev iomem at CPL%d\n", current_cpl());

    mmio_write64(IOMEM, 0x1122334455667788ull);
    printf(" write64 +0x0 0x1122334455667788\n");
    expect("read64 +0x0", mmio_read64(IOMEM), 0x1122334455667788ull);
    expect("read32 +0x0", mmio_read32(IOMEM), 0x55667788);
    expect("read32 +0x4", mmio_read32(IOMEM + 4), 0x11223344);
    expect("read16 +0x2", mmio_read16(IOMEM + 2), 0x5566);
    expect("read16 +0x6", mmio_read16(IOMEM + 6), 0x1122);
    expect("read8 +0x0", mmio_read8(IOMEM), 0x88);
    expect("read8 +0x5", mmio_read8(IOMEM + 5), 0x33);

    for (int i = 0; i < 8; i++) {
        mmio_write8(IOMEM + 0x10 + i, 0xa0 + i);
    }
    printf(" write8 +0x10..+0x17 0xa0..0xa7\n");
    expect("read64 +0x10", mmio_read64(IOMEM + 0x10), 0xa7a6a5a4a3a2a1a0ull);

    mmio_write16(IOMEM + 0x20, 0xbeef);
    mmio_write16(IOMEM + 0x22, 0xdead);
    printf(" write16 +0x20 0xbeef, +0x22 0xdead\n");
    expect("read32 +0x20", mmio_read32(IOMEM + 0x20), 0xdeadbeef);

    mmio_write32(IOMEM + 0x30, 0xcafef00d);
    printf(" write32 +0x30 0xcafef00d\n");
    expect("read8 +0x31", mmio_read8(IOMEM + 0x31), 0xf0);
    expect("read16 +0x32", mmio_read16(IOMEM + 0x32), 0xcafe);
    return 0;
}

static void complex_tests(void)
{
    uint64_t ram[2] = { 0, 0 };
    uint32_t src[4] = { 0x01010101, 0x02020202, 0x03030303, 0x04040404 };
    void *s, *d;
    size_t n;

    printf("instructions that read and write the device (CPL0)\n");
    mmio_write32(IOMEM + 0x40, 41);
    __asm__ volatile("addl $1, (%0)" : : "r"(IOMEM + 0x40) : "memory");
    printf(" addl $1 to +0x40 holding 41\n");
    expect("read32 +0x40", mmio_read32(IOMEM + 0x40), 42);

    d = (void *)(IOMEM + 0x50);
    s = src;
    n = 4;
    __asm__ volatile("rep movsl" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    printf(" rep movsl 4 dwords RAM -> +0x50\n");
    expect("read64 +0x50", mmio_read64(IOMEM + 0x50), 0x0202020201010101ull);
    expect("read64 +0x58", mmio_read64(IOMEM + 0x58), 0x0404040403030303ull);

    d = ram;
    s = (void *)(IOMEM + 0x10);
    n = 16;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    printf(" rep movsb 16 bytes +0x10 -> RAM\n");
    expect("ram[0]", ram[0], 0xa7a6a5a4a3a2a1a0ull);
    expect("ram[1]", ram[1], 0);
}

static uint64_t unassigned_tests(uint64_t unused)
{
    uint64_t ones = unassigned_byte * 0x0101010101010101ull;

    (void)unused;
    printf("unassigned memory at %#lx, CPL%d\n", UNASSIGNED, current_cpl());
    expect("read8", mmio_read8(UNASSIGNED), (uint8_t)ones);
    expect("read16", mmio_read16(UNASSIGNED + 2), (uint16_t)ones);
    expect("read32", mmio_read32(UNASSIGNED + 4), (uint32_t)ones);
    expect("read64", mmio_read64(UNASSIGNED + 8), ones);
    mmio_write32(UNASSIGNED, 0x12345678);
    printf(" write32 0x12345678\n");
    expect("read32", mmio_read32(UNASSIGNED), (uint32_t)ones);
    return 0;
}

int main(void)
{
    cmdline_u64("unassigned", &unassigned_byte);
    unassigned_byte &= 0xff;
    device_tests(0);
    complex_tests();
    unassigned_tests(0);
    run_at_cpl3(device_tests, 0);
    run_at_cpl3(unassigned_tests, 0);
    if (failures) {
        fail("%d mismatches", failures);
    }
    pass();
}
