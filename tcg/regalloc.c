/*
 * regalloc.c: register allocation and code generation (tcg_gen_code).
 *
 * One forward pass over the ops, after tcg_liveness():
 *  - temps and globals stay in host registers for as long as their value
 *    is needed inside an extended basic block; a register is spilled only
 *    when the op at hand needs it (fixed registers, pressure) or a call
 *    clobbers it;
 *  - a dirty global is stored to env when it dies, at every EBB edge,
 *    before guest memory accesses (they may fault) and before helper calls
 *    that may read env or raise; it keeps its register unless the call
 *    clobbers it or may write env;
 *  - constants are materialized lazily, as immediates where the backend
 *    accepts them;
 *  - a label forgets every register: values arrive there in memory.
 *
 * Generated code is assembled into a private staging buffer; only the
 * finished block (code, then the insn tables) is copied into the code
 * buffer, so the allocation lock is held for a memcpy, never for a
 * translation.  External rel32 targets (helpers, epilogue) are patched
 * once the final address is known.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcg/code-buffer.h"
#include "tcg/tcg-internal.h"

static const int alloc_order[] = { TCG_TARGET_ALLOC_ORDER };
static const int call_arg_regs[] = { TCG_TARGET_CALL_ARG_REGS };

#define ALL_ALLOC (TCG_TARGET_ALL_REGS & ~TCG_TARGET_RESERVED_REGS)
#define CALLEE_SAVED (ALL_ALLOC & ~TCG_TARGET_CALL_CLOBBER_REGS)

/* ---- Spill slots -------------------------------------------------------- */

static int temp_base(const TCGTemp *ts)
{
    return temp_is_global(ts) ? TCG_AREG0 : TCG_REG_CALL_STACK;
}

static void slot_alloc(TCGContext *s, TCGTemp *ts)
{
    int slot;

    if (ts->mem_allocated || temp_is_global(ts)) {
        return;
    }
    if (s->free_slots->len) {
        slot = g_array_index(s->free_slots, int, s->free_slots->len - 1);
        g_array_set_size(s->free_slots, s->free_slots->len - 1);
    } else {
        /* bounded by the temps alive at once, far below this */
        g_assert(s->next_slot < TCG_NB_SPILL_SLOTS);
        slot = s->next_slot++;
    }
    ts->mem_offset = TCG_SAVE_AREA + 8 * slot;
    ts->mem_allocated = true;
}

static void slot_free(TCGContext *s, TCGTemp *ts)
{
    int slot;

    if (!ts->mem_allocated) {
        return;
    }
    slot = (ts->mem_offset - TCG_SAVE_AREA) / 8;
    g_array_append_val(s->free_slots, slot);
    ts->mem_allocated = false;
}

/* ---- Register state ----------------------------------------------------- */

/* s->busy: registers the op being allocated uses, never spill targets;
 * s->s->cur_op: its index (live ranges are op indexes). */

static bool temp_is_const_val(const TCGTemp *ts)
{
    return ts->kind == TEMP_CONST || ts->val_type == TEMP_VAL_CONST;
}

static int reg_alloc(TCGContext *s, uint32_t required, uint32_t exclude);

/* Make the memory copy of @ts current (a store, or nothing). */
static void temp_sync(TCGContext *s, TCGTemp *ts, uint32_t exclude)
{
    if (ts->fixed_reg || ts->kind == TEMP_CONST || ts->mem_coherent) {
        return;
    }
    switch (ts->val_type) {
    case TEMP_VAL_REG:
        slot_alloc(s, ts);
        tcg_out_st(s, ts->type, ts->reg, temp_base(ts), ts->mem_offset);
        break;
    case TEMP_VAL_CONST:
        slot_alloc(s, ts);
        if (!tcg_out_sti(s, ts->type, ts->val, temp_base(ts),
                         ts->mem_offset)) {
            int r = reg_alloc(s, ALL_ALLOC, exclude);

            tcg_out_movi(s, ts->type, r, ts->val);
            tcg_out_st(s, ts->type, r, temp_base(ts), ts->mem_offset);
        }
        break;
    default:
        return;
    }
    ts->mem_coherent = true;
}

/*
 * Drop @ts's register.  @keep: the value lives on in memory (the caller
 * synced it); otherwise it is dead: a temp's slot is recycled unless the
 * temp is multi-EBB and still inside its live range.
 */
static void temp_release(TCGContext *s, TCGTemp *ts, bool keep)
{
    if (ts->fixed_reg) {
        return;
    }
    if (ts->val_type == TEMP_VAL_REG) {
        s->reg_to_temp[ts->reg] = NULL;
    }
    if (ts->kind == TEMP_CONST) {
        ts->val_type = TEMP_VAL_CONST;
        return;
    }
    if (keep) {
        if (ts->val_type != TEMP_VAL_CONST) {
            ts->val_type = TEMP_VAL_MEM;
        }
        return;
    }
    if (temp_is_global(ts)) {
        /* nobody reads it before it is rewritten: memory may be stale */
        ts->val_type = TEMP_VAL_MEM;
        ts->mem_coherent = true;
        return;
    }
    ts->val_type = TEMP_VAL_DEAD;
    ts->mem_coherent = false;
    if (!ts->multi_ebb || s->cur_op >= ts->last_ref) {
        slot_free(s, ts);
    }
}

static void temp_dead(TCGContext *s, TCGTemp *ts, bool sync)
{
    if (sync) {
        temp_sync(s, ts, s->busy);
    }
    temp_release(s, ts, sync);
}

static void reg_assign(TCGContext *s, TCGTemp *ts, int reg)
{
    ts->reg = reg;
    ts->val_type = TEMP_VAL_REG;
    s->reg_to_temp[reg] = ts;
}

static int free_reg_in(TCGContext *s, uint32_t set)
{
    for (size_t i = 0; i < G_N_ELEMENTS(alloc_order); i++) {
        int r = alloc_order[i];

        if ((set & TCG_REGSET(r)) && !s->reg_to_temp[r]) {
            return r;
        }
    }
    return -1;
}

/* Free @reg: move its value to a free register, or spill it. */
static void reg_evict(TCGContext *s, int reg, uint32_t exclude)
{
    TCGTemp *ts = s->reg_to_temp[reg];
    int r;

    if (!ts) {
        return;
    }
    if (ts->kind != TEMP_CONST && !ts->mem_coherent) {
        r = free_reg_in(s, ALL_ALLOC & ~exclude & ~s->busy & ~TCG_REGSET(reg));
        if (r >= 0) {
            tcg_out_mov(s, ts->type, r, reg);
            s->reg_to_temp[reg] = NULL;
            reg_assign(s, ts, r);
            return;
        }
    }
    if (ts->kind != TEMP_CONST && !ts->mem_coherent) {
        s->stats.spills++;
    }
    temp_sync(s, ts, exclude | TCG_REGSET(reg));
    temp_release(s, ts, true);
}

/* A register of @required, not in @exclude, emptied if needed. */
static int reg_alloc(TCGContext *s, uint32_t required, uint32_t exclude)
{
    uint32_t set = required & ~exclude & ALL_ALLOC;
    int best = -1, best_cost = 4;

    g_assert(set);
    best = free_reg_in(s, set);
    if (best >= 0) {
        return best;
    }
    /* evict what is cheapest to get back: constants, then clean values */
    for (size_t i = 0; i < G_N_ELEMENTS(alloc_order); i++) {
        int r = alloc_order[i];
        TCGTemp *ts;
        int cost;

        if (!(set & TCG_REGSET(r))) {
            continue;
        }
        ts = s->reg_to_temp[r];
        cost = temp_is_const_val(ts) ? 0 : ts->mem_coherent ? 1 : 2;
        if (cost < best_cost) {
            best = r;
            best_cost = cost;
        }
    }
    reg_evict(s, best, exclude);
    return best;
}

/* Put @ts's value into @reg without changing who owns what. */
static void temp_copy_to(TCGContext *s, TCGTemp *ts, int reg)
{
    switch (ts->val_type) {
    case TEMP_VAL_REG:
        tcg_out_mov(s, ts->type, reg, ts->reg);
        break;
    case TEMP_VAL_CONST:
        tcg_out_movi(s, ts->type, reg, ts->val);
        break;
    case TEMP_VAL_MEM:
        tcg_out_ld(s, ts->type, reg, temp_base(ts), ts->mem_offset);
        break;
    default:
        break;      /* undefined value (read before any write) */
    }
}

/* Load @ts into a register of @required; returns it. */
static int temp_load(TCGContext *s, TCGTemp *ts, uint32_t required,
                     uint32_t exclude)
{
    int reg;

    if (ts->val_type == TEMP_VAL_REG && (required & TCG_REGSET(ts->reg))) {
        return ts->reg;
    }
    reg = reg_alloc(s, required, exclude);
    if (ts->fixed_reg) {
        tcg_out_mov(s, ts->type, reg, ts->reg);     /* unowned copy */
        return reg;
    }
    temp_copy_to(s, ts, reg);
    if (ts->val_type == TEMP_VAL_REG) {
        s->reg_to_temp[ts->reg] = NULL;
    } else if (ts->val_type == TEMP_VAL_MEM) {
        ts->mem_coherent = true;
    } else if (ts->val_type == TEMP_VAL_DEAD) {
        ts->mem_coherent = false;
    }
    reg_assign(s, ts, reg);
    return reg;
}

/* Store every dirty global (and, at EBB edges, every multi-EBB temp alive
 * across @opi). */
static void sync_globals(TCGContext *s, bool temps_too)
{
    for (int t = 1; t < s->nb_temps; t++) {
        TCGTemp *ts = &s->temps[t];

        if (t >= s->nb_globals && !temps_too) {
            break;
        }
        if (temp_is_global(ts) ||
            (ts->multi_ebb && ts->first_ref < s->cur_op &&
             ts->last_ref > s->cur_op)) {
            temp_sync(s, ts, s->busy);
        }
    }
}

/* At a label: every value is in memory (or a constant). */
static void forget_regs(TCGContext *s)
{
    for (int t = 1; t < s->nb_temps; t++) {
        TCGTemp *ts = &s->temps[t];

        if (ts->kind == TEMP_CONST) {
            temp_release(s, ts, false);
        } else if (temp_is_global(ts)) {
            if (ts->val_type == TEMP_VAL_REG) {
                s->reg_to_temp[ts->reg] = NULL;
            }
            ts->val_type = TEMP_VAL_MEM;
            ts->mem_coherent = true;
        } else if (ts->multi_ebb && ts->first_ref < s->cur_op &&
                   ts->last_ref > s->cur_op) {
            if (ts->val_type == TEMP_VAL_REG) {
                s->reg_to_temp[ts->reg] = NULL;
            }
            slot_alloc(s, ts);
            ts->val_type = TEMP_VAL_MEM;
            ts->mem_coherent = true;
        } else if (ts->val_type != TEMP_VAL_DEAD) {
            /* not used after the label */
            temp_release(s, ts, false);
        }
    }
    for (int r = 0; r < TCG_TARGET_NB_REGS; r++) {
        g_assert(!s->reg_to_temp[r]);
    }
}

/* ---- Ops the allocator handles itself --------------------------------- */

static void alloc_movi(TCGContext *s, TCGTemp *ots, int64_t val,
                       uint32_t life)
{
    if (ots->val_type == TEMP_VAL_REG) {
        s->reg_to_temp[ots->reg] = NULL;
    }
    ots->val_type = TEMP_VAL_CONST;
    ots->val = val;
    ots->mem_coherent = false;
    if (life & LIFE_DEAD(0)) {
        temp_dead(s, ots, life & LIFE_SYNC(0));
    }
}

static void alloc_mov(TCGContext *s, const TCGOp *op, uint32_t life)
{
    TCGTemp *ots = arg_temp(s, op->args[0]);
    TCGTemp *ts = arg_temp(s, op->args[1]);
    bool in_dead = life & LIFE_DEAD(1);
    int src, reg;

    s->busy = 0;
    if (temp_is_const_val(ts)) {
        int64_t val = ts->val;

        if (in_dead) {
            temp_dead(s, ts, life & LIFE_SYNC(1));
        }
        alloc_movi(s, ots, val, life);
        return;
    }
    src = temp_load(s, ts, TCG_TARGET_ALL_REGS, 0);
    s->busy = TCG_REGSET(src);
    if (ots->val_type == TEMP_VAL_REG) {
        s->reg_to_temp[ots->reg] = NULL;
        ots->val_type = TEMP_VAL_MEM;
    }
    if ((life & LIFE_DEAD(0)) && (life & LIFE_SYNC(0))) {
        /* only the output's home needs the value: one store */
        slot_alloc(s, ots);
        tcg_out_st(s, ots->type, src, temp_base(ots), ots->mem_offset);
        ots->val_type = TEMP_VAL_MEM;
        ots->mem_coherent = true;
        if (in_dead) {
            temp_dead(s, ts, life & LIFE_SYNC(1));
        }
        s->busy = 0;
        return;
    }
    if (in_dead && !ts->fixed_reg) {
        /* hand the register over */
        temp_dead(s, ts, life & LIFE_SYNC(1));
        reg = src;
    } else {
        reg = reg_alloc(s, ALL_ALLOC, s->busy);
        tcg_out_mov(s, ots->type, reg, src);
        if (in_dead) {
            temp_dead(s, ts, life & LIFE_SYNC(1));
        }
    }
    reg_assign(s, ots, reg);
    ots->mem_coherent = false;
    if (life & LIFE_DEAD(0)) {
        temp_dead(s, ots, life & LIFE_SYNC(0));
    }
    s->busy = 0;
}

static void alloc_call(TCGContext *s, const TCGOp *op, uint32_t life)
{
    unsigned f = op->call.flags;
    bool reads = !(f & TCG_CALL_NO_READ_GLOBALS);
    bool writes = reads && !(f & TCG_CALL_NO_WRITE_GLOBALS);

    uint32_t arg_regs = 0;

    for (int k = 0; k < op->call.nr_in; k++) {
        arg_regs |= TCG_REGSET(call_arg_regs[k]);
    }
    s->busy = 0;
    for (int k = 0; k < op->call.nr_in; k++) {
        TCGTemp *ts = &s->temps[op->call.in[k]];
        int r = call_arg_regs[k];

        if (!(ts->val_type == TEMP_VAL_REG && ts->reg == r)) {
            reg_evict(s, r, s->busy | arg_regs);
            temp_copy_to(s, ts, r);
        }
        s->busy |= TCG_REGSET(r);
    }
    for (int k = 0; k < op->call.nr_in; k++) {
        if (life & LIFE_DEAD(k + 1)) {
            temp_dead(s, &s->temps[op->call.in[k]], life & LIFE_SYNC(k + 1));
        }
    }
    if (reads || !(f & TCG_CALL_NO_RAISE)) {
        sync_globals(s, false);
    }
    /* values survive the call in callee-saved registers or in memory */
    for (int r = 0; r < TCG_TARGET_NB_REGS; r++) {
        TCGTemp *ts = s->reg_to_temp[r];

        if (!ts || !(TCG_TARGET_CALL_CLOBBER_REGS & TCG_REGSET(r))) {
            continue;
        }
        if (ts->kind != TEMP_CONST && !ts->mem_coherent &&
            !(temp_is_global(ts) && writes)) {
            int to = free_reg_in(s, CALLEE_SAVED);

            if (to >= 0) {
                tcg_out_mov(s, ts->type, to, r);
                s->reg_to_temp[r] = NULL;
                reg_assign(s, ts, to);
                continue;
            }
        }
        if (ts->kind != TEMP_CONST && !ts->mem_coherent) {
            s->stats.spills++;
        }
        temp_sync(s, ts, s->busy);
        temp_release(s, ts, true);
    }
    if (writes) {
        for (int t = 1; t < s->nb_globals; t++) {
            TCGTemp *ts = &s->temps[t];

            temp_sync(s, ts, s->busy);
            if (ts->val_type == TEMP_VAL_REG) {
                s->reg_to_temp[ts->reg] = NULL;
            }
            ts->val_type = TEMP_VAL_MEM;
            ts->mem_coherent = true;
        }
    }
    tcg_out_call(s, op->call.func);
    s->last_ra_offset = s->code_size;
    s->busy = 0;
    if (op->call.ret >= 0) {
        TCGTemp *ots = &s->temps[op->call.ret];

        if (ots->val_type == TEMP_VAL_REG) {
            s->reg_to_temp[ots->reg] = NULL;
        }
        if (ots->type == TCG_TYPE_I32) {
            /* the ABI leaves bits 63:32 undefined; keep I32 values
             * zero-extended in registers */
            static const int64_t zext[2] = { TCG_REG_RAX, TCG_REG_RAX };
            static const bool nc[2];

            tcg_out_op(s, INDEX_op_ext32u, TCG_TYPE_I64, zext, nc, NULL);
        }
        reg_assign(s, ots, TCG_TARGET_CALL_RET_REG);
        ots->mem_coherent = false;
        if (life & LIFE_DEAD(0)) {
            temp_dead(s, ots, life & LIFE_SYNC(0));
        }
    }
}

/* ---- Generic ops -------------------------------------------------------- */

typedef struct ArgCt {
    uint32_t regs;
    int alias;          /* input: output index it must share, or -1 */
    bool newreg;        /* output: distinct from every input */
    bool c_e, c_i;      /* input: constant allowed */
} ArgCt;

static void parse_ct(const char *str, ArgCt *a)
{
    memset(a, 0, sizeof(*a));
    a->alias = -1;
    for (; str && *str; str++) {
        switch (*str) {
        case 'r': a->regs |= TCG_TARGET_ALL_REGS; break;
        case 'a': a->regs |= TCG_REGSET(TCG_REG_RAX); break;
        case 'c': a->regs |= TCG_REGSET(TCG_REG_RCX); break;
        case 'd': a->regs |= TCG_REGSET(TCG_REG_RDX); break;
        case 'S': a->regs |= TCG_REGSET(TCG_REG_RSI); break;
        case 'D': a->regs |= TCG_REGSET(TCG_REG_RDI); break;
        case '0': case '1': a->alias = *str - '0'; break;
        case '&': a->newreg = true; break;
        case 'e': a->c_e = true; break;
        case 'i': a->c_i = true; break;
        default: g_assert_not_reached();
        }
    }
}

static bool one_reg(uint32_t set)
{
    return set && !(set & (set - 1));
}

static void alloc_op(TCGContext *s, const TCGOp *op, uint32_t life)
{
    const TCGOpDef *def = &tcg_op_defs[op->opc];
    const TCGTargetOpDef *tdef = tcg_target_op_def(op->opc, op->type);
    int no = def->nb_oargs, ni = def->nb_iargs, nc = def->nb_cargs;
    int64_t args[TCG_MAX_OP_ARGS];
    bool ca[TCG_MAX_OP_ARGS] = { false };
    int scratch[2] = { -1, -1 };
    ArgCt ct[TCG_MAX_OP_ARGS];
    int alias_reg[2] = { -1, -1 };
    int order[TCG_MAX_OP_ARGS], n = 0;
    uint32_t i_alloc = 0, o_alloc = 0;

    for (int k = 0; k < no + ni; k++) {
        parse_ct(tdef->args_ct[k], &ct[k]);
        if (k >= no && ct[k].alias >= 0) {
            ct[k].regs = ct[ct[k].alias].regs;
        }
    }
    for (int k = no + ni; k < no + ni + nc; k++) {
        args[k] = (int64_t)op->args[k];
    }
    /* inputs pinned to one register first, so the others avoid it */
    for (int pass = 0; pass < 2; pass++) {
        for (int k = no; k < no + ni; k++) {
            if (one_reg(ct[k].regs) == (pass == 0)) {
                order[n++] = k;
            }
        }
    }

    s->busy = 0;
    for (int j = 0; j < n; j++) {
        int k = order[j];
        TCGTemp *ts = arg_temp(s, op->args[k]);
        ArgCt *a = &ct[k];
        int reg;

        if ((a->c_e || a->c_i) && temp_is_const_val(ts) &&
            tcg_target_const_fits(op->type, ts->val, a->c_i ? 'i' : 'e')) {
            args[k] = ts->val;
            ca[k] = true;
            continue;
        }
        if (a->alias >= 0) {
            /* the output overwrites this register: use the input's own
             * only when its value dies here and no other input uses it */
            bool disposable = (life & LIFE_DEAD(k)) && !ts->fixed_reg &&
                !(ts->val_type == TEMP_VAL_REG &&
                  (i_alloc & TCG_REGSET(ts->reg)));

            if (disposable) {
                reg = temp_load(s, ts, a->regs, i_alloc);
            } else if (ts->val_type == TEMP_VAL_REG && !ts->fixed_reg &&
                       (a->regs & TCG_REGSET(ts->reg)) &&
                       !(i_alloc & TCG_REGSET(ts->reg))) {
                /* keep the value where it is for the op, but move the
                 * temp itself elsewhere first */
                reg = ts->reg;
                reg_evict(s, reg, i_alloc | TCG_REGSET(reg));
            } else {
                reg = reg_alloc(s, a->regs, i_alloc |
                                (ts->val_type == TEMP_VAL_REG ?
                                 TCG_REGSET(ts->reg) : 0));
                temp_copy_to(s, ts, reg);
            }
            alias_reg[a->alias] = reg;
        } else {
            reg = temp_load(s, ts, a->regs, i_alloc);
        }
        args[k] = reg;
        i_alloc |= TCG_REGSET(reg);
        s->busy = i_alloc;
    }

    for (int k = no; k < no + ni; k++) {
        if (life & LIFE_DEAD(k)) {
            temp_dead(s, arg_temp(s, op->args[k]), life & LIFE_SYNC(k));
        }
    }

    /* before the outputs take registers: their old values must not be
     * mistaken for the new ones */
    if (def->flags & TCG_OPF_SYNC_GLOBALS) {
        sync_globals(s, false);     /* the access may fault */
    }
    if (def->flags & TCG_OPF_BB_END) {
        /* brcond, goto_ptr: values cross the edge in memory */
        sync_globals(s, op->opc == INDEX_op_brcond);
    }

    for (int o = 0; o < no; o++) {
        TCGTemp *ots = arg_temp(s, op->args[o]);
        int reg;

        g_assert(!ots->fixed_reg && ots->kind != TEMP_CONST);
        if (alias_reg[o] >= 0) {
            reg = alias_reg[o];
        } else {
            uint32_t ex = o_alloc | (ct[o].newreg ? i_alloc : 0);

            for (int k = 0; k < no; k++) {
                if (alias_reg[k] >= 0) {
                    ex |= TCG_REGSET(alias_reg[k]);
                }
            }
            reg = reg_alloc(s, ct[o].regs, ex);
        }
        if (ots->val_type == TEMP_VAL_REG && ots->reg != reg) {
            s->reg_to_temp[ots->reg] = NULL;
        }
        g_assert(!s->reg_to_temp[reg] || s->reg_to_temp[reg] == ots);
        reg_assign(s, ots, reg);
        ots->mem_coherent = false;
        args[o] = reg;
        o_alloc |= TCG_REGSET(reg);
        s->busy |= o_alloc;
    }

    for (int k = 0; k < tdef->nb_scratch; k++) {
        scratch[k] = reg_alloc(s, ALL_ALLOC, s->busy);
        s->busy |= TCG_REGSET(scratch[k]);
    }

    if (def->flags & TCG_OPF_SYNC_GLOBALS) {
        uint32_t live = 0;

        for (int r = 0; r < TCG_TARGET_NB_REGS; r++) {
            if (s->reg_to_temp[r]) {
                live |= TCG_REGSET(r);
            }
        }
        s->cur_ldst_live = live & TCG_TARGET_CALL_CLOBBER_REGS;
    }

    tcg_out_op(s, op->opc, op->type, args, ca, scratch);

    for (int o = 0; o < no; o++) {
        if (life & LIFE_DEAD(o)) {
            temp_dead(s, arg_temp(s, op->args[o]), life & LIFE_SYNC(o));
        }
    }
    s->busy = 0;
}

/* ---- Driver ------------------------------------------------------------- */

static void label_resolve(TCGContext *s, TCGLabel *l)
{
    l->has_value = true;
    l->value = s->code_size;
    for (guint i = 0; i < l->relocs->len; i++) {
        uint32_t off = g_array_index(l->relocs, uint32_t, i);

        tcg_patch32(s, off, l->value - (off + 4));
    }
}

/* A helper's return address must lie strictly inside its instruction's
 * host range: pad when an instruction would end right at one. */
static void insn_end(TCGContext *s)
{
    uint32_t end;

    if (!s->insn_pc->len) {
        return;
    }
    if (s->last_ra_offset == s->code_size) {
        tcg_out_nop(s);
    }
    end = s->code_size;
    g_array_append_val(s->insn_end, end);
}

static void gen_reset(TCGContext *s, TranslationBlock *tb)
{
    s->tb = tb;
    for (int i = 0; i < 2; i++) {
        tb->jmp_insn_offset[i] = UINT32_MAX;
        tb->jmp_reset_offset[i] = UINT32_MAX;
    }
    s->code_size = 0;
    g_array_set_size(s->ext_relocs, 0);
    g_array_set_size(s->ldst, 0);
    g_array_set_size(s->insn_pc, 0);
    g_array_set_size(s->insn_cc_op, 0);
    g_array_set_size(s->insn_end, 0);
    g_array_set_size(s->free_slots, 0);
    s->next_slot = 0;
    s->last_ra_offset = UINT32_MAX;
    memset(s->reg_to_temp, 0, sizeof(s->reg_to_temp));
    for (guint i = 0; i < s->labels->len; i++) {
        TCGLabel *l = g_ptr_array_index(s->labels, i);

        l->has_value = false;
        g_array_set_size(l->relocs, 0);
    }
    for (int t = 0; t < s->nb_temps; t++) {
        TCGTemp *ts = &s->temps[t];

        ts->mem_allocated = false;
        if (ts->fixed_reg) {
            ts->val_type = TEMP_VAL_REG;
        } else if (ts->kind == TEMP_CONST) {
            ts->val_type = TEMP_VAL_CONST;
        } else if (temp_is_global(ts)) {
            ts->val_type = TEMP_VAL_MEM;
            ts->mem_coherent = true;
        } else {
            ts->val_type = TEMP_VAL_DEAD;
            ts->mem_coherent = false;
        }
    }
}

/* Copy the block into the code buffer; -1 when it is full. */
static int gen_place(TCGContext *s, TranslationBlock *tb)
{
    uint32_t n = s->insn_pc->len;
    uint32_t len = s->code_size;
    uint32_t tab = (len + 7) & ~7u;
    uint8_t *rx, *rw;

    rx = tcg_code_buffer_alloc(tab + n * 16, 64);
    if (!rx) {
        return -1;
    }
    rw = tcg_code_buffer_rw(rx);
    memcpy(rw, s->code, len);
    for (guint i = 0; i < s->ext_relocs->len; i++) {
        TCGExtReloc *r = &g_array_index(s->ext_relocs, TCGExtReloc, i);
        intptr_t disp = (intptr_t)r->target - (intptr_t)(rx + r->offset + 4);
        int32_t d32 = (int32_t)disp;

        g_assert(disp == d32);
        memcpy(rw + r->offset, &d32, 4);
    }
    if (n) {
        memcpy(rw + tab, s->insn_pc->data, n * 8);
        memcpy(rw + tab + n * 8, s->insn_cc_op->data, n * 4);
        memcpy(rw + tab + n * 12, s->insn_end->data, n * 4);
    }
    tb->tc_ptr = rx;
    tb->tc_size = len;
    tb->insn_pc = (uint64_t *)(rx + tab);
    tb->insn_cc_op = (uint32_t *)(rx + tab + n * 8);
    tb->insn_host_end = (uint32_t *)(rx + tab + n * 12);
    tb->icount = n;
    s->stats.tbs++;
    s->stats.guest_insns += n;
    s->stats.code_bytes += len;
    s->stats.ldst += s->ldst->len;
    /* the code is complete before anyone can learn its address */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    return len;
}

int tcg_gen_code(TCGContext *s, TranslationBlock *tb)
{
    tcg_liveness(s);
    gen_reset(s, tb);

    for (int i = 0; i < s->nb_ops; i++) {
        TCGOp *op = s->ops[i];
        uint32_t life = s->op_life[i];

        s->cur_op = i;
        switch (op->opc) {
        case INDEX_op_nop:
            break;
        case INDEX_op_insn_start: {
            uint64_t pc = op->args[0];
            uint32_t cc = (uint32_t)op->args[1];

            insn_end(s);
            g_array_append_val(s->insn_pc, pc);
            g_array_append_val(s->insn_cc_op, cc);
            break;
        }
        case INDEX_op_set_label:
            sync_globals(s, true);
            forget_regs(s);
            label_resolve(s, (TCGLabel *)(uintptr_t)op->args[0]);
            break;
        case INDEX_op_br:
            sync_globals(s, true);
            tcg_out_op(s, op->opc, op->type, (const int64_t *)op->args,
                       (const bool[TCG_MAX_OP_ARGS]){ false }, NULL);
            break;
        case INDEX_op_goto_tb:
        case INDEX_op_exit_tb:
            sync_globals(s, false);
            tcg_out_op(s, op->opc, op->type, (const int64_t *)op->args,
                       (const bool[TCG_MAX_OP_ARGS]){ false }, NULL);
            break;
        case INDEX_op_mb:
            tcg_out_op(s, op->opc, op->type, (const int64_t *)op->args,
                       (const bool[TCG_MAX_OP_ARGS]){ false }, NULL);
            break;
        case INDEX_op_discard:
            temp_release(s, arg_temp(s, op->args[0]), false);
            break;
        case INDEX_op_mov:
            alloc_mov(s, op, life);
            break;
        case INDEX_op_movi:
            alloc_movi(s, arg_temp(s, op->args[0]), (int64_t)op->args[1],
                       life);
            break;
        case INDEX_op_call:
            alloc_call(s, op, life);
            break;
        default:
            alloc_op(s, op, life);
            break;
        }
    }
    insn_end(s);
    tcg_out_ldst_finalize(s);
    for (guint i = 0; i < s->labels->len; i++) {
        TCGLabel *l = g_ptr_array_index(s->labels, i);

        /* a branch to a label that was never placed is a frontend bug */
        g_assert(l->has_value || l->relocs->len == 0);
    }
    return gen_place(s, tb);
}
