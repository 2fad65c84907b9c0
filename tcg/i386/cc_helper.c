/*
 * cc_helper.c: lazy condition codes (materializing RFLAGS from cc_op and
 * the cc_* operands) and the tb->flags / pc derivation.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcg/i386/translate.h"

/* Parity of the low byte: PF is set when the number of 1 bits is even. */
static inline uint64_t cc_parity(uint64_t v)
{
    return (__builtin_parity((unsigned)(v & 0xff)) ? 0 : CC_P);
}

static inline uint64_t sz_mask(unsigned size)
{
    return size == 3 ? ~0ULL : (1ULL << (8 << size)) - 1;
}

static inline uint64_t sign_bit(unsigned size)
{
    return 1ULL << ((8 << size) - 1);
}

/* ZF, SF and PF of a result of @size. */
static inline uint64_t szp(uint64_t dst, unsigned size)
{
    uint64_t r = cc_parity(dst);

    dst &= sz_mask(size);
    if (dst == 0) {
        r |= CC_Z;
    }
    if (dst & sign_bit(size)) {
        r |= CC_S;
    }
    return r;
}

static uint64_t cc_add(uint64_t dst, uint64_t b, uint64_t cin, unsigned size,
                       bool with_carry)
{
    uint64_t m = sz_mask(size);
    uint64_t a, r, cf;

    dst &= m;
    b &= m;
    a = (dst - b - cin) & m;
    cf = with_carry && cin ? dst <= a : dst < a;
    r = szp(dst, size) | (cf ? CC_C : 0);
    r |= (a ^ b ^ dst) & CC_A;
    if ((a ^ dst) & (b ^ dst) & sign_bit(size)) {
        r |= CC_O;
    }
    return r;
}

static uint64_t cc_sub(uint64_t dst, uint64_t b, uint64_t bin, unsigned size,
                       bool with_borrow)
{
    uint64_t m = sz_mask(size);
    uint64_t a, r, cf;

    dst &= m;
    b &= m;
    a = (dst + b + bin) & m;
    cf = with_borrow && bin ? a <= b : a < b;
    r = szp(dst, size) | (cf ? CC_C : 0);
    r |= (a ^ b ^ dst) & CC_A;
    if ((a ^ b) & (a ^ dst) & sign_bit(size)) {
        r |= CC_O;
    }
    return r;
}

uint64_t x86_cc_compute_all(uint64_t dst, uint64_t src, uint64_t src2,
                            uint32_t op)
{
    unsigned size;
    uint64_t r;

    switch (op) {
    case CC_OP_CLR:
        return CC_Z | CC_P;
    case CC_OP_POPCNT:
        return dst == 0 ? CC_Z : 0;
    case CC_OP_EFLAGS:
    case CC_OP_DYNAMIC:
        return 0;
    }
    if (op < CC_OP_ADDB || op >= CC_OP_NB) {
        return 0;
    }
    size = (op - CC_OP_ADDB) & 3;
    switch ((op - CC_OP_ADDB) & ~3u) {
    case CC_OP_ADDB - CC_OP_ADDB:
        return cc_add(dst, src, 0, size, false);
    case CC_OP_ADCB - CC_OP_ADDB:
        return cc_add(dst, src, src2 & 1, size, true);
    case CC_OP_SUBB - CC_OP_ADDB:
        return cc_sub(dst, src, 0, size, false);
    case CC_OP_SBBB - CC_OP_ADDB:
        return cc_sub(dst, src, src2 & 1, size, true);
    case CC_OP_LOGICB - CC_OP_ADDB:
        return szp(dst, size);
    case CC_OP_INCB - CC_OP_ADDB:
        /* CF is the one from before the INC; OF when it wrapped to MIN */
        r = szp(dst, size) | (src & 1 ? CC_C : 0);
        r |= (dst ^ (dst - 1) ^ 1) & CC_A;
        if ((dst & sz_mask(size)) == sign_bit(size)) {
            r |= CC_O;
        }
        return r;
    case CC_OP_DECB - CC_OP_ADDB:
        r = szp(dst, size) | (src & 1 ? CC_C : 0);
        r |= (dst ^ (dst + 1) ^ 1) & CC_A;
        if ((dst & sz_mask(size)) == sign_bit(size) - 1) {
            r |= CC_O;
        }
        return r;
    case CC_OP_SHLB - CC_OP_ADDB:
        r = szp(dst, size);
        if (src & sign_bit(size)) {
            r |= CC_C;
        }
        /* OF (defined for count 1) = CF ^ MSB(result) */
        if ((src ^ dst) & sign_bit(size)) {
            r |= CC_O;
        }
        return r;
    case CC_OP_SARB - CC_OP_ADDB:
        r = szp(dst, size) | (src & 1 ? CC_C : 0);
        if ((src ^ dst) & sign_bit(size)) {
            r |= CC_O;
        }
        return r;
    case CC_OP_MULB - CC_OP_ADDB:
        r = szp(dst, size);
        if (src) {
            r |= CC_C | CC_O;
        }
        return r;
    }
    return 0;
}

uint64_t x86_cc_compute_c(uint64_t dst, uint64_t src, uint64_t src2,
                          uint32_t op)
{
    unsigned size;
    uint64_t m, a, b;

    if (op < CC_OP_ADDB || op >= CC_OP_NB) {
        return 0;
    }
    size = (op - CC_OP_ADDB) & 3;
    m = sz_mask(size);
    switch ((op - CC_OP_ADDB) & ~3u) {
    case CC_OP_ADDB - CC_OP_ADDB:
        dst &= m;
        return dst < (src & m);
    case CC_OP_SUBB - CC_OP_ADDB:
        b = src & m;
        a = (dst + b) & m;
        return a < b;
    case CC_OP_INCB - CC_OP_ADDB:
    case CC_OP_DECB - CC_OP_ADDB:
    case CC_OP_SARB - CC_OP_ADDB:
        return src & 1;
    case CC_OP_SHLB - CC_OP_ADDB:
        return !!(src & sign_bit(size));
    case CC_OP_MULB - CC_OP_ADDB:
        return src != 0;
    case CC_OP_LOGICB - CC_OP_ADDB:
        return 0;
    default:
        return x86_cc_compute_all(dst, src, src2, op) & CC_C;
    }
}

uint64_t x86_compute_eflags(X86CPU *cpu)
{
    uint64_t fl = cpu->rflags | RFLAGS_FIXED;

    if (cpu->cc_op == CC_OP_EFLAGS) {
        return fl;
    }
    return (fl & ~(uint64_t)CC_ARITH_MASK) |
           x86_cc_compute_all(cpu->cc_dst, cpu->cc_src, cpu->cc_src2,
                              cpu->cc_op);
}

void x86_load_eflags(X86CPU *cpu, uint64_t val, uint64_t mask)
{
    uint64_t fl = x86_compute_eflags(cpu);

    cpu->rflags = ((fl & ~mask) | (val & mask)) | RFLAGS_FIXED;
    cpu->cc_op = CC_OP_EFLAGS;
}

void x86_cpu_sync_eflags(X86CPU *cpu)
{
    cpu->rflags = x86_compute_eflags(cpu);
    cpu->cc_op = CC_OP_EFLAGS;
}

/* ---- tb->flags ---------------------------------------------------------- */

uint32_t x86_tb_flags(X86CPU *cpu, uint64_t *cs_base)
{
    const SegmentCache *cs = &cpu->segs[R_CS];
    uint32_t f = cs->selector & X86_TBF_CPL_MASK;
    bool lma = cpu->efer & EFER_LMA;

    if (!(cpu->cr0 & CR0_PE)) {
        f = 0;                          /* real mode: CPL 0 */
    } else {
        f |= X86_TBF_PE;
    }
    if (cpu->rflags & RFLAGS_VM) {
        f = (f & ~X86_TBF_CPL_MASK) | 3 | X86_TBF_VM;
    }
    if (lma) {
        f |= X86_TBF_LMA;
    }
    if (lma && (cs->attr & SEG_ATTR_L)) {
        f |= X86_TBF_CODE64 | X86_TBF_CODE32 | X86_TBF_SS32;
        *cs_base = 0;
    } else {
        if (cs->attr & SEG_ATTR_DB) {
            f |= X86_TBF_CODE32;
        }
        if (cpu->segs[R_SS].attr & SEG_ATTR_DB) {
            f |= X86_TBF_SS32;
        }
        if (cpu->segs[R_DS].base | cpu->segs[R_ES].base |
            cpu->segs[R_SS].base) {
            f |= X86_TBF_ADDSEG;
        }
        *cs_base = cs->base;
    }
    f |= ((cpu->rflags & RFLAGS_IOPL) >> 12) << X86_TBF_IOPL_SHIFT;
    if (cpu->rflags & RFLAGS_TF) {
        f |= X86_TBF_TF;
    }
    if (cpu->cr4 & CR4_OSFXSR) {
        f |= X86_TBF_OSFXSR;
    }
    return f;
}

uint64_t x86_tb_pc(X86CPU *cpu)
{
    if ((cpu->efer & EFER_LMA) && (cpu->segs[R_CS].attr & SEG_ATTR_L)) {
        return cpu->rip;
    }
    return (uint32_t)(cpu->segs[R_CS].base + cpu->rip);
}
