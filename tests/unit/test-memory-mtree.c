/*
 * test-memory-mtree.c: "info mtree" and "info mtree -f" output, compared
 * with the exact text QEMU prints for the same tree.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "memory/memory.h"

static uint64_t nop_read(void *opaque, hwaddr addr, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)size;
    return 0;
}

static const MemoryRegionOps nop_ops = { .read = nop_read };

static const char tree[] =
    "address-space: memory\n"
    "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
    "    0000000000000000-000000000fffffff (prio 0, ram): alias ram-below-4g @pc.ram 0000000000000000-000000000fffffff\n"
    "    00000000000a0000-00000000000bffff (prio 1, i/o): vga-lowmem [disabled]\n"
    "    00000000000e0000-00000000000fffff (prio 1, rom): alias isa-bios @pc.bios 0000000000020000-000000000003ffff\n"
    "    00000000fffc0000-00000000ffffffff (prio 0, rom): pc.bios\n"
    "\n"
    "address-space: I/O\n"
    "  0000000000000000-000000000000ffff (prio 0, i/o): io\n"
    "    00000000000003f8-00000000000003ff (prio 0, i/o): serial\n"
    "\n"
    "memory-region: pc.ram\n"
    "  0000000000000000-000000000fffffff (prio 0, ram): pc.ram\n"
    "\n"
    "memory-region: pc.bios\n"
    "  00000000fffc0000-00000000ffffffff (prio 0, rom): pc.bios\n"
    "\n";

static const char flat[] =
    "FlatView #0\n"
    " AS \"memory\", root: system\n"
    " Root memory region: system\n"
    "  0000000000000000-00000000000dffff (prio 0, ram): pc.ram\n"
    "  00000000000e0000-00000000000fffff (prio 0, rom): pc.bios @0000000000020000\n"
    "  0000000000100000-000000000fffffff (prio 0, ram): pc.ram @0000000000100000\n"
    "  00000000fffc0000-00000000ffffffff (prio 0, rom): pc.bios\n"
    "\n"
    "FlatView #1\n"
    " AS \"I/O\", root: io\n"
    " Root memory region: io\n"
    "  00000000000003f8-00000000000003ff (prio 0, i/o): serial\n"
    "\n";

static void test_mtree(void)
{
    static MemoryRegion pc_ram, below, bios, isa_bios, vga, serial;
    GError *err = NULL;
    GString *out = g_string_new(NULL);

    memory_init();
    g_assert_cmpint(memory_region_init_ram(&pc_ram, "pc.ram", 0x10000000, &err),
                    ==, 0);
    g_assert_cmpint(memory_region_init_rom(&bios, "pc.bios", 0x40000, &err),
                    ==, 0);
    memory_region_init_alias(&below, "ram-below-4g", &pc_ram, 0, 0x10000000);
    memory_region_init_alias(&isa_bios, "isa-bios", &bios, 0x20000, 0x20000);
    memory_region_init_io(&vga, &nop_ops, NULL, "vga-lowmem", 0x20000);
    memory_region_init_io(&serial, &nop_ops, NULL, "serial", 8);
    memory_region_set_enabled(&vga, false);

    memory_region_transaction_begin();
    memory_region_add_subregion(get_system_memory(), 0xfffc0000, &bios);
    memory_region_add_subregion_overlap(get_system_memory(), 0xe0000,
                                        &isa_bios, 1);
    memory_region_add_subregion_overlap(get_system_memory(), 0xa0000, &vga, 1);
    memory_region_add_subregion(get_system_memory(), 0, &below);
    memory_region_add_subregion(get_system_io(), 0x3f8, &serial);
    memory_region_transaction_commit();

    mtree_info(out, false);
    g_test_message("info mtree:\n%s", out->str);
    g_assert_cmpstr(out->str, ==, tree);
    g_string_truncate(out, 0);
    mtree_info(out, true);
    g_test_message("info mtree -f:\n%s", out->str);
    g_assert_cmpstr(out->str, ==, flat);
    g_string_free(out, true);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/mtree", test_mtree);
    return g_test_run();
}
