/*
 * translate-misc.c: data movement, the stack, near and far control flow,
 * string instructions and atomic exchanges.
 *
 * String instructions with a rep prefix do one element per execution and
 * then jump back to themselves (a chained block that loops on itself):
 * every iteration passes the exit_request check at the block start, so a
 * long rep stays interruptible, and a fault leaves rCX/rSI/rDI exactly at
 * the faulting element.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stddef.h>
#include "tcg/i386/translate-internal.h"
#include "tcg/i386/helper.h"
#include "tcg/exec.h"

/* ---- Stack ------------------------------------------------------------------ */

void gen_push(DisasContext *d, MemOp ot, TCGv val)
{
    TCGv sp = tmp64(d);

    tcg_gen_subi(d->s, I64, sp, d->g->regs[R_ESP], 1 << ot);
    gen_ext(d, d->sflag, sp, sp);
    gen_st_mem(d, ot, val, gen_linear(d, sp, R_SS));
    gen_st_reg(d, d->sflag, R_ESP, false, sp);
}

TCGv gen_pop_load(DisasContext *d, MemOp ot)
{
    TCGv v = tmp64(d);

    gen_ld_mem(d, ot, v, gen_seg_reg_addr(d, R_SS, d->g->regs[R_ESP],
                                          d->sflag));
    return v;
}

static void gen_add_sp(DisasContext *d, int64_t n)
{
    TCGv sp = tmp64(d);

    tcg_gen_addi(d->s, I64, sp, d->g->regs[R_ESP], n);
    gen_st_reg(d, d->sflag, R_ESP, false, sp);
}

void gen_pop_commit(DisasContext *d, MemOp ot)
{
    gen_add_sp(d, 1 << ot);
}

/* The operand size of stack operations: 64-bit mode has no 32-bit push */
static MemOp stack_ot(DisasContext *d)
{
    return d->ot;
}

static int zseg_reg(ZydisRegister r)
{
    return r >= ZYDIS_REGISTER_ES && r <= ZYDIS_REGISTER_GS ?
           (int)(r - ZYDIS_REGISTER_ES) : -1;
}

static void gen_ld_selector(DisasContext *d, int seg, TCGv ret)
{
    tcg_gen_ld16u(d->s, I64, ret, d->g->env,
                  offsetof(X86CPU, segs) + seg * sizeof(SegmentCache) +
                  offsetof(SegmentCache, selector));
}

/* A segment register load: the block continues only when nothing it
 * depends on can change. */
static void gen_load_seg(DisasContext *d, int seg, TCGv sel)
{
    gen_helper(d, helper_load_seg, 0, -1, 3, d->g->env, const64(d, seg),
               sel);
    if (seg == R_SS) {
        d->is_jmp = DISAS_EXIT_AFTER_NEXT;     /* interrupt shadow */
    } else if (!d->code64) {
        /* the base may change X86TBF_ADDSEG */
        d->is_jmp = DISAS_EXIT;
    }
}

static void gen_push_pop(DisasContext *d, bool push)
{
    const ZydisDecodedOperand *op = &d->ops[0];
    MemOp ot = stack_ot(d);
    X86Opnd o;
    int seg = op->type == ZYDIS_OPERAND_TYPE_REGISTER ?
              zseg_reg(op->reg.value) : -1;

    if (push) {
        TCGv v;

        if (seg >= 0) {
            v = tmp64(d);
            gen_ld_selector(d, seg, v);
        } else {
            decode_opnd(d, 0, &o);
            v = o.kind == OPND_IMM ? const64(d, o.imm & ot_mask(ot))
                                   : gen_ld_opnd(d, &o);
        }
        gen_push(d, ot, v);
        return;
    }
    {
        TCGv v = gen_pop_load(d, ot);

        if (seg >= 0) {
            if (seg == R_CS) {
                gen_unimp(d, "pop cs");
                return;
            }
            gen_load_seg(d, seg, v);
            gen_pop_commit(d, ot);
            return;
        }
        decode_opnd(d, 0, &o);
        if (o.kind == OPND_MEM) {
            /* the address uses rSP after the pop */
            if (op->mem.base == ZYDIS_REGISTER_RSP ||
                op->mem.base == ZYDIS_REGISTER_ESP ||
                op->mem.base == ZYDIS_REGISTER_SP) {
                TCGv a = tmp64(d);

                tcg_gen_addi(d->s, I64, a, o.addr, 1 << ot);
                if (!d->code64) {
                    tcg_gen_ext32u(d->s, I64, a, a);
                }
                o.addr = a;
            }
            gen_st_opnd(d, &o, v);
            gen_pop_commit(d, ot);
        } else {
            gen_pop_commit(d, ot);
            gen_st_opnd(d, &o, v);      /* pop rsp keeps the popped value */
        }
    }
}

static void gen_pushf_popf(DisasContext *d, bool push)
{
    MemOp ot = stack_ot(d);

    gen_update_cc_op(d);
    if (push) {
        TCGv v = tmp64(d);

        gen_helper(d, helper_pushf, TCG_CALL_NO_WRITE_GLOBALS, v, 1,
                   d->g->env);
        gen_push(d, ot, v);
        return;
    }
    {
        TCGv v = gen_pop_load(d, ot);

        gen_helper(d, helper_popf, 0, -1, 3, d->g->env, v,
                   const64(d, 1 << ot));
        d->cc_op = CC_OP_EFLAGS;
        d->cc_op_dirty = false;
        gen_pop_commit(d, ot);
        d->is_jmp = DISAS_EXIT;         /* IF, TF, AC may have changed */
    }
}

/* PUSHA/POPA (legacy modes only: #UD in 64-bit mode, from the decoder) */
static void gen_pusha_popa(DisasContext *d, bool push)
{
    MemOp ot = stack_ot(d);
    unsigned size = 1 << ot;
    TCGv sp = tmp64(d);

    if (push) {
        /* EAX ECX EDX EBX (original) ESP EBP ESI EDI, stores first */
        for (int i = 0; i < 8; i++) {
            TCGv v = tmp64(d);

            tcg_gen_subi(d->s, I64, sp, d->g->regs[R_ESP], (i + 1) * size);
            gen_ext(d, d->sflag, sp, sp);
            gen_ld_reg(d, ot, i, false, v);
            gen_st_mem(d, ot, v, gen_linear(d, sp, R_SS));
        }
        gen_st_reg(d, d->sflag, R_ESP, false, sp);
        return;
    }
    {
        TCGv v[8];

        for (int i = 7; i >= 0; i--) {
            v[i] = tmp64(d);
            tcg_gen_addi(d->s, I64, sp, d->g->regs[R_ESP], (7 - i) * size);
            gen_ext(d, d->sflag, sp, sp);
            gen_ld_mem(d, ot, v[i], gen_linear(d, sp, R_SS));
        }
        for (int i = 0; i < 8; i++) {
            if (i != R_ESP) {
                gen_st_reg(d, ot, i, false, v[i]);
            }
        }
        gen_add_sp(d, 8 * size);
    }
}

static void gen_enter(DisasContext *d)
{
    MemOp ot = stack_ot(d);
    unsigned size = 1 << ot;
    uint64_t frame_size = d->ops[0].imm.value.u & 0xffff;
    unsigned level = d->ops[1].imm.value.u & 31;
    TCGv sp = tmp64(d), bp = tmp64(d), frame = tmp64(d), v = tmp64(d);

    /* all stores first, registers last: a fault leaves them untouched */
    tcg_gen_subi(d->s, I64, sp, d->g->regs[R_ESP], size);
    gen_ext(d, d->sflag, sp, sp);
    gen_ld_reg(d, ot, R_EBP, false, v);
    gen_st_mem(d, ot, v, gen_linear(d, sp, R_SS));
    tcg_gen_mov(d->s, I64, frame, sp);
    tcg_gen_mov(d->s, I64, bp, d->g->regs[R_EBP]);
    for (unsigned i = 1; i < level; i++) {
        TCGv t = tmp64(d);

        tcg_gen_subi(d->s, I64, bp, bp, size);
        gen_ext(d, d->sflag, bp, bp);
        gen_ld_mem(d, ot, t, gen_linear(d, bp, R_SS));
        tcg_gen_subi(d->s, I64, sp, sp, size);
        gen_ext(d, d->sflag, sp, sp);
        gen_st_mem(d, ot, t, gen_linear(d, sp, R_SS));
    }
    if (level) {
        tcg_gen_subi(d->s, I64, sp, sp, size);
        gen_ext(d, d->sflag, sp, sp);
        gen_st_mem(d, ot, frame, gen_linear(d, sp, R_SS));
    }
    tcg_gen_subi(d->s, I64, sp, sp, frame_size);
    gen_ext(d, d->sflag, sp, sp);
    gen_st_reg(d, ot, R_EBP, false, frame);
    gen_st_reg(d, d->sflag, R_ESP, false, sp);
}

static void gen_leave(DisasContext *d)
{
    MemOp ot = stack_ot(d);
    TCGv v = tmp64(d), sp = tmp64(d);

    gen_ld_mem(d, ot, v, gen_seg_reg_addr(d, R_SS, d->g->regs[R_EBP],
                                          d->sflag));
    tcg_gen_addi(d->s, I64, sp, d->g->regs[R_EBP], 1 << ot);
    gen_st_reg(d, d->sflag, R_ESP, false, sp);
    gen_st_reg(d, ot, R_EBP, false, v);
}

/* ---- Near and far control flow ------------------------------------------------ */

static uint64_t branch_target(DisasContext *d, const ZydisDecodedOperand *op)
{
    uint64_t t = next_rip(d) + op->imm.value.s;

    return t & ot_mask(d->code64 ? MO_64 : d->ot);
}

static int ot_shift(MemOp ot)
{
    return ot == MO_16 ? 0 : ot == MO_32 ? 1 : 2;
}

/* far pointer operand: selector and offset */
static void gen_far_ptr(DisasContext *d, TCGv *sel, TCGv *off)
{
    const ZydisDecodedOperand *op = &d->ops[0];

    if (op->type == ZYDIS_OPERAND_TYPE_POINTER) {
        *sel = const64(d, op->ptr.segment);
        *off = const64(d, op->ptr.offset);
    } else {
        X86Opnd o;
        TCGv a = tmp64(d);

        decode_opnd(d, 0, &o);
        *off = tmp64(d);
        *sel = tmp64(d);
        gen_ld_mem(d, d->ot, *off, o.addr);
        tcg_gen_addi(d->s, I64, a, o.addr, 1 << d->ot);
        if (!d->code64) {
            tcg_gen_ext32u(d->s, I64, a, a);
        }
        gen_ld_mem(d, MO_16, *sel, a);
    }
}

static void gen_jmp_call(DisasContext *d, bool call)
{
    const ZydisDecodedOperand *op = &d->ops[0];
    MemOp ot = d->code64 ? MO_64 : d->ot;

    if (d->insn.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR) {
        TCGv sel, off;

        gen_far_ptr(d, &sel, &off);
        gen_update_cc_op(d);
        if (call) {
            gen_helper(d, helper_lcall, 0, -1, 5, d->g->env, sel, off,
                       const64(d, ot_shift(d->ot)), const64(d, next_rip(d)));
        } else {
            gen_helper(d, helper_ljmp, 0, -1, 4, d->g->env, sel, off,
                       const64(d, next_rip(d)));
        }
        d->is_jmp = DISAS_EXIT_DYN;
        return;
    }
    if (op->type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
        uint64_t target = branch_target(d, op);

        if (call) {
            gen_push(d, ot, const64(d, next_rip(d)));
        }
        gen_jmp_rip(d, target, 0);
    } else {
        X86Opnd o;
        TCGv t;

        decode_opnd(d, 0, &o);
        t = gen_ld_opnd(d, &o);
        if (call) {
            gen_push(d, ot, const64(d, next_rip(d)));
        }
        gen_jmp_dyn(d, t);
    }
}

static void gen_ret(DisasContext *d)
{
    uint32_t imm = d->insn.operand_count_visible ?
                   (uint32_t)(d->ops[0].imm.value.u & 0xffff) : 0;
    MemOp ot = d->code64 ? (d->ot == MO_16 ? MO_16 : MO_64) : d->ot;
    TCGv v;

    if (d->insn.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR) {
        gen_update_cc_op(d);
        gen_helper(d, helper_lret, 0, -1, 3, d->g->env,
                   const64(d, ot_shift(d->ot)), const64(d, imm));
        d->is_jmp = DISAS_EXIT_DYN;
        return;
    }
    v = gen_pop_load(d, ot);
    gen_add_sp(d, (1 << ot) + imm);
    gen_jmp_dyn(d, v);
}

static void gen_jcc(DisasContext *d)
{
    TCGLabel *taken = tcg_label_new(d->s);
    uint64_t target = branch_target(d, &d->ops[0]);

    gen_update_cc_op(d);
    gen_jcc_label(d, d->insn.opcode & 0xf, taken);
    gen_jmp_rip(d, next_rip(d), 0);
    tcg_gen_set_label(d->s, taken);
    gen_jmp_rip(d, target, 1);
}

static void gen_loop(DisasContext *d, ZydisMnemonic m)
{
    TCGLabel *taken = tcg_label_new(d->s);
    uint64_t target = branch_target(d, &d->ops[0]);
    TCGv c = tmp64(d);

    gen_update_cc_op(d);
    if (m == ZYDIS_MNEMONIC_JCXZ || m == ZYDIS_MNEMONIC_JECXZ ||
        m == ZYDIS_MNEMONIC_JRCXZ) {
        gen_ext(d, d->aflag, c, d->g->regs[R_ECX]);
        tcg_gen_brcondi(d->s, I64, TCG_COND_EQ, c, 0, taken);
    } else {
        TCGLabel *not_taken = tcg_label_new(d->s);

        tcg_gen_subi(d->s, I64, c, d->g->regs[R_ECX], 1);
        gen_st_reg(d, d->aflag, R_ECX, false, c);
        gen_ext(d, d->aflag, c, c);
        if (m == ZYDIS_MNEMONIC_LOOP) {
            tcg_gen_brcondi(d->s, I64, TCG_COND_NE, c, 0, taken);
        } else {
            tcg_gen_brcondi(d->s, I64, TCG_COND_EQ, c, 0, not_taken);
            /* LOOPE: ZF = 1 (cc 4, "E"); LOOPNE: ZF = 0 (cc 5) */
            gen_jcc_label(d, m == ZYDIS_MNEMONIC_LOOPE ? 4 : 5, taken);
        }
        tcg_gen_set_label(d->s, not_taken);
    }
    gen_jmp_rip(d, next_rip(d), 0);
    tcg_gen_set_label(d->s, taken);
    gen_jmp_rip(d, target, 1);
}

/* ---- Strings ------------------------------------------------------------------------- */

enum { STR_MOVS, STR_STOS, STR_LODS, STR_CMPS, STR_SCAS, STR_INS, STR_OUTS };

/* rSI/rDI += DF ? -size : size, at the address size */
static void gen_str_step(DisasContext *d, int reg, MemOp ot)
{
    TCGv df = tmp64(d), v = tmp64(d);

    tcg_gen_extract(d->s, I64, df, d->g->rflags, 10, 1);
    tcg_gen_shli(d->s, I64, df, df, ot + 1);        /* 0 or 2 * size */
    tcg_gen_addi(d->s, I64, v, d->g->regs[reg], 1 << ot);
    tcg_gen_sub(d->s, I64, v, v, df);
    gen_st_reg(d, d->aflag, reg, false, v);
}

static void gen_string(DisasContext *d, int kind)
{
    MemOp ot = d->ot;
    int sseg = d->seg_prefix >= 0 ? d->seg_prefix : R_DS;
    bool rep = d->rep || d->repne;
    bool cmp = kind == STR_CMPS || kind == STR_SCAS;
    TCGLabel *done = NULL;
    TCGv a = -1, b = -1, v, port = -1;

    if (kind == STR_INS || kind == STR_OUTS) {
        port = tmp64(d);
        tcg_gen_ext16u(d->s, I64, port, d->g->regs[R_EDX]);
        gen_update_cc_op(d);
    }
    if (rep) {
        TCGv c = tmp64(d);

        gen_update_cc_op(d);
        if (cmp) {
            set_cc_op(d, CC_OP_DYNAMIC);
        }
        done = tcg_label_new(d->s);
        gen_ext(d, d->aflag, c, d->g->regs[R_ECX]);
        tcg_gen_brcondi(d->s, I64, TCG_COND_EQ, c, 0, done);
    }
    switch (kind) {
    case STR_MOVS:
        v = tmp64(d);
        gen_ld_mem(d, ot, v, gen_seg_reg_addr(d, sseg, d->g->regs[R_ESI],
                                              d->aflag));
        gen_st_mem(d, ot, v, gen_seg_reg_addr(d, R_ES, d->g->regs[R_EDI],
                                              d->aflag));
        gen_str_step(d, R_ESI, ot);
        gen_str_step(d, R_EDI, ot);
        break;
    case STR_STOS:
        v = tmp64(d);
        gen_ld_reg(d, ot, R_EAX, false, v);
        gen_st_mem(d, ot, v, gen_seg_reg_addr(d, R_ES, d->g->regs[R_EDI],
                                              d->aflag));
        gen_str_step(d, R_EDI, ot);
        break;
    case STR_LODS:
        v = tmp64(d);
        gen_ld_mem(d, ot, v, gen_seg_reg_addr(d, sseg, d->g->regs[R_ESI],
                                              d->aflag));
        gen_st_reg(d, ot, R_EAX, false, v);
        gen_str_step(d, R_ESI, ot);
        break;
    case STR_CMPS:
        a = tmp64(d);
        b = tmp64(d);
        gen_ld_mem(d, ot, a, gen_seg_reg_addr(d, sseg, d->g->regs[R_ESI],
                                              d->aflag));
        gen_ld_mem(d, ot, b, gen_seg_reg_addr(d, R_ES, d->g->regs[R_EDI],
                                              d->aflag));
        gen_str_step(d, R_ESI, ot);
        gen_str_step(d, R_EDI, ot);
        break;
    case STR_SCAS:
        a = tmp64(d);
        b = tmp64(d);
        gen_ld_reg(d, ot, R_EAX, false, a);
        gen_ld_mem(d, ot, b, gen_seg_reg_addr(d, R_ES, d->g->regs[R_EDI],
                                              d->aflag));
        gen_str_step(d, R_EDI, ot);
        break;
    case STR_INS: {
        /* probe the destination first (an atomic OR of 0 checks write
         * access and faults without changing memory), so a #PF there
         * does not swallow a port read */
        TCGv dst = gen_seg_reg_addr(d, R_ES, d->g->regs[R_EDI], d->aflag);

        gen_helper(d, helper_x86_atomic, TCG_CALL_NO_WRITE_GLOBALS, tmp64(d),
                   4, d->g->env, dst, const64(d, 0),
                   const64(d, ot | ATOMIC_OR << 4 | d->mmu_idx << 8));
        v = tmp64(d);
        gen_helper(d, helper_in, 0, v, 3, d->g->env, port,
                   const64(d, 1 << ot));
        gen_st_mem(d, ot, v, dst);
        gen_str_step(d, R_EDI, ot);
        break;
    }
    case STR_OUTS:
        v = tmp64(d);
        gen_ld_mem(d, ot, v, gen_seg_reg_addr(d, sseg, d->g->regs[R_ESI],
                                              d->aflag));
        gen_helper(d, helper_out, 0, -1, 4, d->g->env, port, v,
                   const64(d, 1 << ot));
        gen_str_step(d, R_ESI, ot);
        break;
    }
    if (cmp) {
        TCGv r = tmp64(d);

        tcg_gen_sub(d->s, I64, r, a, b);
        gen_ext(d, ot, r, r);
        tcg_gen_mov(d->s, I64, d->g->cc_dst, r);
        tcg_gen_mov(d->s, I64, d->g->cc_src, b);
        if (rep) {
            tcg_gen_movi(d->s, I32, d->g->cc_op, CC_OP_SUBB + ot);
        } else {
            set_cc_op(d, CC_OP_SUBB + ot);
        }
    }
    if (!rep) {
        if (kind == STR_OUTS) {
            d->is_jmp = DISAS_EXIT;
        }
        return;
    }
    {
        TCGv c = tmp64(d);

        tcg_gen_subi(d->s, I64, c, d->g->regs[R_ECX], 1);
        gen_st_reg(d, d->aflag, R_ECX, false, c);
        gen_ext(d, d->aflag, c, c);
        tcg_gen_brcondi(d->s, I64, TCG_COND_EQ, c, 0, done);
        if (cmp) {
            /* repe stops on a difference, repne on equality */
            tcg_gen_brcondi(d->s, I64, d->repne ? TCG_COND_EQ : TCG_COND_NE,
                            d->g->cc_dst, 0, done);
        }
    }
    gen_jmp_rip(d, cur_rip(d), 1);
    tcg_gen_set_label(d->s, done);
    gen_jmp_rip(d, next_rip(d), 0);
}

/* ---- Moves and exchanges ------------------------------------------------------- */

static bool gen_mov(DisasContext *d)
{
    const ZydisDecodedOperand *o0 = &d->ops[0], *o1 = &d->ops[1];
    int s0 = o0->type == ZYDIS_OPERAND_TYPE_REGISTER ?
             zseg_reg(o0->reg.value) : -1;
    int s1 = o1->type == ZYDIS_OPERAND_TYPE_REGISTER ?
             zseg_reg(o1->reg.value) : -1;
    X86Opnd dst, src;
    TCGv v;

    if (s0 >= 0) {
        if (s0 == R_CS) {
            gen_unimp(d, "mov cs");
            return true;
        }
        decode_opnd(d, 1, &src);
        src.ot = MO_16;
        v = gen_ld_opnd(d, &src);
        gen_load_seg(d, s0, v);
        return true;
    }
    if (s1 >= 0) {
        decode_opnd(d, 0, &dst);
        v = tmp64(d);
        gen_ld_selector(d, s1, v);
        if (dst.kind == OPND_MEM) {
            dst.ot = MO_16;
        }
        gen_st_opnd(d, &dst, v);
        return true;
    }
    if ((o0->type == ZYDIS_OPERAND_TYPE_REGISTER &&
         o0->reg.value >= ZYDIS_REGISTER_CR0 &&
         o0->reg.value <= ZYDIS_REGISTER_DR15) ||
        (o1->type == ZYDIS_OPERAND_TYPE_REGISTER &&
         o1->reg.value >= ZYDIS_REGISTER_CR0 &&
         o1->reg.value <= ZYDIS_REGISTER_DR15)) {
        return false;               /* translate_system */
    }
    decode_opnd(d, 0, &dst);
    decode_opnd(d, 1, &src);
    if (dst.kind == OPND_NONE || src.kind == OPND_NONE) {
        return false;
    }
    v = src.kind == OPND_IMM ? const64(d, src.imm & ot_mask(dst.ot))
                             : gen_ld_opnd(d, &src);
    gen_st_opnd(d, &dst, v);
    return true;
}

static void gen_movx(DisasContext *d, bool sign)
{
    X86Opnd dst, src;
    TCGv v, r = tmp64(d);

    decode_opnd(d, 0, &dst);
    decode_opnd(d, 1, &src);
    v = gen_ld_opnd(d, &src);
    if (sign) {
        gen_exts(d, src.ot, r, v);
        gen_ext(d, dst.ot, r, r);
    } else {
        r = v;
    }
    gen_st_opnd(d, &dst, r);
}

static void gen_lea(DisasContext *d)
{
    X86Opnd dst;
    TCGv ea = gen_ea(d, &d->ops[1]), r = tmp64(d);

    decode_opnd(d, 0, &dst);
    gen_ext(d, dst.ot, r, ea);
    gen_st_opnd(d, &dst, r);
}

static void gen_xchg(DisasContext *d)
{
    X86Opnd a, b;
    TCGv va, vb;

    decode_opnd(d, 0, &a);
    decode_opnd(d, 1, &b);
    if (a.kind == OPND_REG && b.kind == OPND_MEM) {
        X86Opnd t = a;

        a = b;
        b = t;
    }
    vb = gen_ld_opnd(d, &b);
    if (a.kind == OPND_MEM) {
        /* always atomic, lock prefix or not */
        va = tmp64(d);
        gen_helper(d, helper_x86_atomic, TCG_CALL_NO_WRITE_GLOBALS, va, 4,
                   d->g->env, a.addr, vb,
                   const64(d, a.ot | ATOMIC_XCHG << 4 | d->mmu_idx << 8));
    } else {
        va = gen_ld_opnd(d, &a);
        gen_st_opnd(d, &a, vb);
    }
    gen_st_opnd(d, &b, va);
}

static void gen_cmpxchg(DisasContext *d)
{
    X86Opnd dst, src;
    MemOp ot;
    TCGv acc = tmp64(d), newv, old, r = tmp64(d);

    decode_opnd(d, 0, &dst);
    decode_opnd(d, 1, &src);
    ot = dst.ot;
    gen_ld_reg(d, ot, R_EAX, false, acc);
    newv = gen_ld_opnd(d, &src);
    if (dst.kind == OPND_MEM) {
        old = tmp64(d);
        gen_helper(d, helper_x86_cmpxchg, TCG_CALL_NO_WRITE_GLOBALS, old, 5,
                   d->g->env, dst.addr, acc, newv,
                   const64(d, ot | d->mmu_idx << 8));
    } else {
        /* a register destination is only written on a match (a 32-bit
         * one is not even zero-extended otherwise, as on hardware) */
        TCGv full = tmp64(d), upd = tmp64(d);

        old = gen_ld_opnd(d, &dst);
        tcg_gen_mov(d->s, I64, full, d->g->regs[dst.reg]);
        gen_st_opnd(d, &dst, newv);
        tcg_gen_mov(d->s, I64, upd, d->g->regs[dst.reg]);
        tcg_gen_movcond(d->s, I64, TCG_COND_EQ, d->g->regs[dst.reg], old, acc,
                        upd, full);
    }
    /* accumulator gets the old value only on a mismatch (a 32-bit
     * accumulator is not even zero-extended on a match) */
    {
        TCGv full = tmp64(d), upd = tmp64(d);

        tcg_gen_mov(d->s, I64, full, d->g->regs[R_EAX]);
        gen_st_reg(d, ot, R_EAX, false, old);
        tcg_gen_mov(d->s, I64, upd, d->g->regs[R_EAX]);
        tcg_gen_movcond(d->s, I64, TCG_COND_EQ, d->g->regs[R_EAX], old, acc,
                        full, upd);
    }
    tcg_gen_sub(d->s, I64, r, acc, old);
    gen_ext(d, ot, r, r);
    tcg_gen_mov(d->s, I64, d->g->cc_dst, r);
    tcg_gen_mov(d->s, I64, d->g->cc_src, old);
    set_cc_op(d, CC_OP_SUBB + ot);
}

static void gen_cmpxchg_wide(DisasContext *d)
{
    X86Opnd dst;

    decode_opnd(d, 0, &dst);
    if (dst.kind != OPND_MEM) {
        gen_unimp(d, "register operand");
        return;
    }
    gen_compute_eflags(d);
    gen_update_cc_op(d);
    gen_helper(d, helper_x86_cmpxchg_wide, 0, -1, 3, d->g->env, dst.addr,
               const64(d, (d->ot == MO_64 ? 16 : 8) | d->mmu_idx << 8));
}

static void gen_xadd(DisasContext *d)
{
    X86Opnd dst, src;
    MemOp ot;
    TCGv a, b, r = tmp64(d);

    decode_opnd(d, 0, &dst);
    decode_opnd(d, 1, &src);
    ot = dst.ot;
    b = gen_ld_opnd(d, &src);
    if (dst.kind == OPND_MEM && d->lock) {
        a = tmp64(d);
        gen_helper(d, helper_x86_atomic, TCG_CALL_NO_WRITE_GLOBALS, a, 4,
                   d->g->env, dst.addr, b,
                   const64(d, ot | ATOMIC_ADD << 4 | d->mmu_idx << 8));
        tcg_gen_add(d->s, I64, r, a, b);
        gen_ext(d, ot, r, r);
    } else {
        a = gen_ld_opnd(d, &dst);
        tcg_gen_add(d->s, I64, r, a, b);
        gen_ext(d, ot, r, r);
        if (dst.kind == OPND_MEM) {
            gen_st_opnd(d, &dst, r);
        }
    }
    gen_st_opnd(d, &src, a);
    if (dst.kind != OPND_MEM) {
        gen_st_opnd(d, &dst, r);
    }
    tcg_gen_mov(d->s, I64, d->g->cc_dst, r);
    tcg_gen_mov(d->s, I64, d->g->cc_src, b);
    set_cc_op(d, CC_OP_ADDB + ot);
}

static void gen_bswap(DisasContext *d)
{
    X86Opnd dst;
    TCGv v, r = tmp64(d);

    decode_opnd(d, 0, &dst);
    v = gen_ld_opnd(d, &dst);
    if (dst.ot == MO_64) {
        tcg_gen_bswap64(d->s, I64, r, v);
    } else if (dst.ot == MO_32) {
        tcg_gen_bswap32(d->s, I64, r, v);
    } else {
        r = const64(d, 0);          /* what CPUs do for the 16-bit form */
    }
    gen_st_opnd(d, &dst, r);
}

static void gen_cwd_family(DisasContext *d, ZydisMnemonic m)
{
    TCGv v = tmp64(d);

    switch (m) {
    case ZYDIS_MNEMONIC_CBW:
        gen_ld_reg(d, MO_8, R_EAX, false, v);
        gen_exts(d, MO_8, v, v);
        gen_st_reg(d, MO_16, R_EAX, false, v);
        break;
    case ZYDIS_MNEMONIC_CWDE:
        gen_ld_reg(d, MO_16, R_EAX, false, v);
        gen_exts(d, MO_16, v, v);
        gen_st_reg(d, MO_32, R_EAX, false, v);
        break;
    case ZYDIS_MNEMONIC_CDQE:
        gen_exts(d, MO_32, v, d->g->regs[R_EAX]);
        gen_st_reg(d, MO_64, R_EAX, false, v);
        break;
    default: {          /* CWD, CDQ, CQO: rDX = sign of rAX */
        MemOp ot = m == ZYDIS_MNEMONIC_CWD ? MO_16 :
                   m == ZYDIS_MNEMONIC_CDQ ? MO_32 : MO_64;

        gen_exts(d, ot, v, d->g->regs[R_EAX]);
        tcg_gen_sari(d->s, I64, v, v, 63);
        gen_ext(d, ot, v, v);
        gen_st_reg(d, ot, R_EDX, false, v);
        break;
    }
    }
}

static void gen_xlat(DisasContext *d)
{
    int seg = d->seg_prefix >= 0 ? d->seg_prefix : R_DS;
    TCGv ea = tmp64(d), al = tmp64(d), v = tmp64(d);

    tcg_gen_ext8u(d->s, I64, al, d->g->regs[R_EAX]);
    tcg_gen_add(d->s, I64, ea, d->g->regs[R_EBX], al);
    gen_ext(d, d->aflag, ea, ea);
    gen_ld_mem(d, MO_8, v, gen_linear(d, ea, seg));
    gen_st_reg(d, MO_8, R_EAX, false, v);
}

static void gen_lxs(DisasContext *d, int seg)
{
    X86Opnd dst, src;
    TCGv off = tmp64(d), sel = tmp64(d), a = tmp64(d);

    decode_opnd(d, 0, &dst);
    decode_opnd(d, 1, &src);
    if (src.kind != OPND_MEM) {
        gen_unimp(d, "register operand");
        return;
    }
    gen_ld_mem(d, dst.ot, off, src.addr);
    tcg_gen_addi(d->s, I64, a, src.addr, 1 << dst.ot);
    if (!d->code64) {
        tcg_gen_ext32u(d->s, I64, a, a);
    }
    gen_ld_mem(d, MO_16, sel, a);
    gen_load_seg(d, seg, sel);
    gen_st_opnd(d, &dst, off);
}

/* ---- Dispatch ---------------------------------------------------------------------- */

static bool is_string_map(DisasContext *d)
{
    return d->insn.opcode_map == ZYDIS_OPCODE_MAP_DEFAULT;
}

bool translate_misc(DisasContext *d)
{
    ZydisMnemonic m = d->insn.mnemonic;

    switch (m) {
    case ZYDIS_MNEMONIC_MOV:
        return gen_mov(d);
    case ZYDIS_MNEMONIC_MOVZX: gen_movx(d, false); return true;
    case ZYDIS_MNEMONIC_MOVSX:
    case ZYDIS_MNEMONIC_MOVSXD: gen_movx(d, true); return true;
    case ZYDIS_MNEMONIC_LEA: gen_lea(d); return true;
    case ZYDIS_MNEMONIC_XCHG: gen_xchg(d); return true;
    case ZYDIS_MNEMONIC_CMPXCHG: gen_cmpxchg(d); return true;
    case ZYDIS_MNEMONIC_CMPXCHG8B:
    case ZYDIS_MNEMONIC_CMPXCHG16B: gen_cmpxchg_wide(d); return true;
    case ZYDIS_MNEMONIC_XADD: gen_xadd(d); return true;
    case ZYDIS_MNEMONIC_BSWAP: gen_bswap(d); return true;
    case ZYDIS_MNEMONIC_CBW: case ZYDIS_MNEMONIC_CWDE:
    case ZYDIS_MNEMONIC_CDQE: case ZYDIS_MNEMONIC_CWD:
    case ZYDIS_MNEMONIC_CDQ: case ZYDIS_MNEMONIC_CQO:
        gen_cwd_family(d, m);
        return true;
    case ZYDIS_MNEMONIC_XLAT: gen_xlat(d); return true;
    case ZYDIS_MNEMONIC_NOP:
    case ZYDIS_MNEMONIC_ENDBR32: case ZYDIS_MNEMONIC_ENDBR64:
    case ZYDIS_MNEMONIC_PREFETCH: case ZYDIS_MNEMONIC_PREFETCHW:
    case ZYDIS_MNEMONIC_PREFETCHNTA: case ZYDIS_MNEMONIC_PREFETCHT0:
    case ZYDIS_MNEMONIC_PREFETCHT1: case ZYDIS_MNEMONIC_PREFETCHT2:
    case ZYDIS_MNEMONIC_CLFLUSH: case ZYDIS_MNEMONIC_CLFLUSHOPT:
        return true;
    case ZYDIS_MNEMONIC_LFENCE:
        tcg_gen_mb(d->s, TCG_MO_LD_LD | TCG_MO_LD_ST);
        return true;
    case ZYDIS_MNEMONIC_SFENCE:
        tcg_gen_mb(d->s, TCG_MO_ST_ST);
        return true;
    case ZYDIS_MNEMONIC_MFENCE:
        tcg_gen_mb(d->s, TCG_MO_ALL);
        return true;
    case ZYDIS_MNEMONIC_PUSH: gen_push_pop(d, true); return true;
    case ZYDIS_MNEMONIC_POP: gen_push_pop(d, false); return true;
    case ZYDIS_MNEMONIC_PUSHF: case ZYDIS_MNEMONIC_PUSHFD:
    case ZYDIS_MNEMONIC_PUSHFQ:
        gen_pushf_popf(d, true);
        return true;
    case ZYDIS_MNEMONIC_POPF: case ZYDIS_MNEMONIC_POPFD:
    case ZYDIS_MNEMONIC_POPFQ:
        gen_pushf_popf(d, false);
        return true;
    case ZYDIS_MNEMONIC_PUSHA: case ZYDIS_MNEMONIC_PUSHAD:
        gen_pusha_popa(d, true);
        return true;
    case ZYDIS_MNEMONIC_POPA: case ZYDIS_MNEMONIC_POPAD:
        gen_pusha_popa(d, false);
        return true;
    case ZYDIS_MNEMONIC_ENTER: gen_enter(d); return true;
    case ZYDIS_MNEMONIC_LEAVE: gen_leave(d); return true;
    case ZYDIS_MNEMONIC_JMP: gen_jmp_call(d, false); return true;
    case ZYDIS_MNEMONIC_CALL: gen_jmp_call(d, true); return true;
    case ZYDIS_MNEMONIC_RET: gen_ret(d); return true;
    case ZYDIS_MNEMONIC_JO: case ZYDIS_MNEMONIC_JNO:
    case ZYDIS_MNEMONIC_JB: case ZYDIS_MNEMONIC_JNB:
    case ZYDIS_MNEMONIC_JZ: case ZYDIS_MNEMONIC_JNZ:
    case ZYDIS_MNEMONIC_JBE: case ZYDIS_MNEMONIC_JNBE:
    case ZYDIS_MNEMONIC_JS: case ZYDIS_MNEMONIC_JNS:
    case ZYDIS_MNEMONIC_JP: case ZYDIS_MNEMONIC_JNP:
    case ZYDIS_MNEMONIC_JL: case ZYDIS_MNEMONIC_JNL:
    case ZYDIS_MNEMONIC_JLE: case ZYDIS_MNEMONIC_JNLE:
        gen_jcc(d);
        return true;
    case ZYDIS_MNEMONIC_LOOP: case ZYDIS_MNEMONIC_LOOPE:
    case ZYDIS_MNEMONIC_LOOPNE: case ZYDIS_MNEMONIC_JCXZ:
    case ZYDIS_MNEMONIC_JECXZ: case ZYDIS_MNEMONIC_JRCXZ:
        gen_loop(d, m);
        return true;
    case ZYDIS_MNEMONIC_MOVSB: case ZYDIS_MNEMONIC_MOVSW:
    case ZYDIS_MNEMONIC_MOVSQ:
        gen_string(d, STR_MOVS);
        return true;
    case ZYDIS_MNEMONIC_MOVSD:
        if (!is_string_map(d)) {
            return false;
        }
        gen_string(d, STR_MOVS);
        return true;
    case ZYDIS_MNEMONIC_STOSB: case ZYDIS_MNEMONIC_STOSW:
    case ZYDIS_MNEMONIC_STOSD: case ZYDIS_MNEMONIC_STOSQ:
        gen_string(d, STR_STOS);
        return true;
    case ZYDIS_MNEMONIC_LODSB: case ZYDIS_MNEMONIC_LODSW:
    case ZYDIS_MNEMONIC_LODSD: case ZYDIS_MNEMONIC_LODSQ:
        gen_string(d, STR_LODS);
        return true;
    case ZYDIS_MNEMONIC_CMPSB: case ZYDIS_MNEMONIC_CMPSW:
    case ZYDIS_MNEMONIC_CMPSQ:
        gen_string(d, STR_CMPS);
        return true;
    case ZYDIS_MNEMONIC_CMPSD:
        if (!is_string_map(d)) {
            return false;
        }
        gen_string(d, STR_CMPS);
        return true;
    case ZYDIS_MNEMONIC_SCASB: case ZYDIS_MNEMONIC_SCASW:
    case ZYDIS_MNEMONIC_SCASD: case ZYDIS_MNEMONIC_SCASQ:
        gen_string(d, STR_SCAS);
        return true;
    case ZYDIS_MNEMONIC_INSB: case ZYDIS_MNEMONIC_INSW:
    case ZYDIS_MNEMONIC_INSD:
        gen_string(d, STR_INS);
        return true;
    case ZYDIS_MNEMONIC_OUTSB: case ZYDIS_MNEMONIC_OUTSW:
    case ZYDIS_MNEMONIC_OUTSD:
        gen_string(d, STR_OUTS);
        return true;
    case ZYDIS_MNEMONIC_LDS: gen_lxs(d, R_DS); return true;
    case ZYDIS_MNEMONIC_LES: gen_lxs(d, R_ES); return true;
    case ZYDIS_MNEMONIC_LFS: gen_lxs(d, R_FS); return true;
    case ZYDIS_MNEMONIC_LGS: gen_lxs(d, R_GS); return true;
    case ZYDIS_MNEMONIC_LSS: gen_lxs(d, R_SS); return true;
    case ZYDIS_MNEMONIC_UD0: case ZYDIS_MNEMONIC_UD1:
    case ZYDIS_MNEMONIC_UD2:
        gen_exception(d, EXCP_UD);
        return true;
    default:
        return false;
    }
}
