/*
 * translate-internal.h: the x86 frontend's private state, shared by
 * tcg/i386/translate*.c only.
 *
 * Value conventions inside the frontend: every guest value lives in an
 * I64 temp, zero-extended from its operand size (MemOp MO_8..MO_64,
 * called "ot"); addresses are I64 linear addresses (segment base added,
 * truncated to 32 bits outside 64-bit mode).
 *
 * Precise exceptions: an instruction writes guest registers and the
 * cc_* globals only after its last access that can fault, so the state
 * restored from insn_start on a fault is the state before the
 * instruction.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCG_I386_TRANSLATE_INTERNAL_H
#define TCG_I386_TRANSLATE_INTERNAL_H

#include <Zydis/Zydis.h>
#include "tcg/i386/translate.h"
#include "tcg/tcg-op.h"

#define I64 TCG_TYPE_I64
#define I32 TCG_TYPE_I32

/* The globals x86_translate_init registers, per translating thread. */
typedef struct X86Globals {
    TCGv env;
    TCGv regs[16];
    TCGv cc_dst, cc_src, cc_src2;
    TCGv cc_op;                 /* I32 */
    TCGv rflags;
} X86Globals;

/* How a block ends (DisasContext.is_jmp). */
typedef enum DisasJump {
    DISAS_NEXT,         /* keep translating */
    DISAS_TOO_MANY,     /* block full: chain to the next instruction */
    DISAS_NORETURN,     /* code already ends (exception, jump emitted) */
    DISAS_LOOKUP,       /* rip in env: end with a TB lookup (goto_ptr) */
    DISAS_EXIT,         /* rip of the next insn: exit to the exec loop */
    DISAS_EXIT_DYN,     /* rip already in env: exit to the exec loop */
    DISAS_EXIT_AFTER_NEXT, /* interrupt shadow: one more insn, then exit */
} DisasJump;

/* A decoded operand, resolved to what the code generator needs. */
typedef enum OpndKind { OPND_NONE, OPND_REG, OPND_MEM, OPND_IMM } OpndKind;

typedef struct X86Opnd {
    OpndKind kind;
    MemOp ot;               /* size */
    int reg;                /* OPND_REG: 0-15 */
    bool hi8;               /* OPND_REG: AH CH DH BH */
    TCGv addr;              /* OPND_MEM: linear address */
    uint64_t imm;           /* OPND_IMM: as encoded, sign-extended */
} X86Opnd;

typedef struct DisasContext {
    TCGContext *s;
    X86CPU *cpu;
    TranslationBlock *tb;
    const X86Globals *g;

    /* block-wide */
    uint64_t cs_base;
    uint32_t flags;
    int cpl, iopl, mmu_idx;
    bool code64, code32, ss32, addseg, pe;
    int num_insns;
    int max_insns;

    /* lazy flags: the cc_op known at translation time, CC_OP_DYNAMIC when
     * only env->cc_op knows it; dirty when env->cc_op is stale */
    uint32_t cc_op;
    bool cc_op_dirty;

    /* current instruction */
    uint64_t pc;            /* virtual address (CS base included) */
    uint64_t next_pc;
    ZydisDecodedInstruction insn;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    uint8_t bytes[16];
    MemOp ot;               /* operand size */
    MemOp aflag;            /* address size: MO_16, MO_32 or MO_64 */
    MemOp sflag;            /* stack size: MO_16, MO_32 or MO_64 */
    int seg_prefix;         /* R_ES..R_GS, or -1 */
    bool lock, rep, repne;

    DisasJump is_jmp;
    bool in_shadow;         /* this instruction is in an interrupt shadow */
} DisasContext;

static inline TCGv tmp64(DisasContext *d)
{
    return tcg_temp_new(d->s, I64);
}

static inline TCGv const64(DisasContext *d, int64_t v)
{
    return tcg_const(d->s, I64, v);
}

static inline uint64_t ot_mask(MemOp ot)
{
    return ot == MO_64 ? ~0ULL : (1ULL << (8 << ot)) - 1;
}

static inline unsigned ot_bits(MemOp ot)
{
    return 8u << ot;
}

/* rip (cs_base excluded) of the current and the next instruction */
static inline uint64_t cur_rip(DisasContext *d)
{
    uint64_t r = d->pc - d->cs_base;

    return d->code64 ? r : (uint32_t)r;
}

static inline uint64_t next_rip(DisasContext *d)
{
    uint64_t r = d->next_pc - d->cs_base;

    return d->code64 ? r : (uint32_t)r;
}

/* ---- translate.c: core ------------------------------------------------ */

/* Zero-extend @v in place from @ot (no-op for MO_64). */
void gen_ext(DisasContext *d, MemOp ot, TCGv ret, TCGv v);
/* Sign-extend to 64 bits from @ot. */
void gen_exts(DisasContext *d, MemOp ot, TCGv ret, TCGv v);

/* Guest registers by index and size (hi8: AH..BH). */
void gen_ld_reg(DisasContext *d, MemOp ot, int reg, bool hi8, TCGv ret);
void gen_st_reg(DisasContext *d, MemOp ot, int reg, bool hi8, TCGv val);

/* Guest memory at a linear address (I64), data MMU index. */
void gen_ld_mem(DisasContext *d, MemOp ot, TCGv ret, TCGv addr);
void gen_st_mem(DisasContext *d, MemOp ot, TCGv val, TCGv addr);

/* Operand @i of the current instruction (visible operands). */
X86Opnd *decode_opnd(DisasContext *d, int i, X86Opnd *o);
TCGv gen_ld_opnd(DisasContext *d, X86Opnd *o);
void gen_st_opnd(DisasContext *d, X86Opnd *o, TCGv val);

/* Effective address without segment (LEA), and linear address. */
TCGv gen_ea(DisasContext *d, const ZydisDecodedOperand *op);
TCGv gen_linear(DisasContext *d, TCGv ea, int seg);
/* linear address of @seg:(reg masked to aflag) for string/stack ops */
TCGv gen_seg_reg_addr(DisasContext *d, int seg, TCGv reg, MemOp asize);

/* Flush the static cc_op into env->cc_op. */
void gen_update_cc_op(DisasContext *d);
void set_cc_op(DisasContext *d, uint32_t op);
/* Store rip of the current instruction (before helpers that need it). */
/**
 * next_insn_kills_flags: true when the instruction after the current one
 * is translated into the same block, cannot fault, reads no arithmetic
 * flag and writes all six (add/sub/and/or/xor/cmp/test on registers and
 * immediates): the current instruction's flags are then dead, and an
 * instruction that would have to materialize the lazy flags to keep the
 * ones it does not set (rol/ror keep four, bt/bts/btr/btc five) may skip
 * it.
 */
bool next_insn_kills_flags(DisasContext *d);
void gen_update_rip_cur(DisasContext *d);
void gen_update_rip_next(DisasContext *d);

/* Raise @vector (no error code / with one) at the current instruction;
 * ends the block. */
void gen_exception(DisasContext *d, int vector);
void gen_exception_err(DisasContext *d, int vector, uint32_t err);
/* Unknown or unimplemented: #UD, logged under -d unimp. */
void gen_unimp(DisasContext *d, const char *why);

/* Block ends: jump to a constant rip (chained when on the same page),
 * to the rip in @target (I64), or exit to the exec loop after storing
 * @rip.  All set d->is_jmp = DISAS_NORETURN. */
void gen_jmp_rip(DisasContext *d, uint64_t rip, int slot);
void gen_jmp_dyn(DisasContext *d, TCGv target);
void gen_exit_rip(DisasContext *d, uint64_t rip);

/* Helper call with @n I64 arguments (env is not implied). */
#define gen_helper(d, fn, flags, ret, n, ...) \
    tcg_gen_call((d)->s, (void *)(fn), (flags), (ret), (n), __VA_ARGS__)

/* ---- translate-alu.c: arithmetic, flags, conditions -------------------- */

/* Condition @b (x86 cc 0-15) of the current lazy flags as setcond 0/1
 * into @ret, or a branch to @l when it holds. */
void gen_setcc(DisasContext *d, int b, TCGv ret);
void gen_jcc_label(DisasContext *d, int b, TCGLabel *l);
/* CF (0/1) of the current lazy state. */
TCGv gen_compute_c(DisasContext *d);
/* Materialize all flags into the rflags global; cc_op becomes EFLAGS. */
void gen_compute_eflags(DisasContext *d);

bool translate_alu(DisasContext *d);        /* false: not an ALU insn */

/* ---- translate-misc.c: stack, control flow, strings, system ---------- */

void gen_push(DisasContext *d, MemOp ot, TCGv val);
/* Load the top of stack (no rsp change); gen_pop_commit adds its size. */
TCGv gen_pop_load(DisasContext *d, MemOp ot);
void gen_pop_commit(DisasContext *d, MemOp ot);

bool translate_misc(DisasContext *d);
bool translate_system(DisasContext *d);

/* ---- int_helper.c: C helpers called by generated code ---------------- */

uint64_t helper_x86_cc_compute_all(uint64_t dst, uint64_t src,
                                   uint64_t src2, uint64_t op);
uint64_t helper_x86_cc_compute_c(uint64_t dst, uint64_t src, uint64_t src2,
                                 uint64_t op);
void helper_x86_div(X86CPU *cpu, uint64_t divisor, uint64_t ot_signed);
/* rcl/rcr (desc: ot | kind << 4) and shld/shrd (desc: ot | kind << 4 |
 * count << 16): pure; the result, or with desc bit 8 the new RFLAGS
 * computed from the materialized @flags */
uint64_t helper_x86_rotc(uint64_t val, uint64_t count, uint64_t flags,
                         uint64_t desc);
uint64_t helper_x86_shxd(uint64_t dst, uint64_t src, uint64_t desc,
                         uint64_t flags);
/* lock'ed and implicit-lock read-modify-writes: return the old value */
uint64_t helper_x86_atomic(X86CPU *cpu, uint64_t addr, uint64_t val,
                           uint64_t desc);
uint64_t helper_x86_cmpxchg(X86CPU *cpu, uint64_t addr, uint64_t cmpv,
                            uint64_t newv, uint64_t desc);
/* cmpxchg8b/16b: compares EDX:EAX / RDX:RAX, writes ZF in rflags */
void helper_x86_cmpxchg_wide(X86CPU *cpu, uint64_t addr, uint64_t desc);
/* TF: #DB trap after the instruction; rip (next) and cc_op in env */
_Noreturn void helper_x86_single_step(X86CPU *cpu);

/* desc for helper_x86_atomic: ot | op << 4 | mmu_idx << 8 */
enum { ATOMIC_ADD, ATOMIC_AND, ATOMIC_OR, ATOMIC_XOR, ATOMIC_XCHG,
       ATOMIC_NEG };
/* desc for helper_x86_rotc / shxd: ot | op << 4 */
enum { ROTC_RCL, ROTC_RCR, SHXD_SHLD, SHXD_SHRD };

#endif
