/*
 * optimize.c: constant folding, copy propagation and dead code removal
 * inside one block.
 *
 * A forward pass tracks, per temp, a known constant value or the set of
 * temps holding the same value (a ring of copies, so that redefining one
 * member drops only it).  Knowledge is forgotten at labels (other paths
 * join there) and, for globals, at helper calls that may write env.
 * Inputs are rewritten to constants or to the best copy (a global, which
 * likely sits in a register already), ops with constant inputs are
 * evaluated, and identities (x + 0, x & 0, x ^ x, ...) simplified.
 * Unreachable ops (after exit_tb/br/goto_ptr up to the next label) and
 * unreferenced labels go; then the liveness pass drops ops whose results
 * nobody reads.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcg/tcg-internal.h"

typedef struct TempInfo {
    bool is_const;
    uint64_t val;
    uint64_t z_mask;            /* bits that may be non-zero */
    int prev_copy, next_copy;   /* ring of equal temps (self: alone) */
} TempInfo;

typedef struct OptState {
    TCGContext *s;
    TempInfo *ti;
    int nb_ti;
} OptState;

static TempInfo *ti(OptState *o, int t)
{
    if (t >= o->nb_ti) {
        int n = MAX(t + 1, o->nb_ti * 2);

        o->ti = g_renew(TempInfo, o->ti, n);
        for (int i = o->nb_ti; i < n; i++) {
            TCGTemp *ts = i < o->s->nb_temps ? &o->s->temps[i] : NULL;

            o->ti[i].is_const = ts && ts->kind == TEMP_CONST;
            o->ti[i].val = o->ti[i].is_const ? ts->val : 0;
            o->ti[i].z_mask = o->ti[i].is_const ? (uint64_t)ts->val : ~0ull;
            o->ti[i].prev_copy = o->ti[i].next_copy = i;
        }
        o->nb_ti = n;
    }
    return &o->ti[t];
}

static uint64_t type_mask(TCGType type)
{
    return type == TCG_TYPE_I32 ? 0xffffffffull : ~0ull;
}

static void reset_temp(OptState *o, int t)
{
    TempInfo *i = ti(o, t);

    if (o->s->temps[t].kind == TEMP_CONST) {
        return;
    }
    ti(o, i->prev_copy)->next_copy = i->next_copy;
    ti(o, i->next_copy)->prev_copy = i->prev_copy;
    i->prev_copy = i->next_copy = t;
    i->is_const = false;
    i->z_mask = type_mask(o->s->temps[t].type);
}

static void reset_all(OptState *o, bool globals_only)
{
    int n = globals_only ? o->s->nb_globals : o->s->nb_temps;

    for (int t = 1; t < n; t++) {
        reset_temp(o, t);
    }
}

static void set_const(OptState *o, int t, uint64_t val)
{
    reset_temp(o, t);
    ti(o, t)->is_const = true;
    ti(o, t)->val = val & type_mask(o->s->temps[t].type);
    ti(o, t)->z_mask = ti(o, t)->val;
}

/* Bits of @t's value that may be set. */
static uint64_t z_of(OptState *o, uint64_t arg)
{
    TCGTemp *ts = &o->s->temps[(int)arg];

    if (ts->kind == TEMP_CONST) {
        return ts->val;
    }
    return ti(o, (int)arg)->z_mask & type_mask(ts->type);
}

static bool are_copies(OptState *o, int a, int b)
{
    if (a == b) {
        return true;
    }
    for (int i = ti(o, a)->next_copy; i != a; i = ti(o, i)->next_copy) {
        if (i == b) {
            return true;
        }
    }
    return false;
}

/* The copy to read instead of @t: a global if any, else the oldest. */
static int best_copy(OptState *o, int t)
{
    int best = t;

    for (int i = ti(o, t)->next_copy; i != t; i = ti(o, i)->next_copy) {
        bool ig = temp_is_global(&o->s->temps[i]);
        bool bg = temp_is_global(&o->s->temps[best]);

        if ((ig && !bg) || (ig == bg && i < best)) {
            best = i;
        }
    }
    return best;
}

static int fold_input(OptState *o, int t)
{
    TempInfo *i = ti(o, t);
    TCGTemp *ts = &o->s->temps[t];

    if (ts->kind == TEMP_CONST || ts->fixed_reg) {
        return t;
    }
    if (i->is_const) {
        return tcg_const(o->s, ts->type, (int64_t)i->val);
    }
    return best_copy(o, t);
}

static bool arg_const(OptState *o, uint64_t arg, uint64_t *val)
{
    TCGTemp *ts = &o->s->temps[(int)arg];
    TempInfo *i = ti(o, (int)arg);

    if (ts->kind == TEMP_CONST) {
        *val = ts->val;
        return true;
    }
    *val = i->val;
    return i->is_const;
}

/* ---- Evaluation --------------------------------------------------------- */

static uint64_t do_rot(uint64_t x, unsigned sh, unsigned bits, bool left)
{
    uint64_t m = bits == 32 ? 0xffffffffull : ~0ull;

    sh &= bits - 1;
    x &= m;
    if (!sh) {
        return x;
    }
    if (!left) {
        sh = bits - sh;
    }
    return ((x << sh) | (x >> (bits - sh))) & m;
}

static bool fold_binary(TCGOpcode opc, TCGType type, uint64_t x, uint64_t y,
                        uint64_t *r)
{
    unsigned bits = type == TCG_TYPE_I32 ? 32 : 64;
    unsigned sh = y & (bits - 1);

    switch (opc) {
    case INDEX_op_add: *r = x + y; break;
    case INDEX_op_sub: *r = x - y; break;
    case INDEX_op_mul: *r = x * y; break;
    case INDEX_op_and: *r = x & y; break;
    case INDEX_op_or: *r = x | y; break;
    case INDEX_op_xor: *r = x ^ y; break;
    case INDEX_op_andc: *r = x & ~y; break;
    case INDEX_op_shl: *r = x << sh; break;
    case INDEX_op_shr:
        *r = bits == 32 ? (uint32_t)x >> sh : x >> sh;
        break;
    case INDEX_op_sar:
        *r = bits == 32 ? (uint64_t)(int64_t)((int32_t)x >> sh)
                        : (uint64_t)((int64_t)x >> sh);
        break;
    case INDEX_op_rotl: *r = do_rot(x, sh, bits, true); break;
    case INDEX_op_rotr: *r = do_rot(x, sh, bits, false); break;
    case INDEX_op_clz:
        x &= type_mask(type);
        *r = !x ? y : bits == 32 ? (uint64_t)__builtin_clz((uint32_t)x)
                                 : (uint64_t)__builtin_clzll(x);
        break;
    case INDEX_op_ctz:
        x &= type_mask(type);
        *r = !x ? y : (uint64_t)__builtin_ctzll(x);
        break;
    default:
        return false;
    }
    return true;
}

static bool fold_unary(TCGOpcode opc, TCGType type, uint64_t x, uint64_t *r)
{
    switch (opc) {
    case INDEX_op_not: *r = ~x; break;
    case INDEX_op_neg: *r = -x; break;
    case INDEX_op_ext8s: *r = (uint64_t)(int8_t)x; break;
    case INDEX_op_ext8u: *r = (uint8_t)x; break;
    case INDEX_op_ext16s: *r = (uint64_t)(int16_t)x; break;
    case INDEX_op_ext16u: *r = (uint16_t)x; break;
    case INDEX_op_ext32s:
    case INDEX_op_ext_i32_i64: *r = (uint64_t)(int32_t)x; break;
    case INDEX_op_ext32u:
    case INDEX_op_extrl_i64_i32:
    case INDEX_op_extu_i32_i64: *r = (uint32_t)x; break;
    case INDEX_op_bswap16: *r = __builtin_bswap16((uint16_t)x); break;
    case INDEX_op_bswap32: *r = __builtin_bswap32((uint32_t)x); break;
    case INDEX_op_bswap64: *r = __builtin_bswap64(x); break;
    case INDEX_op_ctpop:
        *r = __builtin_popcountll(x & type_mask(type));
        break;
    default:
        return false;
    }
    return true;
}

bool tcg_eval_cond(TCGType type, TCGCond cond, uint64_t x, uint64_t y)
{
    int64_t sx, sy;

    if (type == TCG_TYPE_I32) {
        x = (uint32_t)x;
        y = (uint32_t)y;
        sx = (int32_t)x;
        sy = (int32_t)y;
    } else {
        sx = (int64_t)x;
        sy = (int64_t)y;
    }
    switch (cond) {
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

/* Condition on a value and itself: -1 unknown (never happens), 0/1. */
static int cond_self(TCGCond c)
{
    switch (c) {
    case TCG_COND_EQ: case TCG_COND_LE: case TCG_COND_GE:
    case TCG_COND_LEU: case TCG_COND_GEU: case TCG_COND_ALWAYS:
        return 1;
    default:
        return 0;
    }
}

/* ---- Rewrites ----------------------------------------------------------- */

static void make_movi(OptState *o, TCGOp *op, uint64_t val)
{
    int ret = (int)op->args[0];
    TCGType type = o->s->temps[ret].type;

    val &= type_mask(type);
    op->opc = INDEX_op_movi;
    op->type = type;
    op->nargs = 2;
    op->args[1] = val;
    set_const(o, ret, val);
}

static void make_mov(OptState *o, TCGOp *op, int src)
{
    int ret = (int)op->args[0];
    TempInfo *i = ti(o, src);

    if (i->is_const) {
        make_movi(o, op, i->val);
        return;
    }
    if (are_copies(o, ret, src)) {
        tcg_op_remove(o->s, op);
        return;
    }
    op->opc = INDEX_op_mov;
    op->type = o->s->temps[ret].type;
    op->nargs = 2;
    op->args[1] = (uint64_t)src;
    reset_temp(o, ret);
    ti(o, ret)->z_mask = z_of(o, (uint64_t)src);
    /* join src's ring */
    ti(o, ret)->next_copy = ti(o, src)->next_copy;
    ti(o, ret)->prev_copy = src;
    ti(o, ti(o, src)->next_copy)->prev_copy = ret;
    ti(o, src)->next_copy = ret;
}

static bool commutative(TCGOpcode opc)
{
    return opc == INDEX_op_add || opc == INDEX_op_mul ||
           opc == INDEX_op_and || opc == INDEX_op_or ||
           opc == INDEX_op_xor;
}

/* Simplify a binary op with at least one non-constant input; true when
 * the op was rewritten (and its output info set). */
static bool simplify_binary(OptState *o, TCGOp *op)
{
    TCGOpcode opc = op->opc;
    TCGType type = op->type;
    uint64_t m = type_mask(type), b;
    int a = (int)op->args[1];
    bool bc = arg_const(o, op->args[2], &b);

    if (a == (int)op->args[2] || are_copies(o, a, (int)op->args[2])) {
        switch (opc) {
        case INDEX_op_sub: case INDEX_op_xor: case INDEX_op_andc:
            make_movi(o, op, 0);
            return true;
        case INDEX_op_and: case INDEX_op_or:
            make_mov(o, op, a);
            return true;
        default:
            break;
        }
    }
    if (!bc) {
        return false;
    }
    switch (opc) {
    case INDEX_op_add: case INDEX_op_sub: case INDEX_op_or:
    case INDEX_op_xor: case INDEX_op_shl: case INDEX_op_shr:
    case INDEX_op_sar: case INDEX_op_rotl: case INDEX_op_rotr:
    case INDEX_op_andc:
        if ((opc >= INDEX_op_shl && opc <= INDEX_op_rotr)
            ? !(b & (type == TCG_TYPE_I32 ? 31 : 63)) : !(b & m)) {
            make_mov(o, op, a);
            return true;
        }
        break;
    case INDEX_op_and:
    case INDEX_op_mul:
        if (!(b & m)) {
            make_movi(o, op, 0);
            return true;
        }
        if (opc == INDEX_op_and ? (b & m) == m : (b & m) == 1) {
            make_mov(o, op, a);
            return true;
        }
        break;
    default:
        break;
    }
    if (opc == INDEX_op_or && (b & m) == m) {
        make_movi(o, op, m);
        return true;
    }
    if (opc == INDEX_op_andc) {
        /* the backend takes and-with-immediate directly */
        op->opc = INDEX_op_and;
        op->args[2] = (uint64_t)tcg_const(o->s, type, (int64_t)(~b & m));
    } else if (opc == INDEX_op_sub) {
        /* add accepts a 3-address form (lea) */
        op->opc = INDEX_op_add;
        op->args[2] = (uint64_t)tcg_const(o->s, type, (int64_t)(-b & m));
    }
    return false;
}

/* The bits an op's single output may have set (~0: anything). */
static uint64_t known_bits(OptState *o, const TCGOp *op)
{
    const TCGOpDef *def = &tcg_op_defs[op->opc];
    uint64_t a = def->nb_iargs >= 1 ? z_of(o, op->args[def->nb_oargs]) : 0;
    uint64_t b = def->nb_iargs >= 2 ? z_of(o, op->args[def->nb_oargs + 1])
                                    : 0;
    uint64_t c;
    unsigned w = op->type == TCG_TYPE_I32 ? 32 : 64;

    switch (op->opc) {
    case INDEX_op_ext8u: case INDEX_op_ld8u:
        return a & 0xff;
    case INDEX_op_ext16u: case INDEX_op_ld16u:
        return a & 0xffff;
    case INDEX_op_ext32u: case INDEX_op_extu_i32_i64:
    case INDEX_op_extrl_i64_i32: case INDEX_op_ld32u:
        return a & 0xffffffff;
    case INDEX_op_ext8s:
        return a & 0x80 ? ~0ull : a & 0x7f;
    case INDEX_op_ext16s:
        return a & 0x8000 ? ~0ull : a & 0x7fff;
    case INDEX_op_ext32s: case INDEX_op_ext_i32_i64:
        return a & 0x80000000 ? ~0ull : a & 0x7fffffff;
    case INDEX_op_and:
        return a & b;
    case INDEX_op_or: case INDEX_op_xor:
        return a | b;
    case INDEX_op_andc:
        return a;
    case INDEX_op_shr:
    case INDEX_op_shl:
    case INDEX_op_sar:
        if (!arg_const(o, op->args[2], &c)) {
            return ~0ull;
        }
        c &= w - 1;
        if (op->opc == INDEX_op_shl) {
            return a << c;
        }
        if (op->opc == INDEX_op_sar && (a >> (w - 1) & 1)) {
            return ~0ull;
        }
        return a >> c;
    case INDEX_op_setcond:
        return 1;
    case INDEX_op_ctpop:
        return 0x7f;
    case INDEX_op_clz: case INDEX_op_ctz:
        return 0x7f | b;
    case INDEX_op_movcond:
        return z_of(o, op->args[3]) | z_of(o, op->args[4]);
    case INDEX_op_qemu_ld: {
        unsigned mo = op->args[2] & 0xff;

        if (mo & MO_SIGN || (mo & MO_SIZE) == MO_64) {
            return ~0ull;
        }
        return (2ull << ((8 << (mo & MO_SIZE)) - 1)) - 1;
    }
    default:
        return ~0ull;
    }
}

/* Extensions and masks that change nothing the value can have. */
static bool simplify_known_bits(OptState *o, TCGOp *op)
{
    uint64_t a, m, c;

    switch (op->opc) {
    case INDEX_op_ext8u: m = 0xff; break;
    case INDEX_op_ext16u: m = 0xffff; break;
    case INDEX_op_ext32u: m = 0xffffffff; break;
    case INDEX_op_ext8s: m = 0x7f; break;
    case INDEX_op_ext16s: m = 0x7fff; break;
    case INDEX_op_ext32s: m = 0x7fffffff; break;
    case INDEX_op_and:
        if (!arg_const(o, op->args[2], &c)) {
            return false;
        }
        m = c;
        break;
    default:
        return false;
    }
    a = z_of(o, op->args[1]);
    if (a & ~m) {
        return false;
    }
    make_mov(o, op, (int)op->args[1]);
    return true;
}

static void optimize_op(OptState *o, TCGOp *op)
{
    const TCGOpDef *def = &tcg_op_defs[op->opc];
    int no = def->nb_oargs, ni = def->nb_iargs;
    uint64_t x, y, r;

    /* inputs: constants and best copies */
    if (op->opc == INDEX_op_call) {
        for (int k = 0; k < op->call.nr_in; k++) {
            op->call.in[k] = fold_input(o, op->call.in[k]);
        }
    } else if (op->opc != INDEX_op_discard) {
        for (int k = no; k < no + ni; k++) {
            op->args[k] = (uint64_t)fold_input(o, (int)op->args[k]);
        }
    }
    if (commutative(op->opc) && arg_const(o, op->args[1], &x) &&
        !arg_const(o, op->args[2], &y)) {
        uint64_t t = op->args[1];

        op->args[1] = op->args[2];
        op->args[2] = t;
    }

    switch (op->opc) {
    case INDEX_op_set_label:
        reset_all(o, false);
        return;
    case INDEX_op_call: {
        unsigned f = op->call.flags;

        if (op->call.ret >= 0) {
            reset_temp(o, op->call.ret);
        }
        if (!(f & (TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS))) {
            reset_all(o, true);
        }
        return;
    }
    case INDEX_op_discard:
        reset_temp(o, (int)op->args[0]);
        return;
    case INDEX_op_mov:
        make_mov(o, op, (int)op->args[1]);
        return;
    case INDEX_op_movi:
        set_const(o, (int)op->args[0], op->args[1]);
        return;
    case INDEX_op_brcond: {
        TCGCond c = (TCGCond)op->args[2];
        int v = -1;

        if (arg_const(o, op->args[0], &x) && arg_const(o, op->args[1], &y)) {
            v = tcg_eval_cond(op->type, c, x, y);
        } else if (are_copies(o, (int)op->args[0], (int)op->args[1])) {
            v = cond_self(c);
        }
        if (v == 0) {
            tcg_op_remove(o->s, op);
        } else if (v == 1) {
            TCGLabel *l = (TCGLabel *)(uintptr_t)op->args[3];

            op->opc = INDEX_op_br;
            op->nargs = 1;
            op->args[0] = (uint64_t)(uintptr_t)l;
        }
        return;
    }
    case INDEX_op_setcond: {
        TCGCond c = (TCGCond)op->args[3];

        if (arg_const(o, op->args[1], &x) && arg_const(o, op->args[2], &y)) {
            make_movi(o, op, tcg_eval_cond(op->type, c, x, y));
            return;
        }
        if (are_copies(o, (int)op->args[1], (int)op->args[2])) {
            make_movi(o, op, cond_self(c));
            return;
        }
        break;
    }
    case INDEX_op_movcond: {
        TCGCond c = (TCGCond)op->args[5];
        int v = -1;

        if (arg_const(o, op->args[1], &x) && arg_const(o, op->args[2], &y)) {
            v = tcg_eval_cond(op->type, c, x, y);
        } else if (are_copies(o, (int)op->args[1], (int)op->args[2])) {
            v = cond_self(c);
        }
        if (v >= 0) {
            make_mov(o, op, (int)op->args[v ? 3 : 4]);
            return;
        }
        break;
    }
    default:
        break;
    }

    if (!(def->flags & TCG_OPF_SIDE_EFFECTS) && no == 1 && ni == 2 &&
        op->nargs == 3) {
        if (arg_const(o, op->args[1], &x) && arg_const(o, op->args[2], &y) &&
            fold_binary(op->opc, op->type, x, y, &r)) {
            make_movi(o, op, r);
            return;
        }
        if (simplify_binary(o, op)) {
            return;
        }
    } else if (no == 1 && ni == 1 && op->nargs == 2 &&
               !(def->flags & TCG_OPF_SIDE_EFFECTS) &&
               arg_const(o, op->args[1], &x) &&
               fold_unary(op->opc, op->type, x, &r)) {
        make_movi(o, op, r);
        return;
    }

    if (simplify_known_bits(o, op)) {
        return;
    }
    {
        uint64_t z = known_bits(o, op);

        for (int k = 0; k < no; k++) {
            reset_temp(o, (int)op->args[k]);
        }
        if (no == 1) {
            ti(o, (int)op->args[0])->z_mask &= z;
        }
    }
}

/* Drop unreachable ops and labels nobody branches to. */
static void remove_dead_code(TCGContext *s)
{
    bool unreachable = false;

    for (int i = 0; i < s->nb_ops; i++) {
        TCGOp *op = s->ops[i];

        if (op->opc == INDEX_op_nop) {
            continue;
        }
        if (op->opc == INDEX_op_set_label) {
            TCGLabel *l = (TCGLabel *)(uintptr_t)op->args[0];

            if (l->refs == 0) {
                tcg_op_remove(s, op);
                continue;
            }
            unreachable = false;
        } else if (unreachable && op->opc != INDEX_op_insn_start) {
            tcg_op_remove(s, op);
            continue;
        }
        if (tcg_op_defs[op->opc].flags & TCG_OPF_NO_FALLTHRU) {
            unreachable = true;
        }
    }
}

/* A branch to the label right after it (only insn_starts between). */
static void remove_branch_to_next(TCGContext *s)
{
    for (int i = 0; i < s->nb_ops; i++) {
        TCGOp *op = s->ops[i];
        TCGLabel *l;

        if (op->opc != INDEX_op_br && op->opc != INDEX_op_brcond) {
            continue;
        }
        l = (TCGLabel *)(uintptr_t)op->args[op->nargs - 1];
        for (int j = i + 1; j < s->nb_ops; j++) {
            TCGOp *n = s->ops[j];

            if (n->opc == INDEX_op_set_label &&
                (TCGLabel *)(uintptr_t)n->args[0] == l) {
                tcg_op_remove(s, op);
                break;
            }
            if (n->opc != INDEX_op_nop && n->opc != INDEX_op_insn_start &&
                n->opc != INDEX_op_set_label) {
                break;
            }
        }
    }
}

void tcg_optimize(TCGContext *s)
{
    OptState o = { .s = s };

    s->stats.ops += s->nb_ops;
    remove_dead_code(s);
    ti(&o, s->nb_temps);
    for (int i = 0; i < s->nb_ops; i++) {
        if (s->ops[i]->opc != INDEX_op_nop) {
            optimize_op(&o, s->ops[i]);
        }
    }
    g_free(o.ti);
    remove_branch_to_next(s);
    remove_dead_code(s);
    tcg_liveness(s);
    tcg_ops_compact(s);
    s->stats.ops_opt += s->nb_ops;
}
