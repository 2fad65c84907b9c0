/*
 * test-memory-listener.c: listeners see exactly what a transaction added
 * and removed, deletions first; registering replays the current view.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include "memory/memory.h"

typedef struct Recorder {
    MemoryListener l;
    const char *tag;
} Recorder;

static GString *events;

static void log_section(MemoryListener *l, const char *what,
                        MemoryRegionSection *s)
{
    Recorder *r = (Recorder *)l;

    g_string_append_printf(events, "%s%s %" PRIx64 "+%" PRIx64 " %s@%" PRIx64
                           "%s\n", r->tag, what,
                           s->offset_within_address_space, s->size,
                           s->mr->name, s->offset_within_region,
                           s->readonly ? " ro" : "");
}

static void rec_begin(MemoryListener *l)
{
    g_string_append_printf(events, "%sbegin\n", ((Recorder *)l)->tag);
}

static void rec_commit(MemoryListener *l)
{
    g_string_append_printf(events, "%scommit\n", ((Recorder *)l)->tag);
}

static void rec_add(MemoryListener *l, MemoryRegionSection *s)
{
    log_section(l, "add", s);
}

static void rec_del(MemoryListener *l, MemoryRegionSection *s)
{
    log_section(l, "del", s);
}

static void expect(const char *want)
{
    g_test_message("events:\n%s", events->str);
    g_assert_cmpstr(events->str, ==, want);
    g_string_truncate(events, 0);
}

static void test_pam(void)
{
    MemoryRegion root, pc_ram, low, pc_rom, pam;
    AddressSpace as;
    GError *err = NULL;
    Recorder rec = {
        .l = { .begin = rec_begin, .region_add = rec_add,
               .region_del = rec_del, .commit = rec_commit },
        .tag = "",
    };

    events = g_string_new(NULL);
    memory_region_init(&root, "root", MEMORY_SIZE_2_64);
    g_assert_cmpint(memory_region_init_ram(&pc_ram, "pc.ram", 0x100000, &err),
                    ==, 0);
    g_assert_cmpint(memory_region_init_rom(&pc_rom, "pc.rom", 0x20000, &err),
                    ==, 0);
    memory_region_init_alias(&low, "ram-low", &pc_ram, 0, 0xa0000);
    memory_region_init_alias(&pam, "pam-ram", &pc_ram, 0xc0000, 0x4000);
    memory_region_set_enabled(&pam, false);
    memory_region_add_subregion(&root, 0, &low);
    memory_region_add_subregion(&root, 0xc0000, &pc_rom);
    memory_region_add_subregion_overlap(&root, 0xc0000, &pam, 1);
    address_space_init(&as, &root, "test");

    memory_listener_register(&rec.l, &as);
    g_test_message("register replays the current view");
    expect("begin\n"
           "add 0+a0000 pc.ram@0\n"
           "add c0000+20000 pc.rom@0 ro\n"
           "commit\n");

    memory_region_set_enabled(&pam, true);
    g_test_message("PAM on: the ROM range goes, RAM and the ROM's rest come");
    expect("begin\n"
           "del c0000+20000 pc.rom@0 ro\n"
           "add c0000+4000 pc.ram@c0000\n"
           "add c4000+1c000 pc.rom@4000 ro\n"
           "commit\n");

    memory_region_set_enabled(&pam, false);
    g_test_message("PAM off: the exact reverse");
    expect("begin\n"
           "del c0000+4000 pc.ram@c0000\n"
           "del c4000+1c000 pc.rom@4000 ro\n"
           "add c0000+20000 pc.rom@0 ro\n"
           "commit\n");

    /* Several changes in one transaction: one begin/commit, all
     * deletions before any addition. */
    memory_region_transaction_begin();
    memory_region_set_address(&pc_rom, 0xe0000);
    memory_region_set_enabled(&pam, true);
    memory_region_transaction_commit();
    g_test_message("move ROM + PAM on in one transaction");
    expect("begin\n"
           "del c0000+20000 pc.rom@0 ro\n"
           "add c0000+4000 pc.ram@c0000\n"
           "add e0000+20000 pc.rom@0 ro\n"
           "commit\n");

    /* A transaction that changes nothing visible reports nothing. */
    memory_region_transaction_begin();
    memory_region_set_enabled(&pam, false);
    memory_region_set_enabled(&pam, true);
    memory_region_transaction_commit();
    g_test_message("off+on in one transaction: no add/del");
    expect("begin\ncommit\n");

    /* Readonly flips are changes too. */
    memory_region_set_readonly(&pam, true);
    expect("begin\n"
           "del c0000+4000 pc.ram@c0000\n"
           "add c0000+4000 pc.ram@c0000 ro\n"
           "commit\n");
    g_test_message("readonly alias: del + add with ro");

    memory_listener_unregister(&rec.l);
    expect("begin\n"
           "del e0000+20000 pc.rom@0 ro\n"
           "del c0000+4000 pc.ram@c0000 ro\n"
           "del 0+a0000 pc.ram@0\n"
           "commit\n");
    g_test_message("unregister deletes everything it had been given");
    memory_region_set_readonly(&pam, false);
    expect("");

    address_space_destroy(&as);
    memory_region_destroy(&pam);
    memory_region_destroy(&low);
    memory_region_destroy(&pc_rom);
    memory_region_destroy(&pc_ram);
    memory_region_destroy(&root);
    g_string_free(events, true);
}

static void test_priority(void)
{
    MemoryRegion root, r;
    AddressSpace as;
    GError *err = NULL;
    Recorder lo = {
        .l = { .region_add = rec_add, .region_del = rec_del, .priority = 0 },
        .tag = "lo:",
    };
    Recorder hi = {
        .l = { .region_add = rec_add, .region_del = rec_del, .priority = 10 },
        .tag = "hi:",
    };

    events = g_string_new(NULL);
    memory_region_init(&root, "root", MEMORY_SIZE_2_64);
    address_space_init(&as, &root, "test");
    memory_listener_register(&hi.l, &as);
    memory_listener_register(&lo.l, &as);
    g_assert_cmpstr(events->str, ==, "");
    g_assert_cmpint(memory_region_init_ram(&r, "r", 0x1000, &err), ==, 0);
    memory_region_add_subregion(&root, 0x1000, &r);
    expect("lo:add 1000+1000 r@0\nhi:add 1000+1000 r@0\n");
    g_test_message("adds go low priority first");
    memory_region_del_subregion(&root, &r);
    expect("hi:del 1000+1000 r@0\nlo:del 1000+1000 r@0\n");
    g_test_message("dels go high priority first");
    memory_listener_unregister(&lo.l);
    memory_listener_unregister(&hi.l);
    address_space_destroy(&as);
    memory_region_destroy(&r);
    memory_region_destroy(&root);
    g_string_free(events, true);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/listener/pam", test_pam);
    g_test_add_func("/memory/listener/priority", test_priority);
    return g_test_run();
}
