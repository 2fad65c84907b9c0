/*
 * test-tcg-ops.c: every IR operation, both types, on edge values, run as
 * generated host code and compared with a C reference:
 *   - inputs in registers (loaded from globals),
 *   - second input an immediate (the backend's constant forms),
 *   - first input a constant (commutation / materialization),
 *   - both constant after tcg_optimize (constant folding).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcg-harness.h"

static const uint64_t vals[] = {
    0, 1, 2, 3, 7, 8, 31, 32, 33, 63, 64, 0x7f, 0x80, 0xff, 0x100,
    0x7fff, 0x8000, 0xffff, 0x12345678, 0x7fffffff, 0x80000000,
    0x80000001, 0xfffffffe, 0xffffffff, 0x100000000ull, 0x123456789abcdef0ull,
    0x7fffffffffffffffull, 0x8000000000000000ull, 0xfffffffffffffffeull,
    0xffffffffffffffffull, 0xfedcba9876543210ull, 0xffffffff80000000ull,
};

static uint64_t mask(TCGType t)
{
    return t == TCG_TYPE_I32 ? 0xffffffffull : ~0ull;
}

/* ---- Reference semantics (written independently of optimize.c) ------- */

static uint64_t ref_binary(TCGOpcode opc, TCGType t, uint64_t x, uint64_t y)
{
    unsigned w = t == TCG_TYPE_I32 ? 32 : 64;
    unsigned c = y % w;

    x &= mask(t);
    y &= mask(t);
    switch (opc) {
    case INDEX_op_add: return (x + y) & mask(t);
    case INDEX_op_sub: return (x - y) & mask(t);
    case INDEX_op_mul: return (x * y) & mask(t);
    case INDEX_op_and: return x & y;
    case INDEX_op_or: return x | y;
    case INDEX_op_xor: return x ^ y;
    case INDEX_op_andc: return x & ~y & mask(t);
    case INDEX_op_shl: return (x << c) & mask(t);
    case INDEX_op_shr: return x >> c;
    case INDEX_op_sar:
        if (w == 32) {
            return (uint32_t)((int32_t)(uint32_t)x >> c);
        }
        return (uint64_t)((int64_t)x >> c);
    case INDEX_op_rotl:
        return c ? ((x << c) | (x >> (w - c))) & mask(t) : x;
    case INDEX_op_rotr:
        return c ? ((x >> c) | (x << (w - c))) & mask(t) : x;
    case INDEX_op_clz: {
        unsigned n = 0;

        if (!x) {
            return y;
        }
        for (int b = w - 1; b >= 0 && !(x >> b & 1); b--) {
            n++;
        }
        return n;
    }
    case INDEX_op_ctz: {
        unsigned n = 0;

        if (!x) {
            return y;
        }
        while (!(x >> n & 1)) {
            n++;
        }
        return n;
    }
    default:
        g_assert_not_reached();
    }
}

static uint64_t ref_unary(TCGOpcode opc, TCGType t, uint64_t x)
{
    uint64_t r;

    x &= mask(t);
    switch (opc) {
    case INDEX_op_not: r = ~x; break;
    case INDEX_op_neg: r = 0 - x; break;
    case INDEX_op_ext8s: r = (uint64_t)(int64_t)(int8_t)(uint8_t)x; break;
    case INDEX_op_ext8u: r = x & 0xff; break;
    case INDEX_op_ext16s: r = (uint64_t)(int64_t)(int16_t)(uint16_t)x; break;
    case INDEX_op_ext16u: r = x & 0xffff; break;
    case INDEX_op_ext32s: r = (uint64_t)(int64_t)(int32_t)(uint32_t)x; break;
    case INDEX_op_ext32u: r = x & 0xffffffff; break;
    case INDEX_op_bswap16: r = ((x & 0xff) << 8) | ((x >> 8) & 0xff); break;
    case INDEX_op_bswap32:
        r = ((x & 0xff) << 24) | ((x & 0xff00) << 8) |
            ((x >> 8) & 0xff00) | ((x >> 24) & 0xff);
        break;
    case INDEX_op_bswap64:
        r = 0;
        for (int i = 0; i < 8; i++) {
            r |= ((x >> (8 * i)) & 0xff) << (8 * (7 - i));
        }
        break;
    case INDEX_op_ctpop:
        r = 0;
        for (int i = 0; i < 64; i++) {
            r += x >> i & 1;
        }
        break;
    default:
        g_assert_not_reached();
    }
    return r & mask(t);
}

static bool ref_cond(TCGType t, TCGCond c, uint64_t x, uint64_t y)
{
    int64_t sx = t == TCG_TYPE_I32 ? (int32_t)x : (int64_t)x;
    int64_t sy = t == TCG_TYPE_I32 ? (int32_t)y : (int64_t)y;

    x &= mask(t);
    y &= mask(t);
    switch (c) {
    case TCG_COND_NEVER: return false;
    case TCG_COND_ALWAYS: return true;
    case TCG_COND_EQ: return x == y;
    case TCG_COND_NE: return x != y;
    case TCG_COND_LT: return sx < sy;
    case TCG_COND_GE: return sx >= sy;
    case TCG_COND_LE: return sx <= sy;
    case TCG_COND_GT: return sx > sy;
    case TCG_COND_LTU: return x < y;
    case TCG_COND_GEU: return x >= y;
    case TCG_COND_LEU: return x <= y;
    case TCG_COND_GTU: return x > y;
    }
    return false;
}

/* ---- Drivers ------------------------------------------------------------ */

static void set_inputs(uint64_t x, uint64_t y)
{
    memset(h.cpu->regs, 0, sizeof(h.cpu->regs));
    h.cpu->regs[0] = x;
    h.cpu->regs[1] = y;
}

static void emit_bin(TCGOpcode opc, TCGType t, TCGv ret, TCGv a, TCGv b)
{
    tcg_emit(h.s, opc, t, 3, (uint64_t)ret, (uint64_t)a, (uint64_t)b);
}

/*
 * One block computes the op four ways into regs[2..5]:
 *   reg op reg, reg op const, const op reg, const op const (optimized).
 */
static unsigned check_binary(TCGOpcode opc, TCGType t)
{
    TranslationBlock tb;
    unsigned n = 0;

    for (size_t i = 0; i < G_N_ELEMENTS(vals); i++) {
        for (size_t j = 0; j < G_N_ELEMENTS(vals); j++) {
            uint64_t x = vals[i] & mask(t), y = vals[j] & mask(t);
            uint64_t want = ref_binary(opc, t, x, y);
            TCGv tmp;

            for (int opt = 0; opt < 2; opt++) {
                tcg_func_start(h.s);
                emit_bin(opc, t, greg(t, 2), greg(t, 0), greg(t, 1));
                emit_bin(opc, t, greg(t, 3), greg(t, 0),
                         tcg_const(h.s, t, (int64_t)y));
                emit_bin(opc, t, greg(t, 4), tcg_const(h.s, t, (int64_t)x),
                         greg(t, 1));
                /* through a temp, so the result must be copied back */
                tmp = tcg_temp_new(h.s, t);
                emit_bin(opc, t, tmp, tcg_const(h.s, t, (int64_t)x),
                         tcg_const(h.s, t, (int64_t)y));
                tcg_gen_mov(h.s, t, greg(t, 5), tmp);
                tcg_gen_exit_tb(h.s, NULL, 0);
                harness_gen(&tb, opt);
                set_inputs(x, y);
                harness_run(&tb);
                for (int r = 2; r <= 5; r++) {
                    uint64_t got = h.cpu->regs[r];

                    if (got != want) {
                        g_test_message("%s_%s(%#" PRIx64 ", %#" PRIx64
                                       ") variant %d opt %d: got %#" PRIx64
                                       " want %#" PRIx64,
                                       tcg_op_defs[opc].name,
                                       t == TCG_TYPE_I32 ? "i32" : "i64",
                                       x, y, r - 2, opt, got, want);
                        g_test_fail();
                        return n;
                    }
                }
                n += 4;
            }
        }
    }
    return n;
}

static void test_binary(void)
{
    static const TCGOpcode ops[] = {
        INDEX_op_add, INDEX_op_sub, INDEX_op_mul, INDEX_op_and,
        INDEX_op_or, INDEX_op_xor, INDEX_op_andc, INDEX_op_shl,
        INDEX_op_shr, INDEX_op_sar, INDEX_op_rotl, INDEX_op_rotr,
        INDEX_op_clz, INDEX_op_ctz,
    };

    for (size_t i = 0; i < G_N_ELEMENTS(ops); i++) {
        for (TCGType t = TCG_TYPE_I32; t <= TCG_TYPE_I64; t++) {
            unsigned n = check_binary(ops[i], t);

            g_test_message("%s_%s: %u results checked",
                           tcg_op_defs[ops[i]].name,
                           t == TCG_TYPE_I32 ? "i32" : "i64", n);
        }
    }
}

static void test_unary(void)
{
    static const TCGOpcode ops[] = {
        INDEX_op_not, INDEX_op_neg, INDEX_op_ext8s, INDEX_op_ext8u,
        INDEX_op_ext16s, INDEX_op_ext16u, INDEX_op_ext32s, INDEX_op_ext32u,
        INDEX_op_bswap16, INDEX_op_bswap32, INDEX_op_bswap64,
        INDEX_op_ctpop,
    };
    TranslationBlock tb;

    for (size_t i = 0; i < G_N_ELEMENTS(ops); i++) {
        for (TCGType t = TCG_TYPE_I32; t <= TCG_TYPE_I64; t++) {
            unsigned n = 0;

            if (t == TCG_TYPE_I32 && (ops[i] == INDEX_op_ext32s ||
                                      ops[i] == INDEX_op_ext32u ||
                                      ops[i] == INDEX_op_bswap64)) {
                continue;
            }
            for (size_t j = 0; j < G_N_ELEMENTS(vals); j++) {
                uint64_t x = vals[j] & mask(t);
                uint64_t want = ref_unary(ops[i], t, x);

                for (int opt = 0; opt < 2; opt++) {
                    tcg_func_start(h.s);
                    tcg_emit(h.s, ops[i], t, 2, (uint64_t)greg(t, 2),
                             (uint64_t)greg(t, 0));
                    /* in place: the "0" alias with a live input */
                    tcg_gen_mov(h.s, t, greg(t, 3), greg(t, 0));
                    tcg_emit(h.s, ops[i], t, 2, (uint64_t)greg(t, 3),
                             (uint64_t)greg(t, 3));
                    tcg_emit(h.s, ops[i], t, 2, (uint64_t)greg(t, 4),
                             (uint64_t)tcg_const(h.s, t, (int64_t)x));
                    tcg_gen_exit_tb(h.s, NULL, 0);
                    harness_gen(&tb, opt);
                    set_inputs(x, 0);
                    harness_run(&tb);
                    for (int r = 2; r <= 4; r++) {
                        if (h.cpu->regs[r] != want) {
                            g_test_message("%s(%#" PRIx64 ") v%d opt %d: got %#"
                                           PRIx64 " want %#" PRIx64,
                                           tcg_op_defs[ops[i]].name, x, r,
                                           opt, h.cpu->regs[r], want);
                            g_test_fail();
                            return;
                        }
                        n++;
                    }
                }
            }
            g_test_message("%s_%s: %u results checked",
                           tcg_op_defs[ops[i]].name,
                           t == TCG_TYPE_I32 ? "i32" : "i64", n);
        }
    }
}

static void test_conversions(void)
{
    TranslationBlock tb;
    unsigned n = 0;

    for (size_t j = 0; j < G_N_ELEMENTS(vals); j++) {
        uint64_t x = vals[j];

        for (int opt = 0; opt < 2; opt++) {
            tcg_func_start(h.s);
            tcg_gen_extrl_i64_i32(h.s, h.r32[2], h.r64[0]);
            tcg_gen_extu_i32_i64(h.s, h.r64[3], h.r32[1]);
            tcg_gen_ext_i32_i64(h.s, h.r64[4], h.r32[1]);
            tcg_gen_extrh_i64_i32(h.s, h.r32[5], h.r64[0]);
            tcg_gen_exit_tb(h.s, NULL, 0);
            harness_gen(&tb, opt);
            set_inputs(x, x);
            h.cpu->regs[2] = h.cpu->regs[5] = ~0ull;
            harness_run(&tb);
            /* I32 stores write the low half only */
            g_assert_cmphex(h.cpu->regs[2], ==, 0xffffffff00000000ull |
                            (uint32_t)x);
            g_assert_cmphex(h.cpu->regs[3], ==, (uint32_t)x);
            g_assert_cmphex(h.cpu->regs[4], ==, (uint64_t)(int32_t)x);
            g_assert_cmphex(h.cpu->regs[5], ==, 0xffffffff00000000ull |
                            (x >> 32));
            n += 4;
        }
    }
    g_test_message("extrl/extu/ext/extrh: %u results checked", n);
}

static const TCGCond conds[] = {
    TCG_COND_NEVER, TCG_COND_ALWAYS, TCG_COND_EQ, TCG_COND_NE,
    TCG_COND_LT, TCG_COND_GE, TCG_COND_LE, TCG_COND_GT,
    TCG_COND_LTU, TCG_COND_GEU, TCG_COND_LEU, TCG_COND_GTU,
};

/* setcond, movcond and brcond (a branch over a store) on every condition */
static void test_compare(void)
{
    TranslationBlock tb;
    unsigned n = 0;

    for (TCGType t = TCG_TYPE_I32; t <= TCG_TYPE_I64; t++) {
        for (size_t c = 0; c < G_N_ELEMENTS(conds); c++) {
            for (size_t i = 0; i < G_N_ELEMENTS(vals); i += 2) {
                for (size_t j = 0; j < G_N_ELEMENTS(vals); j++) {
                    uint64_t x = vals[i] & mask(t), y = vals[j] & mask(t);
                    bool want = ref_cond(t, conds[c], x, y);

                    for (int opt = 0; opt < 2; opt++) {
                        TCGLabel *l;

                        tcg_func_start(h.s);
                        l = tcg_label_new(h.s);
                        tcg_gen_setcond(h.s, t, conds[c], greg(t, 2),
                                        greg(t, 0), greg(t, 1));
                        tcg_gen_setcondi(h.s, t, conds[c], greg(t, 3),
                                         greg(t, 0), (int64_t)y);
                        tcg_gen_movcond(h.s, t, conds[c], greg(t, 4),
                                        greg(t, 0), greg(t, 1),
                                        tcg_const(h.s, t, 0x11),
                                        tcg_const(h.s, t, 0x22));
                        tcg_gen_movi(h.s, t, greg(t, 5), 0x33);
                        tcg_gen_brcond(h.s, t, conds[c], greg(t, 0),
                                       greg(t, 1), l);
                        tcg_gen_movi(h.s, t, greg(t, 5), 0x44);
                        tcg_gen_set_label(h.s, l);
                        tcg_gen_exit_tb(h.s, NULL, 0);
                        harness_gen(&tb, opt);
                        set_inputs(x, y);
                        harness_run(&tb);
                        if (h.cpu->regs[2] != want || h.cpu->regs[3] != want ||
                            h.cpu->regs[4] != (want ? 0x11u : 0x22u) ||
                            h.cpu->regs[5] != (want ? 0x33u : 0x44u)) {
                            g_test_message("%s %s %#" PRIx64 ",%#" PRIx64
                                           " opt %d: got %" PRIx64 " %" PRIx64
                                           " %" PRIx64 " %" PRIx64,
                                           t == TCG_TYPE_I32 ? "i32" : "i64",
                                           tcg_cond_name(conds[c]), x, y, opt,
                                           h.cpu->regs[2], h.cpu->regs[3],
                                           h.cpu->regs[4], h.cpu->regs[5]);
                            g_test_fail();
                            return;
                        }
                        n += 4;
                    }
                }
            }
        }
    }
    g_test_message("setcond/setcondi/movcond/brcond: %u results checked", n);
}

static void test_mul2(void)
{
    TranslationBlock tb;
    unsigned n = 0;

    for (TCGType t = TCG_TYPE_I32; t <= TCG_TYPE_I64; t++) {
        for (size_t i = 0; i < G_N_ELEMENTS(vals); i++) {
            for (size_t j = 0; j < G_N_ELEMENTS(vals); j++) {
                uint64_t x = vals[i] & mask(t), y = vals[j] & mask(t);
                uint64_t ulo, uhi, slo, shi;

                if (t == TCG_TYPE_I32) {
                    uint64_t u = x * y;
                    int64_t sp = (int64_t)(int32_t)x * (int32_t)y;

                    ulo = (uint32_t)u;
                    uhi = u >> 32;
                    slo = (uint32_t)sp;
                    shi = (uint32_t)((uint64_t)sp >> 32);
                } else {
                    unsigned __int128 u = (unsigned __int128)x * y;
                    __int128 sp = (__int128)(int64_t)x * (int64_t)y;

                    ulo = (uint64_t)u;
                    uhi = (uint64_t)(u >> 64);
                    slo = (uint64_t)sp;
                    shi = (uint64_t)((unsigned __int128)sp >> 64);
                }
                tcg_func_start(h.s);
                tcg_gen_mulu2(h.s, t, greg(t, 2), greg(t, 3), greg(t, 0),
                              greg(t, 1));
                /* x stays live: its register must be copied into rax */
                tcg_gen_muls2(h.s, t, greg(t, 4), greg(t, 5), greg(t, 0),
                              greg(t, 1));
                tcg_gen_exit_tb(h.s, NULL, 0);
                harness_gen(&tb, false);
                set_inputs(x, y);
                harness_run(&tb);
                if (h.cpu->regs[2] != ulo || h.cpu->regs[3] != uhi ||
                    h.cpu->regs[4] != slo || h.cpu->regs[5] != shi) {
                    g_test_message("mul2 %#" PRIx64 " * %#" PRIx64 " wrong",
                                   x, y);
                    g_test_fail();
                    return;
                }
                n += 4;
            }
        }
    }
    g_test_message("mulu2/muls2: %u results checked", n);
}

/* Env loads and stores of every width and signedness. */
static void test_env_ldst(void)
{
    static const struct {
        TCGOpcode opc;
        uint64_t want64, want32;
    } lds[] = {
        { INDEX_op_ld8u, 0xf1, 0xf1 },
        { INDEX_op_ld8s, 0xfffffffffffffff1ull, 0xfffffff1 },
        { INDEX_op_ld16u, 0xf2f1, 0xf2f1 },
        { INDEX_op_ld16s, 0xfffffffffffff2f1ull, 0xfffff2f1 },
        { INDEX_op_ld32u, 0xf4f3f2f1, 0xf4f3f2f1 },
        { INDEX_op_ld32s, 0xfffffffff4f3f2f1ull, 0xf4f3f2f1 },
        { INDEX_op_ld, 0xf8f7f6f5f4f3f2f1ull, 0xf4f3f2f1 },
    };
    static const TCGOpcode sts[] = {
        INDEX_op_st8, INDEX_op_st16, INDEX_op_st32, INDEX_op_st,
    };
    const intptr_t src = offsetof(X86CPU, fpu.xmm[0]) + 1;     /* unaligned */
    const intptr_t dst = offsetof(X86CPU, fpu.xmm[2]);
    TranslationBlock tb;

    for (TCGType t = TCG_TYPE_I32; t <= TCG_TYPE_I64; t++) {
        for (size_t i = 0; i < G_N_ELEMENTS(lds); i++) {
            uint64_t want = t == TCG_TYPE_I32 ? lds[i].want32 : lds[i].want64;

            tcg_func_start(h.s);
            tcg_emit(h.s, lds[i].opc, t, 3, (uint64_t)greg(t, 2),
                     (uint64_t)tcg_env(h.s), (uint64_t)src);
            tcg_gen_exit_tb(h.s, NULL, 0);
            harness_gen(&tb, true);
            memset(h.cpu->regs, 0, sizeof(h.cpu->regs));
            for (int b = 0; b < 8; b++) {
                h.cpu->fpu.xmm[0][1 + b] = 0xf1 + b;
            }
            harness_run(&tb);
            g_assert_cmphex(h.cpu->regs[2], ==, want);
        }
        for (size_t i = 0; i < G_N_ELEMENTS(sts); i++) {
            int bytes = i == 3 ? (t == TCG_TYPE_I32 ? 4 : 8) : 1 << i;

            for (int imm = 0; imm < 2; imm++) {
                uint8_t want[16];

                tcg_func_start(h.s);
                tcg_emit(h.s, sts[i], t, 3,
                         (uint64_t)(imm ? tcg_const(h.s, t,
                                                    0x8877665544332211ll)
                                        : greg(t, 0)),
                         (uint64_t)tcg_env(h.s), (uint64_t)dst + 3);
                tcg_gen_exit_tb(h.s, NULL, 0);
                harness_gen(&tb, false);
                set_inputs(0x8877665544332211ull, 0);
                memset(h.cpu->fpu.xmm[2], 0xee, 16);
                harness_run(&tb);
                memset(want, 0xee, 16);
                for (int b = 0; b < bytes; b++) {
                    want[3 + b] = 0x11 * (b + 1);
                }
                g_assert_cmpmem(h.cpu->fpu.xmm[2], 16, want, 16);
            }
        }
    }
    g_test_message("env loads (7 kinds) and stores (4 widths, reg and "
                   "immediate) checked for both types");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    harness_init();
    g_test_add_func("/tcg/ops/binary", test_binary);
    g_test_add_func("/tcg/ops/unary", test_unary);
    g_test_add_func("/tcg/ops/conversions", test_conversions);
    g_test_add_func("/tcg/ops/compare", test_compare);
    g_test_add_func("/tcg/ops/mul2", test_mul2);
    g_test_add_func("/tcg/ops/env-ldst", test_env_ldst);
    return g_test_run();
}
