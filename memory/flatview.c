/*
 * flatview.c: flatten a MemoryRegion tree into a sorted array of ranges,
 * and find an address in it.
 *
 * Rendering is done in two steps.  A walk of the tree, highest priority
 * first, collects "candidates": the clipped pieces of every terminal
 * region (RAM, ROM, I/O), each with a rank (the walk order).  Where
 * candidates overlap, the lowest rank is visible: it was reached first,
 * so it has the higher priority, or is a subregion drawn over its parent.
 * A sweep over the candidates sorted by start, with a min-heap on rank,
 * then emits the visible pieces in address order.  O(n log n), so a tree
 * of a thousand regions renders in well under a millisecond.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "memory/memory-internal.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(flatview_render);

/* Deeper than any real tree: only an alias loop gets here. */
#define RENDER_MAX_DEPTH 64

typedef struct Candidate {
    Int128 lo, hi;              /* absolute [lo, hi) */
    MemoryRegion *mr;           /* terminal region */
    uint64_t offset;            /* offset in mr at lo */
    unsigned rank;              /* lower is visible */
    bool readonly;
} Candidate;

/*
 * @base is the absolute address of @mr's offset 0 (it can be negative for
 * an alias target); [@clip_lo, @clip_hi) is what the containers above
 * leave visible.
 */
static void render_mr(GArray *cands, MemoryRegion *mr, Int128 base,
                      Int128 clip_lo, Int128 clip_hi, bool readonly,
                      unsigned depth)
{
    Int128 lo = MAX(clip_lo, base);
    Int128 hi = MIN(clip_hi, base + mr_size128(mr));

    if (!mr->enabled || lo >= hi) {
        return;
    }
    if (depth > RENDER_MAX_DEPTH) {
        g_warning("memory: region '%s' nested too deep (alias loop?)",
                  mr->name);
        return;
    }
    readonly |= mr->readonly;
    if (mr->type == MR_ALIAS) {
        /* The alias's offset 0 shows the target's alias_offset. */
        if (mr->alias) {
            render_mr(cands, mr->alias, base - (Int128)mr->alias_offset,
                      lo, hi, readonly, depth + 1);
        }
        return;
    }
    for (guint i = 0; i < mr->subregions->len; i++) {
        MemoryRegion *sub = g_ptr_array_index(mr->subregions, i);
        render_mr(cands, sub, base + sub->addr, lo, hi, readonly, depth + 1);
    }
    /* A terminal region shows through wherever its subregions don't. */
    if (mr->type != MR_CONTAINER) {
        Candidate c = {
            .lo = lo, .hi = hi, .mr = mr, .offset = (uint64_t)(lo - base),
            .rank = cands->len, .readonly = readonly,
        };
        g_array_append_val(cands, c);
    }
}

static int candidate_cmp(const void *a, const void *b)
{
    const Candidate *x = a, *y = b;

    if (x->lo != y->lo) {
        return x->lo < y->lo ? -1 : 1;
    }
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* ---- a binary min-heap of candidate indices, keyed by rank ---- */

typedef struct Heap {
    unsigned *v;
    unsigned n;
    const Candidate *c;
} Heap;

static bool heap_less(const Heap *h, unsigned a, unsigned b)
{
    return h->c[h->v[a]].rank < h->c[h->v[b]].rank;
}

static void heap_swap(Heap *h, unsigned a, unsigned b)
{
    unsigned t = h->v[a];
    h->v[a] = h->v[b];
    h->v[b] = t;
}

static void heap_push(Heap *h, unsigned idx)
{
    unsigned i = h->n++;

    h->v[i] = idx;
    while (i && heap_less(h, i, (i - 1) / 2)) {
        heap_swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void heap_pop(Heap *h)
{
    unsigned i = 0;

    h->v[0] = h->v[--h->n];
    for (;;) {
        unsigned l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && heap_less(h, l, m)) {
            m = l;
        }
        if (r < h->n && heap_less(h, r, m)) {
            m = r;
        }
        if (m == i) {
            return;
        }
        heap_swap(h, i, m);
        i = m;
    }
}

/* Append [from, to) of @c, merging with the previous range when it is the
 * same region continuing at the next offset. */
static void emit(GArray *out, const Candidate *c, Int128 from, Int128 to)
{
    uint64_t offset = c->offset + (uint64_t)(from - c->lo);
    FlatRange fr;

    if (out->len) {
        FlatRange *last = &g_array_index(out, FlatRange, out->len - 1);
        Int128 last_size = range_size128(last->size);
        if (last->mr == c->mr && last->readonly == c->readonly &&
            (Int128)last->addr + last_size == from &&
            (Int128)last->offset_in_region + last_size == (Int128)offset) {
            last->size = (uint64_t)(to - last->addr);  /* 2^64 -> 0 */
            return;
        }
    }
    fr = (FlatRange) {
        .addr = (hwaddr)from, .size = (uint64_t)(to - from), .mr = c->mr,
        .offset_in_region = offset, .readonly = c->readonly,
    };
    g_array_append_val(out, fr);
}

static void sweep(GArray *out, Candidate *c, unsigned n)
{
    Heap h = { .v = g_new(unsigned, n ? n : 1), .c = c };
    unsigned next = 0;
    Int128 pos = 0;

    if (n) {
        qsort(c, n, sizeof(*c), candidate_cmp);
    }
    while (next < n || h.n) {
        Int128 end;
        const Candidate *top;

        if (!h.n) {
            pos = c[next].lo;
        }
        while (next < n && c[next].lo <= pos) {
            heap_push(&h, next++);
        }
        /* Finished candidates leave lazily, when they surface. */
        while (h.n && c[h.v[0]].hi <= pos) {
            heap_pop(&h);
        }
        if (!h.n) {
            continue;
        }
        top = &c[h.v[0]];
        end = top->hi;
        if (next < n && c[next].lo < end) {
            end = c[next].lo;   /* a newcomer may outrank top there */
        }
        emit(out, top, pos, end);
        pos = end;
    }
    g_free(h.v);
}

FlatView *flatview_render(AddressSpace *as)
{
    int64_t t0 = trace_enabled(flatview_render) ? g_get_monotonic_time() : 0;
    GArray *cands = g_array_new(false, false, sizeof(Candidate));
    GArray *out = g_array_new(false, false, sizeof(FlatRange));
    FlatViewImpl *v = g_new0(FlatViewImpl, 1);

    if (as->root) {
        render_mr(cands, as->root, as->root->addr, 0, INT128_2_64, false, 0);
    }
    sweep(out, (Candidate *)cands->data, cands->len);
    g_array_free(cands, true);

    v->pub.nr = out->len;
    v->pub.ranges = (FlatRange *)g_array_free(out, false);
    v->starts = g_new(uint64_t, v->pub.nr ? v->pub.nr : 1);
    v->fast = g_new0(FlatRangeFast, v->pub.nr ? v->pub.nr : 1);
    for (unsigned i = 0; i < v->pub.nr; i++) {
        FlatRange *fr = &v->pub.ranges[i];
        FlatRangeFast *f = &v->fast[i];
        RAMBlock *rb = fr->mr->ram_block;

        v->starts[i] = fr->addr;
        f->last = (uint64_t)(range_size128(fr->size) - 1);
        f->readonly = fr->readonly;
        if (memory_region_is_ram(fr->mr) && rb && rb->host) {
            f->rb = rb;
            f->rb_offset = fr->offset_in_region;
            f->host = rb->host + fr->offset_in_region;
        }
    }
    trace(flatview_render, "as=%s ranges=%u us=%" PRId64, as->name,
          v->pub.nr, g_get_monotonic_time() - t0);
    return &v->pub;
}

static void flatview_free_cb(struct rcu_head *head)
{
    FlatViewImpl *v = container_of(head, FlatViewImpl, rcu);

    memory_rcu_reclaim_begin(head);
    g_free(v->pub.ranges);
    g_free(v->starts);
    g_free(v->fast);
    g_free(v);
}

void flatview_free_rcu(FlatView *fv)
{
    memory_call_rcu(&flatview_impl(fv)->rcu, flatview_free_cb);
}

/*
 * The hot path of every guest access.  Why it is fast: starts[] is a
 * dense sorted array of uint64_t, 8 per cache line, with no pointer to
 * chase; the loop below halves the window with a conditional move rather
 * than a branch the CPU would mispredict half the time.  A PC map of ~50
 * ranges takes 6 iterations on 1-2 cache lines, with no lock and no
 * atomic beyond the caller's RCU read lock.
 */
long flatview_find(const FlatView *fv, hwaddr addr)
{
    const FlatViewImpl *v = (const FlatViewImpl *)fv;
    const uint64_t *base = v->starts;
    size_t n = fv->nr;
    long i;

    if (!n) {
        return -1;
    }
    while (n > 1) {
        size_t half = n / 2;
        base = base[half] <= addr ? base + half : base;
        n -= half;
    }
    i = base - v->starts;
    if (*base > addr) {
        return -1;                      /* before the first range */
    }
    if (addr - *base <= v->fast[i].last) {
        return i;
    }
    return -1 - (i + 1);                /* hole; range i + 1 is next */
}
