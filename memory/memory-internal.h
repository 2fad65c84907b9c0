/*
 * memory-internal.h: what the memory/ files share and nobody else sees.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MEMORY_MEMORY_INTERNAL_H
#define MEMORY_MEMORY_INTERNAL_H

#include <stdio.h>
#include <string.h>

#include "memory/memory.h"

/*
 * An end address can be 2^64 (a region filling the 64-bit space, or one
 * ending at its very top), which no uint64_t holds: do range arithmetic in
 * 128 bits.  Signed, because an alias can place its target's offset 0
 * below address 0.
 */
typedef __int128 Int128;
#define INT128_2_64 ((Int128)1 << 64)

/* Region size in bytes, with MEMORY_SIZE_2_64 turned into 2^64. */
static inline Int128 mr_size128(const MemoryRegion *mr)
{
    return mr->size == MEMORY_SIZE_2_64 ? INT128_2_64 : (Int128)mr->size;
}

/* Size as stored in FlatRange / MemoryRegionSection: 0 means 2^64. */
static inline Int128 range_size128(uint64_t size)
{
    return size ? (Int128)size : INT128_2_64;
}

/* "size - 1" for printing the inclusive end (size 0 prints as 0). */
static inline uint64_t mr_size_m1(const MemoryRegion *mr)
{
    return mr->size == 0 ? 0 : (uint64_t)(mr_size128(mr) - 1);
}

/*
 * The hot-path view of a flat range: everything address_space_rw needs
 * without touching the MemoryRegion (which a device may free once it is
 * unmapped, while a reader still holds an old view).
 */
typedef struct FlatRangeFast {
    uint64_t last;          /* size - 1: no 2^64 special case on lookup */
    uint8_t *host;          /* RAM/ROM: host address of the range start */
    RAMBlock *rb;           /* RAM/ROM: for dirty bits; freed after RCU */
    uint64_t rb_offset;     /* offset of the range start in rb */
    bool readonly;
} FlatRangeFast;

typedef struct FlatViewImpl {
    FlatView pub;           /* ranges/nr, as memory.h shows them */
    uint64_t *starts;       /* starts[i] == ranges[i].addr, packed for the
                               binary search: 8 starts per cache line */
    FlatRangeFast *fast;
    struct rcu_head rcu;
} FlatViewImpl;

#ifndef container_of
#define container_of(ptr, type, member) caa_container_of(ptr, type, member)
#endif

static inline FlatViewImpl *flatview_impl(FlatView *fv)
{
    return (FlatViewImpl *)fv;
}

/* flatview.c */
FlatView *flatview_render(AddressSpace *as);
void flatview_free_rcu(FlatView *fv);
/* index of the range holding @addr, or -1 - (index of the next range) */
long flatview_find(const FlatView *fv, hwaddr addr);

/* What listeners and address_space_lookup are told about @fr of @as. */
static inline void section_from_range(MemoryRegionSection *s,
                                      AddressSpace *as, const FlatRange *fr)
{
    *s = (MemoryRegionSection) {
        .mr = fr->mr,
        .as = as,
        .offset_within_region = fr->offset_in_region,
        .offset_within_address_space = fr->addr,
        .size = fr->size,
        .readonly = fr->readonly,
    };
}

/* listener.c */
void memory_listeners_begin(void);
void memory_listeners_update(AddressSpace *as, FlatView *old, FlatView *new);
void memory_listeners_commit(void);

/* region.c */
GPtrArray *memory_address_spaces(void);
void memory_defer_after_commit(struct rcu_head *head,
                               void (*fn)(struct rcu_head *));

/* ramblock.c */
/* Returns 0 with *@out set, or -errno with @errp set. */
int ram_block_new(const char *name, uint64_t size, RAMBlock **out,
                  GError **errp);
void ram_block_free_rcu(RAMBlock *rb);
void ram_block_set_dirty(RAMBlock *rb, uint64_t offset, uint64_t len);

/*
 * RCU glue.  The memory API uses the "bulletproof" urcu flavour so that
 * any thread may read without registering first (see docs/memory.md).
 * The view pointer is published and read with C11 atomics rather than
 * rcu_assign_pointer/rcu_dereference: on x86 they compile to the same
 * plain mov, but ThreadSanitizer understands them.  TSan cannot see the
 * grace period inside liburcu, so under TSan each read-side section ends
 * with a release on a shared token that the reclaiming callback acquires.
 */
#if defined(__SANITIZE_THREAD__)
#define MEMORY_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MEMORY_TSAN 1
#endif
#endif

#ifdef MEMORY_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
extern char memory_rcu_tsan_token;
#define memory_tsan_acquire(p) __tsan_acquire(p)
#define memory_tsan_release(p) __tsan_release(p)
#else
#define memory_tsan_acquire(p) do { } while (0)
#define memory_tsan_release(p) do { } while (0)
#endif

static inline void memory_rcu_read_lock(void)
{
    rcu_read_lock();
}

static inline void memory_rcu_read_unlock(void)
{
#ifdef MEMORY_TSAN
    __tsan_release(&memory_rcu_tsan_token);
#endif
    rcu_read_unlock();
}

/* call_rcu, with the TSan edges a reclaim callback needs. */
void memory_call_rcu(struct rcu_head *head, void (*fn)(struct rcu_head *));
/* Called first by every memory_call_rcu callback. */
static inline void memory_rcu_reclaim_begin(struct rcu_head *head)
{
    (void)head;
#ifdef MEMORY_TSAN
    __tsan_acquire(head);
    __tsan_acquire(&memory_rcu_tsan_token);
#endif
}

static inline FlatView *as_view(AddressSpace *as)
{
    return __atomic_load_n(&as->current_map, __ATOMIC_ACQUIRE);
}

#endif
