/*
 * test-fw-cfg.c: fw_cfg through its ports, the traditional byte interface
 * and the DMA interface, including DMAs a broken guest could issue.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdio.h>
#include "hw/nvram/fw_cfg.h"
#include "hw-test.h"

#define RAM_SIZE    (1 * MiB)
#define DESC        0x1000      /* DMA descriptor */
#define BUF         0x2000      /* DMA target */

static Machine *m;
static FWCfgState *fw;
static MemoryRegion ram;

/* The traditional interface: select, then byte reads at 0x511. */
static void port_read_item(uint16_t key, void *buf, size_t len)
{
    uint8_t *p = buf;

    io_write(FW_CFG_IO_BASE, key, 2);
    for (size_t i = 0; i < len; i++) {
        p[i] = io_read(FW_CFG_IO_BASE + 1, 1);
    }
}

static uint8_t *ram_ptr(hwaddr addr)
{
    return (uint8_t *)memory_region_get_ram_ptr(&ram) + addr;
}

/* Write a descriptor at DESC, kick the DMA, return the control word. */
static uint32_t dma(uint32_t control, uint32_t length, uint64_t address)
{
    uint32_t c = GUINT32_TO_BE(control), l = GUINT32_TO_BE(length);
    uint64_t a = GUINT64_TO_BE(address);

    memcpy(ram_ptr(DESC), &c, 4);
    memcpy(ram_ptr(DESC + 4), &l, 4);
    memcpy(ram_ptr(DESC + 8), &a, 8);
    /* the guest stores the address big-endian: bswap then outl */
    io_write(FW_CFG_DMA_IO_BASE, GUINT32_SWAP_LE_BE((uint32_t)0), 4);
    io_write(FW_CFG_DMA_IO_BASE + 4, GUINT32_SWAP_LE_BE((uint32_t)DESC), 4);
    memcpy(&c, ram_ptr(DESC), 4);
    return GUINT32_FROM_BE(c);
}

static void test_port_items(void)
{
    char sig[5] = "";
    uint32_t id = 0;
    uint64_t ram_size = 0;
    uint16_t cpus = 0, max_cpus = 0;
    uint8_t past[4];

    port_read_item(FW_CFG_SIGNATURE, sig, 4);
    g_test_message("signature \"%s\"", sig);
    g_assert_cmpstr(sig, ==, "QEMU");
    port_read_item(FW_CFG_ID, &id, 4);
    g_assert_cmphex(GUINT32_FROM_LE(id), ==, 3);
    port_read_item(FW_CFG_RAM_SIZE, &ram_size, 8);
    g_assert_cmphex(GUINT64_FROM_LE(ram_size), ==, 64 * MiB);
    port_read_item(FW_CFG_NB_CPUS, &cpus, 2);
    port_read_item(FW_CFG_MAX_CPUS, &max_cpus, 2);
    g_test_message("ID %u, RAM 0x%" PRIx64 ", CPUs %u/%u", id, ram_size,
                   cpus, max_cpus);
    g_assert_cmpuint(GUINT16_FROM_LE(cpus), ==, 2);
    g_assert_cmpuint(GUINT16_FROM_LE(max_cpus), ==, 2);

    /* past the end, unknown keys and out-of-table keys read 0 */
    port_read_item(FW_CFG_SIGNATURE, past, 4);
    past[0] = io_read(FW_CFG_IO_BASE + 1, 1);
    g_assert_cmphex(past[0], ==, 0);
    port_read_item(0x3fff, past, 4);
    g_assert_cmphex(past[0] | past[1] | past[2] | past[3], ==, 0);
    port_read_item(0x8fff, past, 1);
    g_assert_cmphex(past[0], ==, 0);
    /* a word read is not a data access: all-ones from the core */
    io_write(FW_CFG_IO_BASE, FW_CFG_SIGNATURE, 2);
    g_assert_cmphex(io_read(FW_CFG_IO_BASE, 2), ==, 0xffff);
    /* a data port write is ignored and does not move the offset */
    io_write(FW_CFG_IO_BASE + 1, 0x55, 1);
    g_assert_cmphex(io_read(FW_CFG_IO_BASE + 1, 1), ==, 'Q');

    /* the DMA register reads the signature */
    g_assert_cmphex(io_read(FW_CFG_DMA_IO_BASE, 4), ==, 0x554d4551);
    g_assert_cmphex(io_read(FW_CFG_DMA_IO_BASE + 4, 4), ==, 0x47464320);
    g_assert_cmphex(io_read(FW_CFG_DMA_IO_BASE + 1, 1), ==, 'E');
}

static void test_files(void)
{
    uint8_t dir[4 + 2 * 64];
    uint32_t count, size;
    uint16_t select;
    char data[6] = "";

    g_assert_cmpint(fw_cfg_add_file(fw, "etc/test", "hello", 5), ==, 0);
    g_assert_cmpint(fw_cfg_add_file(fw, "etc/abc", "xyz", 3), ==, 0);
    g_assert_cmpint(fw_cfg_add_file(fw, "etc/abc", "xyz", 3), ==, -EEXIST);
    g_assert_cmpint(fw_cfg_add_file(fw, "", "", 0), ==, -EINVAL);
    g_assert_cmpint(fw_cfg_add_file(fw, "a-name-that-is-far-too-long-for-the-"
                                    "fw_cfg-file-directory-entry", "", 0), ==,
                    -ENAMETOOLONG);
    g_assert_cmpint(fw_cfg_add_bytes(fw, FW_CFG_FILE_FIRST, "x", 1), ==,
                    -EINVAL);
    g_assert_cmpint(fw_cfg_add_bytes(fw, FW_CFG_FILE_DIR, "x", 1), ==,
                    -EINVAL);

    port_read_item(FW_CFG_FILE_DIR, dir, sizeof(dir));
    memcpy(&count, dir, 4);
    g_assert_cmpuint(GUINT32_FROM_BE(count), ==, 2);
    /* sorted by name: etc/abc first */
    memcpy(&size, dir + 4, 4);
    memcpy(&select, dir + 8, 2);
    g_assert_cmpstr((char *)dir + 12, ==, "etc/abc");
    g_assert_cmpuint(GUINT32_FROM_BE(size), ==, 3);
    g_assert_cmphex(GUINT16_FROM_BE(select), ==, 0x20);
    memcpy(&size, dir + 4 + 64, 4);
    memcpy(&select, dir + 8 + 64, 2);
    g_assert_cmpstr((char *)dir + 12 + 64, ==, "etc/test");
    g_assert_cmpuint(GUINT32_FROM_BE(size), ==, 5);
    g_assert_cmphex(GUINT16_FROM_BE(select), ==, 0x21);
    g_test_message("file dir: etc/abc@0x20 (3), etc/test@0x21 (5)");
    g_assert_cmpint(fw_cfg_find_file(fw, "etc/test"), ==, 0x21);

    port_read_item(0x21, data, 5);
    g_assert_cmpstr(data, ==, "hello");
}

static void test_dma(void)
{
    uint32_t ctl;

    /* select + read the signature */
    memset(ram_ptr(BUF), 0xaa, 64);
    ctl = dma(FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT |
              FW_CFG_DMA_CTL_READ, 4, BUF);
    g_test_message("DMA signature: control 0x%x, \"%.4s\"", ctl,
                   (char *)ram_ptr(BUF));
    g_assert_cmphex(ctl, ==, 0);
    g_assert_cmpmem(ram_ptr(BUF), 4, "QEMU", 4);
    g_assert_cmphex(ram_ptr(BUF)[4], ==, 0xaa);

    /* ID and RAM size through DMA */
    ctl = dma(FW_CFG_ID << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
              4, BUF);
    g_assert_cmphex(ctl, ==, 0);
    g_assert_cmphex(ram_ptr(BUF)[0], ==, 3);
    ctl = dma(FW_CFG_RAM_SIZE << 16 | FW_CFG_DMA_CTL_SELECT |
              FW_CFG_DMA_CTL_READ, 8, BUF);
    g_assert_cmphex(ctl, ==, 0);
    g_assert_cmphex(ram_ptr(BUF)[3], ==, (64 * MiB) >> 24);

    /* a file: skip 2, read the rest and beyond (zero-filled) */
    memset(ram_ptr(BUF), 0xaa, 64);
    ctl = dma(0x21 << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_SKIP, 2, 0);
    g_assert_cmphex(ctl, ==, 0);
    ctl = dma(FW_CFG_DMA_CTL_READ, 8, BUF);
    g_assert_cmphex(ctl, ==, 0);
    g_assert_cmpmem(ram_ptr(BUF), 8, "llo\0\0\0\0\0", 8);
    g_assert_cmphex(ram_ptr(BUF)[8], ==, 0xaa);
    g_test_message("DMA skip 2 + read 8 of etc/test: \"llo\" + 5 zeroes");

    /* the port interface continues where DMA left the offset */
    io_write(FW_CFG_IO_BASE, 0x21, 2);
    ctl = dma(FW_CFG_DMA_CTL_SKIP, 1, 0);
    g_assert_cmphex(io_read(FW_CFG_IO_BASE + 1, 1), ==, 'e');

    /* no operation bit: nothing moves */
    ctl = dma(0, 100, BUF);
    g_assert_cmphex(ctl, ==, 0);
}

static void test_dma_errors(void)
{
    uint32_t ctl;

    /* target outside RAM (nothing mapped there) */
    ctl = dma(FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT |
              FW_CFG_DMA_CTL_READ, 4, 0x40000000);
    g_test_message("unmapped target: control 0x%x", ctl);
    g_assert_cmphex(ctl, ==, FW_CFG_DMA_CTL_ERROR);

    /* a target that wraps past 2^64 */
    ctl = dma(FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT |
              FW_CFG_DMA_CTL_READ, 0x100, 0xfffffffffffffff0ULL);
    g_assert_cmphex(ctl, ==, FW_CFG_DMA_CTL_ERROR);

    /* a 4 GiB read that runs off the end of RAM */
    ctl = dma(FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT |
              FW_CFG_DMA_CTL_READ, 0xffffffff, BUF);
    g_test_message("length 0xffffffff: control 0x%x", ctl);
    g_assert_cmphex(ctl, ==, FW_CFG_DMA_CTL_ERROR);
    g_assert_cmpmem(ram_ptr(BUF), 4, "QEMU", 4);
    g_assert_cmphex(ram_ptr(RAM_SIZE - 1)[0], ==, 0);

    /* writes: no item is writable */
    ctl = dma(FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT |
              FW_CFG_DMA_CTL_WRITE, 4, BUF);
    g_assert_cmphex(ctl, ==, FW_CFG_DMA_CTL_ERROR);
    {
        char sig[5] = "";

        port_read_item(FW_CFG_SIGNATURE, sig, 4);
        g_assert_cmpstr(sig, ==, "QEMU");
    }

    /* a descriptor outside RAM: nothing to report to, nothing breaks */
    io_write(FW_CFG_DMA_IO_BASE, 0, 4);
    io_write(FW_CFG_DMA_IO_BASE + 4, GUINT32_SWAP_LE_BE(0x40000000u), 4);
    /* nor does a high half alone start anything; then a good DMA works */
    io_write(FW_CFG_DMA_IO_BASE, GUINT32_SWAP_LE_BE(0x12345678u), 4);
    ctl = dma(FW_CFG_ID << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
              4, BUF);
    g_assert_cmphex(ctl, ==, 0);
    /* sizes the register refuses: byte and word writes */
    io_write(FW_CFG_DMA_IO_BASE + 4, 0x10, 1);
    io_write(FW_CFG_DMA_IO_BASE + 4, 0x10, 2);
    g_test_message("bad DMAs set the error bit; the device still works");
}

int main(int argc, char **argv)
{
    static MachineConfig cfg = { .ram_size = 64 * MiB, .smp = 2 };

    g_test_init(&argc, &argv, NULL);
    m = hw_test_machine_new(&cfg, NULL, NULL);
    hw_test_add_ram(&ram, "test-ram", RAM_SIZE);
    hw_test_create_or_die(m, "fw_cfg");
    fw = fw_cfg_from_machine(m);
    g_assert_nonnull(fw);

    g_test_add_func("/fw_cfg/port-items", test_port_items);
    g_test_add_func("/fw_cfg/files", test_files);
    g_test_add_func("/fw_cfg/dma", test_dma);
    g_test_add_func("/fw_cfg/dma-errors", test_dma_errors);
    return g_test_run();
}
