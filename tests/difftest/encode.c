/*
 * encode.c: the difftest generator's x86-64 instruction encoder.
 */
#include <string.h>
#include "encode.h"

void x86_insn_init(Insn *in)
{
    memset(in, 0, sizeof(*in));
    in->stray_rex = -1;
    in->opreg = -1;
    in->rm = -1;
    in->mem.base = in->mem.index = -1;
    in->mem.scale = 1;
}

static bool fits8(int64_t v)
{
    return v >= -128 && v <= 127;
}

/* The 3 low bits encoding register @r (ah..bh are 4..7 without REX). */
static unsigned low3(int r)
{
    return r >= AH ? r - AH + 4 : r & 7;
}

/* REX bits a register operand needs; *high8 set for ah..bh. */
static unsigned reg_rex(int r, bool byte, bool *need, bool *high8)
{
    if (r >= AH) {
        *high8 = true;
        return 0;
    }
    if (byte && r >= RSP && r <= RDI) {
        *need = true;           /* spl, bpl, sil, dil */
    }
    return r >= R8;
}

int x86_encode(const Insn *in, uint32_t at, uint8_t *out)
{
    uint8_t b[32];
    unsigned rex = in->rex_w ? 8 : 0;
    bool need_rex = false, high8 = false;
    int n = 0, disp_at = -1, dsize = 0, modrm_at;
    const Mem *m = &in->mem;
    int64_t disp = m->disp;

    if (in->modrm && !in->reg_is_digit) {
        rex |= reg_rex(in->reg, in->reg8, &need_rex, &high8) << 2;
    }
    if (in->modrm && m->kind == MEM_NONE) {
        rex |= reg_rex(in->rm, in->rm8, &need_rex, &high8);
    }
    if (in->opreg >= 0) {
        rex |= reg_rex(in->opreg, in->rm8, &need_rex, &high8);
    }
    if (m->kind == MEM_BASE && m->base >= R8) {
        rex |= 1;
    }
    if ((m->kind == MEM_BASE || m->kind == MEM_INDEX) && m->index >= 0) {
        if (m->index == RSP) {
            return -1;          /* index 100b means "no index" */
        }
        rex |= (m->index >= R8) << 1;
    }
    if (high8 && (rex || need_rex || in->rex40)) {
        return -1;
    }

    if (in->stray_rex >= 0) {
        if (!in->npfx) {
            return -1;          /* it would be the instruction's own REX */
        }
        b[n++] = in->stray_rex;
    }
    if (in->modrm && m->kind != MEM_NONE && m->addr32) {
        b[n++] = 0x67;
    }
    memcpy(b + n, in->pfx, in->npfx);
    n += in->npfx;
    if (rex || need_rex || in->rex40) {
        b[n++] = 0x40 | rex;
    }
    memcpy(b + n, in->op, in->nop);
    n += in->nop;
    if (in->opreg >= 0) {
        b[n - 1] |= low3(in->opreg);
    }
    if (in->modrm) {
        unsigned reg = in->reg_is_digit ? in->reg & 7u : low3(in->reg);
        unsigned mod, rm;

        modrm_at = n++;
        switch (m->kind) {
        case MEM_NONE:
            b[modrm_at] = 0xc0 | reg << 3 | low3(in->rm);
            break;
        case MEM_RIP:
            b[modrm_at] = reg << 3 | 5;
            dsize = 4;
            disp_at = n;
            break;
        case MEM_INDEX:
            b[modrm_at] = reg << 3 | 4;
            b[n++] = (__builtin_ctz(m->scale) << 6) | (m->index & 7) << 3 | 5;
            dsize = 4;
            break;
        case MEM_BASE:
            dsize = m->dispsize;
            if (dsize == 0 && (m->base & 7) == RBP) {
                dsize = 1;      /* mod 00 with base 101b means no base */
            }
            if (dsize == 1 && !fits8(disp)) {
                return -1;
            }
            mod = dsize == 0 ? 0 : dsize == 1 ? 1 : 2;
            if (m->index < 0 && (m->base & 7) != RSP && !m->force_sib) {
                rm = m->base & 7;
                b[modrm_at] = mod << 6 | reg << 3 | rm;
            } else {
                b[modrm_at] = mod << 6 | reg << 3 | 4;
                b[n++] = (__builtin_ctz(m->scale) << 6) |
                         (m->index < 0 ? 4 : m->index & 7) << 3 |
                         (m->base & 7);
            }
            break;
        }
        if (dsize) {
            disp_at = n;
            n += dsize;
        }
    }
    if (in->immsize) {
        uint64_t v = in->imm;

        for (int i = 0; i < in->immsize; i++, v >>= 8) {
            b[n++] = v;
        }
    }
    if (n > 15) {
        return -1;
    }
    if (disp_at >= 0) {
        if (m->kind == MEM_RIP) {
            disp = m->disp - ((int64_t)at + n);
        }
        if (dsize == 4 && !m->addr32 && (disp < INT32_MIN || disp > INT32_MAX)) {
            return -1;
        }
        for (int i = 0; i < dsize; i++) {
            b[disp_at + i] = (uint64_t)disp >> (8 * i);
        }
    }
    memcpy(out, b, n);
    return n;
}
