/*
 * ramblock.c: guest RAM (anonymous mappings) and its dirty bitmaps.
 *
 * Each RAMBlock carries one bitmap per client (DIRTY_MEMORY_*), one bit
 * per 4 KiB page.  Bits are set with atomics because several vCPU threads
 * write guest RAM at once without any lock; a client clears them with
 * memory_region_test_and_clear_dirty.  Bitmaps start clean.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memory/memory-internal.h"

#define DIRTY_PAGE_SHIFT 12
#define BITS_PER_LONG (sizeof(unsigned long) * 8)

typedef struct RAMBlockImpl {
    RAMBlock pub;
    size_t map_size;
    struct rcu_head rcu;
} RAMBlockImpl;

int ram_block_new(const char *name, uint64_t size, RAMBlock **out,
                  GError **errp)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t pages = (size >> DIRTY_PAGE_SHIFT) +
                     !!(size & ((1u << DIRTY_PAGE_SHIFT) - 1));
    size_t longs = (pages + BITS_PER_LONG - 1) / BITS_PER_LONG;
    RAMBlockImpl *b;
    void *host = NULL;
    size_t map_size = 0;

    if (size > SIZE_MAX - page) {
        g_set_error(errp, JANUS_ERROR, 0,
                    "RAM region '%s': size 0x%" PRIx64 " is too large",
                    name, size);
        return -ENOMEM;
    }
    if (size) {
        /* NORESERVE: a 4 GiB guest costs only the pages it touches. */
        map_size = (size + page - 1) & ~(page - 1);
        host = mmap(NULL, map_size, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (host == MAP_FAILED) {
            int err = errno;
            g_set_error(errp, JANUS_ERROR, 0,
                        "cannot allocate RAM region '%s' of 0x%" PRIx64
                        " bytes: %s", name, size, g_strerror(err));
            return -err;
        }
        /* Keep guest RAM out of core dumps; failure is harmless. */
        madvise(host, map_size, MADV_DONTDUMP);
    }
    b = g_new0(RAMBlockImpl, 1);
    b->pub.name = g_strdup(name);
    b->pub.host = host;
    b->pub.size = size;
    for (int c = 0; c < DIRTY_MEMORY_NUM; c++) {
        b->pub.dirty[c] = g_new0(unsigned long, longs ? longs : 1);
    }
    b->map_size = map_size;
    *out = &b->pub;
    return 0;
}

static void ram_block_free_cb(struct rcu_head *head)
{
    RAMBlockImpl *b = container_of(head, RAMBlockImpl, rcu);

    memory_rcu_reclaim_begin(head);
    if (b->pub.host) {
        munmap(b->pub.host, b->map_size);
    }
    for (int c = 0; c < DIRTY_MEMORY_NUM; c++) {
        g_free(b->pub.dirty[c]);
    }
    g_free(b->pub.name);
    g_free(b);
}

/* Readers holding an old FlatView may still copy from the mapping. */
void ram_block_free_rcu(RAMBlock *rb)
{
    RAMBlockImpl *b = container_of(rb, RAMBlockImpl, pub);

    memory_defer_after_commit(&b->rcu, ram_block_free_cb);
}

/* ---- Dirty bitmaps ------------------------------------------------------ */

/* Runs @body with @word and @mask naming each bitmap word (and its bits)
 * that pages [@first, @first + @nr) touch. */
#define FOR_EACH_WORD(first, nr, word, mask, body)                      \
    do {                                                                \
        uint64_t start_ = (first), left_ = (nr);                        \
        while (left_) {                                                 \
            uint64_t bit_ = start_ % BITS_PER_LONG;                     \
            uint64_t n_ = MIN(left_, BITS_PER_LONG - bit_);             \
            size_t word = start_ / BITS_PER_LONG;                       \
            unsigned long mask = n_ == BITS_PER_LONG ? ~0UL :           \
                                 ((1UL << n_) - 1) << bit_;             \
            body;                                                       \
            start_ += n_;                                               \
            left_ -= n_;                                                \
        }                                                               \
    } while (0)

/* Clip [@addr, @addr + @len) to @rb; false when nothing is left. */
static bool dirty_pages(RAMBlock *rb, uint64_t addr, uint64_t len,
                        uint64_t *first, uint64_t *nr)
{
    if (!rb || !len || addr >= rb->size) {
        return false;
    }
    len = MIN(len, rb->size - addr);
    *first = addr >> DIRTY_PAGE_SHIFT;
    *nr = ((addr + len - 1) >> DIRTY_PAGE_SHIFT) - *first + 1;
    return true;
}

/* The write hot path: called by address_space_rw on every RAM write. */
void ram_block_set_dirty(RAMBlock *rb, uint64_t offset, uint64_t len)
{
    uint64_t first, nr;

    if (!dirty_pages(rb, offset, len, &first, &nr)) {
        return;
    }
    for (int c = 0; c < DIRTY_MEMORY_NUM; c++) {
        unsigned long *map = rb->dirty[c];
        /* Load before the locked OR: most writes hit pages that are
         * already dirty, and a read keeps the cache line shared between
         * the vCPUs instead of bouncing it. */
        FOR_EACH_WORD(first, nr, w, mask, {
            if ((__atomic_load_n(&map[w], __ATOMIC_RELAXED) & mask) != mask) {
                __atomic_fetch_or(&map[w], mask, __ATOMIC_RELAXED);
            }
        });
    }
}

static RAMBlock *mr_ram_block(MemoryRegion *mr, hwaddr *addr)
{
    /* Follow aliases so a caller may pass the region it mapped. */
    for (int depth = 0; mr && mr->type == MR_ALIAS && depth < 64; depth++) {
        *addr += mr->alias_offset;
        mr = mr->alias;
    }
    return mr && memory_region_is_ram(mr) ? mr->ram_block : NULL;
}

void memory_region_set_dirty(MemoryRegion *mr, hwaddr addr, hwaddr len)
{
    RAMBlock *rb = mr_ram_block(mr, &addr);

    if (rb) {
        ram_block_set_dirty(rb, addr, len);
    }
}

/* Whether any page of [@addr, @addr + @len) is dirty for @client; with
 * @clear, also clean them. */
static bool dirty_test(MemoryRegion *mr, hwaddr addr, hwaddr len,
                       unsigned client, bool clear)
{
    RAMBlock *rb = mr_ram_block(mr, &addr);
    uint64_t first, nr;
    bool dirty = false;

    if (client >= DIRTY_MEMORY_NUM ||
        !dirty_pages(rb, addr, len, &first, &nr)) {
        return false;
    }
    FOR_EACH_WORD(first, nr, w, mask, {
        unsigned long *p = &rb->dirty[client][w];
        unsigned long old;

        /* Clear with an atomic AND: a vCPU may set a bit of the same word
         * meanwhile. */
        old = clear ? __atomic_fetch_and(p, ~mask, __ATOMIC_RELAXED)
                    : __atomic_load_n(p, __ATOMIC_RELAXED);
        dirty |= !!(old & mask);
    });
    return dirty;
}

bool memory_region_get_dirty(MemoryRegion *mr, hwaddr addr, hwaddr len,
                             unsigned client)
{
    return dirty_test(mr, addr, len, client, false);
}

bool memory_region_test_and_clear_dirty(MemoryRegion *mr, hwaddr addr,
                                        hwaddr len, unsigned client)
{
    return dirty_test(mr, addr, len, client, true);
}

void *memory_region_get_ram_ptr(MemoryRegion *mr)
{
    hwaddr offset = 0;
    RAMBlock *rb = mr_ram_block(mr, &offset);

    if (!rb || !rb->host || offset >= rb->size) {
        return NULL;
    }
    return rb->host + offset;
}
