/*
 * test-memory-dispatch.c: address_space_rw's splitting, widening and
 * refusing between ops->valid and ops->impl; RAM, ROM, holes, dirty bits.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include "memory/memory.h"
#include "main/main-loop.h"

typedef struct Call {
    hwaddr addr;
    unsigned size;
    uint64_t val;
    bool write;
} Call;

typedef struct Dev {
    uint8_t regs[0x100];
    Call calls[32];
    unsigned n;
    bool without_bql;
} Dev;

static AddressSpace as;
static MemoryRegion root, io;
static Dev dev;

#define ATTRS MEMTXATTRS_UNSPECIFIED
#define IO_BASE 0x1000

static void record(hwaddr addr, unsigned size, uint64_t val, bool write)
{
    g_assert_cmpuint(dev.n, <, G_N_ELEMENTS(dev.calls));
    dev.calls[dev.n++] = (Call) { addr, size, val, write };
    dev.without_bql |= !bql_locked();
}

static uint64_t dev_read(void *opaque, hwaddr addr, unsigned size)
{
    Dev *d = opaque;
    uint64_t v = 0;

    g_assert_cmpuint(addr + size, <=, sizeof(d->regs));
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)d->regs[addr + i] << (8 * i);
    }
    record(addr, size, v, false);
    return v;
}

static void dev_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
    Dev *d = opaque;

    g_assert_cmpuint(addr + size, <=, sizeof(d->regs));
    for (unsigned i = 0; i < size; i++) {
        d->regs[addr + i] = v >> (8 * i);
    }
    record(addr, size, v, true);
}

static void check_calls(const Call *exp, unsigned n)
{
    for (unsigned i = 0; i < dev.n; i++) {
        g_test_message("  call %s addr=0x%" PRIx64 " size=%u val=0x%" PRIx64,
                       dev.calls[i].write ? "write" : "read",
                       dev.calls[i].addr, dev.calls[i].size, dev.calls[i].val);
    }
    g_assert_cmpuint(dev.n, ==, n);
    for (unsigned i = 0; i < n; i++) {
        g_assert_cmpint(dev.calls[i].write, ==, exp[i].write);
        g_assert_cmphex(dev.calls[i].addr, ==, exp[i].addr);
        g_assert_cmpuint(dev.calls[i].size, ==, exp[i].size);
        g_assert_cmphex(dev.calls[i].val, ==, exp[i].val);
    }
    g_assert_false(dev.without_bql);
    dev.n = 0;
}

/* Map an I/O region with @ops at IO_BASE in a fresh address space. */
static void setup(const MemoryRegionOps *ops)
{
    memset(&dev, 0, sizeof(dev));
    for (unsigned i = 0; i < sizeof(dev.regs); i++) {
        dev.regs[i] = i;
    }
    memory_region_init(&root, "root", MEMORY_SIZE_2_64);
    memory_region_init_io(&io, ops, &dev, "dev", sizeof(dev.regs));
    memory_region_add_subregion(&root, IO_BASE, &io);
    address_space_init(&as, &root, "test");
}

static void teardown(void)
{
    address_space_destroy(&as);
    memory_region_destroy(&io);
    memory_region_destroy(&root);
}

static void test_split(void)
{
    static const MemoryRegionOps ops = {
        .read = dev_read, .write = dev_write,
        .valid = { .min_access_size = 1, .max_access_size = 8 },
        .impl = { .min_access_size = 1, .max_access_size = 4 },
    };
    uint8_t in[8] = { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 };
    uint8_t out[8];

    setup(&ops);
    g_assert_cmpint(address_space_write(&as, IO_BASE + 0x10, ATTRS, in, 8),
                    ==, MEMTX_OK);
    g_test_message("8-byte write 0x1122334455667788 to impl.max 4:");
    check_calls((Call[]) {
        { 0x10, 4, 0x55667788, true },
        { 0x14, 4, 0x11223344, true },
    }, 2);
    g_assert_cmpint(address_space_read(&as, IO_BASE + 0x10, ATTRS, out, 8),
                    ==, MEMTX_OK);
    g_test_message("8-byte read back:");
    check_calls((Call[]) {
        { 0x10, 4, 0x55667788, false },
        { 0x14, 4, 0x11223344, false },
    }, 2);
    g_assert_cmpmem(in, 8, out, 8);
    teardown();
}

static void test_widen(void)
{
    static const MemoryRegionOps ops = {
        .read = dev_read, .write = dev_write,
        .valid = { .min_access_size = 1, .max_access_size = 4 },
        .impl = { .min_access_size = 4, .max_access_size = 4 },
    };
    uint8_t v[2];

    setup(&ops);
    memcpy(dev.regs + 0x20, "\x11\x22\x33\x44", 4);
    for (unsigned k = 0; k < 4; k++) {
        g_assert_cmpint(address_space_read(&as, IO_BASE + 0x20 + k, ATTRS,
                                           v, 1), ==, MEMTX_OK);
        g_test_message("1-byte read at +%u of impl.min 4 -> 0x%02x", k, v[0]);
        g_assert_cmphex(v[0], ==, 0x11 * (k + 1));
        check_calls((Call[]) { { 0x20, 4, 0x44332211, false } }, 1);
    }
    address_space_read(&as, IO_BASE + 0x22, ATTRS, v, 2);
    g_assert_cmphex(v[0] | v[1] << 8, ==, 0x4433);
    check_calls((Call[]) { { 0x20, 4, 0x44332211, false } }, 1);
    g_test_message("narrow write: shifted into an aligned 4-byte call");
    address_space_write(&as, IO_BASE + 0x22, ATTRS, "\xaa", 1);
    check_calls((Call[]) { { 0x20, 4, 0x00aa0000, true } }, 1);
    teardown();
}

static void test_pieces(void)
{
    static const MemoryRegionOps ops = {
        .read = dev_read, .write = dev_write,
        .valid = { .min_access_size = 1, .max_access_size = 8 },
        .impl = { .min_access_size = 1, .max_access_size = 8 },
    };
    uint8_t buf[16];

    setup(&ops);
    address_space_write(&as, IO_BASE + 1, ATTRS,
                        "\x01\x02\x03\x04\x05\x06\x07", 7);
    g_test_message("7-byte write at +1: naturally aligned 1, 2, 4");
    check_calls((Call[]) {
        { 1, 1, 0x01, true },
        { 2, 2, 0x0302, true },
        { 4, 4, 0x07060504, true },
    }, 3);
    address_space_read(&as, IO_BASE + 0x40, ATTRS, buf, 16);
    g_test_message("16-byte read: two 8-byte calls");
    check_calls((Call[]) {
        { 0x40, 8, 0x4746454443424140ULL, false },
        { 0x48, 8, 0x4f4e4d4c4b4a4948ULL, false },
    }, 2);
    address_space_read(&as, IO_BASE + 0x4, ATTRS, buf, 3);
    g_test_message("3-byte read at +4: 2 then 1");
    check_calls((Call[]) { { 4, 2, 0x0504, false }, { 6, 1, 0x06, false } }, 2);
    g_assert_cmpmem(buf, 3, "\x04\x05\x06", 3);
    teardown();
}

static bool no_write_at_8(void *opaque, hwaddr addr, unsigned size,
                          bool is_write)
{
    (void)opaque;
    (void)size;
    return !(is_write && addr == 8);
}

static void test_valid(void)
{
    static const MemoryRegionOps ops = {
        .read = dev_read, .write = dev_write,
        .valid = { .min_access_size = 2, .max_access_size = 4,
                   .accepts = no_write_at_8 },
    };
    static const MemoryRegionOps unal = {
        .read = dev_read, .write = dev_write,
        .valid = { .max_access_size = 4, .unaligned = true },
        .impl = { .min_access_size = 4, .max_access_size = 4 },
    };
    uint8_t buf[8];

    setup(&ops);
    memset(buf, 0, sizeof(buf));
    g_assert_cmpint(address_space_read(&as, IO_BASE + 2, ATTRS, buf, 4), ==,
                    MEMTX_ERROR);
    g_assert_cmpmem(buf, 4, "\xff\xff\xff\xff", 4);
    g_test_message("unaligned 4-byte read refused, no call, 0xff data");
    check_calls(NULL, 0);
    g_assert_cmpint(address_space_read(&as, IO_BASE + 2, ATTRS, buf, 1), ==,
                    MEMTX_ERROR);
    g_test_message("1-byte read below valid.min refused");
    check_calls(NULL, 0);
    g_assert_cmpint(address_space_write(&as, IO_BASE + 8, ATTRS, buf, 4), ==,
                    MEMTX_ERROR);
    g_test_message("write refused by valid.accepts");
    check_calls(NULL, 0);
    g_assert_cmpint(address_space_read(&as, IO_BASE + 8, ATTRS, buf, 4), ==,
                    MEMTX_OK);
    check_calls((Call[]) { { 8, 4, 0x0b0a0908, false } }, 1);
    g_assert_cmpint(address_space_read(&as, IO_BASE + 8, ATTRS, buf, 8), ==,
                    MEMTX_OK);
    g_test_message("8-byte read above valid.max 4: cut as a bus would");
    check_calls((Call[]) {
        { 8, 4, 0x0b0a0908, false }, { 12, 4, 0x0f0e0d0c, false },
    }, 2);
    teardown();

    setup(&unal);
    g_assert_cmpint(address_space_read(&as, IO_BASE + 2, ATTRS, buf, 4), ==,
                    MEMTX_OK);
    g_test_message("valid.unaligned, impl aligned: two aligned calls");
    check_calls((Call[]) {
        { 0, 4, 0x03020100, false }, { 4, 4, 0x07060504, false },
    }, 2);
    g_assert_cmpmem(buf, 4, "\x02\x03\x04\x05", 4);
    teardown();
}

static void test_crossing(void)
{
    static const MemoryRegionOps ops = {
        .read = dev_read, .write = dev_write,
        .valid = { .max_access_size = 8 }, .impl = { .max_access_size = 8 },
    };
    MemoryRegion ram, rom;
    GError *err = NULL;
    uint8_t buf[8], *host, *romp;

    setup(&ops);
    g_assert_cmpint(memory_region_init_ram(&ram, "ram", 0x1000, &err), ==, 0);
    g_assert_cmpint(memory_region_init_rom(&rom, "rom", 0x1000, &err), ==, 0);
    memory_region_add_subregion(&root, 0, &ram);       /* io at 0x1000 */
    memory_region_add_subregion(&root, 0x10000, &rom); /* a hole follows */
    host = memory_region_get_ram_ptr(&ram);
    romp = memory_region_get_ram_ptr(&rom);

    g_assert_cmpint(address_space_write(&as, 0xffc, ATTRS,
                    "\x01\x02\x03\x04\x05\x06\x07\x08", 8), ==, MEMTX_OK);
    g_assert_cmpmem(host + 0xffc, 4, "\x01\x02\x03\x04", 4);
    g_test_message("RAM->I/O write: 4 bytes copied, 4 to the device");
    check_calls((Call[]) { { 0, 4, 0x08070605, true } }, 1);
    g_assert_cmpint(address_space_read(&as, 0xffc, ATTRS, buf, 8), ==,
                    MEMTX_OK);
    g_assert_cmpmem(buf, 8, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    check_calls((Call[]) { { 0, 4, 0x08070605, false } }, 1);

    memset(romp, 0x5a, 0x1000);
    g_assert_cmpint(address_space_read(&as, 0x10ffc, ATTRS, buf, 8), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmpmem(buf, 8, "\x5a\x5a\x5a\x5a\xff\xff\xff\xff", 8);
    g_test_message("ROM->hole read: ROM bytes, then 0xff, DECODE_ERROR");
    g_assert_cmpint(address_space_write(&as, 0x10ffc, ATTRS, "abcdefgh", 8),
                    ==, MEMTX_ERROR | MEMTX_DECODE_ERROR);
    g_assert_cmphex(romp[0xffc], ==, 0x5a);
    g_assert_cmpint(address_space_write(&as, 0x10000, ATTRS, "abcd", 4), ==,
                    MEMTX_ERROR);
    g_assert_cmpmem(romp, 4, "\x5a\x5a\x5a\x5a", 4);
    g_test_message("ROM write refused with MEMTX_ERROR, contents unchanged");

    g_assert_cmpint(address_space_write(&as, 0x20000, ATTRS, "abcd", 4), ==,
                    MEMTX_DECODE_ERROR);
    g_test_message("write to a hole: DECODE_ERROR");

    /* RAM -> hole, writing: the RAM part lands. */
    memory_region_set_address(&ram, 0x30000);
    g_assert_cmpint(address_space_write(&as, 0x30ffe, ATTRS, "wxyz", 4), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmpmem(host + 0xffe, 2, "wx", 2);
    g_assert_cmpint(address_space_read(&as, 0x30ffe, ATTRS, buf, 4), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmpmem(buf, 4, "wx\xff\xff", 4);
    g_test_message("RAM->hole: RAM part correct, hole part 0xff");

    {
        hwaddr start = 0, last = 0;
        bool ro = true;

        g_assert_true(address_space_ram_range(&as, 0x30abc, &start, &last,
                                              &ro) == host);
        g_assert_cmphex(start, ==, 0x30000);
        g_assert_cmphex(last, ==, 0x30fff);
        g_assert_false(ro);
        g_assert_true(address_space_ram_range(&as, 0x10000, &start, &last,
                                              &ro) == romp);
        g_assert_true(ro);
        g_assert_null(address_space_ram_range(&as, IO_BASE, &start, &last,
                                              NULL));
        g_assert_null(address_space_ram_range(&as, 0x20000, &start, &last,
                                              NULL));
        g_test_message("ram_range: RAM and ROM give host memory and bounds "
                       "(ROM read-only), I/O and holes NULL");
    }

    memory_region_destroy(&ram);
    memory_region_destroy(&rom);
    teardown();
}

static void test_dirty(void)
{
    MemoryRegion ram;
    GError *err = NULL;

    setup(&(MemoryRegionOps) { 0 });
    g_assert_cmpint(memory_region_init_ram(&ram, "ram", 0x10000, &err), ==, 0);
    memory_region_add_subregion(&root, 0x100000, &ram);
    for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++) {
        g_assert_false(memory_region_get_dirty(&ram, 0, 0x10000, c));
    }
    address_space_write(&as, 0x102000, ATTRS, "x", 1);
    for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++) {
        g_assert_true(memory_region_get_dirty(&ram, 0x2000, 1, c));
        g_assert_false(memory_region_get_dirty(&ram, 0, 0x2000, c));
        g_assert_false(memory_region_get_dirty(&ram, 0x3000, 0xd000, c));
    }
    g_test_message("1-byte write marks page 2 dirty for every client");
    g_assert_true(memory_region_test_and_clear_dirty(&ram, 0, 0x10000,
                                                     DIRTY_MEMORY_VGA));
    g_assert_false(memory_region_get_dirty(&ram, 0, 0x10000, DIRTY_MEMORY_VGA));
    g_assert_true(memory_region_get_dirty(&ram, 0x2000, 1, DIRTY_MEMORY_CODE));
    g_test_message("test_and_clear clears one client only");
    address_space_write(&as, 0x103ffe, ATTRS, "abcd", 4);
    g_assert_true(memory_region_get_dirty(&ram, 0x3000, 1, DIRTY_MEMORY_VGA));
    g_assert_true(memory_region_get_dirty(&ram, 0x4000, 1, DIRTY_MEMORY_VGA));
    g_assert_false(memory_region_get_dirty(&ram, 0x5000, 1, DIRTY_MEMORY_VGA));
    g_test_message("a write across a page boundary dirties both pages");
    memory_region_destroy(&ram);
    teardown();
}

static void test_bql(void)
{
    static const MemoryRegionOps ops = { .read = dev_read, .write = dev_write };
    uint8_t v;

    setup(&ops);
    g_assert_false(bql_locked());
    address_space_read(&as, IO_BASE, ATTRS, &v, 1);
    check_calls((Call[]) { { 0, 1, 0, false } }, 1);
    g_assert_false(bql_locked());
    g_test_message("BQL taken for the callback and released after");
    bql_lock();
    address_space_read(&as, IO_BASE + 1, ATTRS, &v, 1);
    check_calls((Call[]) { { 1, 1, 1, false } }, 1);
    g_assert_true(bql_locked());
    bql_unlock();
    g_test_message("a caller's BQL is used and kept");
    teardown();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/dispatch/split", test_split);
    g_test_add_func("/memory/dispatch/widen", test_widen);
    g_test_add_func("/memory/dispatch/pieces", test_pieces);
    g_test_add_func("/memory/dispatch/valid", test_valid);
    g_test_add_func("/memory/dispatch/crossing", test_crossing);
    g_test_add_func("/memory/dispatch/dirty", test_dirty);
    g_test_add_func("/memory/dispatch/bql", test_bql);
    return g_test_run();
}
