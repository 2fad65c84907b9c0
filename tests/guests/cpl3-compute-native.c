/*
 * cpl3-compute-native: the cpl3-compute guest's workload as a Linux program,
 * the denominator of the benchmark's "KVM CPL3 time / native time".
 * Usage: cpl3-compute-native [iters]   (prints the same checksum line, and
 * the nanoseconds the workload took on stderr)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "compute.h"

static uint32_t array[COMPUTE_WORDS];

int main(int argc, char **argv)
{
    unsigned long long iters = COMPUTE_ITERS;
    struct timespec t0, t1;
    uint64_t sum;

    if (argc > 1) {
        char *end;
        iters = strtoull(argv[1], &end, 0);
        if (*end || end == argv[1]) {
            fprintf(stderr, "cpl3-compute-native: bad iteration count '%s'\n",
                    argv[1]);
            return 2;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sum = compute_run(array, iters);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("checksum: %#018llx\n", (unsigned long long)sum);
    fprintf(stderr, "ns: %lld\n",
            (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL +
            (t1.tv_nsec - t0.tv_nsec));
    return 0;
}
