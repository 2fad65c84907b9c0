/*
 * translate-system.c: system instructions, mostly calls into the helpers
 * of tcg/i386/helper.h.  Privilege checks that depend only on tb->flags
 * (CPL, IOPL, mode) are made here, at translation time.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stddef.h>
#include "tcg/i386/translate-internal.h"
#include "tcg/i386/helper.h"
#include "tcg/exec.h"

/* #GP(0) unless CPL 0; true when the instruction may go on */
static bool check_cpl0(DisasContext *d)
{
    if (d->cpl != 0) {
        gen_exception_err(d, EXCP_GP, 0);
        return false;
    }
    return true;
}

/* CLI/STI rules: protected mode needs CPL <= IOPL */
static bool check_iopl(DisasContext *d)
{
    if (d->pe && d->cpl > d->iopl) {
        gen_exception_err(d, EXCP_GP, 0);
        return false;
    }
    return true;
}

static int ot_shift(MemOp ot)
{
    return ot == MO_16 ? 0 : ot == MO_32 ? 1 : 2;
}

/* After a helper marked [END] that leaves rip alone. */
static void end_block(DisasContext *d)
{
    d->is_jmp = DISAS_EXIT;
}

static TCGv opnd_addr(DisasContext *d, int i)
{
    X86Opnd o;

    decode_opnd(d, i, &o);
    return o.kind == OPND_MEM ? o.addr : -1;
}

static TCGv ld_opnd16(DisasContext *d, int i)
{
    X86Opnd o;

    decode_opnd(d, i, &o);
    if (o.kind == OPND_MEM) {
        o.ot = MO_16;
    }
    return gen_ld_opnd(d, &o);
}

/* sldt/str/smsw: a register gets the operand size, memory 16 bits */
static void st_opnd16(DisasContext *d, int i, TCGv v)
{
    X86Opnd o;

    decode_opnd(d, i, &o);
    if (o.kind == OPND_MEM) {
        o.ot = MO_16;
    }
    gen_st_opnd(d, &o, v);
}

static bool gen_mov_crdr(DisasContext *d)
{
    const ZydisDecodedOperand *o0 = &d->ops[0], *o1 = &d->ops[1];
    bool to_ctl = o0->reg.value >= ZYDIS_REGISTER_CR0 &&
                  o0->reg.value <= ZYDIS_REGISTER_DR15;
    ZydisRegister cr = to_ctl ? o0->reg.value : o1->reg.value;
    bool is_dr = cr >= ZYDIS_REGISTER_DR0;
    int n = is_dr ? cr - ZYDIS_REGISTER_DR0 : cr - ZYDIS_REGISTER_CR0;
    /* the GPR side is 64 bits in 64-bit mode, 32 otherwise */
    MemOp ot = d->code64 ? MO_64 : MO_32;
    int reg;
    X86Opnd g;

    if (!check_cpl0(d)) {
        return true;
    }
    decode_opnd(d, to_ctl ? 1 : 0, &g);
    if (g.kind != OPND_REG) {
        return false;
    }
    reg = g.reg;
    gen_update_cc_op(d);
    if (to_ctl) {
        TCGv v = tmp64(d);

        gen_ld_reg(d, ot, reg, false, v);
        gen_helper(d, is_dr ? (void *)helper_write_dr : (void *)helper_write_cr,
                   0, -1, 3, d->g->env, const64(d, n), v);
        end_block(d);
    } else {
        TCGv v = tmp64(d);

        gen_helper(d, is_dr ? (void *)helper_read_dr : (void *)helper_read_cr,
                   TCG_CALL_NO_WRITE_GLOBALS, v, 2, d->g->env, const64(d, n));
        gen_st_reg(d, ot, reg, false, v);
    }
    return true;
}

static void gen_in_out(DisasContext *d, bool in)
{
    X86Opnd port_op, val_op;
    TCGv port;
    MemOp ot;

    decode_opnd(d, in ? 1 : 0, &port_op);
    decode_opnd(d, in ? 0 : 1, &val_op);
    ot = val_op.ot;
    if (port_op.kind == OPND_IMM) {
        port = const64(d, port_op.imm & 0xff);
    } else {
        port = tmp64(d);
        tcg_gen_ext16u(d->s, I64, port, d->g->regs[R_EDX]);
    }
    gen_update_cc_op(d);
    if (in) {
        TCGv v = tmp64(d);

        gen_helper(d, helper_in, 0, v, 3, d->g->env, port,
                   const64(d, 1 << ot));
        gen_st_reg(d, ot, R_EAX, false, v);
    } else {
        TCGv v = tmp64(d);

        gen_ld_reg(d, ot, R_EAX, false, v);
        gen_helper(d, helper_out, 0, -1, 4, d->g->env, port, v,
                   const64(d, 1 << ot));
        /* a device may have raised an interrupt or stopped the VM */
        end_block(d);
    }
}

static void gen_cc_out(DisasContext *d)
{
    d->cc_op = CC_OP_EFLAGS;
    d->cc_op_dirty = false;
}

/* LAR/LSL: write the destination only when the helper set ZF */
static void gen_lar_lsl(DisasContext *d, bool lsl)
{
    X86Opnd dst;
    TCGv sel = ld_opnd16(d, 1), v = tmp64(d), z = tmp64(d);
    TCGv old = tmp64(d), nv = tmp64(d);

    decode_opnd(d, 0, &dst);
    gen_update_cc_op(d);
    gen_helper(d, lsl ? (void *)helper_lsl : (void *)helper_lar, 0, v, 2,
               d->g->env, sel);
    gen_cc_out(d);
    tcg_gen_andi(d->s, I64, z, d->g->rflags, CC_Z);
    tcg_gen_mov(d->s, I64, old, d->g->regs[dst.reg]);
    gen_st_reg(d, dst.ot, dst.reg, false, v);
    tcg_gen_mov(d->s, I64, nv, d->g->regs[dst.reg]);
    tcg_gen_movcond(d->s, I64, TCG_COND_NE, d->g->regs[dst.reg], z,
                    const64(d, 0), nv, old);
}

static void gen_int(DisasContext *d, ZydisMnemonic m)
{
    TCGv nr = const64(d, next_rip(d));

    if (m == ZYDIS_MNEMONIC_INTO && d->code64) {
        gen_exception(d, EXCP_UD);
        return;
    }
    gen_update_cc_op(d);
    /* the INT's own rip, for the -d int line; a delivery overwrites it,
     * and INTO with OF clear sets next_rip itself */
    gen_update_rip_cur(d);
    switch (m) {
    case ZYDIS_MNEMONIC_INT3:
        gen_helper(d, helper_raise_interrupt, 0, -1, 3, d->g->env,
                   const64(d, 3), nr);
        break;
    case ZYDIS_MNEMONIC_INT:
        gen_helper(d, helper_raise_interrupt, 0, -1, 3, d->g->env,
                   const64(d, d->ops[0].imm.value.u & 0xff), nr);
        break;
    case ZYDIS_MNEMONIC_INTO:
        gen_helper(d, helper_into, 0, -1, 2, d->g->env, nr);
        break;
    default:
        gen_helper(d, helper_icebp, 0, -1, 2, d->g->env, nr);
        break;
    }
    gen_cc_out(d);
    d->is_jmp = DISAS_EXIT_DYN;
}

bool translate_system(DisasContext *d)
{
    ZydisMnemonic m = d->insn.mnemonic;
    TCGv a, v;

    switch (m) {
    case ZYDIS_MNEMONIC_MOV:
        return gen_mov_crdr(d);
    case ZYDIS_MNEMONIC_CLI:
        if (check_iopl(d)) {
            tcg_gen_andi(d->s, I64, d->g->rflags, d->g->rflags,
                         ~(int64_t)RFLAGS_IF);
        }
        return true;
    case ZYDIS_MNEMONIC_STI:
        if (check_iopl(d)) {
            tcg_gen_ori(d->s, I64, d->g->rflags, d->g->rflags, RFLAGS_IF);
            d->is_jmp = DISAS_EXIT_AFTER_NEXT;
        }
        return true;
    case ZYDIS_MNEMONIC_HLT:
        if (check_cpl0(d)) {
            gen_update_cc_op(d);
            gen_helper(d, helper_hlt, 0, -1, 2, d->g->env,
                       const64(d, next_rip(d)));
            d->is_jmp = DISAS_NORETURN;
        }
        return true;
    case ZYDIS_MNEMONIC_PAUSE:
        gen_helper(d, helper_pause, TCG_CALL_NO_RAISE |
                   TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS,
                   -1, 1, d->g->env);
        return true;
    case ZYDIS_MNEMONIC_IN:
        gen_in_out(d, true);
        return true;
    case ZYDIS_MNEMONIC_OUT:
        gen_in_out(d, false);
        return true;
    case ZYDIS_MNEMONIC_INT: case ZYDIS_MNEMONIC_INT3:
    case ZYDIS_MNEMONIC_INTO: case ZYDIS_MNEMONIC_INT1:
        gen_int(d, m);
        return true;
    case ZYDIS_MNEMONIC_IRET: case ZYDIS_MNEMONIC_IRETD:
    case ZYDIS_MNEMONIC_IRETQ:
        gen_update_cc_op(d);
        gen_helper(d, helper_iret, 0, -1, 3, d->g->env,
                   const64(d, ot_shift(d->ot)), const64(d, next_rip(d)));
        gen_cc_out(d);
        d->is_jmp = DISAS_EXIT_DYN;
        return true;
    case ZYDIS_MNEMONIC_SYSCALL:
        gen_update_cc_op(d);
        gen_helper(d, helper_syscall, 0, -1, 2, d->g->env,
                   const64(d, next_rip(d)));
        gen_cc_out(d);
        d->is_jmp = DISAS_EXIT_DYN;
        return true;
    case ZYDIS_MNEMONIC_SYSRET:
        gen_update_cc_op(d);
        gen_helper(d, helper_sysret, 0, -1, 2, d->g->env,
                   const64(d, d->ot == MO_64 ? 2 : 1));
        gen_cc_out(d);
        d->is_jmp = DISAS_EXIT_DYN;
        return true;
    case ZYDIS_MNEMONIC_SYSENTER:
        gen_update_cc_op(d);
        gen_helper(d, helper_sysenter, 0, -1, 2, d->g->env,
                   const64(d, next_rip(d)));
        gen_cc_out(d);
        d->is_jmp = DISAS_EXIT_DYN;
        return true;
    case ZYDIS_MNEMONIC_SYSEXIT:
        gen_update_cc_op(d);
        gen_helper(d, helper_sysexit, 0, -1, 2, d->g->env,
                   const64(d, d->ot == MO_64 ? 2 : 1));
        d->is_jmp = DISAS_EXIT_DYN;
        return true;
    case ZYDIS_MNEMONIC_LGDT: case ZYDIS_MNEMONIC_LIDT:
        if (!check_cpl0(d)) {
            return true;
        }
        a = opnd_addr(d, 0);
        gen_update_cc_op(d);
        gen_helper(d, m == ZYDIS_MNEMONIC_LGDT ? (void *)helper_lgdt :
                   (void *)helper_lidt, 0, -1, 3, d->g->env, a,
                   const64(d, d->code64 ? 2 : ot_shift(d->ot)));
        return true;
    case ZYDIS_MNEMONIC_SGDT: case ZYDIS_MNEMONIC_SIDT:
        a = opnd_addr(d, 0);
        gen_update_cc_op(d);
        gen_helper(d, m == ZYDIS_MNEMONIC_SGDT ? (void *)helper_sgdt :
                   (void *)helper_sidt, 0, -1, 2, d->g->env, a);
        return true;
    case ZYDIS_MNEMONIC_LLDT: case ZYDIS_MNEMONIC_LTR:
        if (!d->pe) {
            gen_exception(d, EXCP_UD);
            return true;
        }
        if (!check_cpl0(d)) {
            return true;
        }
        v = ld_opnd16(d, 0);
        gen_update_cc_op(d);
        gen_helper(d, m == ZYDIS_MNEMONIC_LLDT ? (void *)helper_lldt :
                   (void *)helper_ltr, 0, -1, 2, d->g->env, v);
        return true;
    case ZYDIS_MNEMONIC_SLDT: case ZYDIS_MNEMONIC_STR:
        v = tmp64(d);
        gen_update_cc_op(d);
        gen_helper(d, m == ZYDIS_MNEMONIC_SLDT ? (void *)helper_sldt :
                   (void *)helper_str, TCG_CALL_NO_WRITE_GLOBALS, v, 1,
                   d->g->env);
        tcg_gen_ext32u(d->s, I64, v, v);
        st_opnd16(d, 0, v);
        return true;
    case ZYDIS_MNEMONIC_LAR:
        gen_lar_lsl(d, false);
        return true;
    case ZYDIS_MNEMONIC_LSL:
        gen_lar_lsl(d, true);
        return true;
    case ZYDIS_MNEMONIC_VERR: case ZYDIS_MNEMONIC_VERW:
        v = ld_opnd16(d, 0);
        gen_update_cc_op(d);
        gen_helper(d, m == ZYDIS_MNEMONIC_VERR ? (void *)helper_verr :
                   (void *)helper_verw, 0, -1, 2, d->g->env, v);
        gen_cc_out(d);
        return true;
    case ZYDIS_MNEMONIC_SWAPGS:
        if (!d->code64) {
            gen_exception(d, EXCP_UD);
            return true;
        }
        if (check_cpl0(d)) {
            gen_helper(d, helper_swapgs, 0, -1, 1, d->g->env);
        }
        return true;
    case ZYDIS_MNEMONIC_INVLPG:
        if (!check_cpl0(d)) {
            return true;
        }
        a = opnd_addr(d, 0);
        gen_update_cc_op(d);
        gen_helper(d, helper_invlpg, 0, -1, 2, d->g->env, a);
        end_block(d);
        return true;
    case ZYDIS_MNEMONIC_WBINVD: case ZYDIS_MNEMONIC_INVD:
        gen_update_cc_op(d);
        gen_helper(d, helper_wbinvd, 0, -1, 1, d->g->env);
        return true;
    case ZYDIS_MNEMONIC_CLTS:
        if (check_cpl0(d)) {
            gen_helper(d, helper_clts, 0, -1, 1, d->g->env);
        }
        return true;
    case ZYDIS_MNEMONIC_LMSW:
        if (!check_cpl0(d)) {
            return true;
        }
        v = ld_opnd16(d, 0);
        gen_update_cc_op(d);
        gen_helper(d, helper_lmsw, 0, -1, 2, d->g->env, v);
        end_block(d);
        return true;
    case ZYDIS_MNEMONIC_SMSW:
        v = tmp64(d);
        gen_update_cc_op(d);
        gen_helper(d, helper_smsw, TCG_CALL_NO_WRITE_GLOBALS, v, 1,
                   d->g->env);
        st_opnd16(d, 0, v);
        return true;
    case ZYDIS_MNEMONIC_CPUID:
        gen_update_cc_op(d);
        gen_helper(d, helper_cpuid, 0, -1, 1, d->g->env);
        return true;
    case ZYDIS_MNEMONIC_RDTSC:
        gen_update_cc_op(d);
        gen_helper(d, helper_rdtsc, 0, -1, 1, d->g->env);
        return true;
    case ZYDIS_MNEMONIC_RDTSCP:
        gen_update_cc_op(d);
        gen_helper(d, helper_rdtscp, 0, -1, 1, d->g->env);
        return true;
    case ZYDIS_MNEMONIC_RDPMC:
        gen_update_cc_op(d);
        gen_helper(d, helper_rdpmc, 0, -1, 1, d->g->env);
        return true;
    case ZYDIS_MNEMONIC_RDMSR:
        if (check_cpl0(d)) {
            gen_update_cc_op(d);
            gen_helper(d, helper_rdmsr, 0, -1, 1, d->g->env);
        }
        return true;
    case ZYDIS_MNEMONIC_WRMSR:
        if (check_cpl0(d)) {
            gen_update_cc_op(d);
            gen_helper(d, helper_wrmsr, 0, -1, 1, d->g->env);
            end_block(d);
        }
        return true;
    case ZYDIS_MNEMONIC_XGETBV:
        gen_update_cc_op(d);
        gen_helper(d, helper_xgetbv, 0, -1, 1, d->g->env);
        return true;
    default:
        return false;
    }
}
