/*
 * translate-alu.c: integer arithmetic, logic, shifts, multiply/divide,
 * bit operations, and the lazy condition codes: computing CF and the
 * jcc/setcc/cmovcc conditions straight from cc_op when it is known at
 * translation time (after CMP, JL is one signed compare of the operands).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stddef.h>
#include "tcg/i386/translate-internal.h"
#include "tcg/exec.h"

#define PURE (TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS | \
              TCG_CALL_NO_RAISE)

static bool cc_sized(uint32_t op)
{
    return op >= CC_OP_ADDB && op < CC_OP_NB;
}

/* CC_OP_ADDB etc. without the size */
static uint32_t cc_kind(uint32_t op)
{
    return cc_sized(op) ? CC_OP_ADDB + ((op - CC_OP_ADDB) & ~3u) : op;
}

static MemOp cc_size(uint32_t op)
{
    return (MemOp)((op - CC_OP_ADDB) & 3);
}

/* The cc_op value as an I64 temp (static constant or env's). */
static TCGv cc_op_value(DisasContext *d)
{
    TCGv t;

    if (d->cc_op != CC_OP_DYNAMIC) {
        return const64(d, d->cc_op);
    }
    t = tmp64(d);
    tcg_gen_extu_i32_i64(d->s, t, d->g->cc_op);
    return t;
}

/* All arithmetic flags of the lazy state, in the rflags bit positions. */
static TCGv gen_flags_value(DisasContext *d)
{
    TCGv f = tmp64(d);

    if (d->cc_op == CC_OP_EFLAGS) {
        tcg_gen_andi(d->s, I64, f, d->g->rflags, CC_ARITH_MASK);
        return f;
    }
    if (d->cc_op == CC_OP_DYNAMIC) {
        /* env->cc_op may be EFLAGS: the helper then returns 0 */
        TCGv r = tmp64(d), isef = tmp64(d), op = cc_op_value(d);

        gen_helper(d, helper_x86_cc_compute_all, PURE, f, 4, d->g->cc_dst,
                   d->g->cc_src, d->g->cc_src2, op);
        tcg_gen_andi(d->s, I64, r, d->g->rflags, CC_ARITH_MASK);
        tcg_gen_setcondi(d->s, I64, TCG_COND_EQ, isef, op, CC_OP_EFLAGS);
        tcg_gen_movcond(d->s, I64, TCG_COND_NE, f, isef, const64(d, 0), r, f);
        return f;
    }
    gen_helper(d, helper_x86_cc_compute_all, PURE, f, 4, d->g->cc_dst,
               d->g->cc_src, d->g->cc_src2, const64(d, d->cc_op));
    return f;
}

void gen_compute_eflags(DisasContext *d)
{
    TCGv f, r;

    if (d->cc_op == CC_OP_EFLAGS) {
        return;
    }
    f = gen_flags_value(d);
    r = tmp64(d);
    tcg_gen_andi(d->s, I64, r, d->g->rflags, ~(int64_t)CC_ARITH_MASK);
    tcg_gen_or(d->s, I64, d->g->rflags, r, f);
    set_cc_op(d, CC_OP_EFLAGS);
}

TCGv gen_compute_c(DisasContext *d)
{
    TCGv c = tmp64(d);
    uint32_t op = d->cc_op;
    MemOp sz = cc_sized(op) ? cc_size(op) : MO_64;

    switch (cc_kind(op)) {
    case CC_OP_EFLAGS:
        tcg_gen_andi(d->s, I64, c, d->g->rflags, CC_C);
        return c;
    case CC_OP_CLR:
    case CC_OP_POPCNT:
    case CC_OP_LOGICB:
        return const64(d, 0);
    case CC_OP_ADDB:
        tcg_gen_setcond(d->s, I64, TCG_COND_LTU, c, d->g->cc_dst,
                        d->g->cc_src);
        return c;
    case CC_OP_SUBB: {
        TCGv a = tmp64(d);

        tcg_gen_add(d->s, I64, a, d->g->cc_dst, d->g->cc_src);
        gen_ext(d, sz, a, a);
        tcg_gen_setcond(d->s, I64, TCG_COND_LTU, c, a, d->g->cc_src);
        return c;
    }
    case CC_OP_INCB:
    case CC_OP_DECB:
    case CC_OP_SARB:
        tcg_gen_andi(d->s, I64, c, d->g->cc_src, 1);
        return c;
    case CC_OP_SHLB:
        tcg_gen_extract(d->s, I64, c, d->g->cc_src, ot_bits(sz) - 1, 1);
        return c;
    case CC_OP_MULB:
        tcg_gen_setcondi(d->s, I64, TCG_COND_NE, c, d->g->cc_src, 0);
        return c;
    default:
        tcg_gen_andi(d->s, I64, c, gen_flags_value(d), CC_C);
        return c;
    }
}

/* ---- Conditions ---------------------------------------------------------- */

typedef struct CCPrep {
    TCGCond cond;
    TCGv a, b;
} CCPrep;

static TCGCond cond_invert(TCGCond c)
{
    switch (c) {
    case TCG_COND_NEVER: return TCG_COND_ALWAYS;
    case TCG_COND_ALWAYS: return TCG_COND_NEVER;
    case TCG_COND_EQ: return TCG_COND_NE;
    case TCG_COND_NE: return TCG_COND_EQ;
    case TCG_COND_LT: return TCG_COND_GE;
    case TCG_COND_GE: return TCG_COND_LT;
    case TCG_COND_LE: return TCG_COND_GT;
    case TCG_COND_GT: return TCG_COND_LE;
    case TCG_COND_LTU: return TCG_COND_GEU;
    case TCG_COND_GEU: return TCG_COND_LTU;
    case TCG_COND_LEU: return TCG_COND_GTU;
    case TCG_COND_GTU: return TCG_COND_LEU;
    }
    return c;
}

enum { JCC_O, JCC_B, JCC_Z, JCC_BE, JCC_S, JCC_P, JCC_L, JCC_LE };

/* Condition from a value holding the flags in rflags positions. */
static CCPrep prep_from_flags(DisasContext *d, int jcc, TCGv f)
{
    static const uint64_t single[8] = {
        [JCC_O] = CC_O, [JCC_B] = CC_C, [JCC_Z] = CC_Z,
        [JCC_BE] = CC_C | CC_Z, [JCC_S] = CC_S, [JCC_P] = CC_P,
    };
    TCGv t = tmp64(d), u = tmp64(d);

    if (single[jcc]) {
        tcg_gen_andi(d->s, I64, t, f, single[jcc]);
    } else {
        /* SF != OF (and for LE also ZF), in bit 0 */
        tcg_gen_shri(d->s, I64, t, f, 11 - 7);
        tcg_gen_xor(d->s, I64, t, t, f);
        if (jcc == JCC_LE) {
            tcg_gen_shli(d->s, I64, u, f, 7 - 6);     /* ZF to bit 7 */
            tcg_gen_or(d->s, I64, t, t, u);
        }
        tcg_gen_andi(d->s, I64, t, t, CC_S);
    }
    return (CCPrep){ TCG_COND_NE, t, const64(d, 0) };
}

static CCPrep prep_cc(DisasContext *d, int b)
{
    int jcc = (b >> 1) & 7;
    uint32_t op = d->cc_op;
    uint32_t kind = cc_kind(op);
    CCPrep p = { TCG_COND_NEVER, -1, -1 };
    bool done = false;

    if (kind == CC_OP_SUBB) {
        MemOp sz = cc_size(op);
        TCGv a = tmp64(d);

        /* the operands of the comparison: a = dst + src, b = src */
        tcg_gen_add(d->s, I64, a, d->g->cc_dst, d->g->cc_src);
        gen_ext(d, sz, a, a);
        switch (jcc) {
        case JCC_B:
            p = (CCPrep){ TCG_COND_LTU, a, d->g->cc_src };
            done = true;
            break;
        case JCC_BE:
            p = (CCPrep){ TCG_COND_LEU, a, d->g->cc_src };
            done = true;
            break;
        case JCC_L:
        case JCC_LE: {
            TCGv sa = tmp64(d), sb = tmp64(d);

            gen_exts(d, sz, sa, a);
            gen_exts(d, sz, sb, d->g->cc_src);
            p = (CCPrep){ jcc == JCC_L ? TCG_COND_LT : TCG_COND_LE, sa, sb };
            done = true;
            break;
        }
        }
    } else if (kind == CC_OP_LOGICB) {
        MemOp sz = cc_size(op);
        TCGv sd = tmp64(d);

        switch (jcc) {
        case JCC_O:
        case JCC_B:
            p.cond = TCG_COND_NEVER;
            done = true;
            break;
        case JCC_BE:
            p = (CCPrep){ TCG_COND_EQ, d->g->cc_dst, const64(d, 0) };
            done = true;
            break;
        case JCC_L:
        case JCC_LE:
            gen_exts(d, sz, sd, d->g->cc_dst);
            p = (CCPrep){ jcc == JCC_L ? TCG_COND_LT : TCG_COND_LE, sd,
                          const64(d, 0) };
            done = true;
            break;
        }
    } else if (kind == CC_OP_ADDB && jcc == JCC_B) {
        p = (CCPrep){ TCG_COND_LTU, d->g->cc_dst, d->g->cc_src };
        done = true;
    } else if ((kind == CC_OP_INCB || kind == CC_OP_DECB) && jcc == JCC_B) {
        TCGv c = tmp64(d);

        tcg_gen_andi(d->s, I64, c, d->g->cc_src, 1);
        p = (CCPrep){ TCG_COND_NE, c, const64(d, 0) };
        done = true;
    }
    /* ZF and SF come from the result for every sized operation */
    if (!done && cc_sized(op) && (jcc == JCC_Z || jcc == JCC_S)) {
        if (jcc == JCC_Z) {
            p = (CCPrep){ TCG_COND_EQ, d->g->cc_dst, const64(d, 0) };
        } else {
            TCGv sd = tmp64(d);

            gen_exts(d, cc_size(op), sd, d->g->cc_dst);
            p = (CCPrep){ TCG_COND_LT, sd, const64(d, 0) };
        }
        done = true;
    }
    if (!done) {
        p = prep_from_flags(d, jcc, gen_flags_value(d));
    }
    if (b & 1) {
        p.cond = cond_invert(p.cond);
    }
    return p;
}

void gen_setcc(DisasContext *d, int b, TCGv ret)
{
    CCPrep p = prep_cc(d, b);

    switch (p.cond) {
    case TCG_COND_NEVER:
        tcg_gen_movi(d->s, I64, ret, 0);
        break;
    case TCG_COND_ALWAYS:
        tcg_gen_movi(d->s, I64, ret, 1);
        break;
    default:
        tcg_gen_setcond(d->s, I64, p.cond, ret, p.a, p.b);
        break;
    }
}

void gen_jcc_label(DisasContext *d, int b, TCGLabel *l)
{
    CCPrep p = prep_cc(d, b);

    switch (p.cond) {
    case TCG_COND_NEVER:
        break;
    case TCG_COND_ALWAYS:
        tcg_gen_br(d->s, l);
        break;
    default:
        tcg_gen_brcond(d->s, I64, p.cond, p.a, p.b, l);
        break;
    }
}

/* ---- Flag results ----------------------------------------------------- */

static void set_cc(DisasContext *d, uint32_t base, MemOp ot, TCGv dst,
                   TCGv src, TCGv src2)
{
    tcg_gen_mov(d->s, I64, d->g->cc_dst, dst);
    if (src >= 0) {
        tcg_gen_mov(d->s, I64, d->g->cc_src, src);
    }
    if (src2 >= 0) {
        tcg_gen_mov(d->s, I64, d->g->cc_src2, src2);
    }
    /*
     * Operands the new cc_op never reads are dead: saying so lets the
     * optimizer drop the code that computed them (a shift's cc_src
     * followed by an AND).  Only here, at the end of an instruction: a
     * fault later in the same instruction would restore the old cc_op,
     * which may still need them.
     */
    if (src < 0) {
        tcg_gen_discard(d->s, I64, d->g->cc_src);
    }
    if (src2 < 0) {
        tcg_gen_discard(d->s, I64, d->g->cc_src2);
    }
    set_cc_op(d, base + ot);
}

/* Set only CF (and optionally OF) in rflags, after gen_compute_eflags. */
static void gen_set_rflags_bits(DisasContext *d, uint64_t mask, TCGv bits)
{
    TCGv t = tmp64(d);

    tcg_gen_andi(d->s, I64, t, d->g->rflags, ~(int64_t)mask);
    tcg_gen_or(d->s, I64, d->g->rflags, t, bits);
}

/* ---- ALU ------------------------------------------------------------------ */

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP,
       ALU_TEST };

static void gen_alu_locked(DisasContext *d, int op, X86Opnd *dst, TCGv b,
                           TCGv carry)
{
    MemOp ot = dst->ot;
    TCGv old = tmp64(d), r = tmp64(d), v = tmp64(d);
    int aop;

    switch (op) {
    case ALU_ADD: aop = ATOMIC_ADD; tcg_gen_mov(d->s, I64, v, b); break;
    case ALU_ADC:
        aop = ATOMIC_ADD;
        tcg_gen_add(d->s, I64, v, b, carry);
        break;
    case ALU_SUB:
        aop = ATOMIC_ADD;
        tcg_gen_neg(d->s, I64, v, b);
        break;
    case ALU_SBB:
        aop = ATOMIC_ADD;
        tcg_gen_add(d->s, I64, v, b, carry);
        tcg_gen_neg(d->s, I64, v, v);
        break;
    case ALU_AND: aop = ATOMIC_AND; tcg_gen_mov(d->s, I64, v, b); break;
    case ALU_OR: aop = ATOMIC_OR; tcg_gen_mov(d->s, I64, v, b); break;
    default: aop = ATOMIC_XOR; tcg_gen_mov(d->s, I64, v, b); break;
    }
    gen_helper(d, helper_x86_atomic, TCG_CALL_NO_WRITE_GLOBALS, old, 4,
               d->g->env, dst->addr, v,
               const64(d, ot | aop << 4 | d->mmu_idx << 8));
    switch (op) {
    case ALU_ADD: case ALU_ADC: case ALU_SUB: case ALU_SBB:
        tcg_gen_add(d->s, I64, r, old, v);
        break;
    case ALU_AND: tcg_gen_and(d->s, I64, r, old, b); break;
    case ALU_OR: tcg_gen_or(d->s, I64, r, old, b); break;
    default: tcg_gen_xor(d->s, I64, r, old, b); break;
    }
    gen_ext(d, ot, r, r);
    switch (op) {
    case ALU_ADD: set_cc(d, CC_OP_ADDB, ot, r, b, -1); break;
    case ALU_ADC: set_cc(d, CC_OP_ADCB, ot, r, b, carry); break;
    case ALU_SUB: set_cc(d, CC_OP_SUBB, ot, r, b, -1); break;
    case ALU_SBB: set_cc(d, CC_OP_SBBB, ot, r, b, carry); break;
    default: set_cc(d, CC_OP_LOGICB, ot, r, -1, -1); break;
    }
}

static void gen_alu(DisasContext *d, int op)
{
    X86Opnd dst, src;
    TCGv a, b, r, carry = -1;
    bool zero = false;
    MemOp ot;

    decode_opnd(d, 0, &dst);
    decode_opnd(d, 1, &src);
    ot = dst.ot;
    if (src.kind == OPND_IMM) {
        b = const64(d, src.imm & ot_mask(ot));
    } else {
        b = gen_ld_opnd(d, &src);
    }
    if (op == ALU_ADC || op == ALU_SBB) {
        carry = gen_compute_c(d);
    }
    if (d->lock && dst.kind == OPND_MEM && op != ALU_CMP && op != ALU_TEST) {
        gen_alu_locked(d, op, &dst, b, carry);
        return;
    }
    a = gen_ld_opnd(d, &dst);
    r = tmp64(d);
    switch (op) {
    case ALU_ADD: tcg_gen_add(d->s, I64, r, a, b); break;
    case ALU_ADC:
        tcg_gen_add(d->s, I64, r, a, b);
        tcg_gen_add(d->s, I64, r, r, carry);
        break;
    case ALU_SUB: case ALU_CMP: tcg_gen_sub(d->s, I64, r, a, b); break;
    case ALU_SBB:
        tcg_gen_sub(d->s, I64, r, a, b);
        tcg_gen_sub(d->s, I64, r, r, carry);
        break;
    case ALU_AND: case ALU_TEST: tcg_gen_and(d->s, I64, r, a, b); break;
    case ALU_OR: tcg_gen_or(d->s, I64, r, a, b); break;
    default:
        if (dst.kind == OPND_REG && src.kind == OPND_REG &&
            dst.reg == src.reg && dst.hi8 == src.hi8) {
            /* xor r, r: a constant zero the optimizer can see */
            r = const64(d, 0);
            zero = true;
        } else {
            tcg_gen_xor(d->s, I64, r, a, b);
        }
        break;
    }
    if (!zero) {
        gen_ext(d, ot, r, r);
    }
    if (op != ALU_CMP && op != ALU_TEST) {
        gen_st_opnd(d, &dst, r);
    }
    switch (op) {
    case ALU_ADD: set_cc(d, CC_OP_ADDB, ot, r, b, -1); break;
    case ALU_ADC: set_cc(d, CC_OP_ADCB, ot, r, b, carry); break;
    case ALU_SUB: case ALU_CMP: set_cc(d, CC_OP_SUBB, ot, r, b, -1); break;
    case ALU_SBB: set_cc(d, CC_OP_SBBB, ot, r, b, carry); break;
    default: set_cc(d, CC_OP_LOGICB, ot, r, -1, -1); break;
    }
}

static void gen_incdec(DisasContext *d, bool inc)
{
    X86Opnd dst;
    TCGv a, r = tmp64(d), c;
    MemOp ot;

    decode_opnd(d, 0, &dst);
    ot = dst.ot;
    c = gen_compute_c(d);
    if (d->lock && dst.kind == OPND_MEM) {
        TCGv old = tmp64(d);

        gen_helper(d, helper_x86_atomic, TCG_CALL_NO_WRITE_GLOBALS, old, 4,
                   d->g->env, dst.addr, const64(d, inc ? 1 : -1),
                   const64(d, ot | ATOMIC_ADD << 4 | d->mmu_idx << 8));
        a = old;
        tcg_gen_addi(d->s, I64, r, a, inc ? 1 : -1);
        gen_ext(d, ot, r, r);
    } else {
        a = gen_ld_opnd(d, &dst);
        tcg_gen_addi(d->s, I64, r, a, inc ? 1 : -1);
        gen_ext(d, ot, r, r);
        gen_st_opnd(d, &dst, r);
    }
    set_cc(d, inc ? CC_OP_INCB : CC_OP_DECB, ot, r, c, -1);
}

static void gen_negnot(DisasContext *d, bool neg)
{
    X86Opnd dst;
    TCGv a, r = tmp64(d);
    MemOp ot;

    decode_opnd(d, 0, &dst);
    ot = dst.ot;
    if (d->lock && dst.kind == OPND_MEM) {
        a = tmp64(d);
        gen_helper(d, helper_x86_atomic, TCG_CALL_NO_WRITE_GLOBALS, a, 4,
                   d->g->env, dst.addr,
                   const64(d, neg ? 0 : (int64_t)ot_mask(ot)),
                   const64(d, ot | (neg ? ATOMIC_NEG : ATOMIC_XOR) << 4 |
                           d->mmu_idx << 8));
    } else {
        a = gen_ld_opnd(d, &dst);
    }
    if (neg) {
        tcg_gen_neg(d->s, I64, r, a);
    } else {
        tcg_gen_not(d->s, I64, r, a);
    }
    gen_ext(d, ot, r, r);
    if (!(d->lock && dst.kind == OPND_MEM)) {
        gen_st_opnd(d, &dst, r);
    }
    if (neg) {
        /* NEG is 0 - a: the SUB flags with first operand 0 */
        set_cc(d, CC_OP_SUBB, ot, r, a, -1);
    }
}

/* ---- Shifts and rotates ----------------------------------------------------- */

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAR };

/* Rotate @a (zero-extended, @ot) left by @c in 0..bits-1 (a temp). */
static void gen_rot(DisasContext *d, MemOp ot, bool left, TCGv r, TCGv a,
                    TCGv c)
{
    unsigned bits = ot_bits(ot);
    TCGv x, n, t;

    if (ot == MO_64) {
        if (left) {
            tcg_gen_rotl(d->s, I64, r, a, c);
        } else {
            tcg_gen_rotr(d->s, I64, r, a, c);
        }
        return;
    }
    /* replicate the value so a 64-bit rotate works for any width */
    x = tmp64(d);
    t = tmp64(d);
    n = tmp64(d);
    tcg_gen_mov(d->s, I64, x, a);
    for (unsigned w = bits; w < 64; w *= 2) {
        tcg_gen_shli(d->s, I64, t, x, w);
        tcg_gen_or(d->s, I64, x, x, t);
    }
    if (left) {
        tcg_gen_rotl(d->s, I64, n, x, c);
    } else {
        tcg_gen_rotr(d->s, I64, n, x, c);
    }
    gen_ext(d, ot, r, n);
}

/*
 * A shift by a (masked) count of 0 changes no flag and no value, but a
 * 32-bit register destination is still written, so its upper half is
 * cleared as by any 32-bit write.  Memory is not accessed.
 */
static void gen_zero_count(DisasContext *d, X86Opnd *dst)
{
    if (dst->kind == OPND_REG && dst->ot == MO_32) {
        tcg_gen_ext32u(d->s, I64, d->g->regs[dst->reg], d->g->regs[dst->reg]);
    }
}

static void gen_shift(DisasContext *d, int kind)
{
    X86Opnd dst, cnt;
    MemOp ot;
    unsigned bits;
    TCGv a, c, r, csrc, cm1, nz;
    bool const_count;
    uint64_t cval = 0;

    decode_opnd(d, 0, &dst);
    ot = dst.ot;
    bits = ot_bits(ot);
    if (d->insn.operand_count_visible >= 2) {
        decode_opnd(d, 1, &cnt);
    } else {
        cnt.kind = OPND_IMM;        /* shift-by-one forms */
        cnt.imm = 1;
    }
    const_count = cnt.kind == OPND_IMM;
    if (const_count) {
        cval = cnt.imm & (ot == MO_64 ? 63 : 31);
        if (cval == 0) {
            gen_zero_count(d, &dst);
            return;
        }
        c = const64(d, cval);
    } else {
        c = tmp64(d);
        tcg_gen_andi(d->s, I64, c, d->g->regs[R_ECX], ot == MO_64 ? 63 : 31);
    }
    a = gen_ld_opnd(d, &dst);
    r = tmp64(d);

    if (kind == SH_RCL || kind == SH_RCR) {
        /* rare: both halves in C, flags through rflags */
        TCGv nf = tmp64(d);
        uint64_t desc = ot | (kind == SH_RCL ? ROTC_RCL : ROTC_RCR) << 4;

        gen_compute_eflags(d);
        gen_helper(d, helper_x86_rotc, PURE, r, 4, a, c, d->g->rflags,
                   const64(d, desc));
        gen_helper(d, helper_x86_rotc, PURE, nf, 4, a, c, d->g->rflags,
                   const64(d, desc | 0x100));
        gen_st_opnd(d, &dst, r);
        tcg_gen_mov(d->s, I64, d->g->rflags, nf);
        return;
    }
    if (kind == SH_ROL || kind == SH_ROR) {
        TCGv cr = tmp64(d), cf = tmp64(d), of = tmp64(d), nf = tmp64(d);
        TCGv old = tmp64(d);

        tcg_gen_andi(d->s, I64, cr, c, bits - 1);
        gen_rot(d, ot, kind == SH_ROL, r, a, cr);
        gen_st_opnd(d, &dst, r);
        /* CF and OF are all a rotate sets: the other four flags come from
         * the lazy state, a helper call, unless nobody will read them (a
         * register rotate cannot rewrite the next instruction) */
        if (dst.kind == OPND_REG && next_insn_kills_flags(d)) {
            return;
        }
        gen_compute_eflags(d);
        if (kind == SH_ROL) {
            /* CF = LSB of the result, OF = MSB ^ CF */
            tcg_gen_andi(d->s, I64, cf, r, 1);
            tcg_gen_shri(d->s, I64, of, r, bits - 1);
        } else {
            /* CF = MSB, OF = MSB ^ the bit below it */
            tcg_gen_shri(d->s, I64, cf, r, bits - 1);
            tcg_gen_shri(d->s, I64, of, r, bits - 2);
            tcg_gen_andi(d->s, I64, of, of, 1);
        }
        tcg_gen_xor(d->s, I64, of, of, cf);
        tcg_gen_shli(d->s, I64, of, of, 11);
        tcg_gen_or(d->s, I64, of, of, cf);
        tcg_gen_andi(d->s, I64, nf, d->g->rflags, ~(int64_t)(CC_C | CC_O));
        tcg_gen_or(d->s, I64, nf, nf, of);
        if (const_count) {
            tcg_gen_mov(d->s, I64, d->g->rflags, nf);
        } else {
            tcg_gen_mov(d->s, I64, old, d->g->rflags);
            tcg_gen_movcond(d->s, I64, TCG_COND_NE, d->g->rflags, c,
                            const64(d, 0), nf, old);
        }
        return;
    }

    /* SHL/SHR/SAR: cc_src = value shifted by count - 1 (holds CF) */
    csrc = tmp64(d);
    cm1 = tmp64(d);
    tcg_gen_subi(d->s, I64, cm1, c, 1);
    if (kind == SH_SHL) {
        tcg_gen_shl(d->s, I64, r, a, c);
        tcg_gen_shl(d->s, I64, csrc, a, cm1);
    } else if (kind == SH_SHR) {
        tcg_gen_shr(d->s, I64, r, a, c);
        tcg_gen_shr(d->s, I64, csrc, a, cm1);
    } else {
        TCGv sa = tmp64(d);

        gen_exts(d, ot, sa, a);
        tcg_gen_sar(d->s, I64, r, sa, c);
        tcg_gen_sar(d->s, I64, csrc, sa, cm1);
    }
    gen_ext(d, ot, r, r);
    gen_ext(d, ot, csrc, csrc);
    gen_st_opnd(d, &dst, r);
    if (const_count) {
        set_cc(d, kind == SH_SHL ? CC_OP_SHLB : CC_OP_SARB, ot, r, csrc, -1);
        return;
    }
    /* a zero count leaves the flags (and the whole lazy state) alone */
    gen_update_cc_op(d);
    nz = tmp64(d);
    tcg_gen_setcondi(d->s, I64, TCG_COND_NE, nz, c, 0);
    {
        TCGv op32 = tcg_temp_new(d->s, I32), nz32 = tcg_temp_new(d->s, I32);
        TCGv newop = tcg_const(d->s, I32, (kind == SH_SHL ? CC_OP_SHLB :
                                           CC_OP_SARB) + ot);

        tcg_gen_movcond(d->s, I64, TCG_COND_NE, d->g->cc_dst, nz,
                        const64(d, 0), r, d->g->cc_dst);
        tcg_gen_movcond(d->s, I64, TCG_COND_NE, d->g->cc_src, nz,
                        const64(d, 0), csrc, d->g->cc_src);
        tcg_gen_extrl_i64_i32(d->s, nz32, nz);
        tcg_gen_mov(d->s, I32, op32, d->g->cc_op);
        tcg_gen_movcond(d->s, I32, TCG_COND_NE, d->g->cc_op, nz32,
                        tcg_const(d->s, I32, 0), newop, op32);
    }
    set_cc_op(d, CC_OP_DYNAMIC);
}

static void gen_shxd(DisasContext *d, bool left)
{
    X86Opnd dst, src, cnt;
    MemOp ot;
    TCGv a, b, c, r = tmp64(d), nf = tmp64(d);

    decode_opnd(d, 0, &dst);
    decode_opnd(d, 1, &src);
    decode_opnd(d, 2, &cnt);
    ot = dst.ot;
    if (cnt.kind == OPND_IMM) {
        c = const64(d, cnt.imm & (ot == MO_64 ? 63 : 31));
        if ((cnt.imm & (ot == MO_64 ? 63 : 31)) == 0) {
            gen_zero_count(d, &dst);
            return;
        }
    } else {
        c = tmp64(d);
        tcg_gen_andi(d->s, I64, c, d->g->regs[R_ECX], ot == MO_64 ? 63 : 31);
    }
    b = gen_ld_opnd(d, &src);
    a = gen_ld_opnd(d, &dst);
    gen_compute_eflags(d);
    /* desc: ot | kind << 4 | want-flags << 8 | count << 16 */
    {
        TCGv dc = tmp64(d);

        tcg_gen_shli(d->s, I64, dc, c, 16);
        tcg_gen_ori(d->s, I64, dc, dc, ot | (left ? SHXD_SHLD : SHXD_SHRD) << 4);
        gen_helper(d, helper_x86_shxd, PURE, r, 4, a, b, dc, d->g->rflags);
        tcg_gen_ori(d->s, I64, dc, dc, 0x100);
        gen_helper(d, helper_x86_shxd, PURE, nf, 4, a, b, dc, d->g->rflags);
    }
    gen_st_opnd(d, &dst, r);
    tcg_gen_mov(d->s, I64, d->g->rflags, nf);
}

/* ---- Multiply and divide ----------------------------------------------------- */

static void gen_mul1(DisasContext *d, bool sign)
{
    X86Opnd src;
    MemOp ot;
    TCGv a = tmp64(d), b, lo = tmp64(d), hi = tmp64(d), ov = tmp64(d);

    decode_opnd(d, 0, &src);
    ot = src.ot;
    b = gen_ld_opnd(d, &src);
    gen_ld_reg(d, ot, R_EAX, false, a);
    if (ot == MO_64) {
        if (sign) {
            TCGv s = tmp64(d);

            tcg_gen_muls2(d->s, I64, lo, hi, a, b);
            tcg_gen_sari(d->s, I64, s, lo, 63);
            tcg_gen_sub(d->s, I64, ov, hi, s);
        } else {
            tcg_gen_mulu2(d->s, I64, lo, hi, a, b);
            tcg_gen_mov(d->s, I64, ov, hi);
        }
    } else {
        TCGv p = tmp64(d);
        unsigned bits = ot_bits(ot);

        if (sign) {
            TCGv sa = tmp64(d), sb = tmp64(d), sl = tmp64(d);

            gen_exts(d, ot, sa, a);
            gen_exts(d, ot, sb, b);
            tcg_gen_mul(d->s, I64, p, sa, sb);
            gen_exts(d, ot, sl, p);
            tcg_gen_sub(d->s, I64, ov, p, sl);
        } else {
            tcg_gen_mul(d->s, I64, p, a, b);
            tcg_gen_shri(d->s, I64, ov, p, bits);
        }
        gen_ext(d, ot, lo, p);
        tcg_gen_shri(d->s, I64, hi, p, bits);
        gen_ext(d, ot, hi, hi);
    }
    if (ot == MO_8) {
        TCGv ax = tmp64(d);

        tcg_gen_shli(d->s, I64, ax, hi, 8);
        tcg_gen_or(d->s, I64, ax, ax, lo);
        gen_st_reg(d, MO_16, R_EAX, false, ax);
    } else {
        gen_st_reg(d, ot, R_EAX, false, lo);
        gen_st_reg(d, ot, R_EDX, false, hi);
    }
    set_cc(d, CC_OP_MULB, ot, lo, ov, -1);
}

/* IMUL with two or three operands: truncated result, same flags */
static void gen_imul_n(DisasContext *d)
{
    X86Opnd dst, s1, s2;
    MemOp ot;
    TCGv a, b, lo = tmp64(d), ov = tmp64(d);

    decode_opnd(d, 0, &dst);
    ot = dst.ot;
    if (d->insn.operand_count_visible >= 3) {
        decode_opnd(d, 1, &s1);
        decode_opnd(d, 2, &s2);
    } else {
        s1 = dst;
        decode_opnd(d, 1, &s2);
    }
    a = gen_ld_opnd(d, &s1);
    b = s2.kind == OPND_IMM ? const64(d, s2.imm & ot_mask(ot))
                            : gen_ld_opnd(d, &s2);
    if (ot == MO_64) {
        TCGv hi = tmp64(d), s = tmp64(d);

        tcg_gen_muls2(d->s, I64, lo, hi, a, b);
        tcg_gen_sari(d->s, I64, s, lo, 63);
        tcg_gen_sub(d->s, I64, ov, hi, s);
    } else {
        TCGv sa = tmp64(d), sb = tmp64(d), p = tmp64(d), sl = tmp64(d);

        gen_exts(d, ot, sa, a);
        gen_exts(d, ot, sb, b);
        tcg_gen_mul(d->s, I64, p, sa, sb);
        gen_exts(d, ot, sl, p);
        tcg_gen_sub(d->s, I64, ov, p, sl);
        gen_ext(d, ot, lo, p);
    }
    gen_st_opnd(d, &dst, lo);
    set_cc(d, CC_OP_MULB, ot, lo, ov, -1);
}

static void gen_div(DisasContext *d, bool sign)
{
    X86Opnd src;
    TCGv b;

    decode_opnd(d, 0, &src);
    b = gen_ld_opnd(d, &src);
    gen_helper(d, helper_x86_div, 0, -1, 3, d->g->env, b,
               const64(d, src.ot | (sign ? 0x10 : 0)));
}

/* ---- Bit operations ---------------------------------------------------------- */

enum { BT_BT, BT_BTS, BT_BTR, BT_BTC };

static void gen_bt(DisasContext *d, int op)
{
    X86Opnd dst, off;
    MemOp ot;
    unsigned bits;
    TCGv bit = tmp64(d), mask = tmp64(d), v, cf = tmp64(d), r = tmp64(d);

    decode_opnd(d, 0, &dst);
    decode_opnd(d, 1, &off);
    ot = dst.ot;
    bits = ot_bits(ot);
    if (off.kind == OPND_IMM) {
        tcg_gen_movi(d->s, I64, bit, off.imm & (bits - 1));
    } else {
        TCGv o = gen_ld_opnd(d, &off);

        tcg_gen_andi(d->s, I64, bit, o, bits - 1);
        if (dst.kind == OPND_MEM) {
            /* a register bit offset is signed and may leave the operand */
            TCGv so = tmp64(d), na = tmp64(d);

            gen_exts(d, ot, so, o);
            tcg_gen_sari(d->s, I64, so, so, 3 + ot);
            tcg_gen_shli(d->s, I64, so, so, ot);
            tcg_gen_add(d->s, I64, na, dst.addr, so);
            if (!d->code64) {
                tcg_gen_ext32u(d->s, I64, na, na);
            }
            dst.addr = na;
        }
    }
    tcg_gen_shl(d->s, I64, mask, const64(d, 1), bit);
    if (op != BT_BT && d->lock && dst.kind == OPND_MEM) {
        static const int aop[] = { 0, ATOMIC_OR, ATOMIC_AND, ATOMIC_XOR };
        TCGv m = mask;

        if (op == BT_BTR) {
            m = tmp64(d);
            tcg_gen_not(d->s, I64, m, mask);
            gen_ext(d, ot, m, m);
        }
        v = tmp64(d);
        gen_helper(d, helper_x86_atomic, TCG_CALL_NO_WRITE_GLOBALS, v, 4,
                   d->g->env, dst.addr, m,
                   const64(d, ot | aop[op] << 4 | d->mmu_idx << 8));
    } else {
        v = gen_ld_opnd(d, &dst);
        if (op != BT_BT) {
            switch (op) {
            case BT_BTS: tcg_gen_or(d->s, I64, r, v, mask); break;
            case BT_BTR: tcg_gen_andc(d->s, I64, r, v, mask); break;
            default: tcg_gen_xor(d->s, I64, r, v, mask); break;
            }
            gen_st_opnd(d, &dst, r);
        }
    }
    /* only CF changes (ZF is documented as unaffected): keeping the rest
     * costs a helper call, skipped when nobody will read them (a bt that
     * writes memory could rewrite the next instruction) */
    if ((op == BT_BT || dst.kind == OPND_REG) && next_insn_kills_flags(d)) {
        return;
    }
    tcg_gen_shr(d->s, I64, cf, v, bit);
    tcg_gen_andi(d->s, I64, cf, cf, 1);
    gen_compute_eflags(d);
    gen_set_rflags_bits(d, CC_C, cf);
}

static void gen_bsx(DisasContext *d, bool reverse)
{
    X86Opnd dst, src;
    TCGv v, old = tmp64(d), r = tmp64(d);
    MemOp ot;

    decode_opnd(d, 0, &dst);
    decode_opnd(d, 1, &src);
    ot = dst.ot;
    v = gen_ld_opnd(d, &src);
    gen_ld_reg(d, MO_64, dst.reg, false, old);
    if (reverse) {
        TCGv t = tmp64(d);

        tcg_gen_clz(d->s, I64, t, v, const64(d, 64));
        tcg_gen_xori(d->s, I64, t, t, 63);
        tcg_gen_movcond(d->s, I64, TCG_COND_EQ, r, v, const64(d, 0), old, t);
    } else {
        tcg_gen_ctz(d->s, I64, r, v, old);
    }
    /* a zero source leaves the destination untouched */
    if (ot == MO_64) {
        tcg_gen_mov(d->s, I64, d->g->regs[dst.reg], r);
    } else {
        TCGv nv = tmp64(d);

        gen_st_reg(d, ot, dst.reg, false, r);
        tcg_gen_mov(d->s, I64, nv, d->g->regs[dst.reg]);
        tcg_gen_movcond(d->s, I64, TCG_COND_EQ, d->g->regs[dst.reg], v,
                        const64(d, 0), old, nv);
    }
    set_cc(d, CC_OP_LOGICB, ot, v, -1, -1);
}

static void gen_popcnt(DisasContext *d)
{
    X86Opnd dst, src;
    TCGv v, r = tmp64(d);

    decode_opnd(d, 0, &dst);
    decode_opnd(d, 1, &src);
    v = gen_ld_opnd(d, &src);
    tcg_gen_ctpop(d->s, I64, r, v);
    gen_st_opnd(d, &dst, r);
    tcg_gen_mov(d->s, I64, d->g->cc_dst, v);
    tcg_gen_discard(d->s, I64, d->g->cc_src);
    tcg_gen_discard(d->s, I64, d->g->cc_src2);
    set_cc_op(d, CC_OP_POPCNT);
}

/*
 * lzcnt (CPUID.80000001:ECX.ABM): unlike bsr it is defined for zero (the
 * operand width) and sets CF = source zero, ZF = result zero.  OF SF AF PF
 * are undefined; they are cleared, so the flags are exact right away and
 * need no cc_op of their own.
 */
static void gen_lzcnt(DisasContext *d)
{
    X86Opnd dst, src;
    TCGv v, r = tmp64(d), cf = tmp64(d), zf = tmp64(d);

    decode_opnd(d, 0, &dst);
    decode_opnd(d, 1, &src);
    v = gen_ld_opnd(d, &src);
    tcg_gen_clz(d->s, I64, r, v, const64(d, 64));
    tcg_gen_subi(d->s, I64, r, r, 64 - (8 << dst.ot));
    gen_st_opnd(d, &dst, r);
    tcg_gen_setcondi(d->s, I64, TCG_COND_EQ, cf, v, 0);
    tcg_gen_setcondi(d->s, I64, TCG_COND_EQ, zf, r, 0);
    tcg_gen_shli(d->s, I64, zf, zf, 6);             /* CC_Z */
    tcg_gen_or(d->s, I64, cf, cf, zf);
    tcg_gen_andi(d->s, I64, d->g->rflags, d->g->rflags,
                 ~(int64_t)CC_ARITH_MASK);
    tcg_gen_or(d->s, I64, d->g->rflags, d->g->rflags, cf);
    set_cc_op(d, CC_OP_EFLAGS);
}

/* ---- Flag instructions and conditional moves -------------------------------- */

static void gen_flag_insn(DisasContext *d, ZydisMnemonic m)
{
    TCGv t = tmp64(d);

    switch (m) {
    case ZYDIS_MNEMONIC_CLD:
        tcg_gen_andi(d->s, I64, d->g->rflags, d->g->rflags,
                     ~(int64_t)RFLAGS_DF);
        return;
    case ZYDIS_MNEMONIC_STD:
        tcg_gen_ori(d->s, I64, d->g->rflags, d->g->rflags, RFLAGS_DF);
        return;
    default:
        break;
    }
    gen_compute_eflags(d);
    switch (m) {
    case ZYDIS_MNEMONIC_CLC:
        tcg_gen_andi(d->s, I64, d->g->rflags, d->g->rflags, ~(int64_t)CC_C);
        break;
    case ZYDIS_MNEMONIC_STC:
        tcg_gen_ori(d->s, I64, d->g->rflags, d->g->rflags, CC_C);
        break;
    case ZYDIS_MNEMONIC_CMC:
        tcg_gen_xori(d->s, I64, d->g->rflags, d->g->rflags, CC_C);
        break;
    case ZYDIS_MNEMONIC_LAHF:
        tcg_gen_andi(d->s, I64, t, d->g->rflags, CC_S | CC_Z | CC_A | CC_P |
                     CC_C);
        tcg_gen_ori(d->s, I64, t, t, RFLAGS_FIXED);
        gen_st_reg(d, MO_8, R_EAX, true, t);
        break;
    case ZYDIS_MNEMONIC_SAHF:
        gen_ld_reg(d, MO_8, R_EAX, true, t);
        tcg_gen_andi(d->s, I64, t, t, CC_S | CC_Z | CC_A | CC_P | CC_C);
        gen_set_rflags_bits(d, CC_S | CC_Z | CC_A | CC_P | CC_C, t);
        break;
    default:
        break;
    }
}

static int insn_cc(DisasContext *d)
{
    return d->insn.opcode & 0xf;
}

static void gen_cmov(DisasContext *d)
{
    X86Opnd dst, src;
    TCGv v, old = tmp64(d), r = tmp64(d), c = tmp64(d);

    decode_opnd(d, 0, &dst);
    decode_opnd(d, 1, &src);
    v = gen_ld_opnd(d, &src);               /* loads even when false */
    gen_ld_reg(d, dst.ot, dst.reg, false, old);
    gen_setcc(d, insn_cc(d), c);
    tcg_gen_movcond(d->s, I64, TCG_COND_NE, r, c, const64(d, 0), v, old);
    gen_st_reg(d, dst.ot, dst.reg, false, r);
}

static void gen_setcc_insn(DisasContext *d)
{
    X86Opnd dst;
    TCGv c = tmp64(d);

    decode_opnd(d, 0, &dst);
    gen_setcc(d, insn_cc(d), c);
    gen_st_opnd(d, &dst, c);
}

/* ---- Dispatch ------------------------------------------------------------------- */

bool translate_alu(DisasContext *d)
{
    ZydisMnemonic m = d->insn.mnemonic;

    switch (m) {
    case ZYDIS_MNEMONIC_ADD: gen_alu(d, ALU_ADD); return true;
    case ZYDIS_MNEMONIC_OR: gen_alu(d, ALU_OR); return true;
    case ZYDIS_MNEMONIC_ADC: gen_alu(d, ALU_ADC); return true;
    case ZYDIS_MNEMONIC_SBB: gen_alu(d, ALU_SBB); return true;
    case ZYDIS_MNEMONIC_AND: gen_alu(d, ALU_AND); return true;
    case ZYDIS_MNEMONIC_SUB: gen_alu(d, ALU_SUB); return true;
    case ZYDIS_MNEMONIC_XOR: gen_alu(d, ALU_XOR); return true;
    case ZYDIS_MNEMONIC_CMP: gen_alu(d, ALU_CMP); return true;
    case ZYDIS_MNEMONIC_TEST: gen_alu(d, ALU_TEST); return true;
    case ZYDIS_MNEMONIC_INC: gen_incdec(d, true); return true;
    case ZYDIS_MNEMONIC_DEC: gen_incdec(d, false); return true;
    case ZYDIS_MNEMONIC_NEG: gen_negnot(d, true); return true;
    case ZYDIS_MNEMONIC_NOT: gen_negnot(d, false); return true;
    case ZYDIS_MNEMONIC_ROL: gen_shift(d, SH_ROL); return true;
    case ZYDIS_MNEMONIC_ROR: gen_shift(d, SH_ROR); return true;
    case ZYDIS_MNEMONIC_RCL: gen_shift(d, SH_RCL); return true;
    case ZYDIS_MNEMONIC_RCR: gen_shift(d, SH_RCR); return true;
    case ZYDIS_MNEMONIC_SHL: gen_shift(d, SH_SHL); return true;
    case ZYDIS_MNEMONIC_SHR: gen_shift(d, SH_SHR); return true;
    case ZYDIS_MNEMONIC_SAR: gen_shift(d, SH_SAR); return true;
    case ZYDIS_MNEMONIC_SHLD: gen_shxd(d, true); return true;
    case ZYDIS_MNEMONIC_SHRD: gen_shxd(d, false); return true;
    case ZYDIS_MNEMONIC_MUL: gen_mul1(d, false); return true;
    case ZYDIS_MNEMONIC_IMUL:
        if (d->insn.operand_count_visible == 1) {
            gen_mul1(d, true);
        } else {
            gen_imul_n(d);
        }
        return true;
    case ZYDIS_MNEMONIC_DIV: gen_div(d, false); return true;
    case ZYDIS_MNEMONIC_IDIV: gen_div(d, true); return true;
    case ZYDIS_MNEMONIC_BT: gen_bt(d, BT_BT); return true;
    case ZYDIS_MNEMONIC_BTS: gen_bt(d, BT_BTS); return true;
    case ZYDIS_MNEMONIC_BTR: gen_bt(d, BT_BTR); return true;
    case ZYDIS_MNEMONIC_BTC: gen_bt(d, BT_BTC); return true;
    case ZYDIS_MNEMONIC_BSF: gen_bsx(d, false); return true;
    case ZYDIS_MNEMONIC_BSR: gen_bsx(d, true); return true;
    case ZYDIS_MNEMONIC_POPCNT: gen_popcnt(d); return true;
    case ZYDIS_MNEMONIC_LZCNT: gen_lzcnt(d); return true;
    case ZYDIS_MNEMONIC_CLC: case ZYDIS_MNEMONIC_STC: case ZYDIS_MNEMONIC_CMC:
    case ZYDIS_MNEMONIC_CLD: case ZYDIS_MNEMONIC_STD:
    case ZYDIS_MNEMONIC_LAHF: case ZYDIS_MNEMONIC_SAHF:
        gen_flag_insn(d, m);
        return true;
    case ZYDIS_MNEMONIC_CMOVO: case ZYDIS_MNEMONIC_CMOVNO:
    case ZYDIS_MNEMONIC_CMOVB: case ZYDIS_MNEMONIC_CMOVNB:
    case ZYDIS_MNEMONIC_CMOVZ: case ZYDIS_MNEMONIC_CMOVNZ:
    case ZYDIS_MNEMONIC_CMOVBE: case ZYDIS_MNEMONIC_CMOVNBE:
    case ZYDIS_MNEMONIC_CMOVS: case ZYDIS_MNEMONIC_CMOVNS:
    case ZYDIS_MNEMONIC_CMOVP: case ZYDIS_MNEMONIC_CMOVNP:
    case ZYDIS_MNEMONIC_CMOVL: case ZYDIS_MNEMONIC_CMOVNL:
    case ZYDIS_MNEMONIC_CMOVLE: case ZYDIS_MNEMONIC_CMOVNLE:
        gen_cmov(d);
        return true;
    case ZYDIS_MNEMONIC_SETO: case ZYDIS_MNEMONIC_SETNO:
    case ZYDIS_MNEMONIC_SETB: case ZYDIS_MNEMONIC_SETNB:
    case ZYDIS_MNEMONIC_SETZ: case ZYDIS_MNEMONIC_SETNZ:
    case ZYDIS_MNEMONIC_SETBE: case ZYDIS_MNEMONIC_SETNBE:
    case ZYDIS_MNEMONIC_SETS: case ZYDIS_MNEMONIC_SETNS:
    case ZYDIS_MNEMONIC_SETP: case ZYDIS_MNEMONIC_SETNP:
    case ZYDIS_MNEMONIC_SETL: case ZYDIS_MNEMONIC_SETNL:
    case ZYDIS_MNEMONIC_SETLE: case ZYDIS_MNEMONIC_SETNLE:
        gen_setcc_insn(d);
        return true;
    default:
        return false;
    }
}
