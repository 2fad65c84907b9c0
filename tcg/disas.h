/*
 * disas.h: disassembly for -d in_asm (guest code) and -d out_asm (host
 * code), in Intel syntax through Zydis's formatter.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCG_DISAS_H
#define TCG_DISAS_H

#include "main/janus.h"

typedef struct TranslationBlock TranslationBlock;

/**
 * disas_host: append one line per x86-64 instruction of @size bytes at
 * @code: "0xADDRESS:  BYTES  INSTRUCTION".  Undecodable bytes print as
 * ".byte 0xNN".
 * @out: where to append.
 * @code: host code (its address is printed and used for branch targets).
 * @size: bytes.
 */
void disas_host(GString *out, const void *code, size_t size);

/**
 * disas_host_tb: disas_host for @tb's code, with a "-- guest addr" line
 * where each guest instruction's host code starts and a "-- slow paths"
 * line before the out-of-line softmmu calls.
 * @out: where to append.
 * @tb: a generated block (tc_ptr, tc_size and the insn tables).
 */
void disas_host_tb(GString *out, const TranslationBlock *tb);

/**
 * disas_guest: append guest instructions decoded from @buf.
 * @out: where to append.
 * @buf: @size bytes of guest code (already fetched: no guest memory
 *   access happens here).
 * @size: bytes.
 * @pc: guest virtual address of @buf[0] (printed, used for targets).
 * @mode_bits: 16, 32 or 64: the code segment's default size.
 */
void disas_guest(GString *out, const uint8_t *buf, size_t size, uint64_t pc,
                 int mode_bits);

#endif
