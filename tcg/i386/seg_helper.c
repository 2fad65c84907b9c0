/*
 * seg_helper.c: segmentation for the TCG x86 frontend: segment register
 * loads, far jumps/calls/returns, IRET, SYSCALL/SYSRET, SYSENTER/SYSEXIT,
 * the descriptor-table registers, LAR/LSL/VERR/VERW and SWAPGS.
 *
 * Virtual-8086 mode and hardware task switches are not modelled: the
 * frontend refuses VM86 code (#UD) and a task gate or TSS as a far
 * jump/call target, or IRET with NT, raises #GP (logged under -d unimp).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcg/i386/sys-internal.h"

LOG_ITEM_DECLARE(unimp);

/* Flat segments SYSCALL/SYSRET/SYSENTER/SYSEXIT load (descriptor bits
 * 40-55 >> 8): G, D or L, P, S, DPL, type. */
#define ATTR_CODE64_K   0xa09b
#define ATTR_CODE32_K   0xc09b
#define ATTR_DATA_K     0xc093
#define ATTR_CODE64_U   0xa0fb
#define ATTR_CODE32_U   0xc0fb
#define ATTR_DATA_U     0xc0f3

/* The stack of the current SS:rSP. */
static void stack_current(SysStack *s, X86CPU *cpu, uintptr_t ra)
{
    int width = x86_code64(cpu) ? 8 :
                (cpu->segs[R_SS].attr & SEG_ATTR_DB) ? 4 : 2;

    stack_init(s, cpu, &cpu->segs[R_SS], cpu->regs[R_ESP], width,
               x86_data_mmu_idx(cpu), 0, ra);
}

static int ss_width(const SegmentCache *ss)
{
    return (ss->attr & SEG_ATTR_DB) ? 4 : 2;
}

/* ---- Segment register loads ------------------------------------------------ */

static void seg_set_flat(SegmentCache *sc, uint16_t sel, uint16_t attr)
{
    sc->selector = sel;
    sc->base = 0;
    sc->limit = 0xffffffff;
    sc->attr = attr;
}

/* A null selector in a data segment register (or SS in 64-bit mode): the
 * register is unusable; SS keeps the DPL for the CPL. */
static void seg_set_null(SegmentCache *sc, uint16_t sel, int dpl)
{
    sc->selector = sel;
    sc->base = 0;
    sc->limit = 0;
    sc->attr = dpl << SEG_ATTR_DPL_SHIFT;
}

/* MOV/POP Sreg, LxS in protected mode. */
static bool load_seg_pm(X86CPU *cpu, int seg, uint16_t sel, uintptr_t ra,
                        X86Fault *f)
{
    int cpl = x86_cpl(cpu), rpl = sel & 3, dpl, type;
    uint32_t lo, hi, err = sel & 0xfffc;
    uint16_t attr;

    if (!(sel & 0xfffc)) {
        if (seg == R_SS && !(x86_code64(cpu) && cpl != 3 && rpl == cpl)) {
            return sys_fault(f, EXCP_GP, 0);
        }
        seg_set_null(&cpu->segs[seg], sel, seg == R_SS ? cpl : 0);
        return true;
    }
    if (!load_desc(cpu, sel, false, &lo, &hi, NULL, EXCP_GP, 0, ra, f)) {
        return false;
    }
    attr = desc_attr(hi);
    dpl = attr_dpl(attr);
    type = attr_type(attr);
    if (!(attr & SEG_ATTR_S)) {
        return sys_fault(f, EXCP_GP, err);
    }
    if (seg == R_SS) {
        if (rpl != cpl || dpl != cpl || (type & DESC_CODE) ||
            !(type & DESC_W)) {
            return sys_fault(f, EXCP_GP, err);
        }
        if (!(attr & SEG_ATTR_P)) {
            return sys_fault(f, EXCP_SS, err);
        }
    } else {
        if ((type & DESC_CODE) && !(type & DESC_R)) {
            return sys_fault(f, EXCP_GP, err);
        }
        if ((!(type & DESC_CODE) || !(type & DESC_C)) &&
            (dpl < cpl || dpl < rpl)) {
            return sys_fault(f, EXCP_GP, err);
        }
        if (!(attr & SEG_ATTR_P)) {
            return sys_fault(f, EXCP_NP, err);
        }
    }
    if (!set_desc_bits(cpu, sel, hi, DESC_ACCESSED << 8, ra, f)) {
        return false;
    }
    seg_cache_set(&cpu->segs[seg], sel, lo, hi);
    return true;
}

static void load_seg_real(X86CPU *cpu, int seg, uint16_t sel)
{
    SegmentCache *sc = &cpu->segs[seg];

    /* Real mode changes selector and base only; a register left unusable
     * by protected mode becomes a plain 64 KiB data segment. */
    sc->selector = sel;
    sc->base = (uint64_t)sel << 4;
    if (!(sc->attr & SEG_ATTR_P)) {
        sc->limit = 0xffff;
        sc->attr = SEG_ATTR_P | SEG_ATTR_S | DESC_W | DESC_ACCESSED;
    }
}

void helper_load_seg(X86CPU *cpu, int seg, uint32_t selector)
{
    X86Fault f;

    if (seg < R_ES || seg > R_GS || seg == R_CS) {
        raise_exception_ra(cpu, EXCP_UD, GETPC());
    }
    if (!x86_pe(cpu)) {
        load_seg_real(cpu, seg, selector);
        return;
    }
    if (!load_seg_pm(cpu, seg, selector, GETPC(), &f)) {
        sys_raise(cpu, &f, GETPC());
    }
}

/* After a return to an outer level: data segments the new CPL may not use
 * become null (SDM: RET/IRET "FOR each of segment register ES, FS, GS and
 * DS"). */
static void null_inaccessible_segs(X86CPU *cpu, int new_cpl)
{
    static const int segs[] = { R_ES, R_DS, R_FS, R_GS };

    for (unsigned i = 0; i < G_N_ELEMENTS(segs); i++) {
        SegmentCache *sc = &cpu->segs[segs[i]];
        int type = attr_type(sc->attr);
        bool data_or_nc = !(type & DESC_CODE) || !(type & DESC_C);

        if ((sc->selector & 0xfffc) && data_or_nc &&
            attr_dpl(sc->attr) < new_cpl) {
            seg_set_null(sc, 0, 0);
        }
    }
}

/* The last checks of every code segment a far transfer loads: L and D
 * together are reserved in long mode (#GP), then a missing one is #NP. */
static bool check_cs_mode_present(X86CPU *cpu, uint16_t attr, uint32_t err,
                                  X86Fault *f)
{
    if (x86_lma(cpu) && (attr & SEG_ATTR_L) && (attr & SEG_ATTR_DB)) {
        return sys_fault(f, EXCP_GP, err);
    }
    if (!(attr & SEG_ATTR_P)) {
        return sys_fault(f, EXCP_NP, err);
    }
    return true;
}

/* Checks of a code segment a far return (RET/IRET) goes to. */
static bool check_return_cs(X86CPU *cpu, uint16_t sel, uintptr_t ra,
                            uint32_t *lo, uint32_t *hi, X86Fault *f)
{
    uint32_t err = sel & 0xfffc;
    uint16_t attr;
    int rpl = sel & 3, dpl, type;

    if (!(sel & 0xfffc)) {
        return sys_fault(f, EXCP_GP, 0);
    }
    if (!load_desc(cpu, sel, false, lo, hi, NULL, EXCP_GP, 0, ra, f)) {
        return false;
    }
    attr = desc_attr(*hi);
    dpl = attr_dpl(attr);
    type = attr_type(attr);
    if (!(attr & SEG_ATTR_S) || !(type & DESC_CODE) || rpl < x86_cpl(cpu)) {
        return sys_fault(f, EXCP_GP, err);
    }
    if ((type & DESC_C) ? dpl > rpl : dpl != rpl) {
        return sys_fault(f, EXCP_GP, err);
    }
    return check_cs_mode_present(cpu, attr, err, f);
}

/* Checks of the SS a return to an outer level (or any 64-bit IRET) pops. */
static bool check_return_ss(X86CPU *cpu, uint16_t sel, int rpl,
                            bool to_code64, uintptr_t ra, SegmentCache *ss,
                            X86Fault *f)
{
    /* 64-bit mode allows a null SS below CPL 3 */
    if (!(sel & 0xfffc) && to_code64 && rpl != 3) {
        seg_set_null(ss, sel, rpl);
        return true;
    }
    return load_stack_seg(cpu, sel, rpl, EXCP_GP, 0, ra, ss, f);
}

/* rip must be inside the new CS: its limit, or canonical in 64-bit code */
static bool check_rip(X86CPU *cpu, const SegmentCache *cs, uint64_t rip,
                      uint32_t ext, X86Fault *f)
{
    if (x86_lma(cpu) && (cs->attr & SEG_ATTR_L)) {
        if (!is_canonical(rip)) {
            return sys_fault(f, EXCP_GP, ext);
        }
    } else if (rip > cs->limit) {
        return sys_fault(f, EXCP_GP, ext);
    }
    return true;
}

/* ---- Far JMP and CALL --------------------------------------------------------- */

/* A code segment a JMP/CALL may go to directly: conforming with DPL <=
 * CPL, or non-conforming with RPL <= CPL and DPL == CPL. */
static bool check_direct_cs(X86CPU *cpu, uint16_t sel, uint16_t attr,
                            X86Fault *f)
{
    int cpl = x86_cpl(cpu), dpl = attr_dpl(attr), type = attr_type(attr);
    uint32_t err = sel & 0xfffc;

    if ((type & DESC_C) ? dpl > cpl : ((sel & 3) > cpl || dpl != cpl)) {
        return sys_fault(f, EXCP_GP, err);
    }
    return check_cs_mode_present(cpu, attr, err, f);
}

/*
 * A call gate's target: selector, offset and the decoded code segment.
 * The gate must allow CPL and RPL; the target must be a present code
 * segment (64-bit code in long mode) at DPL <= CPL.
 */
typedef struct GateTarget {
    uint16_t sel;
    uint64_t offset;
    uint32_t lo, hi;        /* the target code descriptor */
    unsigned size;          /* push size: 2, 4 or 8 */
    unsigned params;        /* dwords/words to copy (legacy gates) */
} GateTarget;

static bool decode_call_gate(X86CPU *cpu, uint16_t gsel, uint32_t glo,
                             uint32_t ghi, uint32_t ghi2, bool jmp,
                             uintptr_t ra, GateTarget *t, X86Fault *f)
{
    int cpl = x86_cpl(cpu), gdpl = (ghi >> 13) & 3, dpl;
    bool lm = x86_lma(cpu);
    uint16_t attr;

    if (gdpl < cpl || gdpl < (gsel & 3)) {
        return sys_fault(f, EXCP_GP, gsel & 0xfffc);
    }
    if (!(ghi & (1u << 15))) {
        return sys_fault(f, EXCP_NP, gsel & 0xfffc);
    }
    t->sel = glo >> 16;
    t->offset = (glo & 0xffff) | (ghi & 0xffff0000u);
    if (lm) {
        t->offset |= (uint64_t)ghi2 << 32;
        t->size = 8;
        t->params = 0;
    } else if (((ghi >> 8) & 0xf) == DESC_CALL16) {
        t->offset &= 0xffff;
        t->size = 2;
        t->params = ghi & 0x1f;
    } else {
        t->size = 4;
        t->params = ghi & 0x1f;
    }
    if (!(t->sel & 0xfffc)) {
        return sys_fault(f, EXCP_GP, 0);
    }
    if (!load_desc(cpu, t->sel, false, &t->lo, &t->hi, NULL, EXCP_GP, 0, ra,
                   f)) {
        return false;
    }
    attr = desc_attr(t->hi);
    dpl = attr_dpl(attr);
    if (!(attr & SEG_ATTR_S) || !(attr_type(attr) & DESC_CODE) ||
        dpl > cpl || (jmp && !(attr_type(attr) & DESC_C) && dpl != cpl) ||
        (lm && (!(attr & SEG_ATTR_L) || (attr & SEG_ATTR_DB)))) {
        return sys_fault(f, EXCP_GP, t->sel & 0xfffc);
    }
    if (!(attr & SEG_ATTR_P)) {
        return sys_fault(f, EXCP_NP, t->sel & 0xfffc);
    }
    return true;
}

static void load_cs(X86CPU *cpu, uint16_t sel, uint32_t lo, uint32_t hi,
                    int cpl)
{
    seg_cache_set(&cpu->segs[R_CS], (sel & 0xfffc) | cpl, lo, hi);
}

static void load_cs_real(X86CPU *cpu, uint16_t sel)
{
    cpu->segs[R_CS].selector = sel;
    cpu->segs[R_CS].base = (uint64_t)sel << 4;
}

/*
 * Read the descriptor a far JMP/CALL names: 16 bytes for a long-mode
 * system descriptor (call gates), whose type is known after 8.  A
 * code/data descriptor must already be a code segment the instruction may
 * enter directly: JMP and CALL check it the same way.
 */
static bool load_far_desc(X86CPU *cpu, uint16_t sel, uintptr_t ra,
                          uint32_t *lo, uint32_t *hi, uint32_t *hi2,
                          X86Fault *f)
{
    uint16_t attr;

    if (!(sel & 0xfffc)) {
        return sys_fault(f, EXCP_GP, 0);
    }
    if (!load_desc(cpu, sel, false, lo, hi, NULL, EXCP_GP, 0, ra, f)) {
        return false;
    }
    *hi2 = 0;
    attr = desc_attr(*hi);
    if (attr & SEG_ATTR_S) {
        if (!(attr_type(attr) & DESC_CODE)) {
            return sys_fault(f, EXCP_GP, sel & 0xfffc);
        }
        return check_direct_cs(cpu, sel, attr, f);
    }
    if (x86_lma(cpu)) {
        return load_desc(cpu, sel, true, lo, hi, hi2, EXCP_GP, 0, ra, f);
    }
    return true;
}

/* A far JMP/CALL to a task gate or TSS: #GP, as if the type were bad. */
static bool far_task_switch(uint16_t sel, const char *insn, X86Fault *f)
{
    if (log_enabled(unimp)) {
        log_printf("janus: far %s to a task gate or TSS (0x%x): "
                   "task switches are not modelled\n", insn, sel);
    }
    return sys_fault(f, EXCP_GP, sel & 0xfffc);
}

static bool far_jmp(X86CPU *cpu, uint16_t sel, uint64_t offset,
                    uintptr_t ra, X86Fault *f)
{
    uint32_t lo, hi, hi2;
    uint16_t attr;
    int cpl = x86_cpl(cpu);
    SegmentCache cs;
    GateTarget t;

    if (!load_far_desc(cpu, sel, ra, &lo, &hi, &hi2, f)) {
        return false;
    }
    attr = desc_attr(hi);
    if (attr & SEG_ATTR_S) {
        seg_cache_set(&cs, sel, lo, hi);
        if (!check_rip(cpu, &cs, offset, 0, f) ||
            !set_desc_bits(cpu, sel, hi, DESC_ACCESSED << 8, ra, f)) {
            return false;
        }
        load_cs(cpu, sel, lo, hi, cpl);
        cpu->rip = offset;
        return true;
    }
    switch (attr_type(attr)) {
    case DESC_CALL16:
    case DESC_CALL:
        if (x86_lma(cpu) && attr_type(attr) != DESC_CALL) {
            break;
        }
        if (!decode_call_gate(cpu, sel, lo, hi, hi2, true, ra, &t, f)) {
            return false;
        }
        seg_cache_set(&cs, t.sel, t.lo, t.hi);
        if (!check_rip(cpu, &cs, t.offset, 0, f)) {
            return false;
        }
        load_cs(cpu, t.sel, t.lo, t.hi, cpl);
        cpu->rip = t.offset;
        return true;
    case DESC_TASK_GATE:
    case DESC_TSS16_AVAIL:
    case DESC_TSS_AVAIL:
        return far_task_switch(sel, "jmp", f);
    default:
        break;
    }
    return sys_fault(f, EXCP_GP, sel & 0xfffc);
}

void helper_ljmp(X86CPU *cpu, uint32_t selector, uint64_t offset,
                 uint64_t next_rip)
{
    X86Fault f;

    (void)next_rip;
    if (!x86_pe(cpu)) {
        load_cs_real(cpu, selector);
        cpu->rip = offset;
        return;
    }
    if (!far_jmp(cpu, selector, offset, GETPC(), &f)) {
        sys_raise(cpu, &f, GETPC());
    }
}

/* CALL through a gate to an inner level: new stack from the TSS. */
static bool call_gate_inner(X86CPU *cpu, GateTarget *t, uint64_t next_rip,
                            uintptr_t ra, X86Fault *f)
{
    int dpl = attr_dpl(desc_attr(t->hi));
    SegmentCache ss, cs;
    SysStack old, st;
    uint64_t sp, params[32];

    seg_cache_set(&cs, t->sel, t->lo, t->hi);
    if (x86_lma(cpu)) {
        uint64_t v;

        if (!tss_read(cpu, 4 + dpl * 8, 8, 0, ra, &v, f)) {
            return false;
        }
        if (!is_canonical(v)) {
            return sys_fault(f, EXCP_SS, 0);
        }
        seg_set_null(&ss, dpl, dpl);
        stack_init(&st, cpu, &ss, v, 8, dpl == 3 ? MMU_USER_IDX
                                                 : MMU_KERNEL_IDX, 0, ra);
    } else {
        if (!load_inner_stack(cpu, dpl, 0, ra, &ss, &sp, f)) {
            return false;
        }
        stack_init(&st, cpu, &ss, sp, ss_width(&ss), MMU_KERNEL_IDX,
                   ss.selector & 0xfffc, ra);
    }
    /* parameters come from the caller's stack, read before the switch */
    stack_current(&old, cpu, ra);
    if (!stack_check_pop(&old, t->params, t->size, f)) {
        return false;
    }
    for (unsigned i = 0; i < t->params; i++) {
        params[i] = stack_pop(&old, t->size);
    }
    if (!stack_check_push(&st, 4 + t->params, t->size, f) ||
        !check_rip(cpu, &cs, t->offset, 0, f)) {
        return false;
    }
    stack_push(&st, cpu->segs[R_SS].selector, t->size);
    stack_push(&st, cpu->regs[R_ESP], t->size);
    for (unsigned i = t->params; i > 0; i--) {
        stack_push(&st, params[i - 1], t->size);
    }
    stack_push(&st, cpu->segs[R_CS].selector, t->size);
    stack_push(&st, next_rip, t->size);
    cpu->segs[R_SS] = ss;
    stack_set_sp(&st);
    load_cs(cpu, t->sel, t->lo, t->hi, dpl);
    cpu->rip = t->offset;
    return true;
}

static bool far_call(X86CPU *cpu, uint16_t sel, uint64_t offset, int shift,
                     uint64_t next_rip, uintptr_t ra, X86Fault *f)
{
    uint32_t lo, hi, hi2;
    uint16_t attr, tattr;
    int cpl = x86_cpl(cpu);
    unsigned size = 2u << shift;
    SegmentCache cs;
    SysStack st;
    GateTarget t;

    if (!load_far_desc(cpu, sel, ra, &lo, &hi, &hi2, f)) {
        return false;
    }
    attr = desc_attr(hi);
    if (attr & SEG_ATTR_S) {
        t.sel = sel;
        t.offset = offset;
        t.lo = lo;
        t.hi = hi;
        t.size = size;
    } else {
        int type = attr_type(attr);

        if (type == DESC_TASK_GATE || type == DESC_TSS_AVAIL ||
            type == DESC_TSS16_AVAIL) {
            return far_task_switch(sel, "call", f);
        }
        if (!(type == DESC_CALL || (type == DESC_CALL16 && !x86_lma(cpu)))) {
            return sys_fault(f, EXCP_GP, sel & 0xfffc);
        }
        if (!decode_call_gate(cpu, sel, lo, hi, hi2, false, ra, &t, f)) {
            return false;
        }
        tattr = desc_attr(t.hi);
        if (!(attr_type(tattr) & DESC_C) && attr_dpl(tattr) < cpl) {
            return call_gate_inner(cpu, &t, next_rip, ra, f);
        }
    }
    seg_cache_set(&cs, t.sel, t.lo, t.hi);
    stack_current(&st, cpu, ra);
    if (!stack_check_push(&st, 2, t.size, f) ||
        !check_rip(cpu, &cs, t.offset, 0, f) ||
        !set_desc_bits(cpu, t.sel, t.hi, DESC_ACCESSED << 8, ra, f)) {
        return false;
    }
    stack_push(&st, cpu->segs[R_CS].selector, t.size);
    stack_push(&st, next_rip, t.size);
    stack_set_sp(&st);
    load_cs(cpu, t.sel, t.lo, t.hi, cpl);
    cpu->rip = t.offset;
    return true;
}

void helper_lcall(X86CPU *cpu, uint32_t selector, uint64_t offset,
                  int shift, uint64_t next_rip)
{
    X86Fault f;

    if (!x86_pe(cpu)) {
        unsigned size = 2u << shift;
        SysStack st;

        stack_current(&st, cpu, GETPC());
        if (!stack_check_push(&st, 2, size, &f)) {
            sys_raise(cpu, &f, GETPC());
        }
        stack_push(&st, cpu->segs[R_CS].selector, size);
        stack_push(&st, next_rip, size);
        stack_set_sp(&st);
        load_cs_real(cpu, selector);
        cpu->rip = offset;
        return;
    }
    if (!far_call(cpu, selector, offset, shift, next_rip, GETPC(), &f)) {
        sys_raise(cpu, &f, GETPC());
    }
}

/* ---- Far RET and IRET ------------------------------------------------------- */

/*
 * The common tail of RET far and IRET in protected mode: @st has popped
 * rip and CS (and RFLAGS for IRET); check the target, pop SS:rSP when
 * needed, and commit.  @imm: RET's stack adjustment.
 */
static bool far_return(X86CPU *cpu, SysStack *st, unsigned size,
                       uint64_t rip, uint16_t sel, uint32_t imm,
                       bool iret, uintptr_t ra, X86Fault *f)
{
    int cpl = x86_cpl(cpu), rpl = sel & 3;
    bool code64 = x86_code64(cpu);
    uint32_t lo, hi;
    SegmentCache cs, ss;
    bool to64, pop_ss;
    uint64_t new_sp;

    if (!check_return_cs(cpu, sel, ra, &lo, &hi, f)) {
        return false;
    }
    seg_cache_set(&cs, sel, lo, hi);
    to64 = x86_lma(cpu) && (cs.attr & SEG_ATTR_L);
    pop_ss = rpl > cpl || (iret && code64);
    st->sp = (st->sp + imm) & st->mask;
    if (!pop_ss) {
        if (!check_rip(cpu, &cs, rip, 0, f) ||
            !set_desc_bits(cpu, sel, hi, DESC_ACCESSED << 8, ra, f)) {
            return false;
        }
        load_cs(cpu, sel, lo, hi, rpl);
        cpu->rip = rip;
        stack_set_sp(st);
        return true;
    }
    if (!stack_check_pop(st, 2, size, f)) {
        return false;
    }
    new_sp = stack_pop(st, size);
    if (!check_return_ss(cpu, stack_pop(st, size), rpl, to64, ra, &ss, f) ||
        !check_rip(cpu, &cs, rip, 0, f) ||
        !set_desc_bits(cpu, sel, hi, DESC_ACCESSED << 8, ra, f)) {
        return false;
    }
    load_cs(cpu, sel, lo, hi, rpl);
    cpu->rip = rip;
    cpu->segs[R_SS] = ss;
    if (to64) {
        cpu->regs[R_ESP] = new_sp + imm;
    } else {
        SysStack nst;

        stack_init(&nst, cpu, &ss, new_sp + imm, ss_width(&ss), 0, 0, ra);
        stack_set_sp(&nst);
    }
    if (rpl > cpl) {
        null_inaccessible_segs(cpu, rpl);
    }
    return true;
}

void helper_lret(X86CPU *cpu, int shift, uint32_t imm)
{
    uintptr_t ra = GETPC();
    unsigned size = 2u << shift;
    uint64_t rip;
    uint16_t sel;
    SysStack st;
    X86Fault f;

    stack_current(&st, cpu, ra);
    if (!stack_check_pop(&st, 2, size, &f)) {
        sys_raise(cpu, &f, ra);
    }
    rip = stack_pop(&st, size);
    sel = stack_pop(&st, size);
    if (!x86_pe(cpu)) {
        st.sp = (st.sp + imm) & st.mask;
        stack_set_sp(&st);
        load_cs_real(cpu, sel);
        cpu->rip = rip;
        return;
    }
    if (!far_return(cpu, &st, size, rip, sel, imm, false, ra, &f)) {
        sys_raise(cpu, &f, ra);
    }
}

uint64_t x86_flags_writable(int cpl, int iopl, unsigned size)
{
    uint64_t mask = CC_ARITH_MASK | RFLAGS_TF | RFLAGS_DF | RFLAGS_NT;

    if (size >= 4) {
        mask |= RFLAGS_AC | RFLAGS_ID | RFLAGS_RF;
    }
    if (cpl == 0) {
        mask |= RFLAGS_IOPL;
    }
    if (cpl <= iopl) {
        mask |= RFLAGS_IF;
    }
    return size == 2 ? mask & 0xffff : mask;
}

void helper_iret(X86CPU *cpu, int shift, uint64_t next_rip)
{
    uintptr_t ra = GETPC();
    unsigned size = 2u << shift;
    int cpl = x86_cpl(cpu);
    uint64_t rip, flags, mask;
    uint16_t sel;
    SysStack st;
    X86Fault f;

    (void)next_rip;
    /* any IRET unblocks NMIs, even one that then faults (SDM 6.7.1) */
    cpu->nmi_blocked = false;
    if (x86_pe(cpu) && (cpu->rflags & RFLAGS_NT)) {
        if (log_enabled(unimp)) {
            log_printf("janus: iret with NT set: task switches are not "
                       "modelled\n");
        }
        raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
    }
    stack_current(&st, cpu, ra);
    if (!stack_check_pop(&st, 3, size, &f)) {
        sys_raise(cpu, &f, ra);
    }
    rip = stack_pop(&st, size);
    sel = stack_pop(&st, size);
    flags = stack_pop(&st, size);
    mask = x86_flags_writable(cpl, x86_iopl(cpu), size);
    if (!x86_pe(cpu)) {
        stack_set_sp(&st);
        load_cs_real(cpu, sel);
        cpu->rip = rip;
        x86_load_eflags(cpu, flags, mask);
        return;
    }
    if (size == 4 && (flags & RFLAGS_VM) && cpl == 0 && !x86_lma(cpu)) {
        if (log_enabled(unimp)) {
            log_printf("janus: iret to virtual-8086 mode is not "
                       "modelled\n");
        }
        raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
    }
    if (!far_return(cpu, &st, size, rip, sel, 0, true, ra, &f)) {
        sys_raise(cpu, &f, ra);
    }
    /* the mask was taken at the old CPL, as the CPU does */
    x86_load_eflags(cpu, flags, mask);
}

/* ---- SYSCALL/SYSRET, SYSENTER/SYSEXIT ---------------------------------------- */

void helper_syscall(X86CPU *cpu, uint64_t next_rip)
{
    uint16_t sel = (cpu->star >> 32) & 0xffff;
    uint64_t fl;

    if (!(cpu->efer & EFER_SCE)) {
        raise_exception_ra(cpu, EXCP_UD, GETPC());
    }
    fl = x86_compute_eflags(cpu);
    if (x86_lma(cpu)) {
        bool code64 = x86_code64(cpu);

        cpu->regs[R_ECX] = next_rip;
        cpu->regs[R_R11] = fl & ~RFLAGS_RF;
        fl &= ~((uint32_t)cpu->fmask | RFLAGS_RF);
        seg_set_flat(&cpu->segs[R_CS], sel & 0xfffc, ATTR_CODE64_K);
        cpu->rip = code64 ? cpu->lstar : cpu->cstar;
    } else {
        cpu->regs[R_ECX] = (uint32_t)next_rip;
        fl &= ~(RFLAGS_VM | RFLAGS_IF | RFLAGS_RF);
        seg_set_flat(&cpu->segs[R_CS], sel & 0xfffc, ATTR_CODE32_K);
        cpu->rip = (uint32_t)cpu->star;
    }
    seg_set_flat(&cpu->segs[R_SS], (sel + 8) & 0xfffc, ATTR_DATA_K);
    x86_load_eflags(cpu, fl, ~0ULL);
}

void helper_sysret(X86CPU *cpu, int shift)
{
    uint16_t sel = (cpu->star >> 48) & 0xffff;
    uintptr_t ra = GETPC();

    if (!(cpu->efer & EFER_SCE)) {
        raise_exception_ra(cpu, EXCP_UD, ra);
    }
    if (!x86_pe(cpu) || x86_cpl(cpu) != 0) {
        raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
    }
    if (x86_lma(cpu)) {
        if (shift == 2) {
            if (!is_canonical(cpu->regs[R_ECX])) {
                raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
            }
            seg_set_flat(&cpu->segs[R_CS], (sel + 16) | 3, ATTR_CODE64_U);
            cpu->rip = cpu->regs[R_ECX];
        } else {
            seg_set_flat(&cpu->segs[R_CS], sel | 3, ATTR_CODE32_U);
            cpu->rip = (uint32_t)cpu->regs[R_ECX];
        }
        x86_load_eflags(cpu, cpu->regs[R_R11] & ~(RFLAGS_RF | RFLAGS_VM),
                        ~0ULL);
    } else {
        seg_set_flat(&cpu->segs[R_CS], sel | 3, ATTR_CODE32_U);
        cpu->rip = (uint32_t)cpu->regs[R_ECX];
        x86_load_eflags(cpu, RFLAGS_IF, RFLAGS_IF);
    }
    seg_set_flat(&cpu->segs[R_SS], (sel + 8) | 3, ATTR_DATA_U);
}

void helper_sysenter(X86CPU *cpu, uint64_t next_rip)
{
    uint16_t sel = cpu->sysenter_cs & 0xfffc;

    (void)next_rip;
    if (!x86_pe(cpu) || !sel) {
        raise_exception_err_ra(cpu, EXCP_GP, 0, GETPC());
    }
    x86_load_eflags(cpu, 0, RFLAGS_VM | RFLAGS_IF | RFLAGS_RF);
    seg_set_flat(&cpu->segs[R_CS], sel,
                 x86_lma(cpu) ? ATTR_CODE64_K : ATTR_CODE32_K);
    seg_set_flat(&cpu->segs[R_SS], sel + 8, ATTR_DATA_K);
    if (x86_lma(cpu)) {
        cpu->regs[R_ESP] = cpu->sysenter_esp;
        cpu->rip = cpu->sysenter_eip;
    } else {
        cpu->regs[R_ESP] = (uint32_t)cpu->sysenter_esp;
        cpu->rip = (uint32_t)cpu->sysenter_eip;
    }
}

void helper_sysexit(X86CPU *cpu, int shift)
{
    uint16_t sel = cpu->sysenter_cs & 0xfffc;

    if (!x86_pe(cpu) || x86_cpl(cpu) != 0 || !sel) {
        raise_exception_err_ra(cpu, EXCP_GP, 0, GETPC());
    }
    if (shift == 2) {
        seg_set_flat(&cpu->segs[R_CS], (sel + 32) | 3, ATTR_CODE64_U);
        seg_set_flat(&cpu->segs[R_SS], (sel + 40) | 3, ATTR_DATA_U);
        cpu->regs[R_ESP] = cpu->regs[R_ECX];
        cpu->rip = cpu->regs[R_EDX];
    } else {
        seg_set_flat(&cpu->segs[R_CS], (sel + 16) | 3, ATTR_CODE32_U);
        seg_set_flat(&cpu->segs[R_SS], (sel + 24) | 3, ATTR_DATA_U);
        cpu->regs[R_ESP] = (uint32_t)cpu->regs[R_ECX];
        cpu->rip = (uint32_t)cpu->regs[R_EDX];
    }
}

/* ---- Descriptor-table registers ------------------------------------------------ */

static void load_dtr(X86CPU *cpu, DescriptorTable *dt, uint64_t addr,
                     int shift, uintptr_t ra)
{
    unsigned bsize = shift == 2 ? 8 : 4;
    uint64_t limit, base;
    X86Fault f;

    if (x86_cpl(cpu) != 0) {
        raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
    }
    if (!sys_probe(cpu, addr, 2 + bsize, false, MMU_KERNEL_IDX, &f) ||
        !sys_read(cpu, addr, 2, MMU_KERNEL_IDX, ra, &limit, &f) ||
        !sys_read(cpu, addr + 2, bsize, MMU_KERNEL_IDX, ra, &base, &f)) {
        sys_raise(cpu, &f, ra);
    }
    if (shift == 0) {
        base &= 0xffffff;
    }
    if (shift == 2 && !is_canonical(base)) {
        raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
    }
    dt->limit = limit;
    dt->base = base;
}

static void store_dtr(X86CPU *cpu, DescriptorTable *dt, uint64_t addr,
                      uintptr_t ra)
{
    unsigned bsize = x86_code64(cpu) ? 8 : 4;
    int idx = x86_data_mmu_idx(cpu);
    X86Fault f;

    if (!sys_probe(cpu, addr, 2 + bsize, true, idx, &f)) {
        sys_raise(cpu, &f, ra);
    }
    sys_st(cpu, addr, 2, idx, ra, dt->limit);
    sys_st(cpu, addr + 2, bsize, idx, ra, dt->base);
}

void helper_lgdt(X86CPU *cpu, uint64_t addr, int shift)
{
    load_dtr(cpu, &cpu->gdt, addr, shift, GETPC());
}

void helper_lidt(X86CPU *cpu, uint64_t addr, int shift)
{
    load_dtr(cpu, &cpu->idt, addr, shift, GETPC());
}

void helper_sgdt(X86CPU *cpu, uint64_t addr)
{
    store_dtr(cpu, &cpu->gdt, addr, GETPC());
}

void helper_sidt(X86CPU *cpu, uint64_t addr)
{
    store_dtr(cpu, &cpu->idt, addr, GETPC());
}

/* LLDT and LTR: a system descriptor in the GDT of type @type (@type16:
 * the 16-bit TSS variant, legacy mode only). */
static void load_sys_seg(X86CPU *cpu, SegmentCache *sc, uint32_t selector,
                         int type, int type16, uintptr_t ra)
{
    uint16_t sel = selector;
    bool lm = x86_lma(cpu);
    uint32_t lo, hi, hi2 = 0, err = sel & 0xfffc;
    uint16_t attr;
    X86Fault f;
    int t;

    if (!x86_pe(cpu)) {
        raise_exception_ra(cpu, EXCP_UD, ra);
    }
    if (x86_cpl(cpu) != 0) {
        raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
    }
    if (!(sel & 0xfffc)) {
        if (type == DESC_LDT) {
            seg_set_null(sc, sel, 0);
            return;
        }
        raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
    }
    if (sel & 4) {
        raise_exception_err_ra(cpu, EXCP_GP, err, ra);
    }
    if (!load_desc(cpu, sel, lm, &lo, &hi, &hi2, EXCP_GP, 0, ra, &f)) {
        sys_raise(cpu, &f, ra);
    }
    attr = desc_attr(hi);
    t = attr_type(attr);
    if ((attr & SEG_ATTR_S) || !(t == type || (!lm && t == type16))) {
        raise_exception_err_ra(cpu, EXCP_GP, err, ra);
    }
    if (!(attr & SEG_ATTR_P)) {
        raise_exception_err_ra(cpu, EXCP_NP, err, ra);
    }
    if (lm && !is_canonical(desc_base(lo, hi) | ((uint64_t)hi2 << 32))) {
        raise_exception_err_ra(cpu, EXCP_GP, err, ra);
    }
    if (type == DESC_TSS_AVAIL) {
        /* mark busy: type 9 -> 11, 1 -> 3 */
        if (!set_desc_bits(cpu, sel, hi, 2u << 8, ra, &f)) {
            sys_raise(cpu, &f, ra);
        }
        hi |= 2u << 8;
    }
    seg_cache_set(sc, sel, lo, hi);
    sc->base |= (uint64_t)hi2 << 32;
}

void helper_lldt(X86CPU *cpu, uint32_t selector)
{
    load_sys_seg(cpu, &cpu->ldt, selector, DESC_LDT, DESC_LDT, GETPC());
}

void helper_ltr(X86CPU *cpu, uint32_t selector)
{
    load_sys_seg(cpu, &cpu->tr, selector, DESC_TSS_AVAIL, DESC_TSS16_AVAIL,
                 GETPC());
}

uint32_t helper_sldt(X86CPU *cpu)
{
    if (!x86_pe(cpu)) {
        raise_exception_ra(cpu, EXCP_UD, GETPC());
    }
    return cpu->ldt.selector;
}

uint32_t helper_str(X86CPU *cpu)
{
    if (!x86_pe(cpu)) {
        raise_exception_ra(cpu, EXCP_UD, GETPC());
    }
    return cpu->tr.selector;
}

/* ---- LAR, LSL, VERR, VERW ----------------------------------------------------- */

/*
 * The descriptor @sel names, if the instruction may look at it: false for
 * a null selector or an index beyond the table (ZF = 0, no fault); a page
 * fault reading the table is raised.  The DPL check applies to everything
 * but conforming code.
 */
static bool sel_visible(X86CPU *cpu, uint32_t selector, uintptr_t ra,
                        uint32_t *lo, uint32_t *hi)
{
    uint16_t sel = selector;
    uint64_t addr, v;
    uint16_t attr;
    X86Fault f;
    int dpl;

    if (!x86_pe(cpu)) {
        raise_exception_ra(cpu, EXCP_UD, ra);
    }
    if (!(sel & 0xfffc) || !desc_addr(cpu, sel, false, &addr)) {
        return false;
    }
    if (!sys_read(cpu, addr, 8, MMU_KERNEL_IDX, ra, &v, &f)) {
        sys_raise(cpu, &f, ra);
    }
    *lo = (uint32_t)v;
    *hi = v >> 32;
    attr = desc_attr(*hi);
    dpl = attr_dpl(attr);
    if ((attr & SEG_ATTR_S) && (attr_type(attr) & DESC_CODE) &&
        (attr_type(attr) & DESC_C)) {
        return true;
    }
    return dpl >= x86_cpl(cpu) && dpl >= (sel & 3);
}

static void set_zf(X86CPU *cpu, bool z)
{
    x86_load_eflags(cpu, z ? CC_Z : 0, CC_Z);
}

/* System descriptor types LAR (@lar) or LSL accept. */
static bool sys_type_ok(X86CPU *cpu, int type, bool lar)
{
    if (x86_lma(cpu)) {
        return type == DESC_LDT || type == DESC_TSS_AVAIL ||
               type == DESC_TSS_BUSY || (lar && type == DESC_CALL);
    }
    switch (type) {
    case DESC_TSS16_AVAIL: case DESC_LDT: case DESC_TSS16_BUSY:
    case DESC_TSS_AVAIL: case DESC_TSS_BUSY:
        return true;
    case DESC_CALL16: case DESC_TASK_GATE: case DESC_CALL:
        return lar;
    default:
        return false;
    }
}

uint64_t helper_lar(X86CPU *cpu, uint32_t selector)
{
    uint32_t lo = 0, hi = 0;
    bool ok = sel_visible(cpu, selector, GETPC(), &lo, &hi);

    if (ok && !(desc_attr(hi) & SEG_ATTR_S)) {
        ok = sys_type_ok(cpu, attr_type(desc_attr(hi)), true);
    }
    set_zf(cpu, ok);
    return ok ? hi & 0x00f0ff00u : 0;
}

uint64_t helper_lsl(X86CPU *cpu, uint32_t selector)
{
    uint32_t lo = 0, hi = 0;
    bool ok = sel_visible(cpu, selector, GETPC(), &lo, &hi);

    if (ok && !(desc_attr(hi) & SEG_ATTR_S)) {
        ok = sys_type_ok(cpu, attr_type(desc_attr(hi)), false);
    }
    set_zf(cpu, ok);
    return ok ? desc_limit(lo, hi) : 0;
}

void helper_verr(X86CPU *cpu, uint32_t selector)
{
    uint32_t lo = 0, hi = 0;
    bool ok = sel_visible(cpu, selector, GETPC(), &lo, &hi);
    uint16_t attr = desc_attr(hi);

    if (ok) {
        ok = (attr & SEG_ATTR_S) &&
             (!(attr_type(attr) & DESC_CODE) || (attr_type(attr) & DESC_R));
    }
    set_zf(cpu, ok);
}

void helper_verw(X86CPU *cpu, uint32_t selector)
{
    uint32_t lo = 0, hi = 0;
    bool ok = sel_visible(cpu, selector, GETPC(), &lo, &hi);
    uint16_t attr = desc_attr(hi);

    if (ok) {
        ok = (attr & SEG_ATTR_S) && !(attr_type(attr) & DESC_CODE) &&
             (attr_type(attr) & DESC_W);
        /* conforming code passed sel_visible without the DPL check, but
         * code is never writable, so nothing more to check */
    }
    set_zf(cpu, ok);
}

void helper_swapgs(X86CPU *cpu)
{
    uint64_t t;

    if (!x86_code64(cpu)) {
        raise_exception_ra(cpu, EXCP_UD, GETPC());
    }
    if (x86_cpl(cpu) != 0) {
        raise_exception_err_ra(cpu, EXCP_GP, 0, GETPC());
    }
    t = cpu->segs[R_GS].base;
    cpu->segs[R_GS].base = cpu->kernel_gs_base;
    cpu->kernel_gs_base = t;
}
