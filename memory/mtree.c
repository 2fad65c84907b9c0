/*
 * mtree.c: "info mtree" and "info mtree -f", in QEMU's layout so that the
 * two programs' outputs can be compared line by line.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "memory/memory-internal.h"

#define MTREE_INDENT "  "

/* What the region holds; an alias shows its target's kind, a container
 * prints as "i/o" as in QEMU. */
static const char *mr_kind(const MemoryRegion *mr)
{
    for (int depth = 0; mr && mr->type == MR_ALIAS && depth < 64; depth++) {
        mr = mr->alias;
    }
    if (mr && memory_region_is_ram((MemoryRegion *)mr)) {
        return mr->readonly ? "rom" : "ram";
    }
    return "i/o";
}

/* Subregions print by address, then by descending priority. */
static gint mr_print_cmp(gconstpointer a, gconstpointer b)
{
    const MemoryRegion *x = *(MemoryRegion *const *)a;
    const MemoryRegion *y = *(MemoryRegion *const *)b;

    if (x->addr != y->addr) {
        return x->addr < y->addr ? -1 : 1;
    }
    return x->priority > y->priority ? -1 : x->priority < y->priority;
}

static void print_mr(GString *out, const MemoryRegion *mr, unsigned level,
                     hwaddr base, GPtrArray *aliased)
{
    hwaddr start = base + mr->addr;
    hwaddr end = start + mr_size_m1(mr);
    GPtrArray *subs;

    for (unsigned i = 0; i < level; i++) {
        g_string_append(out, MTREE_INDENT);
    }
    g_string_append_printf(out, "%016" PRIx64 "-%016" PRIx64
                           " (prio %d, %s): ", start, end, mr->priority,
                           mr_kind(mr));
    if (mr->type == MR_ALIAS) {
        /* Targets are printed afterwards, each once, as QEMU does. */
        if (mr->alias && !g_ptr_array_find(aliased, mr->alias, NULL)) {
            g_ptr_array_add(aliased, mr->alias);
        }
        g_string_append_printf(out, "alias %s @%s %016" PRIx64 "-%016"
                               PRIx64, mr->name,
                               mr->alias ? mr->alias->name : "(null)",
                               mr->alias_offset,
                               mr->alias_offset + mr_size_m1(mr));
    } else {
        g_string_append(out, mr->name);
    }
    g_string_append_printf(out, "%s\n", mr->enabled ? "" : " [disabled]");

    if (!mr->subregions || !mr->subregions->len) {
        return;
    }
    subs = g_ptr_array_copy(mr->subregions, NULL, NULL);
    g_ptr_array_sort(subs, mr_print_cmp);   /* stable: keeps list order */
    for (guint i = 0; i < subs->len; i++) {
        print_mr(out, g_ptr_array_index(subs, i), level + 1, start, aliased);
    }
    g_ptr_array_free(subs, true);
}

static void print_flatview(GString *out, AddressSpace *as, unsigned n)
{
    FlatView *fv;

    g_string_append_printf(out, "FlatView #%u\n AS \"%s\", root: %s",
                           n, as->name, as->root ? as->root->name : "(none)");
    if (as->root && as->root->type == MR_ALIAS && as->root->alias) {
        g_string_append_printf(out, ", alias %s", as->root->alias->name);
    }
    g_string_append_printf(out, "\n Root memory region: %s\n",
                           as->root ? as->root->name : "(none)");
    memory_rcu_read_lock();
    fv = address_space_get_flatview(as);
    if (!fv || !fv->nr) {
        g_string_append(out, MTREE_INDENT "No rendered FlatView\n");
    }
    for (unsigned i = 0; fv && i < fv->nr; i++) {
        const FlatRange *fr = &fv->ranges[i];
        uint64_t last = (uint64_t)(range_size128(fr->size) - 1);

        g_string_append_printf(out, MTREE_INDENT "%016" PRIx64 "-%016" PRIx64
                               " (prio %d, %s): %s", fr->addr,
                               fr->addr + last, fr->mr->priority,
                               fr->readonly ? "rom" : mr_kind(fr->mr),
                               fr->mr->name);
        if (fr->offset_in_region) {
            g_string_append_printf(out, " @%016" PRIx64,
                                   fr->offset_in_region);
        }
        g_string_append_c(out, '\n');
    }
    memory_rcu_read_unlock();
    g_string_append_c(out, '\n');
}

void mtree_info(GString *out, bool flatview)
{
    GPtrArray *spaces = memory_address_spaces();
    GPtrArray *aliased;

    if (flatview) {
        for (guint i = 0; i < spaces->len; i++) {
            print_flatview(out, g_ptr_array_index(spaces, i), i);
        }
        return;
    }
    aliased = g_ptr_array_new();
    for (guint i = 0; i < spaces->len; i++) {
        AddressSpace *as = g_ptr_array_index(spaces, i);
        g_string_append_printf(out, "address-space: %s\n", as->name);
        if (as->root) {
            print_mr(out, as->root, 1, 0, aliased);
        }
        g_string_append_c(out, '\n');
    }
    /* print_mr may append more targets while we walk the list. */
    for (guint i = 0; i < aliased->len; i++) {
        const MemoryRegion *mr = g_ptr_array_index(aliased, i);
        g_string_append_printf(out, "memory-region: %s\n", mr->name);
        print_mr(out, mr, 1, 0, aliased);
        g_string_append_c(out, '\n');
    }
    g_ptr_array_free(aliased, true);
}
