/*
 * tcg-internal.h: what tcg.c, optimize.c, liveness.c, regalloc.c and the
 * host backend (tcg/x86_64) share: the context, temps, labels, the op
 * definition table and the backend interface.  Not for the frontend: it
 * uses tcg/tcg.h and tcg/tcg-op.h only.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCG_TCG_INTERNAL_H
#define TCG_TCG_INTERNAL_H

#include "tcg/tcg.h"
#include "tcg/tb.h"
#include "tcg/x86_64/tcg-target.h"

/* ---- Op definitions ----------------------------------------------------- */

#define TCG_OPF_BB_END      0x01    /* ends an extended basic block edge:
                                       globals must be in memory */
#define TCG_OPF_SIDE_EFFECTS 0x02   /* never removed as dead code */
#define TCG_OPF_SYNC_GLOBALS 0x04   /* may raise: globals in memory first */
#define TCG_OPF_NO_FALLTHRU 0x08    /* code after it is unreachable until
                                       the next label */
#define TCG_OPF_LABEL       0x10    /* last const arg is a TCGLabel * */
#define TCG_OPF_NOT_PRESENT 0x20    /* handled by the allocator itself */

typedef struct TCGOpDef {
    const char *name;
    uint8_t nb_oargs, nb_iargs, nb_cargs;
    uint8_t flags;
} TCGOpDef;

extern const TCGOpDef tcg_op_defs[NB_OPS];

/* ---- Temps ------------------------------------------------------------- */

typedef enum TCGTempVal {
    TEMP_VAL_DEAD,      /* no value (before the first write) */
    TEMP_VAL_REG,       /* in host register ->reg */
    TEMP_VAL_MEM,       /* only in memory (env field or spill slot) */
    TEMP_VAL_CONST,     /* known constant ->val, not materialized */
} TCGTempVal;

struct TCGTemp {
    uint8_t kind;           /* TCGTempKind */
    uint8_t type;           /* TCGType */
    bool fixed_reg;         /* env: lives in TCG_AREG0 for ever */
    const char *name;       /* globals only */
    int64_t val;            /* TEMP_CONST value; lazy value of CONST state */
    intptr_t mem_offset;    /* globals: env offset; temps: spill slot */
    /* register allocator state */
    uint8_t val_type;       /* TCGTempVal */
    int8_t reg;
    bool mem_coherent;      /* memory copy equals the register */
    bool mem_allocated;     /* temps: a spill slot is assigned */
    /* liveness pre-pass (liveness.c) */
    bool multi_ebb;         /* referenced in more than one extended
                               basic block: lives in memory across labels */
    int first_ref, last_ref;    /* op indexes, loops included */
    int ebb;
};

static inline bool temp_is_global(const TCGTemp *ts)
{
    return ts->kind == TEMP_GLOBAL;
}

/* ---- Labels ------------------------------------------------------------ */

struct TCGLabel {
    int id;
    int refs;               /* branches to it (optimizer bookkeeping) */
    bool has_value;
    uint32_t value;         /* code offset once emitted */
    GArray *relocs;         /* uint32_t offsets of rel32 fields */
};

/* ---- Liveness results, one word per op ----------------------------------- */

#define LIFE_DEAD(i)   (1u << (i))          /* arg i dies at this op */
#define LIFE_SYNC(i)   (1u << ((i) + 8))    /* ... and must reach memory */

/* ---- Code emission state ------------------------------------------------- */

typedef struct TCGExtReloc {
    uint32_t offset;        /* rel32 field in the staging buffer */
    uintptr_t target;       /* absolute RX address */
} TCGExtReloc;

typedef struct TCGLdstSlow {
    bool is_ld;
    uint8_t type;
    uint32_t memop_idx;
    int8_t addr_reg, data_reg;
    uint32_t data_const_valid;  /* unused: stores always take a reg */
    uint32_t jcc_offset;        /* rel32 of the jne to the slow path */
    uint32_t ret_offset;        /* where the fast path continues */
    uint32_t save_regs;         /* live call-clobbered regs to preserve */
} TCGLdstSlow;

#define TCG_OP_CHUNK 1024

struct TCGContext {
    /* temps: [0, nb_globals) are globals (0 is env), then per-block */
    TCGTemp *temps;
    int nb_temps, nb_globals, temps_alloc;
    GHashTable *consts[2];      /* per type: value -> temp index + 1 */

    /* ops, in program order; ops themselves live in chunks so pointers
     * stay stable while the array grows */
    TCGOp **ops;
    int nb_ops, ops_alloc;
    GPtrArray *op_chunks;
    int chunk_used;             /* ops used in the last chunk */
    int chunk_idx;
    uint32_t *op_life;          /* liveness per op (liveness.c) */
    int op_life_alloc;

    GPtrArray *labels;

    /* code generation */
    uint8_t *code;              /* staging buffer (heap, RW) */
    uint32_t code_size, code_alloc;
    GArray *ext_relocs;         /* TCGExtReloc */
    GArray *ldst;               /* TCGLdstSlow */
    uint32_t last_ra_offset;    /* a return address recorded by the last
                                   call or fast path */
    GArray *insn_pc, *insn_cc_op, *insn_end;
    TranslationBlock *tb;

    /* register allocator */
    TCGTemp *reg_to_temp[TCG_TARGET_NB_REGS];
    uint32_t reserved_regs;
    GArray *free_slots;         /* int: spill slot indexes */
    int next_slot;
    uint32_t cur_ldst_live;     /* regs to preserve around a slow path */
    uint32_t busy;              /* regs the current op uses */
    int cur_op;                 /* index of the op being allocated */
    int cur_ebb;                /* liveness pre-pass */
    TCGStats stats;
};

static inline TCGTemp *arg_temp(TCGContext *s, uint64_t arg)
{
    return &s->temps[(int)arg];
}

static inline int temp_idx(TCGContext *s, TCGTemp *ts)
{
    return (int)(ts - s->temps);
}

/* tcg.c */
const char *tcg_cond_name(TCGCond c);
/** tcg_op_remove: replace @op by a no-op (dropped by tcg_ops_compact). */
void tcg_op_remove(TCGContext *s, TCGOp *op);
void tcg_ops_compact(TCGContext *s);
#define INDEX_op_nop NB_OPS
TCGCond tcg_swap_cond(TCGCond c);
TCGCond tcg_invert_cond(TCGCond c);

/* optimize.c */
/** tcg_eval_cond: @cond on @x and @y taken as @type values. */
bool tcg_eval_cond(TCGType type, TCGCond cond, uint64_t x, uint64_t y);

/* liveness.c */
/**
 * tcg_liveness: compute op_life for every op, find multi-EBB temps and
 * remove ops whose results nobody needs.
 */
void tcg_liveness(TCGContext *s);

/* ---- Code buffer emission helpers ---------------------------------------- */

static inline void tcg_code_reserve(TCGContext *s, uint32_t n)
{
    if (unlikely(s->code_size + n > s->code_alloc)) {
        s->code_alloc = MAX(s->code_alloc * 2, s->code_size + n + 4096);
        s->code = g_realloc(s->code, s->code_alloc);
    }
}

static inline void tcg_out8(TCGContext *s, uint8_t v)
{
    tcg_code_reserve(s, 1);
    s->code[s->code_size++] = v;
}

static inline void tcg_out16(TCGContext *s, uint16_t v)
{
    tcg_code_reserve(s, 2);
    memcpy(s->code + s->code_size, &v, 2);
    s->code_size += 2;
}

static inline void tcg_out32(TCGContext *s, uint32_t v)
{
    tcg_code_reserve(s, 4);
    memcpy(s->code + s->code_size, &v, 4);
    s->code_size += 4;
}

static inline void tcg_out64(TCGContext *s, uint64_t v)
{
    tcg_code_reserve(s, 8);
    memcpy(s->code + s->code_size, &v, 8);
    s->code_size += 8;
}

static inline void tcg_patch32(TCGContext *s, uint32_t offset, uint32_t v)
{
    memcpy(s->code + offset, &v, 4);
}

/* ---- Backend interface (tcg/x86_64/tcg-target.c) ---------------------------
 *
 * Constraint strings, one per op argument (outputs first, then inputs):
 *   'r' any allocatable register     'a' 'c' 'd' 'S' 'D' that register
 *   '0' '1' (inputs) same register as output 0/1: the allocator makes the
 *       input's register disposable (copies a value still live)
 *   '&' (outputs) must not share a register with any input
 *   'e' (inputs) a constant that fits the instruction's imm32
 *   'i' (inputs) any constant
 */
typedef struct TCGTargetOpDef {
    const char *args_ct[TCG_MAX_OP_ARGS];
    uint8_t nb_scratch;         /* extra registers the emitter needs */
} TCGTargetOpDef;

const TCGTargetOpDef *tcg_target_op_def(TCGOpcode opc, TCGType type);
/** tcg_target_const_fits: @val fits constraint character @ct. */
bool tcg_target_const_fits(TCGType type, int64_t val, char ct);
/**
 * tcg_out_op: emit one op.  @args holds registers (or constants where
 * @const_args says so) in constraint order, then the op's constant args;
 * @scratch the extra registers.
 */
void tcg_out_op(TCGContext *s, TCGOpcode opc, TCGType type,
                const int64_t *args, const bool *const_args,
                const int *scratch);
void tcg_out_mov(TCGContext *s, TCGType type, int ret, int arg);
void tcg_out_movi(TCGContext *s, TCGType type, int ret, int64_t val);
void tcg_out_ld(TCGContext *s, TCGType type, int ret, int base,
                intptr_t offset);
void tcg_out_st(TCGContext *s, TCGType type, int val, int base,
                intptr_t offset);
/** tcg_out_sti: store constant @val; false if it needs a register. */
bool tcg_out_sti(TCGContext *s, TCGType type, int64_t val, int base,
                 intptr_t offset);
void tcg_out_call(TCGContext *s, const void *func);
void tcg_out_nop(TCGContext *s);
/** tcg_out_label_ref: a rel32 to @l (patched once it has a value). */
void tcg_out_label_ref(TCGContext *s, TCGLabel *l);
void tcg_out_ldst_finalize(TCGContext *s);
/** tcg_target_prologue: emit prologue + epilogue at the staging offset 0;
 * returns the offsets of the epilogue's "return 0" and "return rax". */
void tcg_target_prologue(TCGContext *s, uint32_t *ret0_off,
                         uint32_t *ret_off);
/** tcg_target_set_prologue: where the emitted prologue ended up (RX). */
void tcg_target_set_prologue(const void *prologue, const void *ret0,
                             const void *ret);
void tcg_target_init(void);

/* code-buffer.c: the RX address range (for rel32 reachability). */
void tcg_code_buffer_range(uintptr_t *start, uintptr_t *end);

/* Stack frame: [rsp, +TCG_SAVE_AREA) slow-path register saves, then
 * TCG_NB_SPILL_SLOTS 8-byte spill slots. */
#define TCG_SAVE_AREA 128
#define TCG_NB_SPILL_SLOTS 512
#define TCG_FRAME_SIZE (TCG_SAVE_AREA + 8 * TCG_NB_SPILL_SLOTS + 8)

#endif
