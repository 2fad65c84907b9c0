/*
 * softmmu.c: the TLB miss path of guest memory accesses.
 *
 * Generated code handles TLB hits inline (tcg/tb.h); everything else comes
 * here: misses (victim TLB, then the page walker hw/x86-mmu.c), MMIO and
 * ROM pages (address_space_rw, which takes the BQL for devices), stores to
 * pages holding translated code (TLB_NOTDIRTY: invalidate, then store),
 * accesses crossing a page boundary (split, both pages checked before any
 * byte is written, as x86 requires).
 *
 * Write permission is only entered in the TLB by a write miss: the walk
 * for a write is the one that sets the Dirty bit, so a page first read and
 * then written takes a second miss, and the guest sees D set exactly when
 * it wrote.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>
#include "tcg/softmmu.h"
#include "tcg/exec.h"
#include "tcg/exec-internal.h"
#include "tcg/tcg.h"
#include "hw/x86-mmu.h"
#include "hw/machine.h"
#include "memory/memory.h"
#include "main/trace.h"

__thread X86CPU *current_cpu;

LOG_ITEM_DEFINE(mmu, "log TLB fills and flushes (TCG)");
TRACE_EVENT_DEFINE(tlb_fill);
TRACE_EVENT_DEFINE(tlb_flush_all_cpus);

enum { ACC_READ, ACC_WRITE, ACC_CODE };

static inline uint64_t *tlb_tag(TLBEntry *e, int acc)
{
    return acc == ACC_READ ? &e->addr_read
         : acc == ACC_WRITE ? &e->addr_write : &e->addr_code;
}

/* Tag @tag matches @page, flags or not (TLB_INVALID never matches). */
static inline bool tlb_hit_page(uint64_t tag, uint64_t page)
{
    return (tag & (TARGET_PAGE_MASK | TLB_INVALID)) == page;
}

static inline unsigned tlb_index(uint64_t vaddr)
{
    return (vaddr >> TARGET_PAGE_BITS) & (TLB_SIZE - 1);
}

static const TLBEntry tlb_empty = {
    .addr_read = TLB_INVALID, .addr_write = TLB_INVALID,
    .addr_code = TLB_INVALID, .addend = 0,
};

static bool tlb_entry_valid(const TLBEntry *e)
{
    return !(e->addr_read & e->addr_write & e->addr_code & TLB_INVALID);
}

static bool tlb_entry_is_page(const TLBEntry *e, uint64_t page)
{
    return tlb_hit_page(e->addr_read, page) ||
           tlb_hit_page(e->addr_write, page) ||
           tlb_hit_page(e->addr_code, page);
}

/* ---- Init and flushes ------------------------------------------------------ */

static void tlb_flush_idx(TCGCPUState *t, int mmu_idx)
{
    for (unsigned i = 0; i < TLB_SIZE; i++) {
        t->tlb[mmu_idx][i] = tlb_empty;
        t->full[mmu_idx][i].global = false;
    }
    for (unsigned i = 0; i < VTLB_SIZE; i++) {
        t->vtlb[mmu_idx][i] = tlb_empty;
        t->vfull[mmu_idx][i].global = false;
    }
    t->large_page_addr[mmu_idx] = -1;
    t->large_page_mask[mmu_idx] = 0;
}

void tlb_init(X86CPU *cpu)
{
    TCGCPUState *t = tcg_cpu(cpu);

    for (int i = 0; i < NB_MMU_MODES; i++) {
        tlb_flush_idx(t, i);
        cpu->tlb_table[i] = t->tlb[i];
    }
}

void tlb_destroy(X86CPU *cpu)
{
    /* The tables live in TCGCPUState; only drop the pointers. */
    cpu->tlb_table[0] = cpu->tlb_table[1] = NULL;
}

void tlb_flush(X86CPU *cpu)
{
    TCGCPUState *t = tcg_cpu(cpu);

    for (int i = 0; i < NB_MMU_MODES; i++) {
        tlb_flush_idx(t, i);
    }
    tb_jmp_cache_clear(cpu);
    t->mmu_stats.tlb_flushes++;
    if (log_enabled(mmu)) {
        log_printf("tlb_flush cpu=%u\n", cpu->index);
    }
}

/*
 * CR3 writes keep global pages (PTE.G with CR4.PGE): the kernel's
 * mappings survive a context switch.  The jump cache is cleared whole:
 * it does not know which of its blocks sit on global pages.
 */
void tlb_flush_nonglobal(X86CPU *cpu)
{
    TCGCPUState *t = tcg_cpu(cpu);

    for (int i = 0; i < NB_MMU_MODES; i++) {
        for (unsigned k = 0; k < TLB_SIZE; k++) {
            if (!t->full[i][k].global) {
                t->tlb[i][k] = tlb_empty;
            }
        }
        for (unsigned k = 0; k < VTLB_SIZE; k++) {
            if (!t->vfull[i][k].global) {
                t->vtlb[i][k] = tlb_empty;
            }
        }
    }
    tb_jmp_cache_clear(cpu);
    t->mmu_stats.tlb_flushes++;
    if (log_enabled(mmu)) {
        log_printf("tlb_flush_nonglobal cpu=%u\n", cpu->index);
    }
}

void tlb_flush_page(X86CPU *cpu, uint64_t vaddr)
{
    TCGCPUState *t = tcg_cpu(cpu);
    uint64_t page = vaddr & TARGET_PAGE_MASK;

    t->mmu_stats.tlb_page_flushes++;
    if (log_enabled(mmu)) {
        log_printf("tlb_flush_page cpu=%u vaddr=0x%" PRIx64 "\n",
                   cpu->index, vaddr);
    }
    for (int i = 0; i < NB_MMU_MODES; i++) {
        TLBEntry *e = &t->tlb[i][tlb_index(page)];

        /* A large page is entered as many 4 KiB entries: forget them all
         * by flushing the index when the address falls in one. */
        if ((page & t->large_page_mask[i]) == t->large_page_addr[i]) {
            tlb_flush_idx(t, i);
            tb_jmp_cache_clear(cpu);
            continue;
        }
        if (tlb_entry_is_page(e, page)) {
            *e = tlb_empty;
            t->full[i][tlb_index(page)].global = false;
        }
        for (unsigned v = 0; v < VTLB_SIZE; v++) {
            if (tlb_entry_is_page(&t->vtlb[i][v], page)) {
                t->vtlb[i][v] = tlb_empty;
                t->vfull[i][v].global = false;
            }
        }
    }
    tb_jmp_cache_clear_page(cpu, page);
}

static void tlb_flush_async(X86CPU *cpu, void *opaque)
{
    (void)opaque;
    tlb_flush(cpu);
}

void tlb_do_pending_flush(X86CPU *cpu)
{
    TCGCPUState *t = tcg_cpu(cpu);

    if (__atomic_exchange_n(&t->flush_pending, 0, __ATOMIC_ACQ_REL)) {
        tlb_flush_async(cpu, NULL);
    }
}

void tcg_cpu_kick(X86CPU *cpu);

void tlb_flush_all_cpus(Machine *m)
{
    trace(tlb_flush_all_cpus, "from cpu=%d",
          current_cpu ? (int)current_cpu->index : -1);
    for (unsigned i = 0; m && m->cpus && i < m->ncpus; i++) {
        X86CPU *cpu = m->cpus[i];
        TCGCPUState *t = cpu ? tcg_cpu(cpu) : NULL;

        if (!t) {
            continue;
        }
        if (cpu == current_cpu) {
            tlb_flush(cpu);
            continue;
        }
        /* Coalesced: a burst of map changes costs each vCPU one flush. */
        __atomic_store_n(&t->flush_pending, 1, __ATOMIC_RELEASE);
        __atomic_store_n(&t->work_pending, 1, __ATOMIC_RELEASE);
        tcg_cpu_kick(cpu);
    }
}

/* ---- Fill ------------------------------------------------------------------ */

/* Host address of the RAM page at @paddr, or NULL when the page is not
 * entirely one RAM/ROM range (MMIO, holes, a range ending mid-page). */
static uint8_t *ram_page_host(uint64_t paddr, bool *readonly)
{
    hwaddr start, last;
    uint8_t *host = address_space_ram_range(&address_space_memory, paddr,
                                            &start, &last, readonly);

    if (!host || paddr + TARGET_PAGE_SIZE - 1 > last ||
        paddr + TARGET_PAGE_SIZE - 1 < paddr) {
        return NULL;
    }
    return host + (paddr - start);
}

static void tlb_set_page(X86CPU *cpu, uint64_t vaddr, uint64_t paddr,
                         unsigned prot, bool writable, bool global,
                         int mmu_idx, uint64_t page_size)
{
    TCGCPUState *t = tcg_cpu(cpu);
    uint64_t vpage = vaddr & TARGET_PAGE_MASK;
    uint64_t ppage = paddr & TARGET_PAGE_MASK;
    unsigned idx = tlb_index(vpage);
    TLBEntry *e = &t->tlb[mmu_idx][idx];
    TLBEntry n;
    bool readonly = false;
    uint8_t *host = ram_page_host(ppage, &readonly);
    uint64_t flags = host ? 0 : TLB_MMIO;

    if (page_size > TARGET_PAGE_SIZE) {
        uint64_t lp_mask = ~(page_size - 1);
        uint64_t lp = vaddr & lp_mask;

        if (t->large_page_addr[mmu_idx] == (uint64_t)-1) {
            t->large_page_addr[mmu_idx] = lp;
            t->large_page_mask[mmu_idx] = lp_mask;
        } else {
            /* Widen the tracked region until it covers both. */
            lp_mask &= t->large_page_mask[mmu_idx];
            while (((t->large_page_addr[mmu_idx] ^ lp) & lp_mask) != 0) {
                lp_mask <<= 1;
            }
            t->large_page_addr[mmu_idx] = lp & lp_mask;
            t->large_page_mask[mmu_idx] = lp_mask;
        }
    }

    /* Keep the evicted translation: a loop over two pages that collide
     * in the direct-mapped table then hits the victim TLB. */
    if (tlb_entry_valid(e) && !tlb_entry_is_page(e, vpage)) {
        unsigned v = t->vtlb_next[mmu_idx]++ % VTLB_SIZE;

        t->vtlb[mmu_idx][v] = *e;
        t->vfull[mmu_idx][v] = t->full[mmu_idx][idx];
    }

    n.addr_read = (prot & X86_PROT_READ) ? vpage | flags : TLB_INVALID;
    n.addr_code = (prot & X86_PROT_EXEC) ? vpage | flags : TLB_INVALID;
    n.addr_write = TLB_INVALID;
    if (writable && (prot & X86_PROT_WRITE)) {
        /* ROM: writes go to address_space_rw, which refuses them. */
        n.addr_write = vpage | flags | (readonly ? TLB_MMIO : 0);
        if (host && !readonly && page_has_code(ppage)) {
            n.addr_write |= TLB_NOTDIRTY;
        }
    }
    n.addend = host ? (uintptr_t)host - vpage : 0;
    t->full[mmu_idx][idx].paddr = ppage;
    t->full[mmu_idx][idx].global = global;
    *e = n;

    /*
     * Pairs with tlb_protect_code(): it marks the page as code and then
     * scans every TLB; we write the entry and then look at the mark.  One
     * of the two sees the other, so a page that just got code never keeps
     * a fast write entry.
     */
    if (host && !(n.addr_write & (TLB_INVALID | TLB_NOTDIRTY | TLB_MMIO))) {
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (page_has_code(ppage)) {
            __atomic_fetch_or(&e->addr_write, TLB_NOTDIRTY, __ATOMIC_SEQ_CST);
        }
    }
}

static const char *const acc_name[] = { "read", "write", "code" };

/* Walk the page tables for @vaddr and fill the TLB; #PF/#GP at @ra. */
static void tlb_fill(X86CPU *cpu, uint64_t vaddr, int acc, int mmu_idx,
                     uintptr_t ra)
{
    static const unsigned acc_type[] = {
        [ACC_READ] = X86_MMU_READ, [ACC_WRITE] = X86_MMU_WRITE,
        [ACC_CODE] = X86_MMU_EXEC,
    };
    unsigned access = acc_type[acc] |
                      (mmu_idx == MMU_USER_IDX ? X86_MMU_USER : 0);
    X86MMUResult res;
    int r;

    tcg_cpu(cpu)->mmu_stats.tlb_misses++;
    r = x86_mmu_translate_full(cpu, vaddr, access, true, &res);
    trace(tlb_fill, "cpu=%u vaddr=0x%" PRIx64 " %s idx=%d r=%d",
          cpu->index, vaddr, acc_name[acc], mmu_idx, r);
    if (r == -EFAULT) {
        if (log_enabled(mmu)) {
            log_printf("tlb_fill cpu=%u vaddr=0x%" PRIx64 " %s idx=%d: "
                       "#PF err=0x%x\n", cpu->index, vaddr, acc_name[acc],
                       mmu_idx, res.pf_error_code);
        }
        cpu->cr2 = vaddr;
        raise_exception_err_ra(cpu, EXCP_PF, res.pf_error_code, ra);
    }
    if (r < 0) {
        /* Non-canonical address in long mode. */
        raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
    }
    if (log_enabled(mmu)) {
        log_printf("tlb_fill cpu=%u vaddr=0x%" PRIx64 " %s idx=%d -> "
                   "paddr=0x%" PRIx64 " prot=%x size=0x%" PRIx64 "\n",
                   cpu->index, vaddr, acc_name[acc], mmu_idx, res.paddr,
                   res.prot, res.page_size);
    }
    /*
     * A read fill grants write too when no D bit remains to be set, as
     * x86 TLBs do: a load then store to a fresh page walks once, not twice.
     */
    tlb_set_page(cpu, vaddr, res.paddr, res.prot,
                 acc == ACC_WRITE || res.dirty, res.global, mmu_idx,
                 res.page_size);
}

/* The victim TLB has @page for @acc: swap it into the main table. */
static bool victim_hit(TCGCPUState *t, int mmu_idx, unsigned idx,
                       uint64_t page, int acc)
{
    for (unsigned v = 0; v < VTLB_SIZE; v++) {
        TLBEntry *ve = &t->vtlb[mmu_idx][v];

        if (tlb_hit_page(*tlb_tag(ve, acc), page)) {
            TLBEntry tmp = t->tlb[mmu_idx][idx];
            TLBEntryFull ftmp = t->full[mmu_idx][idx];

            t->tlb[mmu_idx][idx] = *ve;
            t->full[mmu_idx][idx] = t->vfull[mmu_idx][v];
            *ve = tmp;
            t->vfull[mmu_idx][v] = ftmp;
            t->mmu_stats.victim_hits++;
            return true;
        }
    }
    return false;
}

/* The entry translating @vaddr for @acc, filled if needed. */
static TLBEntry *tlb_lookup(X86CPU *cpu, uint64_t vaddr, int acc,
                            int mmu_idx, uintptr_t ra)
{
    TCGCPUState *t = tcg_cpu(cpu);
    uint64_t page = vaddr & TARGET_PAGE_MASK;
    unsigned idx = tlb_index(page);
    TLBEntry *e = &t->tlb[mmu_idx][idx];

    if (!tlb_hit_page(*tlb_tag(e, acc), page) &&
        !victim_hit(t, mmu_idx, idx, page, acc)) {
        tlb_fill(cpu, vaddr, acc, mmu_idx, ra);
    }
    return e;
}

static inline uint64_t tlb_paddr(X86CPU *cpu, TLBEntry *e, int mmu_idx,
                                 uint64_t vaddr)
{
    unsigned idx = e - tcg_cpu(cpu)->tlb[mmu_idx];

    return tcg_cpu(cpu)->full[mmu_idx][idx].paddr |
           (vaddr & ~TARGET_PAGE_MASK);
}

uint64_t get_page_addr_code(X86CPU *cpu, uint64_t pc, int mmu_idx,
                            bool fault)
{
    TCGCPUState *t = tcg_cpu(cpu);
    uint64_t page = pc & TARGET_PAGE_MASK;
    unsigned idx = tlb_index(page);
    TLBEntry *e = &t->tlb[mmu_idx][idx];

    if (!tlb_hit_page(e->addr_code, page) &&
        !victim_hit(t, mmu_idx, idx, page, ACC_CODE)) {
        if (!fault) {
            X86MMUResult res;
            unsigned access = X86_MMU_EXEC |
                              (mmu_idx == MMU_USER_IDX ? X86_MMU_USER : 0);

            if (x86_mmu_translate_full(cpu, pc, access, true, &res) < 0) {
                return -1;
            }
            tlb_set_page(cpu, pc, res.paddr, res.prot, false, res.global,
                         mmu_idx, res.page_size);
            if (!tlb_hit_page(e->addr_code, page)) {
                return -1;
            }
        } else {
            tlb_fill(cpu, pc, ACC_CODE, mmu_idx, 0);
        }
    }
    return t->full[mmu_idx][idx].paddr;
}

/* ---- Code pages -------------------------------------------------------------- */

static void tlb_protect_entry(TLBEntry *e, uint8_t *host_page)
{
    uint64_t tag = __atomic_load_n(&e->addr_write, __ATOMIC_RELAXED);

    if ((tag & (TLB_INVALID | TLB_MMIO | TLB_NOTDIRTY)) == 0 &&
        (uintptr_t)((tag & TARGET_PAGE_MASK) +
                    __atomic_load_n(&e->addend, __ATOMIC_RELAXED)) ==
        (uintptr_t)host_page) {
        __atomic_fetch_or(&e->addr_write, TLB_NOTDIRTY, __ATOMIC_SEQ_CST);
    }
}

/*
 * Entries are matched by host address, so a RAM page mapped at several
 * virtual (or physical, through aliases) addresses is caught everywhere.
 * Racing with the owner's fills is fine: see tlb_set_page().
 */
void tlb_protect_code(uint64_t paddr)
{
    Machine *m = current_machine;
    bool readonly;
    uint8_t *host = ram_page_host(paddr & TARGET_PAGE_MASK, &readonly);

    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (!host || readonly || !m || !m->cpus) {
        return;
    }
    for (unsigned c = 0; c < m->ncpus; c++) {
        TCGCPUState *t = m->cpus[c] ? tcg_cpu(m->cpus[c]) : NULL;

        if (!t) {
            continue;
        }
        for (int i = 0; i < NB_MMU_MODES; i++) {
            for (unsigned k = 0; k < TLB_SIZE; k++) {
                tlb_protect_entry(&t->tlb[i][k], host);
            }
            for (unsigned k = 0; k < VTLB_SIZE; k++) {
                tlb_protect_entry(&t->vtlb[i][k], host);
            }
        }
    }
}

/* A store to a code page: drop the blocks it hits, then let it through. */
static void notdirty_write(X86CPU *cpu, TLBEntry *e, int mmu_idx,
                           uint64_t vaddr, unsigned size, uintptr_t ra)
{
    uint64_t paddr = tlb_paddr(cpu, e, mmu_idx, vaddr);

    tcg_cpu(cpu)->mmu_stats.notdirty_writes++;
    tb_invalidate_phys_write(cpu, paddr, size, ra);
    if (!page_has_code(paddr)) {
        /* Fast writes again, until the page gets code once more. */
        __atomic_fetch_and(&e->addr_write, ~TLB_NOTDIRTY, __ATOMIC_SEQ_CST);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (page_has_code(paddr)) {
            __atomic_fetch_or(&e->addr_write, TLB_NOTDIRTY, __ATOMIC_SEQ_CST);
        }
    }
}

/* ---- Loads and stores ------------------------------------------------------ */

static inline MemTxAttrs cpu_attrs(X86CPU *cpu)
{
    return (MemTxAttrs) { .cpu_index = cpu->index };
}

static uint64_t ld_le(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;

    /* The host is little-endian x86-64: one plain load per size keeps
     * naturally aligned guest accesses single-copy atomic. */
    switch (size) {
    case 1: v = *p; break;
    case 2: { uint16_t x; memcpy(&x, p, 2); v = x; break; }
    case 4: { uint32_t x; memcpy(&x, p, 4); v = x; break; }
    case 8: memcpy(&v, p, 8); break;
    default:
        for (unsigned i = 0; i < size; i++) {
            v |= (uint64_t)p[i] << (8 * i);
        }
    }
    return v;
}

static void st_le(uint8_t *p, uint64_t v, unsigned size)
{
    switch (size) {
    case 1: *p = v; break;
    case 2: { uint16_t x = v; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = v; memcpy(p, &x, 4); break; }
    case 8: memcpy(p, &v, 8); break;
    default:
        for (unsigned i = 0; i < size; i++) {
            p[i] = v >> (8 * i);
        }
    }
}

/* Read @size bytes within one page through entry @e (already valid). */
static uint64_t ld_page(X86CPU *cpu, TLBEntry *e, int mmu_idx,
                        uint64_t vaddr, unsigned size)
{
    if (unlikely(e->addr_read & TLB_MMIO)) {
        uint8_t buf[8];

        tcg_cpu(cpu)->mmu_stats.mmio_accesses++;
        address_space_rw(&address_space_memory,
                         tlb_paddr(cpu, e, mmu_idx, vaddr), cpu_attrs(cpu),
                         buf, size, false);
        return ld_le(buf, size);
    }
    return ld_le((uint8_t *)(uintptr_t)(vaddr + e->addend), size);
}

static void st_page(X86CPU *cpu, TLBEntry *e, int mmu_idx, uint64_t vaddr,
                    uint64_t val, unsigned size, uintptr_t ra)
{
    if (unlikely(e->addr_write & TLB_MMIO)) {
        uint8_t buf[8];

        tcg_cpu(cpu)->mmu_stats.mmio_accesses++;
        st_le(buf, val, size);
        address_space_rw(&address_space_memory,
                         tlb_paddr(cpu, e, mmu_idx, vaddr), cpu_attrs(cpu),
                         buf, size, true);
        return;
    }
    if (unlikely(e->addr_write & TLB_NOTDIRTY)) {
        notdirty_write(cpu, e, mmu_idx, vaddr, size, ra);
    }
    st_le((uint8_t *)(uintptr_t)(vaddr + e->addend), val, size);
}

static uint64_t sign_extend(uint64_t v, MemOp op)
{
    switch (op & (MO_SIZE | MO_SIGN)) {
    case MO_8 | MO_SIGN:  return (int64_t)(int8_t)v;
    case MO_16 | MO_SIGN: return (int64_t)(int16_t)v;
    case MO_32 | MO_SIGN: return (int64_t)(int32_t)v;
    default:              return v;
    }
}

uint64_t helper_ld_mmu(X86CPU *cpu, uint64_t vaddr, uint32_t memop_idx,
                       uintptr_t ra)
{
    MemOp op = memop_idx & 0xff;
    int mmu_idx = (memop_idx >> 8) & (NB_MMU_MODES - 1);
    unsigned size = 1u << (op & MO_SIZE);
    unsigned off = vaddr & ~TARGET_PAGE_MASK;
    TLBEntry *e;
    uint64_t v;

    if ((op & MO_ALIGN) && (vaddr & (size - 1))) {
        raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
    }
    e = tlb_lookup(cpu, vaddr, ACC_READ, mmu_idx, ra);
    if (likely(off + size <= TARGET_PAGE_SIZE)) {
        v = ld_page(cpu, e, mmu_idx, vaddr, size);
    } else {
        /* Split: both pages translate (and may fault) before either is
         * read; then byte by byte, looking each up again, because an
         * MMIO read may remap memory and flush the TLB under us. */
        tlb_lookup(cpu, vaddr + (TARGET_PAGE_SIZE - off), ACC_READ, mmu_idx,
                   ra);
        v = 0;
        for (unsigned i = 0; i < size; i++) {
            e = tlb_lookup(cpu, vaddr + i, ACC_READ, mmu_idx, ra);
            v |= ld_page(cpu, e, mmu_idx, vaddr + i, 1) << (8 * i);
        }
    }
    return sign_extend(v, op);
}

void helper_st_mmu(X86CPU *cpu, uint64_t vaddr, uint64_t val,
                   uint32_t memop_idx, uintptr_t ra)
{
    MemOp op = memop_idx & 0xff;
    int mmu_idx = (memop_idx >> 8) & (NB_MMU_MODES - 1);
    unsigned size = 1u << (op & MO_SIZE);
    unsigned off = vaddr & ~TARGET_PAGE_MASK;
    TLBEntry *e, *e2;

    if ((op & MO_ALIGN) && (vaddr & (size - 1))) {
        raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
    }
    e = tlb_lookup(cpu, vaddr, ACC_WRITE, mmu_idx, ra);
    if (likely(off + size <= TARGET_PAGE_SIZE)) {
        st_page(cpu, e, mmu_idx, vaddr, val, size, ra);
        return;
    }
    {
        unsigned n1 = TARGET_PAGE_SIZE - off;
        uint64_t vaddr2 = vaddr + n1;

        /* No byte is written unless both pages are writable. */
        e2 = tlb_lookup(cpu, vaddr2, ACC_WRITE, mmu_idx, ra);
        if (!tlb_hit_page(e->addr_write, vaddr & TARGET_PAGE_MASK)) {
            e = tlb_lookup(cpu, vaddr, ACC_WRITE, mmu_idx, ra);
        }
        /* Invalidate code first (this may restart the instruction), so
         * that no byte has been stored when it does. */
        if (e->addr_write & TLB_NOTDIRTY) {
            notdirty_write(cpu, e, mmu_idx, vaddr, n1, ra);
        }
        if (e2->addr_write & TLB_NOTDIRTY) {
            notdirty_write(cpu, e2, mmu_idx, vaddr2, size - n1, ra);
        }
        /* Byte by byte, looking each up again: an MMIO write may remap
         * memory and flush the TLB under us. */
        for (unsigned i = 0; i < size; i++) {
            e = tlb_lookup(cpu, vaddr + i, ACC_WRITE, mmu_idx, ra);
            st_page(cpu, e, mmu_idx, vaddr + i, val >> (8 * i), 1, ra);
        }
    }
}

void *tlb_host_addr_rw(X86CPU *cpu, uint64_t vaddr, int size, int mmu_idx,
                       uintptr_t ra)
{
    unsigned off = vaddr & ~TARGET_PAGE_MASK;
    TLBEntry *e, *e2;
    uint8_t *host;

    mmu_idx &= NB_MMU_MODES - 1;
    e = tlb_lookup(cpu, vaddr, ACC_WRITE, mmu_idx, ra);
    if (off + size <= TARGET_PAGE_SIZE) {
        if (e->addr_write & TLB_MMIO) {
            return NULL;
        }
        if (e->addr_write & TLB_NOTDIRTY) {
            notdirty_write(cpu, e, mmu_idx, vaddr, size, ra);
        }
        return (void *)(uintptr_t)(vaddr + e->addend);
    }
    e2 = tlb_lookup(cpu, vaddr + (TARGET_PAGE_SIZE - off), ACC_WRITE,
                    mmu_idx, ra);
    if (!tlb_hit_page(e->addr_write, vaddr & TARGET_PAGE_MASK)) {
        e = tlb_lookup(cpu, vaddr, ACC_WRITE, mmu_idx, ra);
    }
    if ((e->addr_write | e2->addr_write) & TLB_MMIO) {
        return NULL;
    }
    host = (uint8_t *)(uintptr_t)(vaddr + e->addend);
    if ((uintptr_t)(host + (TARGET_PAGE_SIZE - off)) !=
        (uintptr_t)((vaddr + TARGET_PAGE_SIZE - off) + e2->addend)) {
        return NULL;
    }
    if (e->addr_write & TLB_NOTDIRTY) {
        notdirty_write(cpu, e, mmu_idx, vaddr, TARGET_PAGE_SIZE - off, ra);
    }
    if (e2->addr_write & TLB_NOTDIRTY) {
        notdirty_write(cpu, e2, mmu_idx, vaddr + TARGET_PAGE_SIZE - off,
                       size - (TARGET_PAGE_SIZE - off), ra);
    }
    return host;
}

/* ---- Code fetch for the translator ------------------------------------------ */

int tcg_fetch_code(X86CPU *cpu, TranslationBlock *tb, uint64_t pc,
                   void *buf, int len, int mmu_idx, bool fault)
{
    TCGCPUState *t = tcg_cpu(cpu);
    uint64_t page0 = tb->pc & TARGET_PAGE_MASK;
    uint8_t *out = buf;
    int done = 0;

    mmu_idx &= NB_MMU_MODES - 1;
    while (done < len) {
        uint64_t addr = pc + done;
        uint64_t page = addr & TARGET_PAGE_MASK;
        unsigned off = addr & ~TARGET_PAGE_MASK;
        int n = MIN((int)(TARGET_PAGE_SIZE - off), len - done);
        int slot = page == page0 ? 0
                 : page == page0 + TARGET_PAGE_SIZE ? 1 : -1;
        uint64_t ppage;
        TLBEntry *e;

        if (slot < 0) {
            break;              /* a third page: end the block before */
        }
        ppage = get_page_addr_code(cpu, addr, mmu_idx, fault);
        if (ppage == (uint64_t)-1) {
            break;
        }
        if (tb->phys_pc[slot] == (uint64_t)-1) {
            tb->phys_pc[slot] = ppage;
        } else if (tb->phys_pc[slot] != ppage) {
            break;              /* remapped under us: stop here */
        }
        e = &t->tlb[mmu_idx][tlb_index(page)];
        if (e->addr_code & TLB_MMIO) {
            address_space_read(&address_space_memory, ppage | off,
                               cpu_attrs(cpu), out + done, n);
        } else {
            memcpy(out + done, (uint8_t *)(uintptr_t)(addr + e->addend), n);
        }
        done += n;
    }
    return done;
}

/* ---- Statistics ------------------------------------------------------------- */

void softmmu_stats_add(X86CPU *cpu, SoftmmuStats *sum)
{
    TCGCPUState *t = cpu ? tcg_cpu(cpu) : NULL;

    if (!t) {
        return;
    }
    sum->tlb_misses += t->mmu_stats.tlb_misses;
    sum->victim_hits += t->mmu_stats.victim_hits;
    sum->tlb_flushes += t->mmu_stats.tlb_flushes;
    sum->tlb_page_flushes += t->mmu_stats.tlb_page_flushes;
    sum->mmio_accesses += t->mmu_stats.mmio_accesses;
    sum->notdirty_writes += t->mmu_stats.notdirty_writes;
}
