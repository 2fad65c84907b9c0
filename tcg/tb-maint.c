/*
 * tb-maint.c: the translation block cache: the global hash, the per-page
 * lists that self-modifying code invalidation walks, direct chaining and
 * its undoing, and the flush of everything when the code buffer fills.
 *
 * Concurrency: one mutex (tb_lock) serializes every change: insertion,
 * invalidation, chaining, page lists.  Lookups (the hash, page_has_code,
 * the host-pc index) take no lock: pointers are published with release
 * stores after the object is complete, and no TB is freed except by
 * tb_flush_all(), which first stops every vCPU outside generated code
 * (start_exclusive).  An invalidated TB stays readable (tb->invalid set)
 * until then, so a reader that raced with its removal only wastes a
 * lookup.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include "tcg/exec-internal.h"
#include "tcg/exec.h"
#include "tcg/code-buffer.h"
#include "tcg/i386/translate.h"
#include "hw/machine.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(tb_invalidate);
TRACE_EVENT_DEFINE(tb_flush_all);

static pthread_mutex_t tb_mutex = PTHREAD_MUTEX_INITIALIZER;
static TBStats tb_stats;
static unsigned flush_count;

void tb_lock(void)
{
    pthread_mutex_lock(&tb_mutex);
    if (current_cpu && tcg_cpu(current_cpu)) {
        tcg_cpu(current_cpu)->tb_lock_held = true;
    }
}

void tb_unlock(void)
{
    if (current_cpu && tcg_cpu(current_cpu)) {
        tcg_cpu(current_cpu)->tb_lock_held = false;
    }
    pthread_mutex_unlock(&tb_mutex);
}

/* ---- Hash table ----------------------------------------------------------- */

#define TB_HASH_BITS 15
#define TB_HASH_SIZE (1u << TB_HASH_BITS)

static TranslationBlock *tb_hash[TB_HASH_SIZE];

static inline unsigned tb_hash_func(uint64_t phys_page0, uint64_t pc,
                                    uint32_t flags)
{
    uint64_t h = (phys_page0 >> TARGET_PAGE_BITS) * 0x9e3779b97f4a7c15ULL;

    h ^= (pc * 0xff51afd7ed558ccdULL) ^ flags;
    h ^= h >> 29;
    return (h * 0xc4ceb9fe1a85ec53ULL) >> (64 - TB_HASH_BITS);
}

/*
 * The second page of a block spanning two must still map to the physical
 * page it was translated from; the first was part of the hash key.
 */
static bool tb_page1_matches(X86CPU *cpu, TranslationBlock *tb)
{
    uint64_t p1;

    if (tb->phys_pc[1] == (uint64_t)-1) {
        return true;
    }
    p1 = get_page_addr_code(cpu, (tb->pc & TARGET_PAGE_MASK) +
                            TARGET_PAGE_SIZE,
                            x86_mmu_index(tb->flags), false);
    return p1 == tb->phys_pc[1];
}

TranslationBlock *tb_htable_lookup(X86CPU *cpu, uint64_t pc,
                                   uint64_t cs_base, uint32_t flags,
                                   uint64_t phys_page0)
{
    unsigned h = tb_hash_func(phys_page0, pc, flags);
    TranslationBlock *tb = __atomic_load_n(&tb_hash[h], __ATOMIC_ACQUIRE);

    for (; tb; tb = __atomic_load_n(&tb->hash_next, __ATOMIC_ACQUIRE)) {
        if (tb->pc == pc && tb->cs_base == cs_base && tb->flags == flags &&
            tb->phys_pc[0] == phys_page0 &&
            !__atomic_load_n(&tb->invalid, __ATOMIC_ACQUIRE) &&
            tb_page1_matches(cpu, tb)) {
            return tb;
        }
    }
    return NULL;
}

TranslationBlock *tb_htable_find_same(TranslationBlock *tb)
{
    unsigned h = tb_hash_func(tb->phys_pc[0], tb->pc, tb->flags);
    TranslationBlock *o = __atomic_load_n(&tb_hash[h], __ATOMIC_ACQUIRE);

    for (; o; o = __atomic_load_n(&o->hash_next, __ATOMIC_ACQUIRE)) {
        if (o->pc == tb->pc && o->cs_base == tb->cs_base &&
            o->flags == tb->flags && o->phys_pc[0] == tb->phys_pc[0] &&
            o->phys_pc[1] == tb->phys_pc[1] &&
            !__atomic_load_n(&o->invalid, __ATOMIC_ACQUIRE)) {
            return o;
        }
    }
    return NULL;
}

static void tb_hash_remove(TranslationBlock *tb)
{
    unsigned h = tb_hash_func(tb->phys_pc[0], tb->pc, tb->flags);
    TranslationBlock **pp = &tb_hash[h];

    for (; *pp; pp = &(*pp)->hash_next) {
        if (*pp == tb) {
            /* A reader standing on tb still follows tb->hash_next. */
            __atomic_store_n(pp, tb->hash_next, __ATOMIC_RELEASE);
            return;
        }
    }
}

/* ---- Physical page descriptors ----------------------------------------------
 *
 * A radix tree over the 40-bit physical page number, four levels of 1024
 * entries, nodes allocated on demand and kept forever (reset by a flush).
 * Lookups are lock-free: a node is published complete (calloc) with a
 * release store.
 */

#define PD_LEVEL_BITS 10
#define PD_LEVELS 4
#define PD_NODE_SIZE (1u << PD_LEVEL_BITS)
#define PD_PAGE_BITS (PD_LEVEL_BITS * PD_LEVELS)

/* Writes to a page with code before a code bitmap is built for it. */
#define CODE_BITMAP_THRESHOLD 16

typedef struct PageDesc {
    uintptr_t first;            /* TranslationBlock * | page slot (0/1) */
    unsigned write_count;
    unsigned long *code_bitmap; /* bytes covered by TBs, or NULL */
} PageDesc;

static void *pd_root[PD_NODE_SIZE];

static PageDesc *page_find(uint64_t paddr, bool alloc)
{
    uint64_t pn = paddr >> TARGET_PAGE_BITS;
    void **node = pd_root;

    if (pn >> PD_PAGE_BITS) {
        return NULL;            /* beyond 52-bit physical addresses */
    }
    /* Levels 3..1 hold pointers; a level-1 entry points at a leaf of
     * PageDescs indexed by the low bits. */
    for (int lvl = PD_LEVELS - 1; lvl >= 1; lvl--) {
        unsigned i = (pn >> (lvl * PD_LEVEL_BITS)) & (PD_NODE_SIZE - 1);
        void *next = __atomic_load_n(&node[i], __ATOMIC_ACQUIRE);

        if (!next) {
            if (!alloc) {
                return NULL;
            }
            next = lvl > 1 ? g_malloc0(PD_NODE_SIZE * sizeof(void *))
                           : g_malloc0(PD_NODE_SIZE * sizeof(PageDesc));
            __atomic_store_n(&node[i], next, __ATOMIC_RELEASE);
        }
        node = next;
    }
    return &((PageDesc *)node)[pn & (PD_NODE_SIZE - 1)];
}

bool page_has_code(uint64_t paddr)
{
    PageDesc *pd = page_find(paddr, false);

    return pd && __atomic_load_n(&pd->first, __ATOMIC_ACQUIRE) != 0;
}

#define PD_TB(x) ((TranslationBlock *)((x) & ~(uintptr_t)1))
#define PD_SLOT(x) ((int)((x) & 1))

static void pd_drop_bitmap(PageDesc *pd)
{
    g_free(pd->code_bitmap);
    pd->code_bitmap = NULL;
    pd->write_count = 0;
}

static void tb_page_add(TranslationBlock *tb, int slot)
{
    PageDesc *pd = page_find(tb->phys_pc[slot], true);
    bool had_code;

    if (!pd) {
        return;
    }
    had_code = pd->first != 0;
    tb->page_next[slot] = (TranslationBlock *)pd->first;
    __atomic_store_n(&pd->first, (uintptr_t)tb | slot, __ATOMIC_RELEASE);
    pd_drop_bitmap(pd);
    if (!had_code) {
        tlb_protect_code(tb->phys_pc[slot]);
    }
}

static void tb_page_remove(TranslationBlock *tb, int slot)
{
    PageDesc *pd = page_find(tb->phys_pc[slot], false);
    uintptr_t *pp;

    if (!pd) {
        return;
    }
    for (pp = &pd->first; *pp; ) {
        TranslationBlock *cur = PD_TB(*pp);
        int s = PD_SLOT(*pp);

        if (cur == tb && s == slot) {
            __atomic_store_n(pp, (uintptr_t)tb->page_next[slot],
                             __ATOMIC_RELEASE);
            break;
        }
        pp = (uintptr_t *)&cur->page_next[s];
    }
    pd_drop_bitmap(pd);
}

/* The byte range [*lo, *hi) of @tb on its page @slot. */
static void tb_page_range(TranslationBlock *tb, int slot, unsigned *lo,
                          unsigned *hi)
{
    unsigned off = tb->pc & ~TARGET_PAGE_MASK;
    uint64_t end = (uint64_t)off + (tb->size ? tb->size : 1);

    if (slot == 0) {
        *lo = off;
        *hi = MIN(end, TARGET_PAGE_SIZE);
    } else {
        *lo = 0;
        *hi = end > TARGET_PAGE_SIZE ? end - TARGET_PAGE_SIZE : 0;
    }
}

static void pd_build_bitmap(PageDesc *pd)
{
    pd->code_bitmap = g_new0(unsigned long,
                             TARGET_PAGE_SIZE / (8 * sizeof(long)));
    for (uintptr_t x = pd->first; x; ) {
        TranslationBlock *tb = PD_TB(x);
        int s = PD_SLOT(x);
        unsigned lo, hi;

        tb_page_range(tb, s, &lo, &hi);
        for (unsigned b = lo; b < hi; b++) {
            pd->code_bitmap[b / (8 * sizeof(long))] |=
                1UL << (b % (8 * sizeof(long)));
        }
        x = (uintptr_t)tb->page_next[s];
    }
}

static bool pd_bitmap_hit(PageDesc *pd, unsigned lo, unsigned hi)
{
    for (unsigned b = lo; b < hi && b < TARGET_PAGE_SIZE; b++) {
        if (pd->code_bitmap[b / (8 * sizeof(long))] &
            (1UL << (b % (8 * sizeof(long))))) {
            return true;
        }
    }
    return false;
}

/* ---- Host pc -> TB index ----------------------------------------------------
 *
 * TBs are appended in code buffer order (tcg_gen_code runs under the tb
 * lock), so the array is sorted by tc_ptr and a binary search finds the
 * block of a helper's return address.  Growing publishes a new array and
 * keeps the old one until the next flush: a reader may still use it.
 */

typedef struct TBIndex {
    TranslationBlock **v;
    size_t n, cap;
    GPtrArray *retired;
} TBIndex;

static TBIndex tb_index;

void tb_index_add(TranslationBlock *tb)
{
    TBIndex *ix = &tb_index;

    if (ix->n == ix->cap) {
        size_t cap = ix->cap ? ix->cap * 2 : 4096;
        TranslationBlock **v = g_new(TranslationBlock *, cap);

        if (ix->n) {
            memcpy(v, ix->v, ix->n * sizeof(*v));
        }
        if (!ix->retired) {
            ix->retired = g_ptr_array_new_with_free_func(g_free);
        }
        if (ix->v) {
            g_ptr_array_add(ix->retired, ix->v);
        }
        __atomic_store_n(&ix->v, v, __ATOMIC_RELEASE);
        ix->cap = cap;
    }
    ix->v[ix->n] = tb;
    __atomic_store_n(&ix->n, ix->n + 1, __ATOMIC_RELEASE);
}

TranslationBlock *tb_find_by_host_pc(uintptr_t ra)
{
    /* n first: a v loaded after it is at least as new. */
    size_t n = __atomic_load_n(&tb_index.n, __ATOMIC_ACQUIRE);
    TranslationBlock **v = __atomic_load_n(&tb_index.v, __ATOMIC_ACQUIRE);
    size_t lo = 0, hi = n;

    if (!ra || !n || !tcg_code_buffer_contains((const void *)ra)) {
        return NULL;
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if ((uintptr_t)v[mid]->tc_ptr <= ra) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == 0) {
        return NULL;
    }
    {
        TranslationBlock *tb = v[lo - 1];

        /* ra is a return address: it may point just past the code. */
        if (ra <= (uintptr_t)tb->tc_ptr + tb->tc_size) {
            return tb;
        }
    }
    return NULL;
}

/* ---- Linking, chaining, invalidation ------------------------------------------ */

void tb_link(TranslationBlock *tb)
{
    unsigned h = tb_hash_func(tb->phys_pc[0], tb->pc, tb->flags);

    tb_page_add(tb, 0);
    if (tb->phys_pc[1] != (uint64_t)-1) {
        tb_page_add(tb, 1);
    }
    tb->hash_next = tb_hash[h];
    __atomic_store_n(&tb_hash[h], tb, __ATOMIC_RELEASE);
    tb_stats.live++;
}

void tb_add_jump(TranslationBlock *tb, int slot, TranslationBlock *dest)
{
    tb_lock();
    if (!tb->invalid && !dest->invalid && !tb->jmp_dest[slot] &&
        tb->jmp_insn_offset[slot] != UINT32_MAX) {
        tb_set_jmp_target(tb, slot, (uintptr_t)dest->tc_ptr);
        tb->jmp_dest[slot] = dest;
        if (!dest->jmp_incoming) {
            dest->jmp_incoming = g_ptr_array_new();
        }
        g_ptr_array_add(dest->jmp_incoming, tb);
    }
    tb_unlock();
}

static void tb_reset_jump(TranslationBlock *tb, int slot)
{
    tb_set_jmp_target(tb, slot,
                      (uintptr_t)tb->tc_ptr + tb->jmp_reset_offset[slot]);
    tb->jmp_dest[slot] = NULL;
}

void tb_phys_invalidate(TranslationBlock *tb)
{
    Machine *m = current_machine;

    if (tb->invalid) {
        return;
    }
    trace(tb_invalidate, "pc=0x%" PRIx64 " phys=0x%" PRIx64, tb->pc,
          tb->phys_pc[0]);
    __atomic_store_n(&tb->invalid, true, __ATOMIC_RELEASE);
    tb_hash_remove(tb);
    tb_page_remove(tb, 0);
    if (tb->phys_pc[1] != (uint64_t)-1) {
        tb_page_remove(tb, 1);
    }
    /* Other vCPUs' jump caches: a stale hit is caught by tb->invalid,
     * clearing just frees the slot sooner. */
    for (unsigned c = 0; m && m->cpus && c < m->ncpus; c++) {
        TCGCPUState *t = m->cpus[c] ? tcg_cpu(m->cpus[c]) : NULL;
        unsigned h = tb_jmp_cache_hash(tb->pc);

        if (t && __atomic_load_n(&t->jmp_cache[h], __ATOMIC_RELAXED) == tb) {
            __atomic_store_n(&t->jmp_cache[h], NULL, __ATOMIC_RELAXED);
        }
    }
    /* Whoever jumps to us goes back to the loop instead. */
    if (tb->jmp_incoming) {
        for (guint i = 0; i < tb->jmp_incoming->len; i++) {
            TranslationBlock *src = g_ptr_array_index(tb->jmp_incoming, i);

            for (int s = 0; s < 2; s++) {
                if (src->jmp_dest[s] == tb) {
                    tb_reset_jump(src, s);
                }
            }
        }
        g_ptr_array_set_size(tb->jmp_incoming, 0);
    }
    for (int s = 0; s < 2; s++) {
        TranslationBlock *dest = tb->jmp_dest[s];

        if (dest && dest->jmp_incoming) {
            g_ptr_array_remove_fast(dest->jmp_incoming, tb);
        }
        tb->jmp_dest[s] = NULL;
    }
    tb_stats.invalidated++;
    tb_stats.live--;
}

/* Invalidate the TBs of page @pd overlapping [lo, hi); returns whether
 * @current was one of them. */
static bool pd_invalidate_range(PageDesc *pd, unsigned lo, unsigned hi,
                                TranslationBlock *current)
{
    bool hit_current = false;
    uintptr_t x = pd->first;

    while (x) {
        TranslationBlock *tb = PD_TB(x);
        int s = PD_SLOT(x);
        unsigned tlo, thi;

        x = (uintptr_t)tb->page_next[s];   /* before tb leaves the list */
        tb_page_range(tb, s, &tlo, &thi);
        if (tlo < hi && lo < thi) {
            if (tb == current) {
                hit_current = true;
            }
            tb_phys_invalidate(tb);
        }
    }
    return hit_current;
}

void tb_invalidate_phys_write(X86CPU *cpu, uint64_t paddr, unsigned size,
                              uintptr_t ra)
{
    PageDesc *pd = page_find(paddr, false);
    unsigned lo = paddr & ~TARGET_PAGE_MASK;
    unsigned hi = MIN(lo + size, TARGET_PAGE_SIZE);
    TranslationBlock *current;
    bool restart;

    if (!pd || !__atomic_load_n(&pd->first, __ATOMIC_ACQUIRE)) {
        return;
    }
    tb_lock();
    if (!pd->first) {
        tb_unlock();
        return;
    }
    if (!pd->code_bitmap && ++pd->write_count >= CODE_BITMAP_THRESHOLD) {
        pd_build_bitmap(pd);
    }
    if (pd->code_bitmap && !pd_bitmap_hit(pd, lo, hi)) {
        /* Data next to code: the common case of a page written often. */
        tb_stats.bitmap_skips++;
        tb_unlock();
        return;
    }
    current = tb_find_by_host_pc(ra);
    tb_stats.smc_invalidations++;
    /* A one-instruction block may finish its own store: that store is the
     * whole rest of the block. */
    restart = pd_invalidate_range(pd, lo, hi, current) && current &&
              current->icount > 1;
    tb_unlock();
    if (restart) {
        /*
         * The storing instruction overwrote its own block.  Nothing of it
         * is stored yet: go back to its start and run it alone in a fresh
         * block, which completes it; the next block is translated from
         * the modified code.
         */
        tb_stats.smc_restarts++;
        tcg_cpu_restore_state(cpu, current, ra);
        tcg_cpu(cpu)->next_tb_insns = 1;
        cpu->exception_index = -1;
        cpu_loop_exit(cpu);
    }
}

static void pd_invalidate_leaf(PageDesc *leaf, uint64_t base,
                               uint64_t first_pn, uint64_t last_pn,
                               uint64_t start, uint64_t end)
{
    for (unsigned i = 0; i < PD_NODE_SIZE; i++) {
        uint64_t pn = base + i;
        uint64_t pstart = pn << TARGET_PAGE_BITS;
        unsigned lo, hi;

        if (pn < first_pn || pn > last_pn || !leaf[i].first) {
            continue;
        }
        lo = start > pstart ? start - pstart : 0;
        hi = end - pstart < TARGET_PAGE_SIZE ? end - pstart
                                             : TARGET_PAGE_SIZE;
        pd_invalidate_range(&leaf[i], lo, hi, NULL);
        tb_stats.dma_invalidations++;
    }
}

static void pd_range_recurse(void **node, int lvl, uint64_t base,
                             uint64_t first_pn, uint64_t last_pn,
                             uint64_t start, uint64_t end)
{
    uint64_t span = 1ULL << (lvl * PD_LEVEL_BITS);

    for (unsigned i = 0; i < PD_NODE_SIZE; i++) {
        uint64_t pn0 = base + i * span, pn1 = pn0 + span - 1;

        if (pn1 < first_pn || pn0 > last_pn || !node[i]) {
            continue;
        }
        if (lvl > 1) {
            pd_range_recurse(node[i], lvl - 1, pn0, first_pn, last_pn,
                             start, end);
        } else {
            pd_invalidate_leaf(node[i], pn0, first_pn, last_pn, start, end);
        }
    }
}

void tb_invalidate_phys_range(uint64_t start, uint64_t len)
{
    uint64_t end, first_pn, last_pn;

    if (!len) {
        return;
    }
    end = start + len;
    if (end < start) {
        end = UINT64_MAX;
    }
    first_pn = start >> TARGET_PAGE_BITS;
    last_pn = (end - 1) >> TARGET_PAGE_BITS;
    if (first_pn == last_pn) {
        /* The common case (a DMA write, an A/D bit): one lock-free look. */
        if (!page_has_code(start)) {
            return;
        }
    }
    tb_lock();
    pd_range_recurse(pd_root, PD_LEVELS - 1, 0, first_pn, last_pn, start,
                     end);
    tb_unlock();
}

/* ---- Jump cache --------------------------------------------------------------- */

void tb_jmp_cache_clear(X86CPU *cpu)
{
    TCGCPUState *t = tcg_cpu(cpu);

    for (unsigned i = 0; i < TB_JMP_CACHE_SIZE; i++) {
        __atomic_store_n(&t->jmp_cache[i], NULL, __ATOMIC_RELAXED);
    }
}

void tb_jmp_cache_clear_page(X86CPU *cpu, uint64_t vaddr)
{
    TCGCPUState *t = tcg_cpu(cpu);
    uint64_t page = vaddr & TARGET_PAGE_MASK;

    /* A block starting on the page before may end on this one. */
    for (int k = 0; k < 2; k++) {
        unsigned g = tb_jmp_cache_hash(page - k * TARGET_PAGE_SIZE) &
                     ~(TB_JMP_PAGE_SIZE - 1);

        for (unsigned i = 0; i < TB_JMP_PAGE_SIZE; i++) {
            __atomic_store_n(&t->jmp_cache[g + i], NULL, __ATOMIC_RELAXED);
        }
    }
}

/* ---- Flush everything ------------------------------------------------------------ */

static void pd_reset(void **node, int lvl)
{
    for (unsigned i = 0; i < PD_NODE_SIZE; i++) {
        if (!node[i]) {
            continue;
        }
        if (lvl > 1) {
            pd_reset(node[i], lvl - 1);
        } else {
            PageDesc *leaf = node[i];

            for (unsigned k = 0; k < PD_NODE_SIZE; k++) {
                leaf[k].first = 0;
                pd_drop_bitmap(&leaf[k]);
            }
        }
    }
}

unsigned tb_flush_count(void)
{
    return __atomic_load_n(&flush_count, __ATOMIC_ACQUIRE);
}

/*
 * Blink's policy: when the code buffer is full, throw everything away and
 * start over.  Every vCPU is outside generated code and holds no TB
 * pointer (start_exclusive), so the TBs can really be freed.
 */
void tb_flush_all(void)
{
    Machine *m = current_machine;
    unsigned before = tb_flush_count();

    start_exclusive();
    tb_lock();
    if (tb_flush_count() != before) {
        /* Someone else flushed while we waited: nothing left to do. */
        tb_unlock();
        end_exclusive();
        return;
    }
    trace(tb_flush_all, "tbs=%zu code=%zu", tb_index.n,
          tcg_code_buffer_used());
    memset(tb_hash, 0, sizeof(tb_hash));
    pd_reset(pd_root, PD_LEVELS - 1);
    for (size_t i = 0; i < tb_index.n; i++) {
        TranslationBlock *tb = tb_index.v[i];

        if (tb->jmp_incoming) {
            g_ptr_array_free(tb->jmp_incoming, true);
        }
        g_free(tb);
    }
    tb_index.n = 0;
    if (tb_index.retired) {
        g_ptr_array_set_size(tb_index.retired, 0);
    }
    for (unsigned c = 0; m && m->cpus && c < m->ncpus; c++) {
        if (m->cpus[c] && tcg_cpu(m->cpus[c])) {
            tb_jmp_cache_clear(m->cpus[c]);
        }
    }
    tcg_code_buffer_reset();
    tb_stats.flushes++;
    tb_stats.live = 0;
    __atomic_store_n(&flush_count, flush_count + 1, __ATOMIC_RELEASE);
    tb_unlock();
    end_exclusive();
}

/* ---- Statistics ------------------------------------------------------------------ */

void tb_stats_count_translation(TranslationBlock *tb, bool cached)
{
    tb_stats.translated++;
    tb_stats.translated_insns += tb->icount;
    if (!cached) {
        tb_stats.uncached++;
    }
}

void tb_stats_get(TBStats *out)
{
    tb_lock();
    *out = tb_stats;
    tb_unlock();
}
