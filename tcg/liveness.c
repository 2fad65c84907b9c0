/*
 * liveness.c: which temps are alive where, for the register allocator and
 * dead-code removal.
 *
 * The unit of control flow is the extended basic block (EBB): a label
 * starts one; branches leave it but the fall-through path stays in it.
 * Register contents survive inside an EBB only, so:
 *  - a temp referenced in a single EBB is an ordinary register value and
 *    never touches memory;
 *  - a temp referenced in several EBBs ("multi-EBB", e.g. a loop counter
 *    of a rep string op) lives in a stack slot across labels: it is stored
 *    at every branch and label inside its live range and reloaded after
 *    labels;
 *  - globals are stored to env at every EBB edge, helper call that may
 *    read env or raise, and guest memory access (which may fault: the
 *    exception must see every guest register in env).
 *
 * One backward pass computes per op and argument "dies here" and "must
 * reach memory when it dies" (LIFE_DEAD/LIFE_SYNC) and turns ops without
 * side effects whose results are never needed into nops.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcg/tcg-internal.h"

/* Call the visitor for every temp argument of @op. */
typedef void TempVisitor(TCGContext *s, TCGTemp *ts, int opi);

static void op_visit_temps(TCGContext *s, TCGOp *op, int opi, TempVisitor *fn)
{
    const TCGOpDef *def = &tcg_op_defs[op->opc];

    if (op->opc == INDEX_op_call) {
        if (op->call.ret >= 0) {
            fn(s, &s->temps[op->call.ret], opi);
        }
        for (int i = 0; i < op->call.nr_in; i++) {
            fn(s, &s->temps[op->call.in[i]], opi);
        }
    } else if (op->opc == INDEX_op_discard) {
        fn(s, arg_temp(s, op->args[0]), opi);
    } else {
        for (int i = 0; i < def->nb_oargs + def->nb_iargs; i++) {
            fn(s, arg_temp(s, op->args[i]), opi);
        }
    }
}

static void ref_temp(TCGContext *s, TCGTemp *ts, int opi)
{
    int cur_ebb = s->cur_ebb;

    if (ts->kind == TEMP_GLOBAL || ts->kind == TEMP_CONST) {
        return;
    }
    if (ts->first_ref < 0) {
        ts->first_ref = opi;
        ts->ebb = cur_ebb;
    } else if (ts->ebb != cur_ebb) {
        ts->multi_ebb = true;
    }
    ts->last_ref = opi;
}

/*
 * Find multi-EBB temps and their live ranges [first_ref, last_ref].  A
 * temp used inside a loop but set before it stays alive until the
 * backward branch, whatever its last textual use.
 */
static void find_ranges(TCGContext *s)
{
    GHashTable *label_pos = g_hash_table_new(NULL, NULL);
    GArray *back = g_array_new(false, false, sizeof(int) * 2);
    bool changed;

    for (int t = s->nb_globals; t < s->nb_temps; t++) {
        s->temps[t].first_ref = -1;
        s->temps[t].last_ref = -1;
        s->temps[t].multi_ebb = false;
    }
    s->cur_ebb = 0;
    for (int i = 0; i < s->nb_ops; i++) {
        TCGOp *op = s->ops[i];

        if (op->opc == INDEX_op_nop) {
            continue;
        }
        if (op->opc == INDEX_op_set_label) {
            s->cur_ebb++;
            g_hash_table_insert(label_pos, (void *)(uintptr_t)op->args[0],
                                GINT_TO_POINTER(i + 1));
        } else if (op->opc == INDEX_op_br || op->opc == INDEX_op_brcond) {
            void *l = (void *)(uintptr_t)op->args[op->nargs - 1];
            int p = GPOINTER_TO_INT(g_hash_table_lookup(label_pos, l));

            if (p) {
                int e[2] = { p - 1, i };

                g_array_append_val(back, e);
            }
        }
        op_visit_temps(s, op, i, ref_temp);
    }
    do {
        changed = false;
        for (guint b = 0; b < back->len; b++) {
            int *e = &g_array_index(back, int, b * 2);

            for (int t = s->nb_globals; t < s->nb_temps; t++) {
                TCGTemp *ts = &s->temps[t];

                /* alive in memory up to and including the branch */
                if (ts->first_ref >= 0 && ts->first_ref < e[0] &&
                    ts->last_ref >= e[0] && ts->last_ref <= e[1]) {
                    ts->last_ref = e[1] + 1;
                    ts->multi_ebb = true;
                    changed = true;
                }
            }
        }
    } while (changed);
    g_array_free(back, true);
    g_hash_table_destroy(label_pos);
}

/* Per-temp backward state: LIVE = read later, MEM = must reach memory. */
#define ST_LIVE 1
#define ST_MEM  2

static bool in_range(const TCGTemp *ts, int opi)
{
    return ts->multi_ebb && ts->first_ref < opi && ts->last_ref > opi;
}

/* The state at an EBB edge: globals and multi-EBB temps alive across it
 * in memory only, everything else dead. */
static void state_edge(TCGContext *s, uint8_t *st, int opi)
{
    for (int t = 0; t < s->nb_temps; t++) {
        TCGTemp *ts = &s->temps[t];

        st[t] = (temp_is_global(ts) || in_range(ts, opi)) ? ST_MEM : 0;
    }
}

/* The state at the end of the block (exit_tb, goto_tb, goto_ptr). */
static void state_exit(TCGContext *s, uint8_t *st)
{
    for (int t = 0; t < s->nb_temps; t++) {
        st[t] = temp_is_global(&s->temps[t]) ? ST_MEM : 0;
    }
}

static void globals_need_mem(TCGContext *s, uint8_t *st, bool kill_live)
{
    for (int t = 1; t < s->nb_globals; t++) {
        st[t] |= ST_MEM;
        if (kill_live) {
            st[t] &= ~ST_LIVE;
        }
    }
}

static void edge_need_mem(TCGContext *s, uint8_t *st, int opi)
{
    for (int t = 0; t < s->nb_temps; t++) {
        TCGTemp *ts = &s->temps[t];

        if (temp_is_global(ts) || in_range(ts, opi)) {
            st[t] |= ST_MEM;
        }
    }
}

static uint32_t out_arg(uint8_t *st, int t, int pos)
{
    uint32_t life = 0;

    if (!(st[t] & ST_LIVE)) {
        life |= LIFE_DEAD(pos);
    }
    if (st[t] & ST_MEM) {
        life |= LIFE_SYNC(pos);
    }
    st[t] = 0;
    return life;
}

static uint32_t in_arg(uint8_t *st, int t, int pos)
{
    uint32_t life = 0;

    if (!(st[t] & ST_LIVE)) {
        life |= LIFE_DEAD(pos);
        if (st[t] & ST_MEM) {
            life |= LIFE_SYNC(pos);
        }
    }
    st[t] |= ST_LIVE;
    return life;
}

void tcg_liveness(TCGContext *s)
{
    uint8_t *st = g_new0(uint8_t, s->nb_temps);

    find_ranges(s);
    if (s->op_life_alloc < s->nb_ops) {
        s->op_life_alloc = s->nb_ops + 256;
        s->op_life = g_renew(uint32_t, s->op_life, s->op_life_alloc);
    }
    state_exit(s, st);
    st[0] = ST_LIVE;

    for (int i = s->nb_ops - 1; i >= 0; i--) {
        TCGOp *op = s->ops[i];
        const TCGOpDef *def;
        uint32_t life = 0;
        int no, ni;

        if (op->opc == INDEX_op_nop) {
            s->op_life[i] = 0;
            continue;
        }
        def = &tcg_op_defs[op->opc];
        no = def->nb_oargs;
        ni = def->nb_iargs;
        switch (op->opc) {
        case INDEX_op_insn_start:
        case INDEX_op_mb:
            break;
        case INDEX_op_set_label:
        case INDEX_op_br:
            state_edge(s, st, i);
            break;
        case INDEX_op_exit_tb:
        case INDEX_op_goto_tb:
            state_exit(s, st);
            break;
        case INDEX_op_goto_ptr:
            state_exit(s, st);
            life |= in_arg(st, (int)op->args[0], 0);
            break;
        case INDEX_op_brcond:
            edge_need_mem(s, st, i);
            for (int k = 0; k < 2; k++) {
                life |= in_arg(st, (int)op->args[k], k);
            }
            break;
        case INDEX_op_discard:
            st[op->args[0]] = 0;
            break;
        case INDEX_op_call: {
            unsigned f = op->call.flags;
            bool reads = !(f & TCG_CALL_NO_READ_GLOBALS);
            bool writes = reads && !(f & TCG_CALL_NO_WRITE_GLOBALS);

            if (op->call.ret >= 0) {
                life |= out_arg(st, op->call.ret, 0);
            }
            if (reads || !(f & TCG_CALL_NO_RAISE)) {
                globals_need_mem(s, st, writes);
            }
            for (int k = 0; k < op->call.nr_in; k++) {
                life |= in_arg(st, op->call.in[k], k + 1);
            }
            break;
        }
        default: {
            bool needed = (def->flags & TCG_OPF_SIDE_EFFECTS) || no == 0;

            for (int k = 0; k < no && !needed; k++) {
                needed = st[op->args[k]] != 0;
            }
            if (!needed) {
                tcg_op_remove(s, op);
                break;
            }
            for (int k = 0; k < no; k++) {
                life |= out_arg(st, (int)op->args[k], k);
            }
            if (def->flags & TCG_OPF_SYNC_GLOBALS) {
                globals_need_mem(s, st, false);
            }
            for (int k = no; k < no + ni; k++) {
                life |= in_arg(st, (int)op->args[k], k);
            }
            break;
        }
        }
        /* env is never dead: it is not allocated at all */
        st[0] = ST_LIVE;
        s->op_life[i] = life;
    }
    /* Removed ops stay as nops (skipped by the allocator): the live
     * ranges above are op indexes. */
    g_free(st);
}
