/*
 * The cpl3-compute workload, shared by the guest and its native twin so the
 * benchmark compares the same machine code shape: integer multiply, xor,
 * shifts, data-dependent branches and loads/stores over a 1 MiB array.
 */
#ifndef GUEST_COMPUTE_H
#define GUEST_COMPUTE_H

#include <stdint.h>

#define COMPUTE_WORDS (1u << 18)    /* 1 MiB of uint32_t */
#define COMPUTE_STEPS 4096          /* per iteration */

static inline uint64_t compute_run(uint32_t *a, uint64_t iters)
{
    uint64_t x = 0x9e3779b97f4a7c15ull, sum = 0;

    for (uint32_t j = 0; j < COMPUTE_WORDS; j++) {
        a[j] = j * 2654435761u;
    }
    for (uint64_t i = 0; i < iters; i++) {
        for (uint32_t k = 0; k < COMPUTE_STEPS; k++) {
            uint32_t idx, v;

            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            idx = (uint32_t)(x >> 40) & (COMPUTE_WORDS - 1);
            v = a[idx];
            if (v & 1) {
                sum += (uint64_t)v * 0x2545f491u + (x & 0xff);
            } else {
                sum ^= ((uint64_t)v << 5) | (sum >> 59);
            }
            a[idx] = v + (uint32_t)x;
        }
    }
    return sum ^ x;
}

#endif
