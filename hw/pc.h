/*
 * pc.h: constants of the PC machine's memory map (hw/pc.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_PC_H
#define HW_PC_H

#include "hw/machine.h"

/* i440FX RAM split (QEMU's rule, with its gigabyte alignment): RAM of
 * PC_LOWMEM_LIMIT or more keeps PC_LOWMEM_SPLIT below 4 GiB. */
#define PC_LOWMEM_LIMIT     0xe0000000ULL
#define PC_LOWMEM_SPLIT     0xc0000000ULL

#define PC_ROM_ADDR         0xc0000     /* "pc.rom": option ROM space */
#define PC_ROM_SIZE         (128 * KiB)

#define PC_MIN_RAM          (1 * MiB)
#define PC_MAX_CPUS         255         /* xAPIC IDs 0-254 */

/**
 * pc_ram_split: how much of @ram_size the PC puts below and above 4 GiB.
 * @below: set to the bytes at [0, *below).
 * @above: set to the bytes at [4 GiB, 4 GiB + *above).
 */
void pc_ram_split(uint64_t ram_size, uint64_t *below, uint64_t *above);

#endif
