/*
 * pio: port I/O of every width, and string I/O, against pc-testdev
 * (-device pc-testdev), first at CPL0 and then at CPL3 through the TSS I/O
 * bitmap.
 *
 * pc-testdev's port 0xe0 is a 32-bit latch: a write of width w at 0xe0+k
 * replaces bytes k..k+w-1, a read returns them. Port 0xe8 is the same latch
 * but the device only handles 1-byte accesses, so wider ones are split by
 * the VMM's memory core.
 */
#include "runtime/runtime.h"

#define LATCH 0xe0
#define LATCH_BYTE 0xe8

static int failures;

static void expect(const char *what, uint32_t got, uint32_t want)
{
    printf("  %s = %#x%s\n", what, got, got == want ? "" : " MISMATCH");
    if (got != want) {
        printf("  (expected %#x)\n", want);
        failures++;
    }
}

static void rep_outsb(uint16_t port, const void *buf, size_t n)
{
    __asm__ volatile("rep outsb" : "+S"(buf), "+c"(n) : "d"(port) : "memory");
}

static void rep_insb(uint16_t port, void *buf, size_t n)
{
    __asm__ volatile("rep insb" : "+D"(buf), "+c"(n) : "d"(port) : "memory");
}

static void rep_outsw(uint16_t port, const void *buf, size_t n)
{
    __asm__ volatile("rep outsw" : "+S"(buf), "+c"(n) : "d"(port) : "memory");
}

static void rep_insl(uint16_t port, void *buf, size_t n)
{
    __asm__ volatile("rep insl" : "+D"(buf), "+c"(n) : "d"(port) : "memory");
}

static uint64_t pio_tests(uint64_t unused)
{
    static const char abcd[4] = { 'A', 'B', 'C', 'D' };
    static const uint16_t words[3] = { 0x1111, 0x2222, 0x3333 };
    uint8_t bytes[4];
    uint32_t dwords[3];

    (void)unused;
    printf("pio at CPL%d\n", current_cpl());

    outl(LATCH, 0x12345678);
    printf(" outl 0xe0, 0x12345678\n");
    expect("inl 0xe0", inl(LATCH), 0x12345678);
    expect("inb 0xe0", inb(LATCH), 0x78);
    expect("inb 0xe1", inb(LATCH + 1), 0x56);
    expect("inb 0xe2", inb(LATCH + 2), 0x34);
    expect("inb 0xe3", inb(LATCH + 3), 0x12);
    expect("inw 0xe0", inw(LATCH), 0x5678);
    expect("inw 0xe2", inw(LATCH + 2), 0x1234);

    outb(LATCH + 1, 0xab);
    printf(" outb 0xe1, 0xab\n");
    expect("inl 0xe0", inl(LATCH), 0x1234ab78);
    outw(LATCH + 2, 0xcdef);
    printf(" outw 0xe2, 0xcdef\n");
    expect("inl 0xe0", inl(LATCH), 0xcdefab78);

    outl(LATCH_BYTE, 0x11223344);
    printf(" outl 0xe8, 0x11223344 (byte-wide device)\n");
    expect("inl 0xe8", inl(LATCH_BYTE), 0x11223344);
    expect("inw 0xea", inw(LATCH_BYTE + 2), 0x1122);
    expect("inb 0xe9", inb(LATCH_BYTE + 1), 0x33);

    /* Every element of a string op goes to the same port. */
    outl(LATCH, 0);
    rep_outsb(LATCH, abcd, 4);
    printf(" rep outsb 0xe0, \"ABCD\"\n");
    expect("inl 0xe0", inl(LATCH), 'D');
    memset(bytes, 0, sizeof(bytes));
    rep_insb(LATCH, bytes, 4);
    printf(" rep insb 0xe0 x4\n");
    expect("bytes", bytes[0] | bytes[1] << 8 | bytes[2] << 16 |
           (uint32_t)bytes[3] << 24, 0x44444444);

    rep_outsw(LATCH + 2, words, 3);
    printf(" rep outsw 0xe2, {0x1111, 0x2222, 0x3333}\n");
    expect("inl 0xe0", inl(LATCH), 0x33330044);
    memset(dwords, 0, sizeof(dwords));
    rep_insl(LATCH, dwords, 3);
    printf(" rep insl 0xe0 x3\n");
    expect("dword 0", dwords[0], 0x33330044);
    expect("dword 1", dwords[1], 0x33330044);
    expect("dword 2", dwords[2], 0x33330044);
    return 0;
}

int main(void)
{
    pio_tests(0);
    run_at_cpl3(pio_tests, 0);
    if (failures) {
        fail("%d mismatches", failures);
    }
    pass();
}
