/*
 * region.c: the MemoryRegion tree, transactions and address spaces.
 *
 * Every change to the tree happens in a transaction (a lone change is its
 * own one).  The outermost commit renders a new FlatView for each address
 * space, hands the difference to the listeners and publishes the view for
 * lock-free readers; the old view is freed after an RCU grace period.
 * All of this runs under the BQL, which serializes writers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "memory/memory-internal.h"

AddressSpace address_space_memory;
AddressSpace address_space_io;
static MemoryRegion system_memory;
static MemoryRegion system_io;

static unsigned transaction_depth;
static bool update_pending;
static GPtrArray *address_spaces;       /* AddressSpace *, in init order */

/* RCU frees queued while a transaction is open (see memory_defer...). */
typedef struct DeferredFree {
    struct rcu_head *head;
    void (*fn)(struct rcu_head *);
} DeferredFree;
static GArray *after_commit;

#ifdef MEMORY_TSAN
char memory_rcu_tsan_token;
#endif

void memory_call_rcu(struct rcu_head *head, void (*fn)(struct rcu_head *))
{
    /* liburcu's queue is invisible to TSan: order our writes before the
     * callback explicitly. */
    memory_tsan_release(head);
    call_rcu(head, fn);
}

/*
 * Something that a reader may still reach through the *current* view (a
 * RAM block being destroyed inside a transaction) must not start its
 * grace period before the view that drops it is published: queue it until
 * the outermost commit.
 */
void memory_defer_after_commit(struct rcu_head *head,
                               void (*fn)(struct rcu_head *))
{
    DeferredFree d = { head, fn };

    if (!transaction_depth) {
        memory_call_rcu(head, fn);
        return;
    }
    if (!after_commit) {
        after_commit = g_array_new(false, false, sizeof(DeferredFree));
    }
    g_array_append_val(after_commit, d);
}

GPtrArray *memory_address_spaces(void)
{
    if (!address_spaces) {
        address_spaces = g_ptr_array_new();
    }
    return address_spaces;
}

/* ---- Transactions ------------------------------------------------------ */

void memory_region_transaction_begin(void)
{
    transaction_depth++;
}

static void run_after_commit(void)
{
    if (!after_commit) {
        return;
    }
    for (guint i = 0; i < after_commit->len; i++) {
        DeferredFree *d = &g_array_index(after_commit, DeferredFree, i);
        memory_call_rcu(d->head, d->fn);
    }
    g_array_set_size(after_commit, 0);
}

static void address_space_update(AddressSpace *as)
{
    FlatView *old = as->current_map;
    FlatView *new = flatview_render(as);

    memory_listeners_update(as, old, new);
    /* Readers that loaded @old keep using it; it is freed only after all
     * of them have left their read-side sections. */
    __atomic_store_n(&as->current_map, new, __ATOMIC_RELEASE);
    if (old) {
        flatview_free_rcu(old);
    }
}

void memory_region_transaction_commit(void)
{
    GPtrArray *spaces = memory_address_spaces();

    g_assert(transaction_depth > 0);
    if (--transaction_depth) {
        return;
    }
    if (update_pending) {
        update_pending = false;
        memory_listeners_begin();
        for (guint i = 0; i < spaces->len; i++) {
            address_space_update(g_ptr_array_index(spaces, i));
        }
        memory_listeners_commit();
    }
    run_after_commit();
}

/* One change: its own transaction, or part of the enclosing one. */
static void memory_region_changed(void)
{
    memory_region_transaction_begin();
    update_pending = true;
    memory_region_transaction_commit();
}

/* ---- Regions ----------------------------------------------------------- */

static void mr_init_common(MemoryRegion *mr, const char *name, uint64_t size,
                           MemoryRegionType type)
{
    memset(mr, 0, sizeof(*mr));
    mr->name = g_strdup(name ? name : "anonymous");
    mr->type = type;
    mr->size = size;
    mr->enabled = true;
    mr->subregions = g_ptr_array_new();
}

void memory_region_init(MemoryRegion *mr, const char *name, uint64_t size)
{
    mr_init_common(mr, name, size, MR_CONTAINER);
}

void memory_region_init_io(MemoryRegion *mr, const MemoryRegionOps *ops,
                           void *opaque, const char *name, uint64_t size)
{
    mr_init_common(mr, name, size, MR_IO);
    mr->ops = ops;
    mr->opaque = opaque;
}

static int mr_init_ram_common(MemoryRegion *mr, const char *name,
                              uint64_t size, bool rom, GError **errp)
{
    RAMBlock *rb;
    int ret = ram_block_new(name, size, &rb, errp);

    if (ret < 0) {
        memset(mr, 0, sizeof(*mr));
        return ret;
    }
    mr_init_common(mr, name, size, rom ? MR_ROM : MR_RAM);
    mr->ram_block = rb;
    mr->readonly = rom;
    return 0;
}

int memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size,
                           GError **errp)
{
    return mr_init_ram_common(mr, name, size, false, errp);
}

int memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size,
                           GError **errp)
{
    return mr_init_ram_common(mr, name, size, true, errp);
}

void memory_region_init_alias(MemoryRegion *mr, const char *name,
                              MemoryRegion *orig, hwaddr offset,
                              uint64_t size)
{
    mr_init_common(mr, name, size, MR_ALIAS);
    mr->alias = orig;
    mr->alias_offset = offset;
}

void memory_region_destroy(MemoryRegion *mr)
{
    if (!mr->subregions) {
        return;     /* never initialized, or destroyed already */
    }
    memory_region_transaction_begin();
    if (mr->container) {
        memory_region_del_subregion(mr->container, mr);
    }
    for (guint i = 0; i < mr->subregions->len; i++) {
        MemoryRegion *sub = g_ptr_array_index(mr->subregions, i);
        sub->container = NULL;
    }
    g_ptr_array_free(mr->subregions, true);
    if (mr->ram_block) {
        /* The block is freed after the commit below publishes views
         * without it, plus a grace period. */
        ram_block_free_rcu(mr->ram_block);
    }
    g_free(mr->name);
    memset(mr, 0, sizeof(*mr));
    update_pending = true;
    memory_region_transaction_commit();
}

void memory_region_add_subregion_overlap(MemoryRegion *parent, hwaddr offset,
                                         MemoryRegion *sub, int priority)
{
    GPtrArray *subs = parent->subregions;
    guint i;

    /* Mapping a region twice is a bug in the board code, not the guest. */
    g_assert(!sub->container && sub != parent);
    sub->container = parent;
    sub->addr = offset;
    sub->priority = priority;
    /* Highest priority first; a newcomer goes before equal priorities so
     * that, as in QEMU, the later of two equal overlapping regions wins. */
    for (i = 0; i < subs->len; i++) {
        MemoryRegion *other = g_ptr_array_index(subs, i);
        if (other->priority <= priority) {
            break;
        }
    }
    g_ptr_array_insert(subs, i, sub);
    memory_region_changed();
}

void memory_region_add_subregion(MemoryRegion *parent, hwaddr offset,
                                 MemoryRegion *sub)
{
    memory_region_add_subregion_overlap(parent, offset, sub, 0);
}

void memory_region_del_subregion(MemoryRegion *parent, MemoryRegion *sub)
{
    g_assert(sub->container == parent);
    g_ptr_array_remove(parent->subregions, sub);
    sub->container = NULL;
    memory_region_changed();
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (mr->enabled != enabled) {
        mr->enabled = enabled;
        memory_region_changed();
    }
}

void memory_region_set_address(MemoryRegion *mr, hwaddr addr)
{
    if (mr->addr != addr) {
        mr->addr = addr;
        memory_region_changed();
    }
}

void memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset)
{
    if (mr->alias_offset != offset) {
        mr->alias_offset = offset;
        memory_region_changed();
    }
}

void memory_region_set_readonly(MemoryRegion *mr, bool readonly)
{
    if (mr->readonly != readonly) {
        mr->readonly = readonly;
        memory_region_changed();
    }
}

/* ---- Address spaces ---------------------------------------------------- */

void address_space_init(AddressSpace *as, MemoryRegion *root,
                        const char *name)
{
    memset(as, 0, sizeof(*as));
    as->name = g_strdup(name);
    as->root = root;
    as->listeners = g_ptr_array_new();
    g_ptr_array_add(memory_address_spaces(), as);
    memory_region_changed();
}

void address_space_destroy(AddressSpace *as)
{
    FlatView *old = as->current_map;

    g_ptr_array_remove(memory_address_spaces(), as);
    for (guint i = 0; i < as->listeners->len; i++) {
        MemoryListener *l = g_ptr_array_index(as->listeners, i);
        l->as = NULL;
    }
    g_ptr_array_free(as->listeners, true);
    __atomic_store_n(&as->current_map, NULL, __ATOMIC_RELEASE);
    if (old) {
        flatview_free_rcu(old);
    }
    g_free(as->name);
    as->name = NULL;
    as->listeners = NULL;
}

void memory_init(void)
{
    static bool done;

    if (done) {
        return;
    }
    done = true;
    memory_region_init(&system_memory, "system", MEMORY_SIZE_2_64);
    memory_region_init(&system_io, "io", 0x10000);
    address_space_init(&address_space_memory, &system_memory, "memory");
    address_space_init(&address_space_io, &system_io, "I/O");
}

MemoryRegion *get_system_memory(void)
{
    memory_init();
    return &system_memory;
}

MemoryRegion *get_system_io(void)
{
    memory_init();
    return &system_io;
}
