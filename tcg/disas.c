/*
 * disas.c: host and guest disassembly with Zydis (version 4 API:
 * ZydisDecoderDecodeFull + ZydisFormatterFormatInstruction).
 *
 * Decoder and formatter are built per call: they are small stack
 * objects, and this keeps the functions thread-safe (vCPU threads log
 * concurrently) without any shared state.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <Zydis/Zydis.h>
#include "tcg/disas.h"
#include "tcg/tb.h"

/* Debian 12's libzydis-dev is 4.0; the 3.x decode/format calls differ */
G_STATIC_ASSERT(ZYDIS_VERSION_MAJOR(ZYDIS_VERSION) >= 4);

#define BYTES_SHOWN 10

static void disas_one_line(GString *out, uint64_t addr, const uint8_t *p,
                           size_t len, const char *text)
{
    g_string_append_printf(out, "0x%016" PRIx64 ":  ", addr);
    for (size_t i = 0; i < BYTES_SHOWN; i++) {
        if (i < len && (i < BYTES_SHOWN - 1 || len == BYTES_SHOWN)) {
            g_string_append_printf(out, "%02x ", p[i]);
        } else if (i == BYTES_SHOWN - 1 && len > BYTES_SHOWN) {
            g_string_append(out, "...");
        } else {
            g_string_append(out, "   ");
        }
    }
    g_string_append_printf(out, " %s\n", text);
}

/* Disassemble [p, p + size) as if it sat at @addr. */
static void disas_range(GString *out, ZydisMachineMode mode,
                        ZydisStackWidth width, const uint8_t *p, size_t size,
                        uint64_t addr)
{
    ZydisDecoder dec;
    ZydisFormatter fmt;
    size_t off = 0;

    ZydisDecoderInit(&dec, mode, width);
    ZydisFormatterInit(&fmt, ZYDIS_FORMATTER_STYLE_INTEL);
    ZydisFormatterSetProperty(&fmt, ZYDIS_FORMATTER_PROP_FORCE_SIZE,
                              ZYAN_TRUE);
    while (off < size) {
        ZydisDecodedInstruction insn;
        ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
        char text[256];

        if (ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, p + off, size - off,
                                                &insn, ops)) &&
            ZYAN_SUCCESS(ZydisFormatterFormatInstruction(
                             &fmt, &insn, ops, insn.operand_count_visible,
                             text, sizeof(text), addr + off, NULL))) {
            disas_one_line(out, addr + off, p + off, insn.length, text);
            off += insn.length;
        } else {
            snprintf(text, sizeof(text), ".byte 0x%02x", p[off]);
            disas_one_line(out, addr + off, p + off, 1, text);
            off++;
        }
    }
}

void disas_host(GString *out, const void *code, size_t size)
{
    disas_range(out, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64, code,
                size, (uintptr_t)code);
}

void disas_host_tb(GString *out, const TranslationBlock *tb)
{
    const uint8_t *p = tb->tc_ptr;
    uint32_t start = 0;

    for (unsigned i = 0; i < tb->icount; i++) {
        uint32_t end = tb->insn_host_end[i];

        g_string_append_printf(out, "  -- guest addr 0x%016" PRIx64 "\n",
                               tb->insn_pc[i]);
        disas_host(out, p + start, end - start);
        start = end;
    }
    if (start < tb->tc_size) {
        /* code after the last insn_start (no insns: unit tests), then the
         * out-of-line slow paths share this tail */
        g_string_append(out, tb->icount ? "  -- slow paths\n" : "");
        disas_host(out, p + start, tb->tc_size - start);
    }
}

void disas_guest(GString *out, const uint8_t *buf, size_t size, uint64_t pc,
                 int mode_bits)
{
    ZydisMachineMode mode = mode_bits == 64 ? ZYDIS_MACHINE_MODE_LONG_64
                          : mode_bits == 32 ? ZYDIS_MACHINE_MODE_LEGACY_32
                          : ZYDIS_MACHINE_MODE_LEGACY_16;
    ZydisStackWidth width = mode_bits == 64 ? ZYDIS_STACK_WIDTH_64
                          : mode_bits == 32 ? ZYDIS_STACK_WIDTH_32
                          : ZYDIS_STACK_WIDTH_16;

    disas_range(out, mode, width, buf, size, pc);
}
