/*
 * tcg-op.h: typed convenience wrappers over tcg_emit() for the frontend.
 *
 * Every wrapper takes the context and the operation type first:
 *     tcg_gen_add(s, TCG_TYPE_I64, ret, a, b);
 *     tcg_gen_addi(s, TCG_TYPE_I32, ret, a, 4);      (constant operand)
 *     tcg_gen_ld32u(s, TCG_TYPE_I64, ret, tcg_env(s), offsetof(X86CPU, x));
 *
 * Operand conventions (the backend and optimizer rely on them):
 * - I32 values are 32-bit: operations see only the low 32 bits of their
 *   inputs, and an I32 result's upper host bits are never observed.
 * - Shift and rotate counts are masked to the width (31 or 63), as the
 *   x86 instructions do; the frontend handles x86's "count 0 leaves the
 *   flags alone" itself.
 * - setcond yields 0 or 1; movcond: ret = cond(c1, c2) ? v1 : v2.
 * - clz/ctz: ret = a ? clz/ctz(a) : b  (b is the value for a == 0).
 * - bswap16 swaps the low two bytes and zero-extends; bswap32 on I64 swaps
 *   the low four bytes and zero-extends.
 * - mulu2/muls2: hi:lo = a * b (double width, unsigned/signed).
 * - ld/st offsets are constants added to a base temp (usually tcg_env());
 *   the size variants name the memory width, the type the temp width.
 * - Temps named by the _i suffix wrappers' int64_t argument are interned
 *   constants (tcg_const): free to create, shared within the block.
 *
 * Every variadic argument of tcg_emit() is a uint64_t: temps, conditions,
 * labels ((uintptr_t)TCGLabel *) and constants are cast by these wrappers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCG_TCG_OP_H
#define TCG_TCG_OP_H

#include "tcg/tcg.h"

/* one variadic tcg_emit argument (undefined again at the end) */
#define OPA(x) ((uint64_t)(int64_t)(x))

/* Memory barrier kinds for tcg_gen_mb (which earlier accesses must be
 * ordered before which later ones).  On an x86-64 host only store->load
 * needs an instruction (mfence); the others are compiler-only barriers. */
#define TCG_MO_LD_LD  0x01
#define TCG_MO_ST_LD  0x02
#define TCG_MO_LD_ST  0x04
#define TCG_MO_ST_ST  0x08
#define TCG_MO_ALL    0x0f

/* ---- moves ----------------------------------------------------------- */

static inline void tcg_gen_mov(TCGContext *s, TCGType t, TCGv ret, TCGv a)
{
    if (ret != a) {
        tcg_emit(s, INDEX_op_mov, t, 2, OPA(ret), OPA(a));
    }
}

static inline void tcg_gen_movi(TCGContext *s, TCGType t, TCGv ret,
                                int64_t v)
{
    if (t == TCG_TYPE_I32) {
        v = (uint32_t)v;
    }
    tcg_emit(s, INDEX_op_movi, t, 2, OPA(ret), (uint64_t)v);
}

/* ---- env (host memory) loads and stores ------------------------------ */

#define TCG_GEN_LDST(name, opc)                                         \
static inline void tcg_gen_##name(TCGContext *s, TCGType t, TCGv r,     \
                                  TCGv base, intptr_t offset)           \
{                                                                       \
    tcg_emit(s, INDEX_op_##opc, t, 3, OPA(r), OPA(base), OPA(offset));  \
}
TCG_GEN_LDST(ld8u, ld8u)
TCG_GEN_LDST(ld8s, ld8s)
TCG_GEN_LDST(ld16u, ld16u)
TCG_GEN_LDST(ld16s, ld16s)
TCG_GEN_LDST(ld32u, ld32u)
TCG_GEN_LDST(ld32s, ld32s)
TCG_GEN_LDST(ld, ld)         /* full width of the type */
TCG_GEN_LDST(st8, st8)
TCG_GEN_LDST(st16, st16)
TCG_GEN_LDST(st32, st32)
TCG_GEN_LDST(st, st)         /* full width of the type */
#undef TCG_GEN_LDST

/* ---- binary operations ------------------------------------------------ */

#define TCG_GEN_BIN(name)                                               \
static inline void tcg_gen_##name(TCGContext *s, TCGType t, TCGv ret,   \
                                  TCGv a, TCGv b)                       \
{                                                                       \
    tcg_emit(s, INDEX_op_##name, t, 3, OPA(ret), OPA(a), OPA(b));       \
}                                                                       \
static inline void tcg_gen_##name##i(TCGContext *s, TCGType t, TCGv ret,\
                                     TCGv a, int64_t b)                 \
{                                                                       \
    tcg_emit(s, INDEX_op_##name, t, 3, OPA(ret), OPA(a),                \
             OPA(tcg_const(s, t, b)));                                  \
}
TCG_GEN_BIN(add)
TCG_GEN_BIN(sub)
TCG_GEN_BIN(mul)
TCG_GEN_BIN(and)
TCG_GEN_BIN(or)
TCG_GEN_BIN(xor)
TCG_GEN_BIN(andc)
TCG_GEN_BIN(shl)
TCG_GEN_BIN(shr)
TCG_GEN_BIN(sar)
TCG_GEN_BIN(rotl)
TCG_GEN_BIN(rotr)
TCG_GEN_BIN(clz)
TCG_GEN_BIN(ctz)
#undef TCG_GEN_BIN

/* ---- unary operations ------------------------------------------------- */

#define TCG_GEN_UN(name)                                                \
static inline void tcg_gen_##name(TCGContext *s, TCGType t, TCGv ret,   \
                                  TCGv a)                               \
{                                                                       \
    tcg_emit(s, INDEX_op_##name, t, 2, OPA(ret), OPA(a));               \
}
TCG_GEN_UN(not)
TCG_GEN_UN(neg)
TCG_GEN_UN(ext8s)
TCG_GEN_UN(ext8u)
TCG_GEN_UN(ext16s)
TCG_GEN_UN(ext16u)
TCG_GEN_UN(ext32s)   /* I64 only */
TCG_GEN_UN(ext32u)   /* I64 only */
TCG_GEN_UN(bswap16)
TCG_GEN_UN(bswap32)
TCG_GEN_UN(bswap64)  /* I64 only */
TCG_GEN_UN(ctpop)
#undef TCG_GEN_UN

/** tcg_gen_extrl_i64_i32: @ret (I32) = low half of @a (I64). */
static inline void tcg_gen_extrl_i64_i32(TCGContext *s, TCGv ret, TCGv a)
{
    tcg_emit(s, INDEX_op_extrl_i64_i32, TCG_TYPE_I64, 2, OPA(ret), OPA(a));
}

/** tcg_gen_extrh_i64_i32: @ret (I32) = high half of @a (I64). */
static inline void tcg_gen_extrh_i64_i32(TCGContext *s, TCGv ret, TCGv a)
{
    TCGv t = tcg_temp_new(s, TCG_TYPE_I64);

    tcg_gen_shri(s, TCG_TYPE_I64, t, a, 32);
    tcg_emit(s, INDEX_op_extrl_i64_i32, TCG_TYPE_I64, 2, OPA(ret), OPA(t));
}

/** tcg_gen_extu_i32_i64: @ret (I64) = zero-extended @a (I32). */
static inline void tcg_gen_extu_i32_i64(TCGContext *s, TCGv ret, TCGv a)
{
    tcg_emit(s, INDEX_op_extu_i32_i64, TCG_TYPE_I64, 2, OPA(ret), OPA(a));
}

/** tcg_gen_ext_i32_i64: @ret (I64) = sign-extended @a (I32). */
static inline void tcg_gen_ext_i32_i64(TCGContext *s, TCGv ret, TCGv a)
{
    tcg_emit(s, INDEX_op_ext_i32_i64, TCG_TYPE_I64, 2, OPA(ret), OPA(a));
}

/** tcg_gen_concat_i32_i64: @ret (I64) = @hi (I32) << 32 | @lo (I32). */
static inline void tcg_gen_concat_i32_i64(TCGContext *s, TCGv ret, TCGv lo,
                                          TCGv hi)
{
    TCGv t = tcg_temp_new(s, TCG_TYPE_I64);
    TCGv u = tcg_temp_new(s, TCG_TYPE_I64);

    tcg_gen_extu_i32_i64(s, t, lo);
    tcg_gen_extu_i32_i64(s, u, hi);
    tcg_gen_shli(s, TCG_TYPE_I64, u, u, 32);
    tcg_gen_or(s, TCG_TYPE_I64, ret, t, u);
}

/* ---- composites -------------------------------------------------------- */

static inline void tcg_gen_orc(TCGContext *s, TCGType t, TCGv ret, TCGv a,
                               TCGv b)
{
    TCGv n = tcg_temp_new(s, t);

    tcg_gen_not(s, t, n, b);
    tcg_gen_or(s, t, ret, a, n);
}

/** tcg_gen_extract: @ret = (@a >> @ofs) & ((1 << @len) - 1), zero-extended. */
static inline void tcg_gen_extract(TCGContext *s, TCGType t, TCGv ret,
                                   TCGv a, unsigned ofs, unsigned len)
{
    unsigned bits = t == TCG_TYPE_I32 ? 32 : 64;

    if (ofs + len == bits) {
        tcg_gen_shri(s, t, ret, a, ofs);
        return;
    }
    if (ofs == 0) {
        switch (len) {
        case 8: tcg_gen_ext8u(s, t, ret, a); return;
        case 16: tcg_gen_ext16u(s, t, ret, a); return;
        case 32:
            if (t == TCG_TYPE_I64) {
                tcg_gen_ext32u(s, t, ret, a);
                return;
            }
            break;
        }
        tcg_gen_andi(s, t, ret, a, (int64_t)((1ULL << len) - 1));
        return;
    }
    tcg_gen_shri(s, t, ret, a, ofs);
    tcg_gen_andi(s, t, ret, ret, (int64_t)((1ULL << len) - 1));
}

/** tcg_gen_sextract: like tcg_gen_extract, sign-extending the field. */
static inline void tcg_gen_sextract(TCGContext *s, TCGType t, TCGv ret,
                                    TCGv a, unsigned ofs, unsigned len)
{
    unsigned bits = t == TCG_TYPE_I32 ? 32 : 64;

    if (ofs + len == bits) {
        tcg_gen_sari(s, t, ret, a, ofs);
        return;
    }
    tcg_gen_shli(s, t, ret, a, bits - ofs - len);
    tcg_gen_sari(s, t, ret, ret, bits - len);
}

/**
 * tcg_gen_deposit: @ret = @a with bits [@ofs, @ofs + @len) replaced by the
 * low @len bits of @b (e.g. writing AH: ofs 8, len 8).
 */
static inline void tcg_gen_deposit(TCGContext *s, TCGType t, TCGv ret,
                                   TCGv a, TCGv b, unsigned ofs, unsigned len)
{
    unsigned bits = t == TCG_TYPE_I32 ? 32 : 64;
    uint64_t fmask = len == 64 ? ~0ULL : (1ULL << len) - 1;
    uint64_t mask = fmask << ofs;
    TCGv f = tcg_temp_new(s, t);
    TCGv r = tcg_temp_new(s, t);

    if (len == bits) {
        tcg_gen_mov(s, t, ret, b);
        return;
    }
    tcg_gen_andi(s, t, f, b, (int64_t)fmask);
    if (ofs) {
        tcg_gen_shli(s, t, f, f, ofs);
    }
    tcg_gen_andi(s, t, r, a, (int64_t)~mask);
    tcg_gen_or(s, t, ret, r, f);
}

/* ---- compares and branches --------------------------------------------- */

static inline void tcg_gen_setcond(TCGContext *s, TCGType t, TCGCond c,
                                   TCGv ret, TCGv a, TCGv b)
{
    tcg_emit(s, INDEX_op_setcond, t, 4, OPA(ret), OPA(a), OPA(b),
             OPA(c));
}

static inline void tcg_gen_setcondi(TCGContext *s, TCGType t, TCGCond c,
                                    TCGv ret, TCGv a, int64_t b)
{
    tcg_gen_setcond(s, t, c, ret, a, tcg_const(s, t, b));
}

/** tcg_gen_negsetcond: @ret = cond ? -1 : 0. */
static inline void tcg_gen_negsetcond(TCGContext *s, TCGType t, TCGCond c,
                                      TCGv ret, TCGv a, TCGv b)
{
    tcg_gen_setcond(s, t, c, ret, a, b);
    tcg_gen_neg(s, t, ret, ret);
}

static inline void tcg_gen_movcond(TCGContext *s, TCGType t, TCGCond c,
                                   TCGv ret, TCGv c1, TCGv c2, TCGv v1,
                                   TCGv v2)
{
    tcg_emit(s, INDEX_op_movcond, t, 6, OPA(ret), OPA(c1), OPA(c2),
             OPA(v1), OPA(v2), OPA(c));
}

static inline void tcg_gen_brcondi(TCGContext *s, TCGType t, TCGCond c,
                                   TCGv a, int64_t b, TCGLabel *l)
{
    tcg_gen_brcond(s, t, c, a, tcg_const(s, t, b), l);
}

/* ---- double-width multiply ------------------------------------------- */

static inline void tcg_gen_mulu2(TCGContext *s, TCGType t, TCGv lo, TCGv hi,
                                 TCGv a, TCGv b)
{
    tcg_emit(s, INDEX_op_mulu2, t, 4, OPA(lo), OPA(hi), OPA(a),
             OPA(b));
}

static inline void tcg_gen_muls2(TCGContext *s, TCGType t, TCGv lo, TCGv hi,
                                 TCGv a, TCGv b)
{
    tcg_emit(s, INDEX_op_muls2, t, 4, OPA(lo), OPA(hi), OPA(a),
             OPA(b));
}

/* ---- misc ------------------------------------------------------------- */

/** tcg_gen_mb: memory barrier of kind TCG_MO_* (see above). */
static inline void tcg_gen_mb(TCGContext *s, unsigned kind)
{
    tcg_emit(s, INDEX_op_mb, TCG_TYPE_I64, 1, (uint64_t)kind);
}

/** tcg_gen_discard: @a's value is dead from here (saves a spill). */
static inline void tcg_gen_discard(TCGContext *s, TCGType t, TCGv a)
{
    tcg_emit(s, INDEX_op_discard, t, 1, OPA(a));
}

#undef OPA

#endif
