/*
 * cpl3-compute: a fixed integer workload (compute.h) run at CPL3, where a
 * software KVM runs natively; prints its checksum. "iters=N" on the command
 * line (-append) overrides the built-in COMPUTE_ITERS; "tsc=1" also prints
 * the TSC ticks the workload took, for the benchmark.
 */
#include "runtime/runtime.h"
#include "compute.h"

static uint32_t array[COMPUTE_WORDS];

static uint64_t workload(uint64_t iters)
{
    return compute_run(array, iters);
}

int main(void)
{
    uint64_t iters = COMPUTE_ITERS, tsc = 0, t0, sum;

    cmdline_u64("iters", &iters);
    cmdline_u64("tsc", &tsc);
    printf("cpl3-compute: %lu iterations of %u steps over 1 MiB at CPL3\n",
           iters, COMPUTE_STEPS);
    t0 = rdtsc();
    sum = run_at_cpl3(workload, iters);
    t0 = rdtsc() - t0;
    printf("checksum: %#018lx\n", sum);
    if (tsc) {
        printf("tsc ticks: %lu\n", t0);
    }
    pass();
}
