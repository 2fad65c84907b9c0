/*
 * bench-mem: a memory-heavy loop at CPL3 over 256 KiB (64 pages, so every
 * access hits a 256-entry TLB once warm): each step loads and stores 1, 2,
 * 4 and 8 bytes in one 16-byte slot and moves to a data-dependent slot
 * about a page further on. Prints a checksum of the values and the final
 * buffer. "iters=N" on the command line (-append) overrides the built-in
 * count; one iteration is 16384 steps, 8 accesses each. For tools/bench-tcg.sh.
 */
#include "runtime/runtime.h"

#define MEM_BYTES (256u << 10)
#define MEM_SLOTS (MEM_BYTES / 16)
#define MEM_STRIDE 0x1050u          /* a multiple of 16, gcd with size 16 */
#define MEM_ITERS 20

/* the buffer is accessed at several widths: tell the compiler */
typedef uint64_t __attribute__((may_alias)) u64a;
typedef uint32_t __attribute__((may_alias)) u32a;
typedef int16_t __attribute__((may_alias)) s16a;

static uint8_t buf[MEM_BYTES] __attribute__((aligned(4096)));

static uint64_t workload(uint64_t iters)
{
    uint64_t sum = 0x243f6a8885a308d3ull;
    uint32_t off = 0;

    for (uint32_t i = 0; i < MEM_BYTES / 8; i++) {
        ((u64a *)buf)[i] = i * 0x9e3779b97f4a7c15ull;
    }
    for (uint64_t it = 0; it < iters; it++) {
        for (uint32_t k = 0; k < MEM_SLOTS; k++) {
            uint8_t *p = buf + off;
            uint64_t q = *(u64a *)p;
            uint32_t d = *(u32a *)(p + 8);
            int16_t h = *(s16a *)(p + 12);
            uint8_t b = p[14];

            sum = ((sum ^ q) << 7 | (sum ^ q) >> 57) + d + h + b;
            *(u64a *)p = q + sum;
            *(u32a *)(p + 8) = d ^ (uint32_t)sum;
            *(s16a *)(p + 12) = (int16_t)(h - b);
            p[15] ^= (uint8_t)sum;
            off = (off + MEM_STRIDE + (uint32_t)(q & 0x70)) & (MEM_BYTES - 16);
        }
    }
    for (uint32_t i = 0; i < MEM_BYTES / 8; i++) {
        sum ^= ((u64a *)buf)[i] * (i | 1);
    }
    return sum;
}

int main(void)
{
    uint64_t iters = MEM_ITERS;

    cmdline_u64("iters", &iters);
    printf("bench-mem: %lu iterations of %u steps over %u KiB at CPL3\n",
           iters, MEM_SLOTS, MEM_BYTES >> 10);
    printf("checksum: %#018lx\n", run_at_cpl3(workload, iters));
    pass();
}
