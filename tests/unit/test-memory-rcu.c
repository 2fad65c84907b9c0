/*
 * test-memory-rcu.c: lock-free readers against a writer that keeps
 * remapping.  Every RAM region is filled with one byte value, so a read
 * whose bytes are not all equal saw a torn or freed view.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include "memory/memory.h"
#include "main/main-loop.h"

#define WINDOW      0x10000         /* readers read [WINDOW, 2 * WINDOW) */
#define RAM_SIZE    0x10000
#define RUN_US      (1000 * 1000)

static AddressSpace as;
static MemoryRegion root;
static volatile int stop;

typedef struct ReaderStats {
    uint64_t reads, ram_a, ram_b, ram_c, holes, bad;
    uint64_t bad_value;
} ReaderStats;

static gpointer reader(gpointer opaque)
{
    ReaderStats *st = opaque;
    uint32_t seed = 1;

    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        uint64_t v = 0;
        unsigned size;
        hwaddr addr;
        MemTxResult r;
        uint8_t b;
        bool same = true;

        seed = seed * 1103515245 + 12345;
        size = (seed >> 16) & 1 ? 8 : 4;
        addr = WINDOW + (((seed >> 4) % WINDOW) & ~(hwaddr)(size - 1));
        r = address_space_read(&as, addr, MEMTXATTRS_UNSPECIFIED, &v, size);
        b = v & 0xff;
        for (unsigned i = 1; i < size; i++) {
            same &= ((v >> (8 * i)) & 0xff) == b;
        }
        st->reads++;
        if (!same || (b == 0xff) != (r == MEMTX_DECODE_ERROR)) {
            st->bad++;
            st->bad_value = v;
        } else if (b == 0x11) {
            st->ram_a++;
        } else if (b == 0x22) {
            st->ram_b++;
        } else if (b == 0x33) {
            st->ram_c++;
        } else if (b == 0xff) {
            st->holes++;
        } else {
            st->bad++;
            st->bad_value = v;
        }
    }
    return NULL;
}

static void ram(MemoryRegion *mr, const char *name, uint8_t fill)
{
    GError *err = NULL;

    g_assert_cmpint(memory_region_init_ram(mr, name, RAM_SIZE, &err), ==, 0);
    memset(memory_region_get_ram_ptr(mr), fill, RAM_SIZE);
}

static void test_readers_vs_writer(void)
{
    MemoryRegion a, b, alias_b;
    MemoryRegion *c = NULL;
    ReaderStats st = { 0 };
    GThread *t;
    GRand *rand = g_rand_new_with_seed(7);
    int64_t end;
    unsigned commits = 0, created = 0;

    memory_region_init(&root, "root", MEMORY_SIZE_2_64);
    address_space_init(&as, &root, "test");
    ram(&a, "a", 0x11);
    ram(&b, "b", 0x22);
    memory_region_init_alias(&alias_b, "alias-b", &b, 0x8000, 0x8000);
    memory_region_add_subregion(&root, WINDOW, &a);
    memory_region_add_subregion_overlap(&root, WINDOW + 0x4000, &alias_b, 1);

    t = g_thread_new("reader", reader, &st);
    end = g_get_monotonic_time() + RUN_US;
    while (g_get_monotonic_time() < end) {
        bql_lock();
        memory_region_transaction_begin();
        switch (g_rand_int_range(rand, 0, 5)) {
        case 0:     /* move a by 4 KiB steps around the window */
            memory_region_set_address(&a, WINDOW +
                                      g_rand_int_range(rand, -8, 8) * 0x1000);
            break;
        case 1:
            memory_region_set_enabled(&alias_b, !alias_b.enabled);
            break;
        case 2:
            memory_region_set_alias_offset(&alias_b, 0x1000 *
                                           g_rand_int_range(rand, 0, 8));
            break;
        case 3:     /* map b itself, or unmap it */
            if (b.container) {
                memory_region_del_subregion(&root, &b);
            } else {
                memory_region_add_subregion_overlap(&root, WINDOW +
                        g_rand_int_range(rand, 0, 16) * 0x1000, &b, -1);
            }
            break;
        case 4:     /* create or destroy (and free!) a region on top */
            if (c) {
                memory_region_destroy(c);
                g_free(c);
                c = NULL;
            } else {
                c = g_new0(MemoryRegion, 1);
                ram(c, "c", 0x33);
                memory_region_add_subregion_overlap(&root, WINDOW +
                        g_rand_int_range(rand, 0, 16) * 0x1000, c, 2);
                created++;
            }
            break;
        }
        memory_region_transaction_commit();
        bql_unlock();
        commits++;
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    g_thread_join(t);

    g_test_message("%u transactions (%u regions created and freed), "
                   "%" PRIu64 " reads: a %" PRIu64 ", b %" PRIu64
                   ", c %" PRIu64 ", hole %" PRIu64 ", torn %" PRIu64,
                   commits, created, st.reads, st.ram_a, st.ram_b, st.ram_c,
                   st.holes, st.bad);
    if (st.bad) {
        g_test_message("last bad value 0x%016" PRIx64, st.bad_value);
    }
    g_assert_cmpuint(st.bad, ==, 0);
    g_assert_cmpuint(st.reads, >, 0);
    g_assert_cmpuint(commits, >, 100);
    g_assert_cmpuint(st.ram_a + st.ram_b + st.ram_c, >, 0);

    if (c) {
        memory_region_destroy(c);
        g_free(c);
    }
    address_space_destroy(&as);
    memory_region_destroy(&alias_b);
    memory_region_destroy(&a);
    memory_region_destroy(&b);
    memory_region_destroy(&root);
    g_rand_free(rand);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/rcu/readers-vs-writer", test_readers_vs_writer);
    return g_test_run();
}
