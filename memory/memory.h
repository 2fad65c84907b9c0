/*
 * memory.h: the memory API. A tree of MemoryRegions, flattened per
 * AddressSpace into a FlatView that guest accesses and listeners use.
 *
 * Writers (device setup, BAR moves, PAM toggles) change the tree inside
 * memory_region_transaction_begin()/commit() with the BQL held; commit
 * renders new FlatViews, tells listeners the difference (deletions first,
 * then additions) and publishes the view with RCU (liburcu).  Readers
 * (vCPU threads) never lock to look an address up.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MEMORY_MEMORY_H
#define MEMORY_MEMORY_H

#include "main/janus.h"
/*
 * The urcu flavour the memory API uses: "bulletproof", so that any thread
 * may call rcu_read_lock() without rcu_register_thread() first.  Include
 * this header (not <urcu.h>, another flavour) to get rcu_read_lock().
 */
#include <urcu-bp.h>

typedef struct MemoryRegion MemoryRegion;
typedef struct MemoryRegionOps MemoryRegionOps;
typedef struct MemoryRegionSection MemoryRegionSection;
typedef struct MemoryListener MemoryListener;
typedef struct AddressSpace AddressSpace;
typedef struct FlatView FlatView;
typedef struct FlatRange FlatRange;
typedef struct RAMBlock RAMBlock;

/* Results of an access; a bit mask, as several split pieces may fail. */
typedef uint32_t MemTxResult;
#define MEMTX_OK            0
#define MEMTX_ERROR         (1U << 0)   /* device refused the access */
#define MEMTX_DECODE_ERROR  (1U << 1)   /* nothing is mapped there */

/* Who is accessing: carried to the device callbacks. */
typedef struct MemTxAttrs {
    unsigned int cpu_index : 8;     /* valid when !from_device */
    unsigned int from_device : 1;   /* DMA by a device model */
    unsigned int debug : 1;         /* monitor access: no side effects wanted */
} MemTxAttrs;
#define MEMTXATTRS_UNSPECIFIED ((MemTxAttrs) { 0 })

/* Pass as a region size to mean 2^64 (the whole 64-bit space). */
#define MEMORY_SIZE_2_64 UINT64_MAX

struct MemoryRegionOps {
    /* Called under the BQL with @size within impl's limits and @addr
     * an offset into the region. */
    uint64_t (*read)(void *opaque, hwaddr addr, unsigned size);
    void (*write)(void *opaque, hwaddr addr, uint64_t data, unsigned size);
    /* What the guest may do: an access outside these is refused with
     * MEMTX_ERROR and never reaches the callbacks.  0 means 1 (min) / 4
     * (max).  An access wider than max_access_size is not refused but
     * cut into max_access_size pieces first, as a bus would (and as QEMU
     * does); see docs/memory.md for the exact rules. */
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
        bool unaligned;
        /* optional: refuse specific accesses */
        bool (*accepts)(void *opaque, hwaddr addr, unsigned size,
                        bool is_write);
    } valid;
    /* What the callbacks handle; the core splits larger accesses and
     * widens smaller ones (read-modify-write is NOT done for writes: a
     * narrow write is passed with the wider size's data shifted in, as
     * QEMU does).  0 means 1 (min) / 4 (max). */
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
        bool unaligned;
    } impl;
};

typedef enum MemoryRegionType {
    MR_CONTAINER,   /* holds subregions only */
    MR_RAM,
    MR_ROM,         /* RAM the guest can read and execute but not write */
    MR_IO,          /* dispatched to ops */
    MR_ALIAS,       /* a window onto another region */
} MemoryRegionType;

struct MemoryRegion {
    char *name;
    MemoryRegionType type;
    uint64_t size;          /* MEMORY_SIZE_2_64 means 2^64 */
    hwaddr addr;            /* offset in the container */
    int priority;
    bool enabled;
    bool readonly;          /* ROM, or RAM made read-only */
    MemoryRegion *container;
    GPtrArray *subregions;  /* MemoryRegion *, highest priority first;
                               equal priority: later added first */

    /* MR_RAM / MR_ROM */
    RAMBlock *ram_block;

    /* MR_IO */
    const MemoryRegionOps *ops;
    void *opaque;

    /* MR_ALIAS */
    MemoryRegion *alias;
    hwaddr alias_offset;
};

/* A piece of a region as it appears in an address space. */
struct MemoryRegionSection {
    MemoryRegion *mr;               /* the terminal region (RAM, ROM, IO) */
    AddressSpace *as;
    hwaddr offset_within_region;
    hwaddr offset_within_address_space;
    uint64_t size;                  /* 0 means 2^64 */
    bool readonly;
};

/* ---- RAM blocks and dirty tracking ------------------------------------ */

enum {
    DIRTY_MEMORY_VGA,
    DIRTY_MEMORY_CODE,      /* TCG: pages that hold translated code */
    DIRTY_MEMORY_MIGRATION,
    DIRTY_MEMORY_NUM,
};

struct RAMBlock {
    char *name;
    uint8_t *host;          /* anonymous MAP_NORESERVE mapping */
    uint64_t size;
    unsigned long *dirty[DIRTY_MEMORY_NUM];    /* one bit per 4 KiB page */
};

/* ---- Regions ------------------------------------------------------------ */

/** memory_region_init: a container named @name of @size bytes. */
void memory_region_init(MemoryRegion *mr, const char *name, uint64_t size);

/**
 * memory_region_init_io: an I/O region.
 * @ops: callbacks and access constraints; must outlive the region.
 * @opaque: passed to the callbacks.
 */
void memory_region_init_io(MemoryRegion *mr, const MemoryRegionOps *ops,
                           void *opaque, const char *name, uint64_t size);

/**
 * memory_region_init_ram: RAM backed by an anonymous mapping.
 * Returns 0, or -errno with @errp set when the mapping fails.
 */
int memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size,
                           GError **errp);

/** memory_region_init_rom: like init_ram but guest writes are refused. */
int memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size,
                           GError **errp);

/**
 * memory_region_init_alias: a window of @size bytes onto @orig starting
 * at @offset in @orig.
 */
void memory_region_init_alias(MemoryRegion *mr, const char *name,
                              MemoryRegion *orig, hwaddr offset,
                              uint64_t size);

/** memory_region_destroy: free what init allocated; @mr must be unmapped. */
void memory_region_destroy(MemoryRegion *mr);

/** memory_region_add_subregion: map @sub at @offset in @parent, priority 0. */
void memory_region_add_subregion(MemoryRegion *parent, hwaddr offset,
                                 MemoryRegion *sub);
/** memory_region_add_subregion_overlap: the same with a priority. */
void memory_region_add_subregion_overlap(MemoryRegion *parent, hwaddr offset,
                                         MemoryRegion *sub, int priority);
void memory_region_del_subregion(MemoryRegion *parent, MemoryRegion *sub);

void memory_region_set_enabled(MemoryRegion *mr, bool enabled);
/** memory_region_set_address: move @mr within its container (a BAR). */
void memory_region_set_address(MemoryRegion *mr, hwaddr addr);
void memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset);
void memory_region_set_readonly(MemoryRegion *mr, bool readonly);

/** memory_region_get_ram_ptr: host address of RAM/ROM offset 0, or NULL. */
void *memory_region_get_ram_ptr(MemoryRegion *mr);
static inline bool memory_region_is_ram(MemoryRegion *mr)
{
    return mr->type == MR_RAM || mr->type == MR_ROM;
}

/* ---- Dirty bitmaps (RAM regions) -------------------------------------- */

/** memory_region_set_dirty: mark [@addr, @addr+@len) dirty for all clients. */
void memory_region_set_dirty(MemoryRegion *mr, hwaddr addr, hwaddr len);
/** memory_region_get_dirty: true if any page of the range is dirty. */
bool memory_region_get_dirty(MemoryRegion *mr, hwaddr addr, hwaddr len,
                             unsigned client);
/** memory_region_test_and_clear_dirty: get_dirty, then clear the range. */
bool memory_region_test_and_clear_dirty(MemoryRegion *mr, hwaddr addr,
                                        hwaddr len, unsigned client);

/**
 * memory_set_ram_write_notifier: have @fn(@addr, @len) called after every
 * write to RAM that address_space_rw() makes in address_space_memory
 * (device DMA, the page walker's A/D bits, the monitor), so TCG can drop
 * translations of code that changed.  Guest stores made by TCG through
 * its TLB do not come here.  One notifier; NULL removes it.  @fn runs in
 * the writing thread, with or without the BQL, and must not block on it.
 */
typedef void RamWriteNotifier(hwaddr addr, hwaddr len);
void memory_set_ram_write_notifier(RamWriteNotifier *fn);

/* ---- Transactions ------------------------------------------------------ */

/**
 * memory_region_transaction_begin/commit: batch tree changes; the outermost
 * commit renders every address space and notifies listeners once.  Each
 * change made outside a transaction is its own transaction.  Caller holds
 * the BQL.
 */
void memory_region_transaction_begin(void);
void memory_region_transaction_commit(void);

/* ---- Address spaces ---------------------------------------------------- */

struct FlatRange {
    hwaddr addr;                /* start in the address space */
    uint64_t size;              /* 0 means 2^64 */
    MemoryRegion *mr;           /* terminal: RAM, ROM or IO */
    hwaddr offset_in_region;
    bool readonly;
};

struct FlatView {
    FlatRange *ranges;          /* sorted by addr, non-overlapping */
    unsigned nr;
    /* implementation-private fields follow */
};

struct AddressSpace {
    char *name;
    MemoryRegion *root;
    FlatView *current_map;      /* RCU-protected: read with rcu_dereference */
    GPtrArray *listeners;       /* MemoryListener *, by priority */
};

extern AddressSpace address_space_memory;   /* root "system", 2^64 bytes */
extern AddressSpace address_space_io;       /* root "io", 64 KiB */

/** memory_init: create "system", "io" and their address spaces; once. */
void memory_init(void);
MemoryRegion *get_system_memory(void);
MemoryRegion *get_system_io(void);

void address_space_init(AddressSpace *as, MemoryRegion *root,
                        const char *name);
void address_space_destroy(AddressSpace *as);

/**
 * address_space_rw: the one road for every guest and DMA access.
 * RAM is copied; I/O regions are dispatched (splitting or widening between
 * ops->valid and ops->impl) under the BQL, taken here if the caller does
 * not hold it.  Accesses crossing regions are split.  Unassigned reads fill
 * all-ones and return MEMTX_DECODE_ERROR; writes to ROM and unassigned
 * space are dropped with MEMTX_ERROR / MEMTX_DECODE_ERROR.
 */
MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                             void *buf, hwaddr len, bool is_write);
MemTxResult address_space_read(AddressSpace *as, hwaddr addr,
                               MemTxAttrs attrs, void *buf, hwaddr len);
MemTxResult address_space_write(AddressSpace *as, hwaddr addr,
                                MemTxAttrs attrs, const void *buf,
                                hwaddr len);

/**
 * address_space_lookup: find the FlatRange covering @addr in @as's current
 * view and describe it in @section.  Returns false for a hole.  Lock-free:
 * the caller must be inside rcu_read_lock() for @section->mr to stay valid
 * beyond the BQL-protected tree (regions are never freed while mapped).
 */
bool address_space_lookup(AddressSpace *as, hwaddr addr,
                          MemoryRegionSection *section);

/**
 * address_space_ram_range: the RAM or ROM range of @as's current view that
 * holds @addr, for callers that read guest memory directly (TLB fills,
 * page walks).
 * @start: filled with the range's first address.
 * @last: filled with its last address (ranges may end at 2^64 - 1).
 * @readonly: filled with true for ROM or a read-only mapping; may be NULL.
 * Returns the host address of @start, or NULL when @addr is not in RAM or
 * ROM.  The memory stays valid inside rcu_read_lock(), or for as long as
 * a memory listener has not been told the range went away.
 */
uint8_t *address_space_ram_range(AddressSpace *as, hwaddr addr,
                                 hwaddr *start, hwaddr *last,
                                 bool *readonly);

/** address_space_get_flatview: current view; call inside rcu_read_lock(). */
FlatView *address_space_get_flatview(AddressSpace *as);

/* ---- Listeners ---------------------------------------------------------- */

struct MemoryListener {
    /* All optional.  Called under the BQL during a commit: begin, then
     * region_del for every range that went away or changed, then
     * region_add for every new or changed range, then commit. */
    void (*begin)(MemoryListener *l);
    void (*region_del)(MemoryListener *l, MemoryRegionSection *section);
    void (*region_add)(MemoryListener *l, MemoryRegionSection *section);
    void (*commit)(MemoryListener *l);
    int priority;               /* lower first for add, reverse for del */
    AddressSpace *as;           /* set by register */
};

/**
 * memory_listener_register: attach @l to @as and replay region_add for
 * every range of the current view.
 */
void memory_listener_register(MemoryListener *l, AddressSpace *as);
void memory_listener_unregister(MemoryListener *l);

/* ---- Introspection ------------------------------------------------------ */

/**
 * mtree_info: append "info mtree" output to @out in QEMU's layout; with
 * @flatview, the flattened ranges of each address space instead.
 */
void mtree_info(GString *out, bool flatview);

#endif
