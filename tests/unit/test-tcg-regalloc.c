/*
 * test-tcg-regalloc.c: the register allocator under stress: more live
 * temps than host registers, helper calls with six arguments and every
 * flag combination, loops with temps living across labels, and random
 * blocks run both as host code (plain and optimized) and through a
 * reference interpreter of the IR.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcg-harness.h"

/* ---- Register pressure -------------------------------------------------- */

static void test_pressure(void)
{
    enum { N = 40 };
    TCGv t[N];
    TranslationBlock tb;
    uint64_t want = 0;
    TCGStats before = { 0 }, after = { 0 };
    char *dump;

    tcg_func_start(h.s);
    for (int i = 0; i < N; i++) {
        /* values the optimizer cannot know: depend on rax */
        t[i] = tcg_temp_new(h.s, TCG_TYPE_I64);
        tcg_gen_muli(h.s, TCG_TYPE_I64, t[i], h.r64[0], i + 3);
        tcg_gen_xori(h.s, TCG_TYPE_I64, t[i], t[i], (int64_t)i << 40);
    }
    /* all N alive at once: read them back in reverse order */
    for (int i = N - 1; i >= 0; i--) {
        tcg_gen_add(h.s, TCG_TYPE_I64, h.r64[1], h.r64[1], t[i]);
        tcg_gen_rotli(h.s, TCG_TYPE_I64, h.r64[1], h.r64[1], 7);
    }
    tcg_gen_exit_tb(h.s, NULL, 0);
    dump = harness_dump();
    tcg_stats_add(h.s, &before);
    harness_gen(&tb, true);
    tcg_stats_add(h.s, &after);
    memset(h.cpu->regs, 0, sizeof(h.cpu->regs));
    h.cpu->regs[0] = 0x123456789ull;
    harness_run(&tb);
    for (int i = N - 1; i >= 0; i--) {
        want += (0x123456789ull * (i + 3)) ^ ((uint64_t)i << 40);
        want = (want << 7) | (want >> 57);
    }
    g_assert_cmphex(h.cpu->regs[1], ==, want);
    g_assert_cmpuint(after.spills - before.spills, >=, N - 14);
    g_assert_cmpuint(after.tbs - before.tbs, ==, 1);
    g_test_message("%d simultaneously live temps (host has 14 registers): "
                   "result %#" PRIx64 " correct, %u bytes of code, %" PRIu64
                   " spills counted", N, want, tb.tc_size,
                   after.spills - before.spills);
    g_free(dump);
}

/* ---- Helper calls ------------------------------------------------------- */

static uint64_t helper_mix6(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
                            uint64_t e, uint64_t f)
{
    return a * 1 + b * 3 + c * 5 + d * 7 + e * 11 + f * 13;
}

static uint32_t helper_add32(uint32_t a, uint32_t b)
{
    return a + b;
}

/* reads and writes guest registers through env */
static void helper_swap_rbx_rsi(X86CPU *cpu)
{
    uint64_t t = cpu->regs[R_EBX];

    cpu->regs[R_EBX] = cpu->regs[R_ESI];
    cpu->regs[R_ESI] = t;
}

static uint64_t helper_read_rdi(X86CPU *cpu)
{
    return cpu->regs[R_EDI];
}

static void test_calls(void)
{
    TranslationBlock tb;
    TCGv a[6], r = -1, sum;

    for (int opt = 0; opt < 2; opt++) {
        tcg_func_start(h.s);
        for (int i = 0; i < 6; i++) {
            a[i] = tcg_temp_new(h.s, TCG_TYPE_I64);
            tcg_gen_addi(h.s, TCG_TYPE_I64, a[i], h.r64[0], i * 100);
        }
        r = tcg_temp_new(h.s, TCG_TYPE_I64);
        /* arguments arrive in a shuffled order of registers */
        tcg_gen_call(h.s, helper_mix6, TCG_CALL_NO_READ_GLOBALS |
                     TCG_CALL_NO_RAISE, r, 6, a[5], a[4], a[3], a[2], a[1],
                     a[0]);
        /* a[] stay alive across a second call: callee-saved or spilled */
        tcg_gen_call(h.s, helper_mix6, TCG_CALL_NO_READ_GLOBALS, h.r64[2], 6,
                     a[0], a[1], a[2], a[3], a[4], r);
        sum = tcg_temp_new(h.s, TCG_TYPE_I64);
        tcg_gen_add(h.s, TCG_TYPE_I64, sum, a[0], a[5]);
        tcg_gen_mov(h.s, TCG_TYPE_I64, h.r64[10], sum);
        /* dirty globals must reach env before, and be reloaded after */
        tcg_gen_movi(h.s, TCG_TYPE_I64, h.r64[R_ESI], 0x5151);
        tcg_gen_call(h.s, helper_swap_rbx_rsi, 0, -1, 1, tcg_env(h.s));
        tcg_gen_addi(h.s, TCG_TYPE_I64, h.r64[R_ESI], h.r64[R_ESI], 1);
        tcg_gen_addi(h.s, TCG_TYPE_I64, h.r64[R_EBX], h.r64[R_EBX], 2);
        /* a read-only helper sees the current value */
        tcg_gen_addi(h.s, TCG_TYPE_I64, h.r64[R_EDI], h.r64[0], 9);
        tcg_gen_call(h.s, helper_read_rdi, TCG_CALL_NO_WRITE_GLOBALS,
                     h.r64[8], 1, tcg_env(h.s));
        /* I32 arguments and result */
        tcg_gen_call(h.s, helper_add32, TCG_CALL_NO_READ_GLOBALS |
                     TCG_CALL_NO_RAISE, h.r32[9], 2, h.r32[0],
                     tcg_const(h.s, TCG_TYPE_I32, 0xfffffff0));
        tcg_gen_exit_tb(h.s, NULL, 0);
        harness_gen(&tb, opt);
        memset(h.cpu->regs, 0, sizeof(h.cpu->regs));
        h.cpu->regs[0] = 1000;
        h.cpu->regs[R_EBX] = 0xb0b;
        h.cpu->regs[9] = 0xdeadbeef00000000ull;
        harness_run(&tb);
        {
            uint64_t v[6], rr;

            for (int i = 0; i < 6; i++) {
                v[i] = 1000 + i * 100;
            }
            rr = helper_mix6(v[5], v[4], v[3], v[2], v[1], v[0]);
            g_assert_cmpuint(h.cpu->regs[2], ==,
                             helper_mix6(v[0], v[1], v[2], v[3], v[4], rr));
            g_assert_cmpuint(h.cpu->regs[10], ==, v[0] + v[5]);
        }
        g_assert_cmphex(h.cpu->regs[R_ESI], ==, 0xb0b + 1);
        g_assert_cmphex(h.cpu->regs[R_EBX], ==, 0x5151 + 2);
        g_assert_cmpuint(h.cpu->regs[8], ==, 1009);
        g_assert_cmphex(h.cpu->regs[9], ==, 0xdeadbeef00000000ull |
                        (uint32_t)(1000 + 0xfffffff0));
    }
    g_test_message("6-argument calls with shuffled and live arguments, "
                   "global sync/reload around an env-writing helper, "
                   "NO_WRITE_GLOBALS read, I32 args/result: all correct "
                   "(plain and optimized)");
}

/* ---- Loops: temps alive across a backward branch ------------------------ */

static void test_loop(void)
{
    TranslationBlock tb;

    for (int opt = 0; opt < 2; opt++) {
        TCGv i = tcg_temp_new(h.s, TCG_TYPE_I64);
        TCGv sum, sq;
        TCGLabel *top, *skip;

        tcg_func_start(h.s);
        i = tcg_temp_new(h.s, TCG_TYPE_I64);
        sum = tcg_temp_new(h.s, TCG_TYPE_I64);
        sq = tcg_temp_new(h.s, TCG_TYPE_I64);
        top = tcg_label_new(h.s);
        skip = tcg_label_new(h.s);
        tcg_gen_mov(h.s, TCG_TYPE_I64, i, h.r64[0]);
        tcg_gen_movi(h.s, TCG_TYPE_I64, sum, 0);
        tcg_gen_movi(h.s, TCG_TYPE_I64, sq, 0);
        tcg_gen_set_label(h.s, top);
        tcg_gen_add(h.s, TCG_TYPE_I64, sum, sum, i);
        /* odd i only: a forward branch inside the loop */
        tcg_gen_andi(h.s, TCG_TYPE_I64, h.r64[5], i, 1);
        tcg_gen_brcondi(h.s, TCG_TYPE_I64, TCG_COND_EQ, h.r64[5], 0, skip);
        tcg_gen_mul(h.s, TCG_TYPE_I64, h.r64[6], i, i);
        tcg_gen_add(h.s, TCG_TYPE_I64, sq, sq, h.r64[6]);
        tcg_gen_set_label(h.s, skip);
        tcg_gen_subi(h.s, TCG_TYPE_I64, i, i, 1);
        tcg_gen_brcondi(h.s, TCG_TYPE_I64, TCG_COND_NE, i, 0, top);
        tcg_gen_mov(h.s, TCG_TYPE_I64, h.r64[1], sum);
        tcg_gen_mov(h.s, TCG_TYPE_I64, h.r64[2], sq);
        tcg_gen_exit_tb(h.s, NULL, 0);
        harness_gen(&tb, opt);
        memset(h.cpu->regs, 0, sizeof(h.cpu->regs));
        h.cpu->regs[0] = 100;
        harness_run(&tb);
        g_assert_cmpuint(h.cpu->regs[1], ==, 5050);
        g_assert_cmpuint(h.cpu->regs[2], ==, 166650);   /* 1^2+3^2+..+99^2 */
    }
    g_test_message("loop 100..1 with a nested forward branch: sum 5050, "
                   "sum of odd squares 166650 (plain and optimized)");
}

/* ---- Random blocks against an IR interpreter ---------------------------- */

enum { NT64 = 10, NT32 = 5, SCRATCH = 64, HOSTMEM = 4096 };
static const uint64_t guest_page = 0x40000000ull;
static uint8_t *hostmem;

static uint64_t helper_rand_mix(uint64_t a, uint64_t b, uint64_t c,
                                uint64_t d, uint64_t e, uint64_t f)
{
    return (a ^ (b << 1)) + (c * 3) - (d >> 2) + (e | 1) * (f ^ 0x55);
}

typedef struct Interp {
    X86CPU cpu;
    uint8_t mem[HOSTMEM];
    uint64_t *val;
} Interp;

static uint64_t tmask(TCGType t)
{
    return t == TCG_TYPE_I32 ? 0xffffffffull : ~0ull;
}

static uint64_t iget(Interp *in, int t)
{
    TCGTemp *ts = &h.s->temps[t];
    uint64_t v = 0;

    if (t == 0) {
        return (uintptr_t)&in->cpu;
    }
    if (ts->kind == TEMP_CONST) {
        return (uint64_t)ts->val;
    }
    if (ts->kind == TEMP_GLOBAL) {
        memcpy(&v, (uint8_t *)&in->cpu + ts->mem_offset,
               ts->type == TCG_TYPE_I32 ? 4 : 8);
        return v;
    }
    return in->val[t];
}

static void iset(Interp *in, int t, uint64_t v)
{
    TCGTemp *ts = &h.s->temps[t];

    v &= tmask(ts->type);
    if (ts->kind == TEMP_GLOBAL) {
        memcpy((uint8_t *)&in->cpu + ts->mem_offset, &v,
               ts->type == TCG_TYPE_I32 ? 4 : 8);
    } else {
        in->val[t] = v;
    }
}

static uint64_t sext(uint64_t v, int bits)
{
    return (uint64_t)((int64_t)(v << (64 - bits)) >> (64 - bits));
}

/* The reference: evaluate the op list directly. */
static void interpret(Interp *in)
{
    int n = h.s->nb_ops;

    in->val = g_new0(uint64_t, h.s->nb_temps);
    for (int pc = 0; pc < n; pc++) {
        TCGOp *op = h.s->ops[pc];
        TCGType t = op->type;
        uint64_t *a = op->args, x, y, m = tmask(t);
        unsigned w = t == TCG_TYPE_I32 ? 32 : 64;

        switch (op->opc) {
        case INDEX_op_insn_start:
        case INDEX_op_set_label:
        case INDEX_op_mb:
        case INDEX_op_discard:
            break;
        case INDEX_op_exit_tb:
            pc = n;
            break;
        case INDEX_op_br:
        case INDEX_op_brcond:
            if (op->opc == INDEX_op_br ||
                tcg_eval_cond(t, (TCGCond)a[2], iget(in, (int)a[0]),
                              iget(in, (int)a[1]))) {
                void *l = (void *)(uintptr_t)a[op->nargs - 1];

                while (!(h.s->ops[pc]->opc == INDEX_op_set_label &&
                         (void *)(uintptr_t)h.s->ops[pc]->args[0] == l)) {
                    pc++;
                }
            }
            break;
        case INDEX_op_mov:
            iset(in, (int)a[0], iget(in, (int)a[1]));
            break;
        case INDEX_op_movi:
            iset(in, (int)a[0], a[1]);
            break;
        case INDEX_op_call: {
            uint64_t v[6] = { 0 };
            uint64_t r;

            for (int k = 0; k < op->call.nr_in; k++) {
                v[k] = iget(in, op->call.in[k]);
            }
            if (op->call.func == (void *)helper_swap_rbx_rsi) {
                helper_swap_rbx_rsi((X86CPU *)(uintptr_t)v[0]);
                r = 0;
            } else {
                r = helper_rand_mix(v[0], v[1], v[2], v[3], v[4], v[5]);
            }
            if (op->call.ret >= 0) {
                iset(in, op->call.ret, r);
            }
            break;
        }
        case INDEX_op_ld8u: case INDEX_op_ld8s: case INDEX_op_ld16u:
        case INDEX_op_ld16s: case INDEX_op_ld32u: case INDEX_op_ld32s:
        case INDEX_op_ld: {
            static const int sz[] = { 1, 1, 2, 2, 4, 4, 8 };
            int k = op->opc - INDEX_op_ld8u;
            int bytes = k == 6 && t == TCG_TYPE_I32 ? 4 : sz[k];
            uint64_t v = 0;

            memcpy(&v, (uint8_t *)(uintptr_t)iget(in, (int)a[1]) + a[2],
                   bytes);
            if (k == 1 || k == 3 || k == 5) {
                v = sext(v, bytes * 8);
            }
            iset(in, (int)a[0], v);
            break;
        }
        case INDEX_op_st8: case INDEX_op_st16: case INDEX_op_st32:
        case INDEX_op_st: {
            int k = op->opc - INDEX_op_st8;
            int bytes = k == 3 ? (t == TCG_TYPE_I32 ? 4 : 8) : 1 << k;

            x = iget(in, (int)a[0]);
            memcpy((uint8_t *)(uintptr_t)iget(in, (int)a[1]) + a[2], &x,
                   bytes);
            break;
        }
        case INDEX_op_qemu_ld:
        case INDEX_op_qemu_st: {
            unsigned mo = a[2] & 0xff;
            int bytes = 1 << (mo & MO_SIZE);
            uint8_t *p = in->mem + (iget(in, (int)a[1]) - guest_page);

            if (op->opc == INDEX_op_qemu_st) {
                x = iget(in, (int)a[0]);
                memcpy(p, &x, bytes);
            } else {
                x = 0;
                memcpy(&x, p, bytes);
                if (mo & MO_SIGN) {
                    x = sext(x, bytes * 8);
                }
                iset(in, (int)a[0], x);
            }
            break;
        }
        case INDEX_op_setcond:
            iset(in, (int)a[0], tcg_eval_cond(t, (TCGCond)a[3],
                                              iget(in, (int)a[1]),
                                              iget(in, (int)a[2])));
            break;
        case INDEX_op_movcond:
            iset(in, (int)a[0],
                 tcg_eval_cond(t, (TCGCond)a[5], iget(in, (int)a[1]),
                               iget(in, (int)a[2]))
                 ? iget(in, (int)a[3]) : iget(in, (int)a[4]));
            break;
        case INDEX_op_mulu2:
        case INDEX_op_muls2: {
            x = iget(in, (int)a[2]) & m;
            y = iget(in, (int)a[3]) & m;
            if (w == 32) {
                uint64_t p = op->opc == INDEX_op_mulu2 ? x * y
                    : (uint64_t)((int64_t)(int32_t)x * (int32_t)y);

                iset(in, (int)a[0], p);
                iset(in, (int)a[1], p >> 32);
            } else if (op->opc == INDEX_op_mulu2) {
                unsigned __int128 p = (unsigned __int128)x * y;

                iset(in, (int)a[0], (uint64_t)p);
                iset(in, (int)a[1], (uint64_t)(p >> 64));
            } else {
                __int128 p = (__int128)(int64_t)x * (int64_t)y;

                iset(in, (int)a[0], (uint64_t)p);
                iset(in, (int)a[1], (uint64_t)((unsigned __int128)p >> 64));
            }
            break;
        }
        default: {
            unsigned sh;

            x = iget(in, (int)a[1]) & m;
            y = op->nargs > 2 ? iget(in, (int)a[2]) & m : 0;
            sh = y & (w - 1);
            switch (op->opc) {
            case INDEX_op_add: x += y; break;
            case INDEX_op_sub: x -= y; break;
            case INDEX_op_mul: x *= y; break;
            case INDEX_op_and: x &= y; break;
            case INDEX_op_or: x |= y; break;
            case INDEX_op_xor: x ^= y; break;
            case INDEX_op_andc: x &= ~y; break;
            case INDEX_op_shl: x <<= sh; break;
            case INDEX_op_shr: x >>= sh; break;
            case INDEX_op_sar:
                x = (uint64_t)((int64_t)sext(x, w) >> sh);
                break;
            case INDEX_op_rotl:
                x = sh ? (x << sh) | (x >> (w - sh)) : x;
                break;
            case INDEX_op_rotr:
                x = sh ? (x >> sh) | (x << (w - sh)) : x;
                break;
            case INDEX_op_not: x = ~x; break;
            case INDEX_op_neg: x = -x; break;
            case INDEX_op_ext8s: x = sext(x, 8); break;
            case INDEX_op_ext8u: x &= 0xff; break;
            case INDEX_op_ext16s: x = sext(x, 16); break;
            case INDEX_op_ext16u: x &= 0xffff; break;
            case INDEX_op_ext32s: case INDEX_op_ext_i32_i64:
                x = sext(x, 32);
                break;
            case INDEX_op_ext32u: case INDEX_op_extrl_i64_i32:
            case INDEX_op_extu_i32_i64:
                x &= 0xffffffff;
                break;
            case INDEX_op_bswap32: x = __builtin_bswap32((uint32_t)x); break;
            case INDEX_op_bswap64: x = __builtin_bswap64(x); break;
            case INDEX_op_ctpop: x = __builtin_popcountll(x); break;
            case INDEX_op_clz:
                x = x ? (uint64_t)__builtin_clzll(x) - (64 - w) : y;
                break;
            case INDEX_op_ctz:
                x = x ? (uint64_t)__builtin_ctzll(x) : y;
                break;
            default:
                g_assert_not_reached();
            }
            iset(in, (int)a[0], x);
            break;
        }
        }
    }
    g_free(in->val);
}

/* ---- Random program generator ------------------------------------------- */

typedef struct Gen {
    GRand *rng;
    TCGv t64[NT64], t32[NT32];
} Gen;

static int rnd(Gen *g, int n)
{
    return g_rand_int_range(g->rng, 0, n);
}

static uint64_t rnd_val(Gen *g)
{
    static const uint64_t edge[] = {
        0, 1, 0x7f, 0x80, 0xffffffff, 0x80000000, ~0ull, 0x8000000000000000ull,
    };

    if (rnd(g, 3) == 0) {
        return edge[rnd(g, G_N_ELEMENTS(edge))];
    }
    return ((uint64_t)g_rand_int(g->rng) << 32 | g_rand_int(g->rng)) >>
           rnd(g, 64);
}

/* A source operand: temp, global or constant. */
static TCGv src(Gen *g, TCGType t)
{
    switch (rnd(g, 6)) {
    case 0:
        return tcg_const(h.s, t, (int64_t)rnd_val(g));
    case 1:
        return t == TCG_TYPE_I64 ? h.r64[rnd(g, 16)] : h.cc_op;
    default:
        return t == TCG_TYPE_I64 ? g->t64[rnd(g, NT64)] : g->t32[rnd(g, NT32)];
    }
}

static TCGv dst(Gen *g, TCGType t)
{
    if (rnd(g, 4) == 0) {
        return t == TCG_TYPE_I64 ? h.r64[rnd(g, 16)] : h.cc_op;
    }
    return t == TCG_TYPE_I64 ? g->t64[rnd(g, NT64)] : g->t32[rnd(g, NT32)];
}

static const TCGOpcode bin_ops[] = {
    INDEX_op_add, INDEX_op_sub, INDEX_op_mul, INDEX_op_and, INDEX_op_or,
    INDEX_op_xor, INDEX_op_andc, INDEX_op_shl, INDEX_op_shr, INDEX_op_sar,
    INDEX_op_rotl, INDEX_op_rotr, INDEX_op_clz, INDEX_op_ctz,
};
static const TCGOpcode un_ops[] = {
    INDEX_op_not, INDEX_op_neg, INDEX_op_ext8s, INDEX_op_ext8u,
    INDEX_op_ext16s, INDEX_op_ext16u, INDEX_op_bswap32, INDEX_op_ctpop,
};

/* A guest address in the mapped page, aligned for @size_log. */
static TCGv gen_vaddr(Gen *g, int size_log)
{
    TCGv v = tcg_temp_new(h.s, TCG_TYPE_I64);

    tcg_gen_andi(h.s, TCG_TYPE_I64, v, src(g, TCG_TYPE_I64),
                 (HOSTMEM - 8) & ~((1 << size_log) - 1));
    tcg_gen_addi(h.s, TCG_TYPE_I64, v, v, (int64_t)guest_page);
    return v;
}

static void gen_random_block(Gen *g, int nops)
{
    GPtrArray *pending = g_ptr_array_new();
    GArray *due = g_array_new(false, false, sizeof(int));

    tcg_func_start(h.s);
    for (int i = 0; i < NT64; i++) {
        g->t64[i] = tcg_temp_new(h.s, TCG_TYPE_I64);
        if (rnd(g, 2)) {
            tcg_gen_movi(h.s, TCG_TYPE_I64, g->t64[i], (int64_t)rnd_val(g));
        } else {
            tcg_gen_mov(h.s, TCG_TYPE_I64, g->t64[i], h.r64[rnd(g, 16)]);
        }
    }
    for (int i = 0; i < NT32; i++) {
        g->t32[i] = tcg_temp_new(h.s, TCG_TYPE_I32);
        tcg_gen_extrl_i64_i32(h.s, g->t32[i], h.r64[rnd(g, 16)]);
    }
    for (int n = 0; n < nops; n++) {
        TCGType t = rnd(g, 3) ? TCG_TYPE_I64 : TCG_TYPE_I32;
        int kind = rnd(g, 100);

        if (kind < 35) {
            TCGOpcode opc = bin_ops[rnd(g, G_N_ELEMENTS(bin_ops))];

            tcg_emit(h.s, opc, t, 3, (uint64_t)dst(g, t),
                     (uint64_t)src(g, t), (uint64_t)src(g, t));
        } else if (kind < 45) {
            TCGOpcode opc = un_ops[rnd(g, G_N_ELEMENTS(un_ops))];

            tcg_emit(h.s, opc, t, 2, (uint64_t)dst(g, t),
                     (uint64_t)src(g, t));
        } else if (kind < 50) {
            tcg_gen_mov(h.s, t, dst(g, t), src(g, t));
        } else if (kind < 55) {
            tcg_gen_setcond(h.s, t, (TCGCond)rnd(g, 12), dst(g, t),
                            src(g, t), src(g, t));
        } else if (kind < 60) {
            tcg_gen_movcond(h.s, t, (TCGCond)rnd(g, 12), dst(g, t),
                            src(g, t), src(g, t), src(g, t), src(g, t));
        } else if (kind < 63) {
            TCGv lo = dst(g, t), hi = dst(g, t);

            if (lo != hi) {
                tcg_emit(h.s, rnd(g, 2) ? INDEX_op_mulu2 : INDEX_op_muls2,
                         t, 4, (uint64_t)lo, (uint64_t)hi,
                         (uint64_t)src(g, t), (uint64_t)src(g, t));
            }
        } else if (kind < 68) {
            static const TCGOpcode lds[] = {
                INDEX_op_ld8u, INDEX_op_ld8s, INDEX_op_ld16u,
                INDEX_op_ld16s, INDEX_op_ld32u, INDEX_op_ld32s,
                INDEX_op_ld,
            };
            intptr_t off = offsetof(X86CPU, fpu.xmm) + rnd(g, SCRATCH - 8);

            if (rnd(g, 2)) {
                tcg_emit(h.s, lds[rnd(g, 7)], t, 3, (uint64_t)dst(g, t),
                         (uint64_t)tcg_env(h.s), (uint64_t)off);
            } else {
                tcg_emit(h.s, INDEX_op_st8 + rnd(g, 4), t, 3,
                         (uint64_t)src(g, t), (uint64_t)tcg_env(h.s),
                         (uint64_t)off);
            }
        } else if (kind < 76) {
            int size_log = rnd(g, t == TCG_TYPE_I64 ? 4 : 3);
            MemOp mo = size_log | (rnd(g, 2) && size_log < 3 ? MO_SIGN : 0);
            TCGv va = gen_vaddr(g, size_log);

            if (rnd(g, 2)) {
                tcg_gen_qemu_ld(h.s, t, dst(g, t), va, mo, 0);
            } else {
                tcg_gen_qemu_st(h.s, t, src(g, t), va, size_log, 0);
            }
        } else if (kind < 81) {
            static const unsigned flags[] = {
                0, TCG_CALL_NO_RAISE, TCG_CALL_NO_WRITE_GLOBALS,
                TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_RAISE,
            };

            tcg_gen_call(h.s, helper_rand_mix, flags[rnd(g, 4)],
                         rnd(g, 4) ? dst(g, TCG_TYPE_I64) : -1, 6,
                         src(g, TCG_TYPE_I64), src(g, TCG_TYPE_I64),
                         src(g, TCG_TYPE_I64), src(g, TCG_TYPE_I64),
                         src(g, TCG_TYPE_I64), src(g, TCG_TYPE_I64));
        } else if (kind < 83) {
            tcg_gen_call(h.s, helper_swap_rbx_rsi, 0, -1, 1, tcg_env(h.s));
        } else if (kind < 93) {
            TCGLabel *l = tcg_label_new(h.s);
            int when = n + 1 + rnd(g, 12);

            tcg_gen_brcond(h.s, t, (TCGCond)rnd(g, 12), src(g, t), src(g, t),
                           l);
            g_ptr_array_add(pending, l);
            g_array_append_val(due, when);
        } else if (kind < 96) {
            tcg_gen_insn_start(h.s, 0x1000 + n, 0);
        } else {
            TCGv x = g->t64[rnd(g, NT64)];

            tcg_gen_discard(h.s, TCG_TYPE_I64, x);
            /* keep it defined for later readers */
            tcg_gen_movi(h.s, TCG_TYPE_I64, x, 5);
        }
        for (guint i = 0; i < pending->len; i++) {
            if (g_array_index(due, int, i) <= n) {
                tcg_gen_set_label(h.s, g_ptr_array_index(pending, i));
                g_ptr_array_remove_index(pending, i);
                g_array_remove_index(due, i);
                i--;
            }
        }
    }
    for (guint i = 0; i < pending->len; i++) {
        tcg_gen_set_label(h.s, g_ptr_array_index(pending, i));
    }
    tcg_gen_exit_tb(h.s, NULL, 0);
    g_ptr_array_free(pending, true);
    g_array_free(due, true);
}

static void random_state(GRand *rng)
{
    memset(h.cpu, 0, offsetof(X86CPU, tlb_table));
    for (int i = 0; i < 16; i++) {
        h.cpu->regs[i] = (uint64_t)g_rand_int(rng) << 32 | g_rand_int(rng);
    }
    h.cpu->cc_op = g_rand_int(rng);
    for (int i = 0; i < SCRATCH; i++) {
        ((uint8_t *)h.cpu->fpu.xmm)[i] = g_rand_int(rng);
    }
    for (int i = 0; i < HOSTMEM; i++) {
        hostmem[i] = g_rand_int(rng);
    }
}

static void test_random(void)
{
    TLBEntry *tlb = g_new0(TLBEntry, TLB_SIZE);
    TLBEntry *e = &tlb[(guest_page >> TARGET_PAGE_BITS) & (TLB_SIZE - 1)];
    int blocks = g_test_slow() ? 20000 : 2000;
    Interp *ref = g_new0(Interp, 1);

    hostmem = g_malloc(HOSTMEM);
    for (int i = 0; i < TLB_SIZE; i++) {
        tlb[i].addr_read = tlb[i].addr_write = TLB_INVALID;
    }
    e->addr_read = e->addr_write = guest_page;
    e->addend = (uintptr_t)hostmem - guest_page;

    for (int b = 0; b < blocks; b++) {
        for (int opt = 0; opt < 2; opt++) {
            Gen g = { .rng = g_rand_new_with_seed(b) };
            TranslationBlock tb;

            gen_random_block(&g, 20 + b % 60);
            random_state(g.rng);
            h.cpu->tlb_table[0] = tlb;
            ref->cpu = *h.cpu;
            memcpy(ref->mem, hostmem, HOSTMEM);
            ref->cpu.tlb_table[0] = NULL;
            interpret(ref);
            harness_gen(&tb, opt);
            harness_run(&tb);
            ref->cpu.tlb_table[0] = tlb;
            if (memcmp(&ref->cpu, h.cpu, offsetof(X86CPU, fpu.xmm[4])) ||
                ref->cpu.cc_op != h.cpu->cc_op ||
                memcmp(ref->mem, hostmem, HOSTMEM)) {
                char *d;

                for (int i = 0; i < 16; i++) {
                    if (ref->cpu.regs[i] != h.cpu->regs[i]) {
                        g_test_message("reg %d: got %#" PRIx64 " want %#"
                                       PRIx64, i, h.cpu->regs[i],
                                       ref->cpu.regs[i]);
                    }
                }
                /* show the block as generated */
                g_rand_free(g.rng);
                g.rng = g_rand_new_with_seed(b);
                gen_random_block(&g, 20 + b % 60);
                if (opt) {
                    tcg_optimize(h.s);
                }
                d = harness_dump();
                g_test_message("block %d (optimized %d) differs:\n%s", b, opt,
                               d);
                if (g_getenv("TCG_TEST_CODE")) {
                    g_file_set_contents(g_getenv("TCG_TEST_CODE"),
                                        (const char *)tb.tc_ptr, tb.tc_size,
                                        NULL);
                }
                g_free(d);
                g_test_fail();
                g_rand_free(g.rng);
                goto out;
            }
            g_rand_free(g.rng);
        }
    }
    g_test_message("%d random blocks (20-80 ops: arithmetic, compares, "
                   "env and guest loads/stores, calls, forward branches) "
                   "match the IR interpreter, plain and optimized", blocks);
out:
    g_free(ref);
    g_free(tlb);
    g_free(hostmem);
    h.cpu->tlb_table[0] = NULL;
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    harness_init();
    g_test_add_func("/tcg/regalloc/pressure", test_pressure);
    g_test_add_func("/tcg/regalloc/calls", test_calls);
    g_test_add_func("/tcg/regalloc/loop", test_loop);
    g_test_add_func("/tcg/regalloc/random", test_random);
    return g_test_run();
}
