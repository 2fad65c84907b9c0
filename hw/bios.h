/*
 * bios.h: the minimal built-in BIOS ROM janus maps at the top of 4 GiB.
 *
 * janus loads kernels itself (hw/loader/), so the ROM only has to make the
 * power-on state well defined: the reset vector parks the CPU, and the
 * real-mode IVT the loaders build points at an IRET inside it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_BIOS_H
#define HW_BIOS_H

#include "main/janus.h"

#define PC_BIOS_SIZE        (256 * KiB)
#define PC_BIOS_ADDR        (4 * GiB - PC_BIOS_SIZE)    /* 0xfffc0000 */
#define PC_ISA_BIOS_SIZE    (128 * KiB)                 /* last 128 KiB */
#define PC_ISA_BIOS_ADDR    (1 * MiB - PC_ISA_BIOS_SIZE) /* 0xe0000 */

/* Real-mode address of the shared "IRET" every IVT vector points at; the
 * same address the IBM PC BIOS used for its dummy interrupt handler. */
#define PC_BIOS_IRET_SEG    0xf000
#define PC_BIOS_IRET_OFF    0xff53

/* Where the reset vector's far jump lands: "cli; hlt; jmp back to hlt". */
#define PC_BIOS_HALT_SEG    0xf000
#define PC_BIOS_HALT_OFF    0xe05b

/**
 * pc_bios_fill: write the ROM image into @rom.
 * @rom: PC_BIOS_SIZE bytes; byte 0 maps at PC_BIOS_ADDR.
 */
void pc_bios_fill(uint8_t *rom);

#endif
