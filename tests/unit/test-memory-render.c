/*
 * test-memory-render.c: FlatView rendering, range by range.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "memory/memory.h"

typedef struct Exp {
    hwaddr addr;
    uint64_t size;              /* 0: 2^64 */
    MemoryRegion *mr;
    hwaddr offset;
    bool readonly;
} Exp;

static AddressSpace as;
static MemoryRegion root;

static void setup(void)
{
    memory_region_init(&root, "root", MEMORY_SIZE_2_64);
    address_space_init(&as, &root, "test");
}

static void teardown(void)
{
    address_space_destroy(&as);
    memory_region_destroy(&root);
}

/* Destroy the NULL-terminated list of regions, in the order given. */
static G_GNUC_NULL_TERMINATED void destroy_regions(MemoryRegion *mr, ...)
{
    va_list ap;

    va_start(ap, mr);
    for (; mr; mr = va_arg(ap, MemoryRegion *)) {
        memory_region_destroy(mr);
    }
    va_end(ap);
}

static void check_view(const Exp *exp, unsigned n)
{
    FlatView *fv;

    rcu_read_lock();
    fv = address_space_get_flatview(&as);
    for (unsigned i = 0; i < fv->nr; i++) {
        FlatRange *fr = &fv->ranges[i];
        g_test_message("  got %016" PRIx64 " size %016" PRIx64 " %s @%" PRIx64
                       "%s", fr->addr, fr->size, fr->mr->name,
                       fr->offset_in_region, fr->readonly ? " ro" : "");
    }
    g_assert_cmpuint(fv->nr, ==, n);
    for (unsigned i = 0; i < n; i++) {
        FlatRange *fr = &fv->ranges[i];
        g_assert_cmphex(fr->addr, ==, exp[i].addr);
        g_assert_cmphex(fr->size, ==, exp[i].size);
        g_assert_cmpstr(fr->mr->name, ==, exp[i].mr->name);
        g_assert_true(fr->mr == exp[i].mr);
        g_assert_cmphex(fr->offset_in_region, ==, exp[i].offset);
        g_assert_cmpint(fr->readonly, ==, exp[i].readonly);
    }
    rcu_read_unlock();
    g_test_message("checked %u flat ranges", n);
}

static const MemoryRegionOps dummy_ops = { 0 };

static void ram(MemoryRegion *mr, const char *name, uint64_t size)
{
    GError *err = NULL;

    g_assert_cmpint(memory_region_init_ram(mr, name, size, &err), ==, 0);
    g_assert_no_error(err);
}

static void test_priority(void)
{
    MemoryRegion a, b, c, d;

    setup();
    ram(&a, "a", 0x10000);
    memory_region_init_io(&b, &dummy_ops, NULL, "b", 0x1000);
    ram(&c, "c", 0x20000);
    memory_region_init_io(&d, &dummy_ops, NULL, "d", 0x1000);
    memory_region_transaction_begin();
    memory_region_add_subregion(&root, 0, &a);
    memory_region_add_subregion_overlap(&root, 0x8000, &b, 1);
    memory_region_add_subregion_overlap(&root, 0, &c, -1);
    memory_region_transaction_commit();
    g_test_message("a [0,64K) prio 0, b [32K,36K) prio 1, c [0,128K) prio -1");
    check_view((Exp[]) {
        { 0x0, 0x8000, &a, 0, false },
        { 0x8000, 0x1000, &b, 0, false },
        { 0x9000, 0x7000, &a, 0x9000, false },
        { 0x10000, 0x10000, &c, 0x10000, false },
    }, 4);

    /* Equal priority: the later added wins where they overlap. */
    memory_region_add_subregion(&root, 0xf800, &d);
    g_test_message("d [0xf800,0x10800) prio 0, added after a: covers a");
    check_view((Exp[]) {
        { 0x0, 0x8000, &a, 0, false },
        { 0x8000, 0x1000, &b, 0, false },
        { 0x9000, 0x6800, &a, 0x9000, false },
        { 0xf800, 0x1000, &d, 0, false },
        { 0x10800, 0xf800, &c, 0x10800, false },
    }, 5);

    /* Raising c's priority hides everything but b. */
    memory_region_transaction_begin();
    memory_region_del_subregion(&root, &c);
    memory_region_add_subregion_overlap(&root, 0, &c, 1);
    memory_region_transaction_commit();
    g_test_message("c now prio 1, added after b: c covers all");
    check_view((Exp[]) { { 0x0, 0x20000, &c, 0, false } }, 1);

    destroy_regions(&a, &b, &c, &d, NULL);
    teardown();
}

static void test_nested(void)
{
    MemoryRegion outer, inner, r1, r2, r3;

    setup();
    memory_region_init(&outer, "outer", 0x100000);
    memory_region_init(&inner, "inner", 0x10000);
    ram(&r1, "r1", 0x20000);    /* larger than inner: clipped */
    ram(&r2, "r2", 0x1000);
    ram(&r3, "r3", 0x200000);   /* below outer, visible in its holes */
    memory_region_add_subregion(&inner, 0x8000, &r1);
    memory_region_add_subregion_overlap(&inner, 0x9000, &r2, 1);
    memory_region_add_subregion(&outer, 0x20000, &inner);
    memory_region_add_subregion(&root, 0x1000000, &outer);
    memory_region_add_subregion_overlap(&root, 0x1000000, &r3, -1);
    g_test_message("outer@16M > inner@+128K > r1@+32K (clipped),"
                   " r2@+36K prio 1;"
                   " r3 under outer");
    check_view((Exp[]) {
        { 0x1000000, 0x28000, &r3, 0, false },
        { 0x1028000, 0x1000, &r1, 0, false },
        { 0x1029000, 0x1000, &r2, 0, false },
        { 0x102a000, 0x6000, &r1, 0x2000, false },
        { 0x1030000, 0x1d0000, &r3, 0x30000, false },
    }, 5);

    /* A disabled container hides its whole subtree. */
    memory_region_set_enabled(&inner, false);
    g_test_message("inner disabled");
    check_view((Exp[]) { { 0x1000000, 0x200000, &r3, 0, false } }, 1);
    memory_region_set_enabled(&inner, true);
    memory_region_set_address(&inner, 0);
    g_test_message("inner enabled again and moved to +0");
    check_view((Exp[]) {
        { 0x1000000, 0x8000, &r3, 0, false },
        { 0x1008000, 0x1000, &r1, 0, false },
        { 0x1009000, 0x1000, &r2, 0, false },
        { 0x100a000, 0x6000, &r1, 0x2000, false },
        { 0x1010000, 0x1f0000, &r3, 0x10000, false },
    }, 5);

    destroy_regions(&outer, &inner, &r1, &r2, &r3, NULL);
    teardown();
}

/* The PC's low memory: RAM through an alias, the BIOS at the top of 4 GiB
 * and its last 128 KiB again at 0xe0000. */
static void test_pc_aliases(void)
{
    MemoryRegion pc_ram, bios, below, above, isa_bios, alias2;
    GError *err = NULL;
    uint8_t *b, v[4];

    setup();
    ram(&pc_ram, "pc.ram", 0x400000);
    g_assert_cmpint(memory_region_init_rom(&bios, "pc.bios", 0x40000, &err),
                    ==, 0);
    memory_region_init_alias(&below, "ram-below-4g", &pc_ram, 0, 0x200000);
    memory_region_init_alias(&above, "ram-above-4g", &pc_ram, 0x200000,
                             0x200000);
    memory_region_init_alias(&isa_bios, "isa-bios", &bios, 0x20000, 0x20000);
    /* An alias of an alias: pc.ram offset 0x1000 + 0x3000. */
    memory_region_init_alias(&alias2, "alias2", &below, 0x1000, 0x3000);
    memory_region_transaction_begin();
    memory_region_add_subregion(&root, 0, &below);
    memory_region_add_subregion(&root, 0x100000000ULL, &above);
    memory_region_add_subregion(&root, 0xfffc0000, &bios);
    memory_region_add_subregion_overlap(&root, 0xe0000, &isa_bios, 1);
    memory_region_add_subregion(&root, 0x20000000, &alias2);
    memory_region_transaction_commit();
    g_test_message("ram-below-4g, isa-bios over it, pc.bios, ram-above-4g"
                   " (middle of pc.ram), alias of alias");
    check_view((Exp[]) {
        { 0x0, 0xe0000, &pc_ram, 0, false },
        { 0xe0000, 0x20000, &bios, 0x20000, true },
        { 0x100000, 0x100000, &pc_ram, 0x100000, false },
        { 0x20000000, 0x3000, &pc_ram, 0x1000, false },
        { 0xfffc0000, 0x40000, &bios, 0, true },
        { 0x100000000ULL, 0x200000, &pc_ram, 0x200000, false },
    }, 6);

    /* Contents: isa-bios shows pc.bios's second half. */
    b = memory_region_get_ram_ptr(&bios);
    memcpy(b + 0x20000, "\x11\x22\x33\x44", 4);
    memcpy(b + 0x3fff0, "\xea\x5b\xe0\x00", 4);
    g_assert_cmpint(address_space_read(&as, 0xe0000, MEMTXATTRS_UNSPECIFIED,
                                       v, 4), ==, MEMTX_OK);
    g_assert_cmpmem(v, 4, "\x11\x22\x33\x44", 4);
    address_space_read(&as, 0xffff0, MEMTXATTRS_UNSPECIFIED, v, 4);
    g_assert_cmpmem(v, 4, "\xea\x5b\xe0\x00", 4);
    address_space_read(&as, 0xfffffff0, MEMTXATTRS_UNSPECIFIED, v, 4);
    g_assert_cmpmem(v, 4, "\xea\x5b\xe0\x00", 4);
    g_test_message("reset vector readable at 0xffff0 and 0xfffffff0");
    /* ram-above-4g reads pc.ram + 2 MiB. */
    memcpy((uint8_t *)memory_region_get_ram_ptr(&pc_ram) + 0x200010, "abcd", 4);
    address_space_read(&as, 0x100000010ULL, MEMTXATTRS_UNSPECIFIED, v, 4);
    g_assert_cmpmem(v, 4, "abcd", 4);
    g_test_message("0x100000010 reads pc.ram+0x200010");

    /* Moving an alias's window re-renders. */
    memory_region_set_alias_offset(&above, 0x300000);
    memory_region_set_address(&above, 0x100000000ULL); /* no-op */
    g_test_message("ram-above-4g alias offset -> 0x300000");
    check_view((Exp[]) {
        { 0x0, 0xe0000, &pc_ram, 0, false },
        { 0xe0000, 0x20000, &bios, 0x20000, true },
        { 0x100000, 0x100000, &pc_ram, 0x100000, false },
        { 0x20000000, 0x3000, &pc_ram, 0x1000, false },
        { 0xfffc0000, 0x40000, &bios, 0, true },
        { 0x100000000ULL, 0x100000, &pc_ram, 0x300000, false },
    }, 6);

    /* Disabling the alias's target hides it through every alias. */
    memory_region_set_enabled(&bios, false);
    g_test_message("pc.bios disabled: isa-bios vanishes too");
    check_view((Exp[]) {
        { 0x0, 0x200000, &pc_ram, 0, false },
        { 0x20000000, 0x3000, &pc_ram, 0x1000, false },
        { 0x100000000ULL, 0x100000, &pc_ram, 0x300000, false },
    }, 3);
    memory_region_set_enabled(&bios, true);

    memory_region_transaction_begin();
    destroy_regions(&alias2, &isa_bios, &below, &above, &bios, &pc_ram, NULL);
    memory_region_transaction_commit();
    check_view(NULL, 0);
    teardown();
}

static void test_merge(void)
{
    MemoryRegion r, a1, a2, a3, ro;

    setup();
    ram(&r, "r", 0x10000);
    memory_region_init_alias(&a1, "a1", &r, 0, 0x1000);
    memory_region_init_alias(&a2, "a2", &r, 0x1000, 0x1000);
    memory_region_init_alias(&a3, "a3", &r, 0x3000, 0x1000);
    memory_region_init_alias(&ro, "ro", &r, 0x4000, 0x1000);
    memory_region_set_readonly(&ro, true);
    memory_region_add_subregion(&root, 0x10000, &a1);
    memory_region_add_subregion(&root, 0x11000, &a2);  /* contiguous */
    memory_region_add_subregion(&root, 0x12000, &a3);  /* offset jumps */
    memory_region_add_subregion(&root, 0x13000, &ro);  /* readonly differs */
    g_test_message("adjacent aliases: merged only when offsets continue");
    check_view((Exp[]) {
        { 0x10000, 0x2000, &r, 0, false },
        { 0x12000, 0x1000, &r, 0x3000, false },
        { 0x13000, 0x1000, &r, 0x4000, true },
    }, 3);
    destroy_regions(&a1, &a2, &a3, &ro, &r, NULL);
    teardown();
}

static void test_sizes(void)
{
    MemoryRegion all, zero, top, r, topc, topsub;
    uint8_t v[8];

    setup();
    memory_region_init_io(&all, &dummy_ops, NULL, "all", MEMORY_SIZE_2_64);
    memory_region_add_subregion_overlap(&root, 0, &all, -1);
    g_test_message("a 2^64 region fills the space: one range of size 0");
    check_view((Exp[]) { { 0, 0, &all, 0, false } }, 1);

    memory_region_init_io(&zero, &dummy_ops, NULL, "zero", 0);
    memory_region_add_subregion_overlap(&root, 0x5000, &zero, 5);
    ram(&r, "r", 0x1000);
    memory_region_add_subregion(&root, 0x1000, &r);
    g_test_message("zero-size region renders nothing; RAM splits the 2^64 one");
    check_view((Exp[]) {
        { 0, 0x1000, &all, 0, false },
        { 0x1000, 0x1000, &r, 0, false },
        { 0x2000, 0xffffffffffffe000ULL, &all, 0x2000, false },
    }, 3);

    ram(&top, "top", 0x1000);
    memory_region_add_subregion(&root, 0xfffffffffffff000ULL, &top);
    g_test_message("4 KiB RAM at 0xfffffffffffff000");
    check_view((Exp[]) {
        { 0, 0x1000, &all, 0, false },
        { 0x1000, 0x1000, &r, 0, false },
        { 0x2000, 0xffffffffffffd000ULL, &all, 0x2000, false },
        { 0xfffffffffffff000ULL, 0x1000, &top, 0, false },
    }, 4);
    g_assert_cmpint(address_space_write(&as, 0xfffffffffffffff8ULL,
                    MEMTXATTRS_UNSPECIFIED, "01234567", 8), ==, MEMTX_OK);
    g_assert_cmpint(address_space_read(&as, 0xfffffffffffffff8ULL,
                    MEMTXATTRS_UNSPECIFIED, v, 8), ==, MEMTX_OK);
    g_assert_cmpmem(v, 8, "01234567", 8);
    g_test_message("last 8 bytes of the 64-bit space written and read back");

    /* A container ending at 2^64 with its own subregion at the end. */
    memory_region_del_subregion(&root, &top);
    memory_region_del_subregion(&root, &all);
    memory_region_init(&topc, "topc", 0x100000000ULL);
    memory_region_init_io(&topsub, &dummy_ops, NULL, "topsub", 0x10000000);
    memory_region_add_subregion(&topc, 0xf0000000, &topsub);
    memory_region_add_subregion(&root, 0xffffffff00000000ULL, &topc);
    g_test_message("container at 0xffffffff00000000 (ends at 2^64)");
    check_view((Exp[]) {
        { 0x1000, 0x1000, &r, 0, false },
        { 0xfffffffff0000000ULL, 0x10000000, &topsub, 0, false },
    }, 2);
    /* Moving topsub past the end clips it. */
    memory_region_set_address(&topsub, 0xfffff000);
    check_view((Exp[]) {
        { 0x1000, 0x1000, &r, 0, false },
        { 0xfffffffffffff000ULL, 0x1000, &topsub, 0, false },
    }, 2);
    g_test_message("a subregion hanging past 2^64 is clipped there");

    destroy_regions(&topsub, &topc, &top, &zero, &all, &r, NULL);
    teardown();
}

/* Hundreds of small regions with random priorities: the rendered view must
 * agree with a brute-force answer at every interesting address. */
static void test_random(void)
{
    enum { N = 300 };
    MemoryRegion *r = g_new0(MemoryRegion, N);
    GRand *rand = g_rand_new_with_seed(42);
    FlatView *fv;
    unsigned checked = 0;

    setup();
    memory_region_transaction_begin();
    for (int i = 0; i < N; i++) {
        char name[16];
        snprintf(name, sizeof(name), "r%d", i);
        memory_region_init_io(&r[i], &dummy_ops, NULL, name,
                              g_rand_int_range(rand, 1, 0x800));
        memory_region_add_subregion_overlap(&root,
                                            g_rand_int_range(rand, 0, 0x8000),
                                            &r[i],
                                            g_rand_int_range(rand, -3, 4));
    }
    memory_region_transaction_commit();
    rcu_read_lock();
    fv = address_space_get_flatview(&as);
    for (hwaddr a = 0; a < 0x8800; a += 7) {
        MemoryRegion *want = NULL;
        MemoryRegionSection s;
        /* subregions are kept in visibility order: the first hit wins */
        for (guint k = 0; k < root.subregions->len; k++) {
            MemoryRegion *m = g_ptr_array_index(root.subregions, k);
            if (a >= m->addr && a < m->addr + m->size) {
                want = m;
                break;
            }
        }
        if (address_space_lookup(&as, a, &s)) {
            g_assert_true(s.mr == want);
            g_assert_cmphex(a - s.offset_within_address_space +
                            s.offset_within_region, ==, a - want->addr);
        } else {
            g_assert_null(want);
        }
        checked++;
    }
    for (unsigned i = 1; i < fv->nr; i++) {
        g_assert_cmphex(fv->ranges[i - 1].addr + fv->ranges[i - 1].size, <=,
                        fv->ranges[i].addr);
    }
    rcu_read_unlock();
    g_test_message("%u addresses agree with brute force over %d regions",
                   checked, N);
    memory_region_transaction_begin();
    for (int i = 0; i < N; i++) {
        memory_region_destroy(&r[i]);
    }
    memory_region_transaction_commit();
    g_free(r);
    g_rand_free(rand);
    teardown();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/render/priority", test_priority);
    g_test_add_func("/memory/render/nested", test_nested);
    g_test_add_func("/memory/render/pc-aliases", test_pc_aliases);
    g_test_add_func("/memory/render/merge", test_merge);
    g_test_add_func("/memory/render/sizes", test_sizes);
    g_test_add_func("/memory/render/random", test_random);
    return g_test_run();
}
