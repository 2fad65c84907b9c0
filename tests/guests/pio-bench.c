/*
 * pio-bench: exit round trips for the KVM benchmark. At CPL3 (native on a
 * software KVM, so the loop itself costs nothing) it does "pio=N" 1-byte
 * writes to port 0x80 and "mmio=N" 4-byte stores to unassigned memory at
 * 0xc0000000, each one a VM exit, and prints the TSC ticks per exit.
 * Defaults: 1000 of each.
 */
#include "runtime/runtime.h"

#define PORT 0x80
#define MMIO_ADDR 0xc0000000ul

static uint64_t pio_loop(uint64_t n)
{
    uint64_t t0 = rdtsc();

    for (uint64_t i = 0; i < n; i++) {
        outb(PORT, i);
    }
    return rdtsc() - t0;
}

static uint64_t mmio_loop(uint64_t n)
{
    uint64_t t0 = rdtsc();

    for (uint64_t i = 0; i < n; i++) {
        mmio_write32(MMIO_ADDR, i);
    }
    return rdtsc() - t0;
}

int main(void)
{
    uint64_t npio = 1000, nmmio = 1000, t;

    cmdline_u64("pio", &npio);
    cmdline_u64("mmio", &nmmio);
    printf("pio-bench: pio=%lu mmio=%lu at CPL3\n", npio, nmmio);
    t = run_at_cpl3(pio_loop, npio);
    printf("bench pio: %lu exits, %lu tsc ticks, %lu per exit\n", npio, t,
           npio ? t / npio : 0);
    t = run_at_cpl3(mmio_loop, nmmio);
    printf("bench mmio: %lu exits, %lu tsc ticks, %lu per exit\n", nmmio, t,
           nmmio ? t / nmmio : 0);
    pass();
}
