/*
 * listener.c: tell MemoryListeners what a transaction changed.
 *
 * The old and new FlatViews are both sorted by address, so one merge walk
 * finds every range that went away or changed (region_del) and every range
 * that is new or changed (region_add).  All deletions are reported before
 * any addition, so that a listener managing slots (KVM) never sees two
 * overlapping slots at once.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "memory/memory-internal.h"

static bool range_equal(const FlatRange *a, const FlatRange *b)
{
    return a->addr == b->addr && a->size == b->size && a->mr == b->mr &&
           a->offset_in_region == b->offset_in_region &&
           a->readonly == b->readonly;
}

/* Listeners are sorted by priority: forward for add, backward for del. */
static void notify_range(AddressSpace *as, const FlatRange *fr, bool add)
{
    GPtrArray *ls = as->listeners;
    MemoryRegionSection s;

    section_from_range(&s, as, fr);
    for (guint k = 0; k < ls->len; k++) {
        MemoryListener *l = g_ptr_array_index(ls, add ? k : ls->len - 1 - k);
        if (add && l->region_add) {
            l->region_add(l, &s);
        } else if (!add && l->region_del) {
            l->region_del(l, &s);
        }
    }
}

/*
 * One pass of the merge walk.  With @add false it reports ranges only in
 * @old; with @add true, ranges only in @new.  A range present in both but
 * changed (same start, other region/size/offset) counts as both.
 */
static void diff_pass(AddressSpace *as, FlatView *old, FlatView *new,
                      bool add)
{
    unsigned i = 0, j = 0;
    unsigned on = old ? old->nr : 0, nn = new ? new->nr : 0;

    while (i < on || j < nn) {
        FlatRange *a = i < on ? &old->ranges[i] : NULL;
        FlatRange *b = j < nn ? &new->ranges[j] : NULL;

        if (a && (!b || a->addr < b->addr ||
                  (a->addr == b->addr && !range_equal(a, b)))) {
            if (!add) {
                notify_range(as, a, false);
            }
            i++;
        } else if (a && b && range_equal(a, b)) {
            i++;
            j++;
        } else {
            if (add) {
                notify_range(as, b, true);
            }
            j++;
        }
    }
}

void memory_listeners_update(AddressSpace *as, FlatView *old, FlatView *new)
{
    if (!as->listeners->len) {
        return;
    }
    diff_pass(as, old, new, false);
    diff_pass(as, old, new, true);
}

static void for_each_listener(bool begin)
{
    GPtrArray *spaces = memory_address_spaces();

    for (guint i = 0; i < spaces->len; i++) {
        AddressSpace *as = g_ptr_array_index(spaces, i);
        for (guint k = 0; k < as->listeners->len; k++) {
            MemoryListener *l = g_ptr_array_index(as->listeners, k);
            if (begin && l->begin) {
                l->begin(l);
            } else if (!begin && l->commit) {
                l->commit(l);
            }
        }
    }
}

void memory_listeners_begin(void)
{
    for_each_listener(true);
}

void memory_listeners_commit(void)
{
    for_each_listener(false);
}

/* Replay the current view to @l alone: all adds, or all dels. */
static void replay(MemoryListener *l, bool add)
{
    FlatView *fv = l->as->current_map;
    MemoryRegionSection s;

    if (l->begin) {
        l->begin(l);
    }
    for (unsigned i = 0; fv && i < fv->nr; i++) {
        FlatRange *fr = &fv->ranges[add ? i : fv->nr - 1 - i];
        section_from_range(&s, l->as, fr);
        if (add && l->region_add) {
            l->region_add(l, &s);
        } else if (!add && l->region_del) {
            l->region_del(l, &s);
        }
    }
    if (l->commit) {
        l->commit(l);
    }
}

void memory_listener_register(MemoryListener *l, AddressSpace *as)
{
    GPtrArray *ls = as->listeners;
    guint i;

    for (i = 0; i < ls->len; i++) {
        MemoryListener *other = g_ptr_array_index(ls, i);
        if (other->priority > l->priority) {
            break;
        }
    }
    g_ptr_array_insert(ls, i, l);
    l->as = as;
    replay(l, true);
}

void memory_listener_unregister(MemoryListener *l)
{
    if (!l->as) {
        return;     /* never registered, or its address space is gone */
    }
    /* Let the listener undo what it built (KVM drops its slots). */
    replay(l, false);
    g_ptr_array_remove(l->as->listeners, l);
    l->as = NULL;
}
