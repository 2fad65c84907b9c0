/*
 * sys_mem.c: guest memory for the system helpers: linear accesses that
 * report a fault instead of raising it, descriptor-table reads, stacks
 * checked frame-at-a-time, and the TSS.  See sys-internal.h for why.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/x86-mmu.h"
#include "tcg/tcg.h"
#include "tcg/i386/sys-internal.h"

/* ---- Guest memory ---------------------------------------------------------- */

uint64_t sys_linear(X86CPU *cpu, uint64_t addr)
{
    return x86_lma(cpu) ? addr : (uint32_t)addr;
}

static bool probe_page(X86CPU *cpu, uint64_t addr, unsigned access,
                       X86Fault *f)
{
    uint64_t pa;
    uint32_t err = 0;
    int ret = x86_mmu_translate(cpu, addr, access, true, &pa, &err);

    if (ret == -EFAULT) {
        sys_fault(f, EXCP_PF, err);
        f->cr2 = addr;
        return false;
    }
    if (ret) {
        return sys_fault(f, EXCP_GP, 0);    /* non-canonical */
    }
    return true;
}

bool sys_probe(X86CPU *cpu, uint64_t addr, unsigned len, bool write,
               int mmu_idx, X86Fault *f)
{
    unsigned access = (write ? X86_MMU_WRITE : X86_MMU_READ) |
                      (mmu_idx == MMU_USER_IDX ? X86_MMU_USER : 0);
    uint64_t last;

    addr = sys_linear(cpu, addr);
    last = sys_linear(cpu, addr + len - 1);
    if (x86_lma(cpu) && !is_canonical(addr)) {
        return sys_fault(f, EXCP_GP, 0);
    }
    if (!(cpu->cr0 & CR0_PG)) {
        return true;
    }
    if (!probe_page(cpu, addr, access, f)) {
        return false;
    }
    if ((last & TARGET_PAGE_MASK) != (addr & TARGET_PAGE_MASK)) {
        return probe_page(cpu, last & TARGET_PAGE_MASK, access, f);
    }
    return true;
}

static unsigned size_memop(unsigned size)
{
    return size == 8 ? MO_64 : size == 4 ? MO_32 : size == 2 ? MO_16 : MO_8;
}

uint64_t sys_ld(X86CPU *cpu, uint64_t addr, unsigned size, int mmu_idx,
                uintptr_t ra)
{
    return helper_ld_mmu(cpu, sys_linear(cpu, addr),
                         size_memop(size) | (mmu_idx << 8), ra);
}

void sys_st(X86CPU *cpu, uint64_t addr, unsigned size, int mmu_idx,
            uintptr_t ra, uint64_t val)
{
    helper_st_mmu(cpu, sys_linear(cpu, addr), val,
                  size_memop(size) | (mmu_idx << 8), ra);
}

bool sys_read(X86CPU *cpu, uint64_t addr, unsigned size, int mmu_idx,
              uintptr_t ra, uint64_t *val, X86Fault *f)
{
    if (!sys_probe(cpu, addr, size, false, mmu_idx, f)) {
        return false;
    }
    *val = sys_ld(cpu, addr, size, mmu_idx, ra);
    return true;
}

bool sys_write(X86CPU *cpu, uint64_t addr, unsigned size, int mmu_idx,
               uintptr_t ra, uint64_t val, X86Fault *f)
{
    if (!sys_probe(cpu, addr, size, true, mmu_idx, f)) {
        return false;
    }
    sys_st(cpu, addr, size, mmu_idx, ra, val);
    return true;
}

void sys_raise(X86CPU *cpu, const X86Fault *f, uintptr_t ra)
{
    if (f->vector == EXCP_PF) {
        cpu->cr2 = f->cr2;
    }
    if (f->has_error) {
        raise_exception_err_ra(cpu, f->vector, f->error, ra);
    }
    raise_exception_ra(cpu, f->vector, ra);
}

/* ---- Descriptors ------------------------------------------------------------- */

void seg_cache_set(SegmentCache *sc, uint16_t sel, uint32_t lo, uint32_t hi)
{
    sc->selector = sel;
    sc->base = desc_base(lo, hi);
    sc->limit = desc_limit(lo, hi);
    sc->attr = desc_attr(hi);
}

/* Where @sel's descriptor lives; false when the index is beyond the table
 * (or the LDT is unusable). */
bool desc_addr(X86CPU *cpu, uint16_t sel, bool wide, uint64_t *addr)
{
    uint64_t base;
    uint32_t limit;
    uint32_t index = sel & ~7u;

    if (sel & 4) {
        if (!(cpu->ldt.attr & SEG_ATTR_P) || !(cpu->ldt.selector & ~3)) {
            return false;
        }
        base = cpu->ldt.base;
        limit = cpu->ldt.limit;
    } else {
        base = cpu->gdt.base;
        limit = cpu->gdt.limit;
    }
    if ((uint64_t)index + (wide ? 15 : 7) > limit) {
        return false;
    }
    *addr = base + index;
    return true;
}

bool load_desc(X86CPU *cpu, uint16_t sel, bool wide, uint32_t *lo,
               uint32_t *hi, uint32_t *hi2, int vec, uint32_t ext,
               uintptr_t ra, X86Fault *f)
{
    uint64_t addr, v;

    if (!desc_addr(cpu, sel, wide, &addr)) {
        return sys_fault(f, vec, (sel & 0xfffc) | ext);
    }
    if (!sys_read(cpu, addr, 8, MMU_KERNEL_IDX, ra, &v, f)) {
        return false;
    }
    *lo = (uint32_t)v;
    *hi = v >> 32;
    if (wide) {
        if (!sys_read(cpu, addr + 8, 8, MMU_KERNEL_IDX, ra, &v, f)) {
            return false;
        }
        /* The upper half's type field must be 0 (SDM: 16-byte system
         * descriptors), so a legacy descriptor there is refused. */
        if (((v >> 40) & 0x1f) != 0) {
            return sys_fault(f, vec, (sel & 0xfffc) | ext);
        }
        *hi2 = (uint32_t)v;
    }
    return true;
}

bool set_desc_bits(X86CPU *cpu, uint16_t sel, uint32_t hi, uint32_t bits,
                   uintptr_t ra, X86Fault *f)
{
    uint64_t addr;

    if ((hi & bits) == bits) {
        return true;    /* the common case: no write to the table */
    }
    if (!desc_addr(cpu, sel, false, &addr)) {
        return true;
    }
    return sys_write(cpu, addr + 4, 4, MMU_KERNEL_IDX, ra, hi | bits, f);
}

/* ---- Stacks ---------------------------------------------------------------- */

void stack_init(SysStack *s, X86CPU *cpu, const SegmentCache *ss,
                uint64_t sp, int width, int mmu_idx, uint32_t ss_err,
                uintptr_t ra)
{
    s->cpu = cpu;
    s->ss = *ss;
    s->mask = width == 8 ? ~0ULL : width == 4 ? 0xffffffffULL : 0xffff;
    s->sp = sp & s->mask;
    s->mmu_idx = mmu_idx;
    s->ss_err = ss_err;
    s->ra = ra;
    s->probed_page = ~0ULL;
    s->probed_write = false;
}

static uint64_t stack_linear(SysStack *s, uint64_t off)
{
    if (s->mask == ~0ULL) {
        return off;
    }
    return (uint32_t)(s->ss.base + off);
}

static bool stack_check_at(SysStack *s, uint64_t off, unsigned size,
                           bool write, X86Fault *f)
{
    uint64_t lin = stack_linear(s, off);
    uint64_t page = lin & TARGET_PAGE_MASK;

    if (s->mask != ~0ULL) {
        uint64_t end = off + size - 1;
        unsigned type = attr_type(s->ss.attr);

        if (!(type & DESC_CODE) && (type & DESC_E)) {
            /* expand-down: valid offsets are above the limit */
            uint64_t top = (s->ss.attr & SEG_ATTR_DB) ? 0xffffffff : 0xffff;

            if (off <= s->ss.limit || end > top) {
                return sys_fault(f, EXCP_SS, s->ss_err);
            }
        } else if (end > s->ss.limit) {
            return sys_fault(f, EXCP_SS, s->ss_err);
        }
    }
    if (page == s->probed_page && (s->probed_write || !write) &&
        ((lin + size - 1) & TARGET_PAGE_MASK) == page) {
        return true;
    }
    if (!sys_probe(s->cpu, lin, size, write, s->mmu_idx, f)) {
        if (f->vector == EXCP_GP) {
            return sys_fault(f, EXCP_SS, s->ss_err);    /* non-canonical */
        }
        return false;
    }
    if (((lin + size - 1) & TARGET_PAGE_MASK) == page) {
        s->probed_page = page;
        s->probed_write = write;
    }
    return true;
}

bool stack_check_push(SysStack *s, unsigned n, unsigned size, X86Fault *f)
{
    uint64_t sp = s->sp;

    for (unsigned i = 0; i < n; i++) {
        sp = (sp - size) & s->mask;
        if (!stack_check_at(s, sp, size, true, f)) {
            return false;
        }
    }
    return true;
}

bool stack_check_pop(SysStack *s, unsigned n, unsigned size, X86Fault *f)
{
    uint64_t sp = s->sp;

    for (unsigned i = 0; i < n; i++) {
        if (!stack_check_at(s, sp, size, false, f)) {
            return false;
        }
        sp = (sp + size) & s->mask;
    }
    return true;
}

void stack_push(SysStack *s, uint64_t val, unsigned size)
{
    s->sp = (s->sp - size) & s->mask;
    sys_st(s->cpu, stack_linear(s, s->sp), size, s->mmu_idx, s->ra, val);
}

uint64_t stack_pop(SysStack *s, unsigned size)
{
    uint64_t v = sys_ld(s->cpu, stack_linear(s, s->sp), size, s->mmu_idx,
                        s->ra);

    s->sp = (s->sp + size) & s->mask;
    return v;
}

void stack_set_sp(SysStack *s)
{
    uint64_t *rsp = &s->cpu->regs[R_ESP];

    if (s->mask == 0xffff) {
        *rsp = (*rsp & ~0xffffULL) | s->sp;
    } else {
        *rsp = s->sp;       /* a 32-bit write zero-extends */
    }
}

/* ---- TSS ------------------------------------------------------------------- */

bool tss_read(X86CPU *cpu, uint32_t off, unsigned size, uint32_t ext,
              uintptr_t ra, uint64_t *val, X86Fault *f)
{
    uint32_t err = (cpu->tr.selector & 0xfffc) | ext;

    if (!(cpu->tr.attr & SEG_ATTR_P) ||
        (uint64_t)off + size - 1 > cpu->tr.limit) {
        return sys_fault(f, EXCP_TS, err);
    }
    return sys_read(cpu, cpu->tr.base + off, size, MMU_KERNEL_IDX, ra, val,
                    f);
}

bool load_stack_seg(X86CPU *cpu, uint16_t sel, int pl, int vec, uint32_t ext,
                    uintptr_t ra, SegmentCache *ss, X86Fault *f)
{
    uint32_t lo, hi, err = (sel & 0xfffc) | ext;
    uint16_t attr;

    if (!(sel & 0xfffc)) {
        return sys_fault(f, vec, ext);
    }
    if ((sel & 3) != pl) {
        return sys_fault(f, vec, err);
    }
    if (!load_desc(cpu, sel, false, &lo, &hi, NULL, vec, ext, ra, f)) {
        return false;
    }
    attr = desc_attr(hi);
    if (!(attr & SEG_ATTR_S) || (attr_type(attr) & DESC_CODE) ||
        !(attr_type(attr) & DESC_W) || attr_dpl(attr) != pl) {
        return sys_fault(f, vec, err);
    }
    /* a missing stack segment is #SS whichever check found it */
    if (!(attr & SEG_ATTR_P)) {
        return sys_fault(f, EXCP_SS, err);
    }
    if (!set_desc_bits(cpu, sel, hi, DESC_ACCESSED << 8, ra, f)) {
        return false;
    }
    seg_cache_set(ss, sel, lo, hi);
    return true;
}

bool load_inner_stack(X86CPU *cpu, int dpl, uint32_t ext, uintptr_t ra,
                      SegmentCache *ss, uint64_t *sp, X86Fault *f)
{
    bool tss32 = attr_type(cpu->tr.attr) & 8;
    uint64_t v_sp, v_ss;

    if (tss32) {
        if (!tss_read(cpu, 4 + dpl * 8, 4, ext, ra, &v_sp, f) ||
            !tss_read(cpu, 8 + dpl * 8, 2, ext, ra, &v_ss, f)) {
            return false;
        }
    } else {
        if (!tss_read(cpu, 2 + dpl * 4, 2, ext, ra, &v_sp, f) ||
            !tss_read(cpu, 4 + dpl * 4, 2, ext, ra, &v_ss, f)) {
            return false;
        }
    }
    if (!load_stack_seg(cpu, (uint16_t)v_ss, dpl, EXCP_TS, ext, ra, ss, f)) {
        return false;
    }
    *sp = v_sp;
    return true;
}
