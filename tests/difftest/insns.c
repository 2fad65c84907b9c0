/*
 * insns.c: the difftest generator's instruction groups. Each group builds
 * one instruction of a family with random size, operands and prefixes,
 * describes what it reads, writes and leaves undefined (Eff), and emits it
 * through emit(), which refuses what the case's state does not allow.
 */
#include "gen.h"

typedef unsigned __int128 u128;
typedef __int128 s128;

static const uint16_t cc_flags[16] = {
    DT_OF, DT_OF, DT_CF, DT_CF, DT_ZF, DT_ZF, DT_CF | DT_ZF, DT_CF | DT_ZF,
    DT_SF, DT_SF, DT_PF, DT_PF, DT_SF | DT_OF, DT_SF | DT_OF,
    DT_ZF | DT_SF | DT_OF, DT_ZF | DT_SF | DT_OF,
};

/* ---- instruction groups -------------------------------------------------- */

/* add or adc sbb and sub xor cmp, every form */
static bool gen_alu(Gen *g)
{
    Insn in;
    Eff e = { 0 };
    int op = rn(g, 8), form = rn(g, 9), size;
    bool logic = op == 1 || op == 4 || op == 6, wr = op != 7;

    x86_insn_init(&in);
    e.fread = (op == 2 || op == 3) ? DT_CF : 0;
    e.fwrite = logic ? DT_ARITH & ~DT_AF : DT_ARITH;
    e.fundef = logic ? DT_AF : 0;
    switch (form) {
    case 0: case 1:     /* r/m, reg */
    case 2: case 3:     /* reg, r/m */
        size = pick_size(g, &in, false);
        if (!(form & 1)) {
            size = 1;
            in.rex_w = false;
        }
        set_op(&in, 1, op * 8 + form, 0, 0);
        if (form < 2) {
            if (!pick_regop(g, &in, &e, size, false) ||
                !pick_rm(g, &in, &e, size, wr, 40)) {
                return false;
            }
        } else if (!pick_regop(g, &in, &e, size, wr) ||
                   !pick_rm(g, &in, &e, size, false, 40)) {
            return false;
        }
        break;
    case 4: case 5:     /* al/ax/eax/rax, imm */
        size = form == 4 ? 1 : pick_size(g, &in, false);
        if (form == 4) {
            apply_size(g, &in, 1);
        }
        set_op(&in, 1, op * 8 + form, 0, 0);
        set_imm(g, &in, imm_size(size));
        e.rd |= 1u << RAX;
        e.wr |= wr ? 1u << RAX : 0;
        break;
    default:            /* 80 /op ib, 81 /op iz, 83 /op ib */
        size = pick_size(g, &in, form == 6);
        if (form == 6) {
            size = 1;
            in.rex_w = false;
        }
        set_op(&in, 1, form == 8 ? 0x83 : 0x80 + (form - 6), 0, 0);
        set_digit(&in, op);
        if (!pick_rm(g, &in, &e, size, wr, 40)) {
            return false;
        }
        set_imm(g, &in, form == 7 ? imm_size(size) : 1);
        break;
    }
    /* lock: on a memory destination; on cmp or a register it is #UD */
    if (form != 4 && form != 5) {
        bool mem_dest = (form < 2 || form > 5) && in.mem.kind != MEM_NONE;

        if (mem_dest && chance(g, wr ? 25 : 2)) {
            add_pfx(&in, 0xf0);
            e.fault = !wr;
        } else if (!mem_dest && !g->qemu_compat && chance(g, 1)) {
            add_pfx(&in, 0xf0);
            e.fault = true;
        }
    }
    return emit_decorated(g, &in, &e);
}

static bool gen_test(Gen *g)
{
    Insn in;
    Eff e = { .fwrite = DT_ARITH & ~DT_AF, .fundef = DT_AF };
    int form = rn(g, 3), size;

    x86_insn_init(&in);
    size = pick_size(g, &in, true);
    switch (form) {
    case 0:
        set_op(&in, 1, size == 1 ? 0x84 : 0x85, 0, 0);
        if (!pick_regop(g, &in, &e, size, false) ||
            !pick_rm(g, &in, &e, size, false, 40)) {
            return false;
        }
        break;
    case 1:
        set_op(&in, 1, size == 1 ? 0xa8 : 0xa9, 0, 0);
        e.rd |= 1u << RAX;
        set_imm(g, &in, imm_size(size));
        break;
    default:
        set_op(&in, 1, size == 1 ? 0xf6 : 0xf7, 0, 0);
        set_digit(&in, 0);
        if (!pick_rm(g, &in, &e, size, false, 40)) {
            return false;
        }
        set_imm(g, &in, imm_size(size));
        break;
    }
    return emit_decorated(g, &in, &e);
}

static bool gen_mov(Gen *g)
{
    Insn in;
    Eff e = { 0 };
    int form = rn(g, 4), size, r;
    RegVal old;

    x86_insn_init(&in);
    size = pick_size(g, &in, true);
    switch (form) {
    case 0:             /* 88/89 r/m, reg */
    case 1:             /* 8a/8b reg, r/m */
        set_op(&in, 1, 0x88 + form * 2 + (size > 1), 0, 0);
        if (!pick_regop(g, &in, &e, size, form == 1) ||
            !pick_rm(g, &in, &e, size, form == 0, 40)) {
            return false;
        }
        return emit_decorated(g, &in, &e);
    case 2:             /* b0+r ib, b8+r iw/id/io */
        r = pick_reg(g, size, true);
        if (r < 0) {
            return false;
        }
        set_op(&in, 1, size == 1 ? 0xb0 : 0xb8, 0, 0);
        in.opreg = r;
        in.rm8 = size == 1;
        set_imm(g, &in, size);
        e.wr = bit(r);
        old = g->s.r[gpr(r)];
        if (!emit_decorated(g, &in, &e)) {
            return false;
        }
        set_known(g, r, size, in.imm, &old);
        return true;
    default:            /* c6/c7 /0 */
        set_op(&in, 1, size == 1 ? 0xc6 : 0xc7, 0, 0);
        set_digit(&in, 0);
        if (!pick_rm(g, &in, &e, size, true, 50)) {
            return false;
        }
        set_imm(g, &in, imm_size(size));
        if (in.mem.kind != MEM_NONE) {
            return emit_decorated(g, &in, &e);
        }
        old = g->s.r[gpr(in.rm)];
        if (!emit_decorated(g, &in, &e)) {
            return false;
        }
        set_known(g, in.rm, size,
                  size == 8 ? (uint64_t)(int64_t)(int32_t)in.imm : in.imm, &old);
        return true;
    }
}

/* not, neg, inc, dec */
static bool gen_unary(Gen *g)
{
    Insn in;
    Eff e = { 0 };
    int kind = rn(g, 4), size;

    x86_insn_init(&in);
    size = pick_size(g, &in, true);
    if (kind < 2) {
        set_op(&in, 1, size == 1 ? 0xf6 : 0xf7, 0, 0);
        set_digit(&in, 2 + kind);
        e.fwrite = kind ? DT_ARITH : 0;
    } else {
        set_op(&in, 1, size == 1 ? 0xfe : 0xff, 0, 0);
        set_digit(&in, kind - 2);
        e.fwrite = DT_ARITH & ~DT_CF;
    }
    if (!pick_rm(g, &in, &e, size, true, 40)) {
        return false;
    }
    if (in.mem.kind != MEM_NONE && chance(g, 25)) {
        add_pfx(&in, 0xf0);
    }
    return emit_decorated(g, &in, &e);
}

/* one-operand mul and imul */
static bool gen_mul(Gen *g)
{
    Insn in;
    Eff e = { .fwrite = DT_CF | DT_OF,
              .fundef = DT_SF | DT_ZF | DT_AF | DT_PF };
    int size;

    x86_insn_init(&in);
    size = pick_size(g, &in, true);
    set_op(&in, 1, size == 1 ? 0xf6 : 0xf7, 0, 0);
    set_digit(&in, 4 + rn(g, 2));
    if (!pick_rm(g, &in, &e, size, false, 35)) {
        return false;
    }
    e.rd |= 1u << RAX;
    e.wr |= 1u << RAX | (size > 1 ? 1u << RDX : 0);
    return emit_decorated(g, &in, &e);
}

/* imul reg, r/m; imul reg, r/m, imm */
static bool gen_imul(Gen *g)
{
    Insn in;
    Eff e = { .fwrite = DT_CF | DT_OF,
              .fundef = DT_SF | DT_ZF | DT_AF | DT_PF };
    int form = rn(g, 3), size;

    x86_insn_init(&in);
    size = pick_size(g, &in, false);
    if (form == 0) {
        set_op(&in, 2, 0x0f, 0xaf, 0);
    } else {
        set_op(&in, 1, form == 1 ? 0x6b : 0x69, 0, 0);
        set_imm(g, &in, form == 1 ? 1 : imm_size(size));
    }
    if (!pick_regop(g, &in, &e, size, true) ||
        !pick_rm(g, &in, &e, size, false, 35)) {
        return false;
    }
    return emit_decorated(g, &in, &e);
}

/*
 * div/idiv after movs that set up dividend and divisor: a quotient that
 * fits, or (rarely, as the case's last instruction) a #DE on purpose.
 */
static bool gen_div(Gen *g)
{
    static const int sizes[] = { 1, 2, 4, 8 };
    int size = sizes[rn(g, 4)], n = 8 * size, dr = -1;
    bool sgn = chance(g, 50), fault = chance(g, 6), use_mem = chance(g, 35);
    uint64_t mask = size_mask(size), d, lo, hi;
    Insn in;
    Eff e = { .fundef = DT_ARITH };
    Mem mem;
    Eff me = { 0 };

    if (sgn) {
        s128 sd, q, r, x;
        s128 lim = (s128)1 << (n - 1);

        do {
            sd = (s128)(int64_t)interesting(g) % lim;
        } while (sd == 0);
        if (use_mem && size == 8) {
            sd = (int32_t)sd ? (int32_t)sd : 7;
        }
        q = (s128)(int64_t)interesting(g) % lim;
        if (fault && chance(g, 50)) {
            q = chance(g, 50) ? lim + rn(g, 4) : -lim - 1 - rn(g, 4);
        }
        r = (s128)(rnd(g) % (uint64_t)(sd < 0 ? -sd : sd));
        if ((q < 0) != (sd < 0) || (q == 0 && chance(g, 50))) {
            r = -r;
        }
        x = q * sd + r;
        if (fault && (q >= -lim && q < lim)) {
            sd = 0;
        }
        d = (uint64_t)sd & mask;
        lo = (uint64_t)x & mask;
        hi = (uint64_t)(x >> n) & mask;
    } else {
        u128 ud, q, r, x;
        u128 lim = (u128)1 << n;

        do {
            ud = interesting(g) & mask;
        } while (ud == 0);
        if (use_mem && size == 8) {
            ud = (uint64_t)(int64_t)(int32_t)ud ? ud : 7;
            ud = (uint64_t)(int64_t)(int32_t)ud;
        }
        q = (interesting(g) & mask) % lim;
        r = rnd(g) % (uint64_t)ud;
        x = q * ud + r;
        d = (uint64_t)ud & mask;
        lo = (uint64_t)x & mask;
        hi = (uint64_t)(x >> n) & mask;
        if (fault && chance(g, 50)) {
            d = 0;
        } else if (fault) {         /* high half >= divisor: too big */
            hi = d + rnd(g) % ((u128)mask - d + 1);
        }
    }

    /* dividend: ax for bytes, else rdx:rax; high bits beyond it random */
    if (size == 1) {
        if (!emit_mov_imm(g, RAX, 4, (rnd(g) << 16 | hi << 8 | lo) &
                          0xffffffffull)) {
            return false;
        }
    } else if (!emit_mov_imm(g, RAX, 8, (rnd(g) & ~mask) | lo) ||
               !emit_mov_imm(g, RDX, 8, (rnd(g) & ~mask) | hi)) {
        return false;
    }
    x86_insn_init(&in);
    if (use_mem && pick_mem(g, &mem, size, true, &me)) {
        Insn st;

        x86_insn_init(&st);
        apply_size(g, &st, size);
        set_op(&st, 1, size == 1 ? 0xc6 : 0xc7, 0, 0);
        set_digit(&st, 0);
        st.mem = mem;
        st.imm = d;
        st.immsize = imm_size(size);
        if (!emit(g, &st, &me, true)) {
            return false;
        }
        in.modrm = true;
        in.mem = mem;
        e.rd |= me.rd;
    } else {
        for (int tries = 0; tries < 16 && dr < 0; tries++) {
            int r = pick_reg(g, size, true);

            if (r >= 0 && gpr(r) != RAX && r != AH &&
                (size == 1 || gpr(r) != RDX)) {
                dr = r;
            }
        }
        if (dr < 0 || !emit_mov_imm(g, dr, size == 1 ? 1 : 8,
                                    size == 1 ? d : (rnd(g) & ~mask) | d)) {
            return false;
        }
        in.modrm = true;
        in.rm = dr;
        in.rm8 = size == 1;
        e.rd |= bit(dr);
    }
    apply_size(g, &in, size);
    set_op(&in, 1, size == 1 ? 0xf6 : 0xf7, 0, 0);
    set_digit(&in, sgn ? 7 : 6);
    e.rd |= 1u << RAX | 1u << RDX;
    e.wr |= 1u << RAX | (size > 1 ? 1u << RDX : 0);
    e.fault = fault;
    return emit_decorated(g, &in, &e);
}

/* Flags a shift or rotate writes (defined) and leaves undefined, for one
 * masked count @c; *rcf when the result depends on the incoming CF. */
static void shift_flags(int d, int nbits, unsigned c, uint16_t *w,
                        uint16_t *u, bool *rcf)
{
    unsigned t;

    *w = *u = 0;
    *rcf = false;
    if (c == 0) {
        return;
    }
    switch (d) {
    case 0: case 1:                     /* rol, ror */
        *w = DT_CF;
        break;
    case 2: case 3:                     /* rcl, rcr: through CF */
        t = nbits < 32 ? c % (nbits + 1) : c;
        if (t) {
            *w = DT_CF;
            *rcf = true;
        }
        break;
    default:                            /* shl, shr, sar */
        *w = DT_CF | DT_SF | DT_ZF | DT_PF;
        *u = DT_AF;
        if (d != 7 && c >= (unsigned)nbits) {
            *w &= ~DT_CF;               /* SHL/SHR: CF undefined */
            *u |= DT_CF;
        }
        break;
    }
    if (c == 1) {
        *w |= DT_OF;
        *rcf |= d == 2 || d == 3;
    } else {
        *u |= DT_OF;
    }
}

/* rol ror rcl rcr shl shr sar, by 1, by cl, by imm8 */
static bool gen_shift(Gen *g)
{
    static const int digits[] = { 0, 1, 2, 3, 4, 5, 7 };
    int d = digits[rn(g, 7)], form = rn(g, 3), size, cmask;
    uint64_t count = 0;
    bool known = true, rcf = false;
    Insn in;
    Eff e = { 0 };

    x86_insn_init(&in);
    size = pick_size(g, &in, true);
    cmask = size == 8 ? 63 : 31;
    if (form == 0) {
        set_op(&in, 1, size == 1 ? 0xd0 : 0xd1, 0, 0);
        count = 1;
    } else if (form == 1) {
        set_op(&in, 1, size == 1 ? 0xd2 : 0xd3, 0, 0);
        if (chance(g, 40) && !emit_mov_imm(g, RCX, 1, rn(g, 256))) {
            return false;
        }
        known = reg_known(g, RCX, 1, &count);
        e.rd |= 1u << RCX;
    } else {
        static const unsigned counts[] = { 0, 1, 2, 7, 8, 9, 15, 16, 17,
                                           31, 32, 33, 63, 64, 65, 255 };
        set_op(&in, 1, size == 1 ? 0xc0 : 0xc1, 0, 0);
        count = chance(g, 50) ? counts[rn(g, 16)] : rn(g, 256);
        in.imm = count;
        in.immsize = 1;
    }
    set_digit(&in, d);
    if (known) {
        shift_flags(d, 8 * size, count & cmask, &e.fwrite, &e.fundef, &rcf);
    } else {
        e.fwrite = DT_ARITH;
        for (int c = 0; c <= cmask; c++) {
            uint16_t w, u;
            bool rc;

            shift_flags(d, 8 * size, c, &w, &u, &rc);
            e.fwrite &= w;
            e.fundef |= u;
            rcf |= rc;
        }
    }
    e.fread = rcf ? DT_CF : 0;
    if (!pick_rm(g, &in, &e, size, true, 35)) {
        return false;
    }
    return emit_decorated(g, &in, &e);
}

/* shld, shrd by imm8 or cl */
static bool gen_shd(Gen *g)
{
    int right = rn(g, 2), by_cl = rn(g, 2), size, n, cmask;
    uint64_t count = 0;
    bool known = true, dest_undef = false;
    Insn in;
    Eff e = { 0 };

    x86_insn_init(&in);
    size = pick_size(g, &in, false);
    n = 8 * size;
    cmask = size == 8 ? 63 : 31;
    set_op(&in, 2, 0x0f, 0xa4 + right * 8 + by_cl, 0);
    if (by_cl) {
        if (chance(g, 40) && !emit_mov_imm(g, RCX, 1, rn(g, 64))) {
            return false;
        }
        known = reg_known(g, RCX, 1, &count);
        e.rd |= 1u << RCX;
    } else {
        count = chance(g, 30) ? (unsigned)(n - 1 + rn(g, 3)) : rn(g, 256);
        in.imm = count;
        in.immsize = 1;
    }
    for (int c = known ? (int)(count & cmask) : 0;
         c <= (known ? (int)(count & cmask) : cmask); c++) {
        uint16_t w = 0, u = 0;

        if (c > n) {                    /* 16-bit only: all undefined */
            u = DT_ARITH;
            dest_undef = true;
        } else if (c) {
            w = DT_CF | DT_SF | DT_ZF | DT_PF | (c == 1 ? DT_OF : 0);
            u = DT_AF | (c == 1 ? 0 : DT_OF);
        }
        e.fwrite = (known || c == 0) ? w : e.fwrite & w;
        e.fundef |= u;
    }
    if (!pick_regop(g, &in, &e, size, false) ||
        !pick_rm(g, &in, &e, size, true, dest_undef ? 0 : 35)) {
        return false;
    }
    if (g->qemu_compat && !by_cl && in.mem.kind == MEM_RIP) {
        return false;
    }
    if (dest_undef) {
        e.wr_undef = bit(in.rm);
    }
    return emit_decorated(g, &in, &e);
}

/* bt bts btr btc, bit offset in a register or an imm8 */
static bool gen_bt(Gen *g)
{
    int kind = rn(g, 4), size, n, r;
    bool wr = kind != 0;
    Insn in;
    Eff e = { .fwrite = DT_CF, .fundef = DT_OF | DT_SF | DT_AF | DT_PF };

    x86_insn_init(&in);
    size = pick_size(g, &in, false);
    n = 8 * size;
    if (chance(g, 40)) {
        set_op(&in, 2, 0x0f, 0xba, 0);
        set_digit(&in, 4 + kind);
        if (!pick_rm(g, &in, &e, size, wr, 40)) {
            return false;
        }
        in.imm = rn(g, 256);
        in.immsize = 1;
    } else {
        set_op(&in, 2, 0x0f, 0xa3 + kind * 8, 0);
        if (chance(g, 45)) {
            /*
             * Memory with a register bit offset: the offset reaches
             * outside the operand, so it is set up and the operand's
             * address is placed so the access lands in the window.
             */
            int k = (int)rn(g, 13) - 6, b = rn(g, n), win = chance(g, 25);
            int t = 16 + rn(g, DT_WIN_SIZE - 32);
            int64_t v = (int64_t)k * n + b;

            r = pick_reg(g, 8, true);
            if (r < 0 || !emit_mov_imm(g, r, 8, (uint64_t)v)) {
                return false;
            }
            in.modrm = true;
            in.reg = r;
            e.rd |= bit(r);
            if (!build_addr(g, &in.mem, win, t - (int64_t)k * size, &e)) {
                return false;
            }
            e.mwin = win;
            e.moff = t - 4;
            e.msize = size + 8;
            e.mwrite = wr;
        } else if (!pick_regop(g, &in, &e, size, false) ||
                   !pick_rm(g, &in, &e, size, wr, 0)) {
            return false;
        }
    }
    if (wr && in.mem.kind != MEM_NONE && chance(g, 30)) {
        add_pfx(&in, 0xf0);
    }
    return emit_decorated(g, &in, &e);
}

/* bsf, bsr, and with F3: tzcnt, lzcnt, popcnt */
static bool gen_bitscan(Gen *g)
{
    static const uint8_t ops[] = { 0xbc, 0xbd, 0xbc, 0xbd, 0xb8 };
    static const uint16_t feats[] = { 0, 0, DT_FEAT_BMI1, DT_FEAT_LZCNT,
                                      DT_FEAT_POPCNT };
    int kind = rn(g, 5), size;
    uint64_t v;
    bool nonzero;
    Insn in;
    Eff e = { 0 };

    x86_insn_init(&in);
    size = pick_size(g, &in, false);
    if (kind >= 2) {
        add_pfx(&in, 0xf3);
    }
    set_op(&in, 2, 0x0f, ops[kind], 0);
    if (!pick_regop(g, &in, &e, size, true) ||
        !pick_rm(g, &in, &e, size, false, 35)) {
        return false;
    }
    if (kind < 2) {
        e.fwrite = DT_ZF;
        e.fundef = DT_ARITH & ~DT_ZF;
        nonzero = in.mem.kind == MEM_NONE
                  ? reg_known(g, in.rm, size, &v) && v
                  : mem_known(g, e.mwin, e.moff, size, &v) && v;
        if (!nonzero) {
            e.wr_undef = bit(in.reg);   /* source 0: destination undefined */
        }
    } else if (kind < 4) {
        e.fwrite = DT_CF | DT_ZF;
        e.fundef = DT_OF | DT_SF | DT_PF | DT_AF;
    } else {
        e.fwrite = DT_ARITH;
    }
    e.mwrite = false;
    if (!emit_decorated(g, &in, &e)) {
        return false;
    }
    g->s.feat |= feats[kind];
    return true;
}

/* setcc r/m8, cmovcc reg, r/m */
static bool gen_cc(Gen *g)
{
    int cc = rn(g, 16), size;
    Insn in;
    Eff e = { .fread = cc_flags[cc] };

    x86_insn_init(&in);
    if (chance(g, 45)) {
        set_op(&in, 2, 0x0f, 0x90 + cc, 0);
        set_digit(&in, 0);
        if (chance(g, 3)) {
            add_pfx(&in, 0x66);
        }
        if (!pick_rm(g, &in, &e, 1, true, 30)) {
            return false;
        }
    } else {
        size = pick_size(g, &in, false);
        set_op(&in, 2, 0x0f, 0x40 + cc, 0);
        if (!pick_regop(g, &in, &e, size, true) ||
            !pick_rm(g, &in, &e, size, false, 35)) {
            return false;
        }
    }
    return emit_decorated(g, &in, &e);
}

/* movzx, movsx, movsxd */
static bool gen_movx(Gen *g)
{
    int kind = rn(g, 5), dsize, ssize;
    Insn in;
    Eff e = { 0 };

    x86_insn_init(&in);
    if (kind == 4) {
        dsize = chance(g, 85) ? 8 : 4;
        ssize = 4;
        apply_size(g, &in, dsize);
        set_op(&in, 1, 0x63, 0, 0);
    } else {
        ssize = kind & 1 ? 2 : 1;
        do {
            dsize = 2 << rn(g, 3);
        } while (dsize == 2 && ssize == 2 && chance(g, 80));
        apply_size(g, &in, dsize);
        set_op(&in, 2, 0x0f, (kind < 2 ? 0xb6 : 0xbe) + (kind & 1), 0);
    }
    if (!pick_regop(g, &in, &e, dsize, true) ||
        !pick_rm(g, &in, &e, ssize, false, 35)) {
        return false;
    }
    in.reg8 = false;
    return emit_decorated(g, &in, &e);
}

/* lea: any registers, any addressing form; no memory is accessed */
static bool gen_lea(Gen *g)
{
    Insn in;
    Eff e = { 0 };
    Mem *m = &in.mem;
    int size, kind = rn(g, 10);

    x86_insn_init(&in);
    size = pick_size(g, &in, false);
    set_op(&in, 1, 0x8d, 0, 0);
    if (!pick_regop(g, &in, &e, size, true)) {
        return false;
    }
    m->addr32 = chance(g, 25);
    m->disp = chance(g, 50) ? (int64_t)(int8_t)rnd(g) : (int64_t)(int32_t)rnd(g);
    m->dispsize = m->disp >= -128 && m->disp <= 127 ? 1 : 4;
    if (kind == 0 && !g->qemu_compat) {
        m->kind = MEM_RIP;
        m->disp = (int64_t)(uint32_t)rnd(g) % (1 << 20);
    } else {
        m->kind = kind == 1 ? MEM_INDEX : MEM_BASE;
        if (m->kind == MEM_BASE) {
            m->base = pick_reg(g, 8, false);
            if (m->base < 0) {
                return false;
            }
            e.rd |= 1u << m->base;
            if (m->disp == 0 && chance(g, 50)) {
                m->dispsize = 0;
            }
        } else {
            m->dispsize = 4;
        }
        if (m->kind == MEM_INDEX || chance(g, 60)) {
            m->index = pick_reg(g, 8, false);
            if (m->index < 0 || m->index == RSP) {
                return false;
            }
            m->scale = pick_scale(g);
            e.rd |= 1u << m->index;
        }
        m->force_sib = chance(g, 10);
    }
    return emit_decorated(g, &in, &e);
}

/* xchg, xchg with the accumulator (90+r), xadd, cmpxchg */
static bool gen_xchg(Gen *g)
{
    int kind = rn(g, 4), size, r;
    Insn in;
    Eff e = { 0 };

    x86_insn_init(&in);
    size = pick_size(g, &in, kind != 1);
    switch (kind) {
    case 0:
        set_op(&in, 1, size == 1 ? 0x86 : 0x87, 0, 0);
        if (!pick_regop(g, &in, &e, size, true) ||
            !pick_rm(g, &in, &e, size, true, 40)) {
            return false;
        }
        break;
    case 1:                 /* 90+r; plain 90 is nop, 41 90 is not */
        r = pick_reg(g, size, true);
        if (r < 0) {
            return false;
        }
        set_op(&in, 1, 0x90, 0, 0);
        in.opreg = r;
        e.rd = e.wr = 1u << RAX | bit(r);
        break;
    default:                /* xadd: flags of add; cmpxchg: of cmp */
        set_op(&in, 2, 0x0f, (kind == 2 ? 0xc0 : 0xb0) + (size > 1), 0);
        if (!pick_regop(g, &in, &e, size, kind == 2) ||
            !pick_rm(g, &in, &e, size, true, 45)) {
            return false;
        }
        e.fwrite = DT_ARITH;
        if (kind == 3) {
            e.rd |= 1u << RAX;
            e.wr |= 1u << RAX;
        }
        break;
    }
    if (in.mem.kind != MEM_NONE && chance(g, 30)) {
        add_pfx(&in, 0xf0);
    }
    return emit_decorated(g, &in, &e);
}

/* bswap, cbw/cwde/cdqe, cwd/cdq/cqo, clc/stc/cmc, lahf/sahf */
static bool gen_misc(Gen *g)
{
    static const uint8_t flagops[] = { 0xf8, 0xf9, 0xf5 };
    int kind = rn(g, 5), size, r, f;
    Insn in;
    Eff e = { 0 };

    x86_insn_init(&in);
    switch (kind) {
    case 0:
        size = chance(g, 50) ? 4 : 8;
        apply_size(g, &in, size);
        r = pick_reg(g, 8, true);
        if (r < 0) {
            return false;
        }
        set_op(&in, 2, 0x0f, 0xc8, 0);
        in.opreg = r;
        e.rd = e.wr = bit(r);
        break;
    case 1: case 2:
        size = pick_size(g, &in, false);
        set_op(&in, 1, 0x97 + kind, 0, 0);
        e.rd = 1u << RAX;
        e.wr = kind == 1 ? 1u << RAX : 1u << RDX;
        break;
    case 3:
        f = rn(g, 3);
        set_op(&in, 1, flagops[f], 0, 0);
        e.fwrite = DT_CF;
        e.fread = f == 2 ? DT_CF : 0;
        break;
    default:            /* lahf: ah = flags; sahf: flags = ah */
        f = rn(g, 2);
        set_op(&in, 1, 0x9e + f, 0, 0);
        e.rd = e.wr = 1u << RAX;
        if (f) {
            e.fread = DT_ARITH & ~DT_OF;
        } else {
            e.fwrite = DT_ARITH & ~DT_OF;
        }
        if (!emit_decorated(g, &in, &e)) {
            return false;
        }
        g->s.feat |= DT_FEAT_LAHF;
        return true;
    }
    return emit_decorated(g, &in, &e);
}

/* cld or std, tracked: string ops need to know their direction */
static bool emit_df(Gen *g, bool set)
{
    Insn in;
    Eff e = { 0 };

    x86_insn_init(&in);
    set_op(&in, 1, set ? 0xfd : 0xfc, 0, 0);
    if (!emit(g, &in, &e, true)) {
        return false;
    }
    g->s.df = set;
    return true;
}

/* lea @r, [window @win + @off]: a string op's pointer */
static bool emit_lea_ptr(Gen *g, int r, int win, int off)
{
    Insn in;
    Eff e = { .wr = bit(r) };

    x86_insn_init(&in);
    in.rex_w = true;
    set_op(&in, 1, 0x8d, 0, 0);
    in.modrm = true;
    in.reg = r;
    if (!build_addr(g, &in.mem, win, off, &e)) {
        return false;
    }
    return emit(g, &in, &e, true);
}

/*
 * movs stos lods cmps scas, alone or with rep/repe/repne (the F3/F2 that
 * mean something to integer code), either direction, 32- or 64-bit
 * addressing, after the setup of rsi/rdi (lea into a window) and rcx.
 */
static bool gen_string(Gen *g)
{
    static const uint8_t ops[] = { 0xa4, 0xaa, 0xac, 0xa6, 0xae };
    static const uint8_t segs[] = { 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65 };
    int kind = rn(g, 5), size = 1 << rn(g, 4), rep = rn(g, 3), n, span;
    bool si = kind == 0 || kind == 2 || kind == 3, di = kind != 2;
    bool addr32 = chance(g, 20);
    int win_di = 0, lo_di = 0;
    Insn in;
    Eff e = { 0 };

    if (rep == 2 && kind < 3) {
        rep = 1;                /* repne is for cmps and scas */
    }
    if (chance(g, 25) && !emit_df(g, !g->s.df)) {
        return false;
    }
    n = rep ? (int)rn(g, 17) : 1;
    span = (n ? n : 1) * size;
    for (int p = 0; p < 2; p++) {
        int win = !g->qemu_compat && chance(g, 30);
        int lo = rn(g, DT_WIN_SIZE - span + 1);
        int start = g->s.df ? lo + span - size : lo;

        if (!(p ? di : si)) {
            continue;
        }
        if (!emit_lea_ptr(g, p ? RDI : RSI, win, start)) {
            return false;
        }
        if (p) {
            win_di = win;
            lo_di = lo;
        }
    }
    /*
     * With 0x67 the count is ECX: garbage above it must be ignored. But
     * not with a zero count: Intel then clears RCX[63:32] although nothing
     * is repeated, QEMU leaves them; the manuals say neither.
     */
    if (rep && !emit_mov_imm(g, RCX, 8, (addr32 && n ? rnd(g) << 32 : 0) | n)) {
        return false;
    }
    x86_insn_init(&in);
    apply_size(g, &in, size);
    if (addr32) {
        add_pfx(&in, 0x67);
    }
    if (si && chance(g, 10)) {
        add_pfx(&in, segs[rn(g, chance(g, 80) ? 4 : 6)]);
    }
    if (rep) {
        add_pfx(&in, rep == 1 ? 0xf3 : 0xf2);
    }
    set_op(&in, 1, ops[kind] + (size > 1), 0, 0);
    e.rd = (si ? 1u << RSI : 0) | (di ? 1u << RDI : 0) |
           (rep ? 1u << RCX : 0) | (kind == 1 || kind == 4 ? 1u << RAX : 0);
    e.wr = (si ? 1u << RSI : 0) | (di ? 1u << RDI : 0) |
           (rep ? 1u << RCX : 0) | (kind == 2 ? 1u << RAX : 0);
    if (kind >= 3 && n > 0) {
        e.fwrite = DT_ARITH;
    }
    if (kind < 2) {
        e.mwrite = true;
        e.mwin = win_di;
        e.moff = lo_di;
        e.msize = span;
    }
    return emit_decorated(g, &in, &e);
}

/* cmpxchg8b / cmpxchg16b m, often set up to succeed */
static bool gen_cmpxchg8b(Gen *g)
{
    if (g->qemu_compat) {
        return false;           /* QEMU 7.2 loses the other flags */
    }
    bool wide = chance(g, 50), misalign = wide && chance(g, 3);
    int size = wide ? 16 : 8, win = chance(g, 25), off;
    uint64_t lo, hi;
    Insn in;
    Eff e = { .fwrite = DT_ZF };

    if (wide) {
        off = 16 * rn(g, DT_WIN_SIZE / 16) + (misalign ? 8 : 0);
        off = off + 16 > (int)DT_WIN_SIZE ? off - 16 : off;
    } else {
        off = rn(g, DT_WIN_SIZE - 8 + 1);
    }
    if (chance(g, 60) && mem_known(g, win, off, size / 2, &lo) &&
        mem_known(g, win, off + size / 2, size / 2, &hi)) {
        if (!emit_mov_imm(g, RAX, size / 2, lo) ||
            !emit_mov_imm(g, RDX, size / 2, hi)) {
            return false;
        }
    }
    x86_insn_init(&in);
    in.rex_w = wide;
    set_op(&in, 2, 0x0f, 0xc7, 0);
    set_digit(&in, 1);
    if (!build_addr(g, &in.mem, win, off, &e)) {
        return false;
    }
    e.rd |= 1u << RAX | 1u << RDX | 1u << RBX | 1u << RCX;
    e.wr |= 1u << RAX | 1u << RDX;
    e.mwrite = true;
    e.mwin = win;
    e.moff = off;
    e.msize = size;
    e.fault = misalign;                 /* #GP(0) */
    if (chance(g, 50)) {
        add_pfx(&in, 0xf0);
    }
    if (!emit_decorated(g, &in, &e)) {
        return false;
    }
    g->s.feat |= wide ? DT_FEAT_CX16 : 0;
    return true;
}

/* jmp +0 or jcc +0: ends the translated block mid-sequence, changes nothing */
void gen_filler(Gen *g)
{
    Insn in;
    Eff e = { 0 };

    x86_insn_init(&in);
    set_op(&in, 1, chance(g, 50) ? 0xeb : 0x70 + rn(g, 16), 0, 0);
    in.immsize = 1;
    emit(g, &in, &e, false);
}

const Group gen_groups[] = {
    { gen_alu, 22 }, { gen_test, 4 }, { gen_mov, 6 }, { gen_unary, 6 },
    { gen_mul, 4 }, { gen_imul, 4 }, { gen_div, 4 }, { gen_shift, 14 },
    { gen_shd, 5 }, { gen_bt, 7 }, { gen_bitscan, 6 }, { gen_cc, 9 },
    { gen_movx, 5 }, { gen_lea, 5 }, { gen_xchg, 7 }, { gen_misc, 5 },
    { gen_string, 8 }, { gen_cmpxchg8b, 3 },
};

const size_t gen_ngroups = sizeof(gen_groups) / sizeof(gen_groups[0]);
