/*
 * tcg.c: TCG contexts, temps, labels, op emission and the -d op dump.
 *
 * A context belongs to one translating thread; nothing here is shared
 * between contexts except the op definition table, so no locks.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <dlfcn.h>
#include <stdarg.h>
#include "tcg/tcg-internal.h"
#include "tcg/code-buffer.h"

#define DEF(name, o, i, c, f) [INDEX_op_##name] = { #name, o, i, c, f }
#define SE TCG_OPF_SIDE_EFFECTS

const TCGOpDef tcg_op_defs[NB_OPS] = {
    DEF(insn_start, 0, 0, 2, SE | TCG_OPF_NOT_PRESENT),
    DEF(set_label, 0, 0, 1, SE | TCG_OPF_BB_END | TCG_OPF_LABEL |
        TCG_OPF_NOT_PRESENT),
    DEF(br, 0, 0, 1, SE | TCG_OPF_BB_END | TCG_OPF_LABEL |
        TCG_OPF_NO_FALLTHRU | TCG_OPF_NOT_PRESENT),
    DEF(brcond, 0, 2, 2, SE | TCG_OPF_BB_END | TCG_OPF_LABEL),
    DEF(goto_tb, 0, 0, 1, SE | TCG_OPF_BB_END),
    DEF(exit_tb, 0, 0, 1, SE | TCG_OPF_BB_END | TCG_OPF_NO_FALLTHRU),
    DEF(goto_ptr, 0, 1, 0, SE | TCG_OPF_BB_END | TCG_OPF_NO_FALLTHRU),
    DEF(call, 0, 0, 0, SE | TCG_OPF_NOT_PRESENT),
    DEF(mb, 0, 0, 1, SE),
    DEF(discard, 0, 0, 0, TCG_OPF_NOT_PRESENT),
    DEF(mov, 1, 1, 0, TCG_OPF_NOT_PRESENT),
    DEF(movi, 1, 0, 1, TCG_OPF_NOT_PRESENT),
    DEF(ld8u, 1, 1, 1, 0), DEF(ld8s, 1, 1, 1, 0),
    DEF(ld16u, 1, 1, 1, 0), DEF(ld16s, 1, 1, 1, 0),
    DEF(ld32u, 1, 1, 1, 0), DEF(ld32s, 1, 1, 1, 0),
    DEF(ld, 1, 1, 1, 0),
    DEF(st8, 0, 2, 1, SE), DEF(st16, 0, 2, 1, SE),
    DEF(st32, 0, 2, 1, SE), DEF(st, 0, 2, 1, SE),
    DEF(add, 1, 2, 0, 0), DEF(sub, 1, 2, 0, 0), DEF(mul, 1, 2, 0, 0),
    DEF(and, 1, 2, 0, 0), DEF(or, 1, 2, 0, 0), DEF(xor, 1, 2, 0, 0),
    DEF(andc, 1, 2, 0, 0),
    DEF(shl, 1, 2, 0, 0), DEF(shr, 1, 2, 0, 0), DEF(sar, 1, 2, 0, 0),
    DEF(rotl, 1, 2, 0, 0), DEF(rotr, 1, 2, 0, 0),
    DEF(not, 1, 1, 0, 0), DEF(neg, 1, 1, 0, 0),
    DEF(ext8s, 1, 1, 0, 0), DEF(ext8u, 1, 1, 0, 0),
    DEF(ext16s, 1, 1, 0, 0), DEF(ext16u, 1, 1, 0, 0),
    DEF(ext32s, 1, 1, 0, 0), DEF(ext32u, 1, 1, 0, 0),
    DEF(extrl_i64_i32, 1, 1, 0, 0),
    DEF(extu_i32_i64, 1, 1, 0, 0), DEF(ext_i32_i64, 1, 1, 0, 0),
    DEF(bswap16, 1, 1, 0, 0), DEF(bswap32, 1, 1, 0, 0),
    DEF(bswap64, 1, 1, 0, 0),
    DEF(clz, 1, 2, 0, 0), DEF(ctz, 1, 2, 0, 0), DEF(ctpop, 1, 1, 0, 0),
    DEF(setcond, 1, 2, 1, 0), DEF(movcond, 1, 4, 1, 0),
    DEF(mulu2, 2, 2, 0, 0), DEF(muls2, 2, 2, 0, 0),
    DEF(qemu_ld, 1, 1, 1, SE | TCG_OPF_SYNC_GLOBALS),
    DEF(qemu_st, 0, 2, 1, SE | TCG_OPF_SYNC_GLOBALS),
};

#undef DEF
#undef SE

/* ---- Context ------------------------------------------------------------- */

static int temp_alloc(TCGContext *s)
{
    if (s->nb_temps == s->temps_alloc) {
        s->temps_alloc = MAX(64, s->temps_alloc * 2);
        s->temps = g_renew(TCGTemp, s->temps, s->temps_alloc);
    }
    memset(&s->temps[s->nb_temps], 0, sizeof(TCGTemp));
    return s->nb_temps++;
}

TCGContext *tcg_context_new(void)
{
    TCGContext *s = g_new0(TCGContext, 1);
    GError *err = NULL;
    int env;

    /* Generated code needs the prologue; whoever translates first maps
     * the buffer unless the accelerator did with its own size. */
    if (tcg_code_buffer_init(0, &err) < 0) {
        g_error("tcg: %s", err->message);
    }
    s->op_chunks = g_ptr_array_new_with_free_func(g_free);
    s->labels = g_ptr_array_new();
    s->consts[0] = g_hash_table_new_full(g_int64_hash, g_int64_equal,
                                         g_free, NULL);
    s->consts[1] = g_hash_table_new_full(g_int64_hash, g_int64_equal,
                                         g_free, NULL);
    s->ext_relocs = g_array_new(false, false, sizeof(TCGExtReloc));
    s->ldst = g_array_new(false, false, sizeof(TCGLdstSlow));
    s->insn_pc = g_array_new(false, false, sizeof(uint64_t));
    s->insn_cc_op = g_array_new(false, false, sizeof(uint32_t));
    s->insn_end = g_array_new(false, false, sizeof(uint32_t));
    s->free_slots = g_array_new(false, false, sizeof(int));
    s->reserved_regs = TCG_TARGET_RESERVED_REGS;

    env = temp_alloc(s);
    s->temps[env].kind = TEMP_GLOBAL;
    s->temps[env].type = TCG_TYPE_I64;
    s->temps[env].fixed_reg = true;
    s->temps[env].reg = TCG_AREG0;
    s->temps[env].name = "env";
    s->nb_globals = 1;
    tcg_func_start(s);
    return s;
}

static void labels_free(TCGContext *s)
{
    for (guint i = 0; i < s->labels->len; i++) {
        TCGLabel *l = g_ptr_array_index(s->labels, i);

        g_array_free(l->relocs, true);
        g_free(l);
    }
    g_ptr_array_set_size(s->labels, 0);
}

void tcg_context_free(TCGContext *s)
{
    if (!s) {
        return;
    }
    labels_free(s);
    g_ptr_array_free(s->labels, true);
    g_ptr_array_free(s->op_chunks, true);
    g_hash_table_destroy(s->consts[0]);
    g_hash_table_destroy(s->consts[1]);
    g_array_free(s->ext_relocs, true);
    g_array_free(s->ldst, true);
    g_array_free(s->insn_pc, true);
    g_array_free(s->insn_cc_op, true);
    g_array_free(s->insn_end, true);
    g_array_free(s->free_slots, true);
    g_free(s->ops);
    g_free(s->op_life);
    g_free(s->temps);
    g_free(s->code);
    g_free(s);
}

void tcg_func_start(TCGContext *s)
{
    s->nb_temps = s->nb_globals;
    g_hash_table_remove_all(s->consts[0]);
    g_hash_table_remove_all(s->consts[1]);
    s->nb_ops = 0;
    s->chunk_idx = 0;
    s->chunk_used = 0;
    labels_free(s);
}

TCGv tcg_global_mem_new(TCGContext *s, TCGType type, intptr_t offset,
                        const char *name)
{
    int idx;

    /* Globals sit below the per-block temps: only legal before the first
     * block (x86_translate_init), which is when nb_temps == nb_globals. */
    g_assert(s->nb_temps == s->nb_globals);
    idx = temp_alloc(s);
    s->temps[idx].kind = TEMP_GLOBAL;
    s->temps[idx].type = type;
    s->temps[idx].mem_offset = offset;
    s->temps[idx].name = name;
    s->nb_globals++;
    return idx;
}

TCGv tcg_temp_new(TCGContext *s, TCGType type)
{
    int idx = temp_alloc(s);

    s->temps[idx].kind = TEMP_NORMAL;
    s->temps[idx].type = type;
    return idx;
}

TCGv tcg_const(TCGContext *s, TCGType type, int64_t val)
{
    GHashTable *h = s->consts[type];
    gpointer found;
    int64_t *key;
    int idx;

    if (type == TCG_TYPE_I32) {
        val = (uint32_t)val;
    }
    found = g_hash_table_lookup(h, &val);
    if (found) {
        return GPOINTER_TO_INT(found) - 1;
    }
    idx = temp_alloc(s);
    s->temps[idx].kind = TEMP_CONST;
    s->temps[idx].type = type;
    s->temps[idx].val = val;
    key = g_new(int64_t, 1);
    *key = val;
    g_hash_table_insert(h, key, GINT_TO_POINTER(idx + 1));
    return idx;
}

TCGLabel *tcg_label_new(TCGContext *s)
{
    TCGLabel *l = g_new0(TCGLabel, 1);

    l->id = s->labels->len;
    l->relocs = g_array_new(false, false, sizeof(uint32_t));
    g_ptr_array_add(s->labels, l);
    return l;
}

TCGv tcg_env(TCGContext *s)
{
    (void)s;
    return 0;      /* the first global, created by tcg_context_new */
}

/* ---- Emission ------------------------------------------------------------ */

static TCGOp *op_new(TCGContext *s)
{
    TCGOp *chunk, *op;

    if (s->chunk_idx >= (int)s->op_chunks->len) {
        g_ptr_array_add(s->op_chunks, g_new(TCGOp, TCG_OP_CHUNK));
    }
    chunk = g_ptr_array_index(s->op_chunks, s->chunk_idx);
    op = &chunk[s->chunk_used++];
    if (s->chunk_used == TCG_OP_CHUNK) {
        s->chunk_idx++;
        s->chunk_used = 0;
    }
    memset(op, 0, sizeof(*op));
    if (s->nb_ops == s->ops_alloc) {
        s->ops_alloc = MAX(256, s->ops_alloc * 2);
        s->ops = g_renew(TCGOp *, s->ops, s->ops_alloc);
    }
    s->ops[s->nb_ops++] = op;
    return op;
}

TCGOp *tcg_emit(TCGContext *s, TCGOpcode opc, TCGType type, int nargs, ...)
{
    TCGOp *op = op_new(s);
    va_list ap;

    g_assert(nargs <= TCG_MAX_OP_ARGS);
    op->opc = opc;
    op->type = type;
    op->nargs = nargs;
    va_start(ap, nargs);
    for (int i = 0; i < nargs; i++) {
        op->args[i] = va_arg(ap, uint64_t);
    }
    va_end(ap);
    if (tcg_op_defs[opc].flags & TCG_OPF_LABEL) {
        ((TCGLabel *)(uintptr_t)op->args[nargs - 1])->refs +=
            opc != INDEX_op_set_label;
    }
    return op;
}

void tcg_gen_call(TCGContext *s, void *func, unsigned flags, TCGv ret,
                  int nr_in, ...)
{
    TCGOp *op = op_new(s);
    va_list ap;

    g_assert(nr_in <= TCG_MAX_HELPER_ARGS);
    op->opc = INDEX_op_call;
    op->type = TCG_TYPE_I64;
    op->call.func = func;
    op->call.flags = flags;
    op->call.ret = ret;
    op->call.nr_in = nr_in;
    va_start(ap, nr_in);
    for (int i = 0; i < nr_in; i++) {
        op->call.in[i] = va_arg(ap, TCGv);
    }
    va_end(ap);
}

void tcg_gen_insn_start(TCGContext *s, uint64_t pc, uint32_t cc_op)
{
    tcg_emit(s, INDEX_op_insn_start, TCG_TYPE_I64, 2, pc, (uint64_t)cc_op);
}

void tcg_gen_set_label(TCGContext *s, TCGLabel *l)
{
    tcg_emit(s, INDEX_op_set_label, TCG_TYPE_I64, 1, (uint64_t)(uintptr_t)l);
}

void tcg_gen_br(TCGContext *s, TCGLabel *l)
{
    tcg_emit(s, INDEX_op_br, TCG_TYPE_I64, 1, (uint64_t)(uintptr_t)l);
}

void tcg_gen_brcond(TCGContext *s, TCGType t, TCGCond c, TCGv a, TCGv b,
                    TCGLabel *l)
{
    if (c == TCG_COND_ALWAYS) {
        tcg_gen_br(s, l);
    } else if (c != TCG_COND_NEVER) {
        tcg_emit(s, INDEX_op_brcond, t, 4, (uint64_t)a, (uint64_t)b,
                 (uint64_t)c, (uint64_t)(uintptr_t)l);
    }
}

void tcg_gen_goto_tb(TCGContext *s, int slot)
{
    g_assert(slot == 0 || slot == 1);
    tcg_emit(s, INDEX_op_goto_tb, TCG_TYPE_I64, 1, (uint64_t)slot);
}

void tcg_gen_exit_tb(TCGContext *s, TranslationBlock *tb, int slot)
{
    uint64_t val = 0;

    if (tb) {
        g_assert(slot == 0 || slot == 1);
        val = (uintptr_t)tb | slot;
    }
    tcg_emit(s, INDEX_op_exit_tb, TCG_TYPE_I64, 1, val);
}

void tcg_gen_goto_ptr(TCGContext *s, TCGv ptr)
{
    tcg_emit(s, INDEX_op_goto_ptr, TCG_TYPE_I64, 1, (uint64_t)ptr);
}

void tcg_gen_qemu_ld(TCGContext *s, TCGType t, TCGv ret, TCGv vaddr,
                     MemOp op, int mmu_idx)
{
    tcg_emit(s, INDEX_op_qemu_ld, t, 3, (uint64_t)ret, (uint64_t)vaddr,
             (uint64_t)(op | mmu_idx << 8));
}

void tcg_gen_qemu_st(TCGContext *s, TCGType t, TCGv val, TCGv vaddr,
                     MemOp op, int mmu_idx)
{
    tcg_emit(s, INDEX_op_qemu_st, t, 3, (uint64_t)val, (uint64_t)vaddr,
             (uint64_t)(op | mmu_idx << 8));
}

/* ---- Op list maintenance (optimizer, liveness) --------------------------- */

void tcg_op_remove(TCGContext *s, TCGOp *op)
{
    (void)s;
    if (tcg_op_defs[op->opc].flags & TCG_OPF_LABEL &&
        op->opc != INDEX_op_set_label) {
        ((TCGLabel *)(uintptr_t)op->args[op->nargs - 1])->refs--;
    }
    op->opc = INDEX_op_nop;
}

void tcg_ops_compact(TCGContext *s)
{
    int j = 0;

    for (int i = 0; i < s->nb_ops; i++) {
        if (s->ops[i]->opc != INDEX_op_nop) {
            s->ops[j++] = s->ops[i];
        }
    }
    s->nb_ops = j;
}

TCGCond tcg_swap_cond(TCGCond c)
{
    switch (c) {
    case TCG_COND_LT: return TCG_COND_GT;
    case TCG_COND_GT: return TCG_COND_LT;
    case TCG_COND_LE: return TCG_COND_GE;
    case TCG_COND_GE: return TCG_COND_LE;
    case TCG_COND_LTU: return TCG_COND_GTU;
    case TCG_COND_GTU: return TCG_COND_LTU;
    case TCG_COND_LEU: return TCG_COND_GEU;
    case TCG_COND_GEU: return TCG_COND_LEU;
    default: return c;
    }
}

TCGCond tcg_invert_cond(TCGCond c)
{
    static const TCGCond inv[] = {
        [TCG_COND_NEVER] = TCG_COND_ALWAYS, [TCG_COND_ALWAYS] = TCG_COND_NEVER,
        [TCG_COND_EQ] = TCG_COND_NE, [TCG_COND_NE] = TCG_COND_EQ,
        [TCG_COND_LT] = TCG_COND_GE, [TCG_COND_GE] = TCG_COND_LT,
        [TCG_COND_LE] = TCG_COND_GT, [TCG_COND_GT] = TCG_COND_LE,
        [TCG_COND_LTU] = TCG_COND_GEU, [TCG_COND_GEU] = TCG_COND_LTU,
        [TCG_COND_LEU] = TCG_COND_GTU, [TCG_COND_GTU] = TCG_COND_LEU,
    };
    return inv[c];
}

/* ---- Dump (-d op, -d op_opt) --------------------------------------------- */

const char *tcg_cond_name(TCGCond c)
{
    static const char *const names[] = {
        "never", "always", "eq", "ne", "lt", "ge", "le", "gt",
        "ltu", "geu", "leu", "gtu",
    };
    return (unsigned)c < G_N_ELEMENTS(names) ? names[c] : "?";
}

static void dump_temp(TCGContext *s, GString *out, TCGv t)
{
    TCGTemp *ts;

    if (t < 0 || t >= s->nb_temps) {
        g_string_append_printf(out, "<bad temp %d>", t);
        return;
    }
    ts = &s->temps[t];
    switch (ts->kind) {
    case TEMP_GLOBAL:
        g_string_append(out, ts->name ? ts->name : "global");
        break;
    case TEMP_CONST:
        g_string_append_printf(out, "$0x%" PRIx64, ts->val);
        break;
    default:
        g_string_append_printf(out, "tmp%d", t - s->nb_globals);
        break;
    }
}

static void dump_memop(GString *out, uint64_t arg)
{
    static const char *const sz[] = { "b", "w", "l", "q" };
    unsigned op = arg & 0xff;

    g_string_append_printf(out, "%s%s%s,%u", op & MO_SIGN ? "s" : "u",
                           sz[op & MO_SIZE], op & MO_ALIGN ? "+al" : "",
                           (unsigned)(arg >> 8));
}

static void dump_call(TCGContext *s, GString *out, const TCGOp *op)
{
    Dl_info info;
    const char *name = NULL;

    if (dladdr(op->call.func, &info) && info.dli_sname &&
        info.dli_saddr == op->call.func) {
        name = info.dli_sname;
    }
    if (name) {
        g_string_append_printf(out, " call %s,$0x%x,$%d", name,
                               op->call.flags, op->call.ret >= 0);
    } else {
        g_string_append_printf(out, " call %p,$0x%x,$%d", op->call.func,
                               op->call.flags, op->call.ret >= 0);
    }
    if (op->call.ret >= 0) {
        g_string_append_c(out, ',');
        dump_temp(s, out, op->call.ret);
    }
    for (int i = 0; i < op->call.nr_in; i++) {
        g_string_append_c(out, ',');
        dump_temp(s, out, op->call.in[i]);
    }
}

static void dump_op(TCGContext *s, GString *out, const TCGOp *op)
{
    const TCGOpDef *def = &tcg_op_defs[op->opc];
    int nt = def->nb_oargs + def->nb_iargs;
    bool typed = def->nb_oargs + def->nb_iargs > 0 &&
                 op->opc != INDEX_op_goto_ptr &&
                 op->opc != INDEX_op_extrl_i64_i32 &&
                 op->opc != INDEX_op_extu_i32_i64 &&
                 op->opc != INDEX_op_ext_i32_i64;

    switch (op->opc) {
    case INDEX_op_insn_start:
        g_string_append_printf(out, " ---- %016" PRIx64 " %08" PRIx64,
                               op->args[0], op->args[1]);
        return;
    case INDEX_op_call:
        dump_call(s, out, op);
        return;
    case INDEX_op_discard:
        g_string_append(out, " discard ");
        dump_temp(s, out, (TCGv)op->args[0]);
        return;
    default:
        break;
    }
    g_string_append_printf(out, " %s%s ", def->name,
                           typed ? (op->type == TCG_TYPE_I32 ? "_i32"
                                                             : "_i64") : "");
    for (int i = 0; i < nt; i++) {
        if (i) {
            g_string_append_c(out, ',');
        }
        dump_temp(s, out, (TCGv)op->args[i]);
    }
    for (int i = nt; i < op->nargs; i++) {
        uint64_t a = op->args[i];
        bool is_label = (def->flags & TCG_OPF_LABEL) && i == op->nargs - 1;

        if (i) {
            g_string_append_c(out, ',');
        }
        if (is_label) {
            g_string_append_printf(out, "$L%d",
                                   ((TCGLabel *)(uintptr_t)a)->id);
        } else if ((op->opc == INDEX_op_brcond && i == 2) ||
                   (op->opc == INDEX_op_setcond && i == 3) ||
                   (op->opc == INDEX_op_movcond && i == 5)) {
            g_string_append(out, tcg_cond_name((TCGCond)a));
        } else if (op->opc == INDEX_op_qemu_ld ||
                   op->opc == INDEX_op_qemu_st) {
            dump_memop(out, a);
        } else if (op->opc >= INDEX_op_ld8u && op->opc <= INDEX_op_st) {
            g_string_append_printf(out, "$0x%" PRIx64, a);
        } else {
            g_string_append_printf(out, "$0x%" PRIx64, a);
        }
    }
}

void tcg_dump_ops(TCGContext *s, GString *out)
{
    for (int i = 0; i < s->nb_ops; i++) {
        const TCGOp *op = s->ops[i];

        if (op->opc == INDEX_op_nop) {
            continue;
        }
        dump_op(s, out, op);
        g_string_append_c(out, '\n');
    }
}

void tcg_stats_add(TCGContext *s, TCGStats *sum)
{
    sum->tbs += s->stats.tbs;
    sum->guest_insns += s->stats.guest_insns;
    sum->ops += s->stats.ops;
    sum->ops_opt += s->stats.ops_opt;
    sum->code_bytes += s->stats.code_bytes;
    sum->spills += s->stats.spills;
    sum->ldst += s->stats.ldst;
}
