/*
 * bios.c: the contents of the built-in BIOS ROM ("pc.bios").
 *
 * The ROM is 256 KiB at 0xfffc0000; its last 128 KiB also appear at
 * 0xe0000 ("isa-bios"), so a ROM offset O is real-mode address
 * f000:(O - 0x30000) for O >= 0x30000.  Everything not listed below is
 * 0xff, as an erased flash part reads.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/bios.h"

/* ROM offset of real-mode address f000:@off. */
#define F_SEG(off) (PC_BIOS_SIZE - 0x10000 + (off))

typedef struct BiosPatch {
    uint32_t offset;        /* in the ROM */
    uint8_t len;
    uint8_t bytes[16];
} BiosPatch;

static const BiosPatch bios_patches[] = {
    /*
     * Park the CPU when no kernel was loaded (-S without -kernel, or a
     * guest that resets into the ROM): interrupts off so nothing wakes it,
     * and the jmp covers an NMI or SMI returning to the instruction after
     * hlt.
     *   f000:e05b  fa        cli
     *   f000:e05c  f4        hlt
     *   f000:e05d  eb fd     jmp f000:e05c
     */
    { F_SEG(PC_BIOS_HALT_OFF), 4, { 0xfa, 0xf4, 0xeb, 0xfd } },
    /*
     * The handler every IVT entry points at, so a stray real-mode
     * interrupt (or an "int 0x15" a kernel tries) returns harmlessly.
     *   f000:ff53  cf        iret
     */
    { F_SEG(PC_BIOS_IRET_OFF), 1, { 0xcf } },
    /*
     * Reset vector: CS base 0xffff0000, IP 0xfff0, i.e. 0xfffffff0.  A far
     * jump reloads CS so execution continues at the real-mode alias below
     * 1 MiB, as on real hardware.
     *   f000:fff0  ea 5b e0 00 f0   jmp far f000:e05b
     */
    { F_SEG(0xfff0), 5, { 0xea, PC_BIOS_HALT_OFF & 0xff,
                          PC_BIOS_HALT_OFF >> 8, 0x00, 0xf0 } },
    /* f000:fff5  BIOS date, "MM/DD/YY" as IBM placed it. */
    { F_SEG(0xfff5), 8, { '0', '1', '/', '0', '1', '/', '2', '5' } },
    /* f000:fffe  model byte 0xfc: "AT compatible". */
    { F_SEG(0xfffe), 1, { 0xfc } },
};

void pc_bios_fill(uint8_t *rom)
{
    memset(rom, 0xff, PC_BIOS_SIZE);
    for (size_t i = 0; i < G_N_ELEMENTS(bios_patches); i++) {
        const BiosPatch *p = &bios_patches[i];

        memcpy(rom + p->offset, p->bytes, p->len);
    }
}
