/*
 * bench-tlb: a page-walk-heavy loop at CPL3. 32 MiB of virtual memory at
 * 8 GiB is mapped with 4 KiB pages (8192 PTEs, 32 times a 256-entry TLB
 * and well beyond a hardware one) onto a 1 MiB pool of frames; the loop
 * reads and writes one word per page, visiting every page once per
 * iteration in an order whose neighbours are far apart, so no access
 * finds its translation still cached. Prints a checksum.
 * "iters=N" on the command line (-append) overrides the built-in count.
 * For tools/bench-tcg.sh.
 *
 * The tables are filled at CPL3 (the identity map is user-writable),
 * because under a software KVM every CPL0 instruction costs about a
 * microsecond; CPL0 only reloads CR3. Frames are shared between pages so
 * the data stays in the host's caches: the figure is the walk, not DRAM.
 */
#include "runtime/runtime.h"

#define TLB_VA      (8ull << 30)        /* PDPT[8], unused by the runtime */
#define TLB_PAGES   8192u               /* 32 MiB */
#define TLB_PTS     (TLB_PAGES / 512)
#define POOL_PAGES  256u                /* 1 MiB of frames */
#define TLB_STEP    4099u               /* odd: a permutation of the pages */
#define TLB_ITERS   4

extern uint64_t boot_pdpt[512];

static uint64_t pd[512] __attribute__((aligned(4096)));
static uint64_t pt[TLB_PTS][512] __attribute__((aligned(4096)));
static uint8_t pool[POOL_PAGES][4096] __attribute__((aligned(4096)));

static uint64_t build_tables(uint64_t unused)
{
    (void)unused;
    for (uint32_t i = 0; i < TLB_PAGES; i++) {
        /* 97 is odd: neighbouring pages land on different frames */
        pt[i / 512][i % 512] = (uintptr_t)pool[(i * 97) % POOL_PAGES] |
                               PTE_P | PTE_W | PTE_U;
    }
    for (uint32_t i = 0; i < TLB_PTS; i++) {
        pd[i] = (uintptr_t)pt[i] | PTE_P | PTE_W | PTE_U;
    }
    boot_pdpt[TLB_VA >> 30] = (uintptr_t)pd | PTE_P | PTE_W | PTE_U;
    return 0;
}

static uint64_t workload(uint64_t iters)
{
    uint64_t sum = 0x13198a2e03707344ull;
    uint32_t page = 0;

    for (uint64_t it = 0; it < iters; it++) {
        for (uint32_t k = 0; k < TLB_PAGES; k++) {
            /* a different cache line of the frame for each page */
            volatile uint64_t *w = (volatile uint64_t *)
                (TLB_VA + (uint64_t)page * 4096 + (page & 63) * 64);
            uint64_t v = *w;

            sum = (sum ^ v) * 0x100000001b3ull + page;
            *w = v + (sum >> 32);
            page = (page + TLB_STEP) & (TLB_PAGES - 1);
        }
    }
    for (uint32_t i = 0; i < POOL_PAGES; i++) {
        for (uint32_t l = 0; l < 64; l++) {
            sum ^= *(volatile uint64_t *)&pool[i][l * 64] + i * 64 + l;
        }
    }
    return sum;
}

int main(void)
{
    uint64_t iters = TLB_ITERS;

    cmdline_u64("iters", &iters);
    printf("bench-tlb: %lu iterations over %u pages of 4 KiB at CPL3\n",
           iters, TLB_PAGES);
    run_at_cpl3(build_tables, 0);
    write_cr3(read_cr3());
    printf("checksum: %#018lx\n", run_at_cpl3(workload, iters));
    pass();
}
