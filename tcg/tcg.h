/*
 * tcg.h: the JIT's intermediate representation and code generator API.
 *
 * A translation block is built in a per-thread TCGContext: the frontend
 * (tcg/i386/) allocates temps and appends ops with the tcg_gen_* helpers;
 * tcg_optimize() folds constants, propagates copies and drops dead code;
 * tcg_gen_code() allocates host registers and emits host code through the
 * backend (tcg/x86_64/).  Generated code runs with the X86CPU pointer
 * ("env") in a reserved host register.
 *
 * Ops carry their type (I32 or I64) instead of having _i32/_i64 opcode
 * pairs: one opcode table, one optimizer case per operation.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCG_TCG_H
#define TCG_TCG_H

#include "main/janus.h"

typedef struct TCGContext TCGContext;
typedef struct TCGOp TCGOp;
typedef struct TCGTemp TCGTemp;
typedef struct TCGLabel TCGLabel;
typedef struct TranslationBlock TranslationBlock;

typedef enum TCGType { TCG_TYPE_I32, TCG_TYPE_I64 } TCGType;

/* A temp is named by its index in the context; -1 is "none". */
typedef int TCGv;

typedef enum TCGTempKind {
    TEMP_NORMAL,    /* value dies at the end of the block */
    TEMP_GLOBAL,    /* backed by env + offset; synced at block ends,
                       helper calls and possible exceptions */
    TEMP_CONST,     /* an immutable constant */
} TCGTempKind;

typedef enum TCGCond {
    TCG_COND_NEVER, TCG_COND_ALWAYS,
    TCG_COND_EQ, TCG_COND_NE,
    TCG_COND_LT, TCG_COND_GE, TCG_COND_LE, TCG_COND_GT,       /* signed */
    TCG_COND_LTU, TCG_COND_GEU, TCG_COND_LEU, TCG_COND_GTU,   /* unsigned */
} TCGCond;

/* Guest memory access description for qemu_ld/qemu_st. */
typedef enum MemOp {
    MO_8 = 0, MO_16 = 1, MO_32 = 2, MO_64 = 3,
    MO_SIZE = 3,
    MO_SIGN = 4,        /* sign-extend loads */
    MO_ALIGN = 8,       /* raise #AC-style fault on misalignment (unused
                           by x86 except cmpxchg16b's #GP) */
} MemOp;

typedef enum TCGOpcode {
    /* control */
    INDEX_op_insn_start,    /* args: guest pc, cc_op (consts); marks the
                               start of a guest instruction for precise
                               exceptions */
    INDEX_op_set_label,     /* args: label */
    INDEX_op_br,            /* args: label */
    INDEX_op_brcond,        /* args: a, b, cond, label */
    INDEX_op_goto_tb,       /* args: slot (0/1): patchable jump to the
                               chained successor, initially to the next
                               instruction (the exit_tb that follows) */
    INDEX_op_exit_tb,       /* args: value (const): return to cpu_exec */
    INDEX_op_goto_ptr,      /* args: host code ptr temp (from a lookup
                               helper; 0 means exit_tb 0) */
    INDEX_op_call,          /* see TCGOp.call */
    INDEX_op_mb,            /* host memory barrier (args: kind) */
    INDEX_op_discard,       /* args: t: value no longer needed */
    /* moves and env access */
    INDEX_op_mov,           /* ret, a */
    INDEX_op_movi,          /* ret, const */
    INDEX_op_ld8u, INDEX_op_ld8s, INDEX_op_ld16u, INDEX_op_ld16s,
    INDEX_op_ld32u, INDEX_op_ld32s, INDEX_op_ld,   /* ret, base, offset */
    INDEX_op_st8, INDEX_op_st16, INDEX_op_st32, INDEX_op_st, /* val, base, off */
    /* arithmetic: ret, a, b */
    INDEX_op_add, INDEX_op_sub, INDEX_op_mul,
    INDEX_op_and, INDEX_op_or, INDEX_op_xor, INDEX_op_andc,
    INDEX_op_shl, INDEX_op_shr, INDEX_op_sar,   /* count masked to width */
    INDEX_op_rotl, INDEX_op_rotr,
    /* unary: ret, a */
    INDEX_op_not, INDEX_op_neg,
    INDEX_op_ext8s, INDEX_op_ext8u, INDEX_op_ext16s, INDEX_op_ext16u,
    INDEX_op_ext32s, INDEX_op_ext32u,           /* I64 only */
    INDEX_op_extrl_i64_i32,                     /* ret(I32), a(I64) */
    INDEX_op_extu_i32_i64, INDEX_op_ext_i32_i64, /* ret(I64), a(I32) */
    INDEX_op_bswap16, INDEX_op_bswap32, INDEX_op_bswap64,
    INDEX_op_clz, INDEX_op_ctz,                 /* ret, a, value-if-zero */
    INDEX_op_ctpop,
    /* compare: setcond ret, a, b, cond; movcond ret, c1, c2, v1, v2, cond */
    INDEX_op_setcond, INDEX_op_movcond,
    /* double-width multiply: lo, hi, a, b */
    INDEX_op_mulu2, INDEX_op_muls2,
    /* guest memory: qemu_ld ret, vaddr, memop|mmu_idx<<8;
       qemu_st val, vaddr, memop|mmu_idx<<8 (vaddr is I64) */
    INDEX_op_qemu_ld, INDEX_op_qemu_st,
    NB_OPS,
} TCGOpcode;

#define TCG_MAX_OP_ARGS 6
#define TCG_MAX_HELPER_ARGS 6

struct TCGOp {
    uint16_t opc;           /* TCGOpcode */
    uint8_t type;           /* TCGType of the operation */
    uint8_t nargs;
    uint64_t args[TCG_MAX_OP_ARGS];   /* temps, labels or constants */
    struct {                /* INDEX_op_call only */
        void *func;
        uint8_t nr_in;
        uint8_t flags;      /* TCG_CALL_* */
        TCGv ret;           /* -1 for void */
        TCGv in[TCG_MAX_HELPER_ARGS];
    } call;
};

/* Helper call flags: what the helper may touch, so the register
 * allocator knows which globals to sync before and reload after. */
#define TCG_CALL_NO_READ_GLOBALS   1   /* pure: no env access */
#define TCG_CALL_NO_WRITE_GLOBALS  2   /* reads env, does not write it */
#define TCG_CALL_NO_RAISE          4   /* cannot raise a guest exception */

/* ---- Context --------------------------------------------------------- */

/** tcg_context_new: a context for one translating thread. */
TCGContext *tcg_context_new(void);
void tcg_context_free(TCGContext *s);
/** tcg_func_start: empty the op list and temps (globals stay). */
void tcg_func_start(TCGContext *s);

/**
 * tcg_global_mem_new: a global living at env + @offset (registered once
 * per context, before any tcg_func_start).
 */
TCGv tcg_global_mem_new(TCGContext *s, TCGType type, intptr_t offset,
                        const char *name);
TCGv tcg_temp_new(TCGContext *s, TCGType type);
TCGv tcg_const(TCGContext *s, TCGType type, int64_t val);
TCGLabel *tcg_label_new(TCGContext *s);
/** tcg_env: the temp holding env (an I64 host pointer). */
TCGv tcg_env(TCGContext *s);

/* ---- Emission (append one op) ------------------------------------------ */

/**
 * tcg_emit: append an op.  Each of the @nargs variadic arguments is a
 * uint64_t (temps, conditions, (uintptr_t) labels and constants, cast by
 * the tcg/tcg-op.h wrappers).  The returned op stays valid until the next
 * tcg_func_start.
 */
TCGOp *tcg_emit(TCGContext *s, TCGOpcode opc, TCGType type, int nargs, ...);
void tcg_gen_call(TCGContext *s, void *func, unsigned flags, TCGv ret,
                  int nr_in, ...);
void tcg_gen_insn_start(TCGContext *s, uint64_t pc, uint32_t cc_op);
void tcg_gen_set_label(TCGContext *s, TCGLabel *l);
void tcg_gen_br(TCGContext *s, TCGLabel *l);
void tcg_gen_brcond(TCGContext *s, TCGType t, TCGCond c, TCGv a, TCGv b,
                    TCGLabel *l);
void tcg_gen_goto_tb(TCGContext *s, int slot);
/** tcg_gen_exit_tb: @tb non-NULL with @slot 0/1 lets cpu_exec chain the
 * block's goto_tb @slot to the next block; NULL returns 0. */
void tcg_gen_exit_tb(TCGContext *s, TranslationBlock *tb, int slot);
void tcg_gen_goto_ptr(TCGContext *s, TCGv ptr);
void tcg_gen_qemu_ld(TCGContext *s, TCGType t, TCGv ret, TCGv vaddr,
                     MemOp op, int mmu_idx);
void tcg_gen_qemu_st(TCGContext *s, TCGType t, TCGv val, TCGv vaddr,
                     MemOp op, int mmu_idx);
/* Convenience wrappers (tcg_gen_add, tcg_gen_movi, ...) live in
 * tcg/tcg-op.h, generated from the table above. */

/* ---- Passes ---------------------------------------------------------- */

/** tcg_optimize: constant folding, copy propagation, dead code removal
 * within the block. */
void tcg_optimize(TCGContext *s);

/**
 * tcg_gen_code: allocate registers and emit host code for the ops into
 * the code buffer at @tb->tc_ptr.  Returns the code size, or -1 when the
 * buffer is full (the caller flushes everything and retranslates).
 * tcg_gen_code itself reserves the space (tcg/code-buffer.h) and sets
 * @tb->tc_ptr and @tb->tc_size; the insn tables live in the same
 * reservation, right after the code, and go away with the buffer reset.
 * Fills @tb's goto_tb patch offsets and the insn_start table used to
 * restore the guest pc on an exception.
 */
int tcg_gen_code(TCGContext *s, TranslationBlock *tb);

/** tcg_dump_ops: print the op list (-d op / op_opt). */
void tcg_dump_ops(TCGContext *s, GString *out);

/* ---- Statistics (for "info jit") ---------------------------------------- */

typedef struct TCGStats {
    uint64_t tbs;           /* blocks generated (tcg_gen_code calls that
                               succeeded) */
    uint64_t guest_insns;   /* insn_start ops in them */
    uint64_t ops;           /* ops before tcg_optimize */
    uint64_t ops_opt;       /* ops left after it */
    uint64_t code_bytes;    /* host code bytes, slow paths included */
    uint64_t spills;        /* stores forced by register pressure or calls */
    uint64_t ldst;          /* guest loads/stores (each with a slow path) */
} TCGStats;

/**
 * tcg_stats_add: add @s's counters to @sum.
 * @s: a context (any thread may call this; the counters are read without
 *   synchronization, good enough for statistics).
 * @sum: accumulator.
 */
void tcg_stats_add(TCGContext *s, TCGStats *sum);

#endif
