/*
 * test-hitb.c: the hitb device model without an accelerator: its PCI
 * function through config cycles, BAR0 through address_space_rw (so the
 * memory core's splitting is part of what is tested) and through direct
 * callback calls (the widths the core never produces), the factorial
 * worker, interrupts, the DMA state machine and every refused transfer.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <unistd.h>
#include "hw/misc/hitb.h"
#include "hw/pci/msi.h"
#include "hw/pci/pci.h"
#include "main/main-loop.h"
#include "main/trace.h"
#include "hw-test.h"

#define BAR     HITB_BAR0_ADDR
#define MS      (1000 * 1000LL)
#define RAM_A   0x1000ULL       /* guest source area */
#define RAM_B   0x3000ULL       /* guest destination area */

static Machine *m;
static HitbState *hitb;
static MemoryRegion ram;
static char *trace_path;

/* ---- Guest-side helpers (the test thread does not hold the BQL) -------- */

static uint32_t rd(hwaddr reg)
{
    return mmio_read(BAR + reg, 4);
}

static void wr(hwaddr reg, uint64_t v, unsigned size)
{
    mmio_write(BAR + reg, v, size);
}

/* A callback call with a width the memory core would have split. */
static void wr_direct(hwaddr reg, uint64_t v, unsigned size)
{
    mmio_write_direct(hitb_mmio_region(hitb), reg, v, size);
}

static uint64_t rd_direct(hwaddr reg, unsigned size)
{
    return mmio_read_direct(hitb_mmio_region(hitb), reg, size);
}

static uint32_t cfg_read(int reg, unsigned size)
{
    return pci_cfg_read(HITB_DEFAULT_DEVFN, reg, size);
}

static void cfg_write(int reg, uint32_t val, unsigned size)
{
    pci_cfg_write(HITB_DEFAULT_DEVFN, reg, val, size);
}

static const char *region_at(hwaddr addr)
{
    MemoryRegionSection s;

    if (!address_space_lookup(&address_space_memory, addr, &s)) {
        return "(none)";
    }
    return s.mr->name;
}

static long trace_mark(void)
{
    g_autofree char *text = NULL;
    gsize len = 0;

    g_file_get_contents(trace_path, &text, &len, NULL);
    return len;
}

/* Trace lines written since @mark. */
static char *trace_since(long mark)
{
    g_autofree char *text = NULL;
    gsize len = 0;

    g_assert_true(g_file_get_contents(trace_path, &text, &len, NULL));
    g_assert_cmpint(len, >=, mark);
    return g_strdup(text + mark);
}

/* Wait for the factorial worker: it publishes under the BQL, which a
 * loaded host may give it late; 5 s without a result is a hang. */
static void wait_not_computing(void)
{
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    while ((rd(HITB_REG_STATUS) & HITB_STATUS_COMPUTING) &&
           g_get_monotonic_time() < deadline) {
        g_usleep(1000);
    }
    g_assert_cmphex(rd(HITB_REG_STATUS) & HITB_STATUS_COMPUTING, ==, 0);
}

static bool dma_fire(void)
{
    bool fired;

    bql_lock();
    fired = hitb_dma_fire(hitb);
    bql_unlock();
    return fired;
}

static void ram_fill(hwaddr addr, uint8_t seed, size_t len)
{
    g_autofree uint8_t *buf = g_malloc(len);

    for (size_t i = 0; i < len; i++) {
        buf[i] = seed + i * 7;
    }
    address_space_write(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                        buf, len);
}

static uint8_t *ram_ptr(hwaddr addr)
{
    return (uint8_t *)memory_region_get_ram_ptr(&ram) + addr;
}

static void dma_program(uint64_t src, uint64_t dst, uint64_t cnt,
                        uint64_t cmd)
{
    /* Direct 8-byte calls: a guest's 8-byte store would lose bits 63:32. */
    wr_direct(HITB_REG_DMA_SRC, src, 8);
    wr_direct(HITB_REG_DMA_DST, dst, 8);
    wr_direct(HITB_REG_DMA_CNT, cnt, 8);
    wr_direct(HITB_REG_DMA_CMD, cmd, 8);
}

/* ---- Tests ------------------------------------------------------------------ */

static void test_pci_config(void)
{
    uint32_t v;
    int cap;

    v = cfg_read(PCI_VENDOR_ID, 4);
    g_test_message("00:04.0 id 0x%08x", v);
    g_assert_cmphex(v, ==, 0x23331234);
    v = cfg_read(PCI_CLASS_REVISION, 4);
    g_test_message("class/revision 0x%08x", v);
    g_assert_cmphex(v, ==, 0x00ff0010);
    g_assert_cmphex(cfg_read(PCI_INTERRUPT_PIN, 1), ==, 1);
    g_assert_cmphex(cfg_read(PCI_INTERRUPT_LINE, 1), ==, 11);
    g_assert_cmphex(cfg_read(PCI_COMMAND, 2) & PCI_COMMAND_MEMORY, ==,
                    PCI_COMMAND_MEMORY);
    g_assert_cmphex(cfg_read(PCI_BASE_ADDRESS_0, 4), ==, 0xfea00000);
    g_test_message("INTA -> IRQ 11, memory decode on, BAR0 0xfea00000");

    /* Sizing: all-ones reads back the 1 MiB mask, 32-bit non-prefetch. */
    cfg_write(PCI_BASE_ADDRESS_0, 0xffffffff, 4);
    g_assert_cmphex(cfg_read(PCI_BASE_ADDRESS_0, 4), ==, 0xfff00000);
    cfg_write(PCI_BASE_ADDRESS_0, 0xfea00000, 4);
    g_assert_cmphex(cfg_read(PCI_BASE_ADDRESS_0, 4), ==, 0xfea00000);
    for (int n = 1; n < 6; n++) {
        g_assert_cmphex(cfg_read(PCI_BASE_ADDRESS_0 + 4 * n, 4), ==, 0);
    }
    g_test_message("BAR0 sizes as 1 MiB MEM32; BARs 1-5 absent");

    g_assert_cmphex(cfg_read(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, !=, 0);
    cap = cfg_read(PCI_CAPABILITY_LIST, 1);
    g_assert_cmphex(cfg_read(cap, 1), ==, PCI_CAP_ID_MSI);
    v = cfg_read(cap + PCI_MSI_FLAGS, 2);
    g_assert_cmphex(v & PCI_MSI_FLAGS_64BIT, !=, 0);
    g_assert_cmphex(v & PCI_MSI_FLAGS_QMASK, ==, 0);   /* one vector */
    g_test_message("MSI capability at 0x%x: 64-bit, 1 vector", cap);
}

static void test_mtree_and_bar_move(void)
{
    g_autoptr(GString) s = g_string_new(NULL);

    g_assert_cmpstr(region_at(BAR), ==, "hitb-mmio");
    g_assert_cmpstr(region_at(BAR + HITB_MMIO_SIZE - 1), ==, "hitb-mmio");
    g_assert_cmpstr(region_at(BAR + HITB_MMIO_SIZE), !=, "hitb-mmio");
    mtree_info(s, false);
    g_assert_nonnull(strstr(s->str, "00000000fea00000-00000000feafffff"));
    g_assert_nonnull(strstr(s->str, "hitb-mmio"));
    g_test_message("info mtree shows hitb-mmio at fea00000-feafffff");

    /* A guest re-programming the BAR moves the region. */
    cfg_write(PCI_BASE_ADDRESS_0, 0xe0000000, 4);
    g_assert_cmpstr(region_at(0xe0000000), ==, "hitb-mmio");
    g_assert_cmpstr(region_at(BAR), !=, "hitb-mmio");
    g_assert_cmphex(mmio_read(0xe0000000, 4), ==, HITB_ID_VALUE);
    /* Decode off: gone. */
    cfg_write(PCI_COMMAND, 0, 2);
    g_assert_cmpstr(region_at(0xe0000000), !=, "hitb-mmio");
    cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    cfg_write(PCI_BASE_ADDRESS_0, 0xfea00000, 4);
    g_assert_cmpstr(region_at(BAR), ==, "hitb-mmio");
    g_test_message("BAR moved to 0xe0000000, unmapped with decode off, back");
}

static void test_access_split(void)
{
    long mark = trace_mark();
    g_autofree char *t = NULL;
    uint64_t v;

    /* An 8-byte store reaches the device as two 4-byte calls. */
    wr(HITB_REG_DMA_SRC, 0x100040000ULL, 8);
    t = trace_since(mark);
    g_test_message("8-byte store at 0x80:\n%s", t);
    g_assert_nonnull(strstr(t, "hitb_mmio_write addr=0x80 size=4 val=0x40000\n"
                               "hitb_mmio_write addr=0x84 size=4 val=0x1\n"));
    /* ...so the upper half went to 0x84, which ignores writes. */
    g_assert_cmphex(rd(HITB_REG_DMA_SRC), ==, 0x40000);
    g_assert_cmphex(rd(0x84), ==, 0xffffffff);

    /* An 8-byte load is two 4-byte reads: id | liveness << 32. */
    wr(HITB_REG_LIVENESS, 0x12345678, 4);
    v = mmio_read(BAR, 8);
    g_test_message("8-byte load at 0: 0x%016" PRIx64, v);
    g_assert_cmphex(v, ==, (uint64_t)0xedcba987 << 32 | HITB_ID_VALUE);

    /* Reads other than 4 bytes wide: all-ones. */
    g_assert_cmphex(mmio_read(BAR, 1), ==, 0xff);
    g_assert_cmphex(mmio_read(BAR, 2), ==, 0xffff);
    g_assert_cmphex(rd_direct(HITB_REG_ID, 8), ==, ~0ULL);
    g_assert_cmphex(rd_direct(HITB_REG_ID, 4), ==, HITB_ID_VALUE);
    g_test_message("1-, 2- and (direct) 8-byte reads: all-ones");

    /* Writes below 0x80 only 4 bytes wide. */
    wr(HITB_REG_LIVENESS, 0xaa, 1);
    wr(HITB_REG_LIVENESS, 0xaaaa, 2);
    wr_direct(HITB_REG_LIVENESS, 0xaaaa, 8);
    g_assert_cmphex(rd(HITB_REG_LIVENESS), ==, 0xedcba987);
    /* From 0x80 on, 4 or 8; 1 and 2 are ignored. */
    wr(HITB_REG_DMA_DST, 0x1234, 2);
    wr(HITB_REG_DMA_DST, 0x12, 1);
    g_assert_cmphex(rd(HITB_REG_DMA_DST), ==, 0);
    wr_direct(HITB_REG_DMA_DST, 0xabcdef0012345678ULL, 8);
    g_assert_cmphex(rd(HITB_REG_DMA_DST), ==, 0x12345678);
    wr_direct(HITB_REG_DMA_DST, 0, 8);
    g_test_message("narrow writes ignored; 8-byte direct write at 0x88 "
                   "keeps 64 bits (low half reads back)");

    /* Misaligned accesses never reach the device. */
    mark = trace_mark();
    g_assert_cmphex(mmio_read(BAR + 2, 4), ==, 0xffffffff);
    g_free(t);
    t = trace_since(mark);
    g_assert_null(strstr(t, "hitb_mmio_read"));
    g_test_message("misaligned 4-byte read refused by the core");
}

static void test_registers(void)
{
    g_assert_cmphex(rd(HITB_REG_ID), ==, 0x010000ed);
    wr(HITB_REG_ID, 0, 4);
    g_assert_cmphex(rd(HITB_REG_ID), ==, 0x010000ed);
    wr(HITB_REG_LIVENESS, 0, 4);
    g_assert_cmphex(rd(HITB_REG_LIVENESS), ==, 0xffffffff);
    wr(HITB_REG_LIVENESS, 0xdeadbeef, 4);
    g_assert_cmphex(rd(HITB_REG_LIVENESS), ==, 0x21524110);
    g_test_message("id 0x010000ed read-only; liveness reads ~written");

    /* Status: only 0x80 is writable. */
    wr(HITB_REG_STATUS, 0xffffffff, 4);
    g_assert_cmphex(rd(HITB_REG_STATUS), ==, HITB_STATUS_IRQFACT);
    wr(HITB_REG_STATUS, 0x01, 4);
    g_assert_cmphex(rd(HITB_REG_STATUS), ==, 0);
    g_test_message("status: bit 0x80 writable, busy bit read-only");

    /* Unknown offsets: all-ones, writes ignored. */
    static const hwaddr holes[] = { 0x0c, 0x10, 0x1c, 0x28, 0x5c, 0x68, 0x7c,
                                    0x84, 0x8c, 0x94, 0x9c, 0xa0, 0x1000,
                                    HITB_MMIO_SIZE - 4 };
    for (size_t i = 0; i < G_N_ELEMENTS(holes); i++) {
        wr(holes[i], 0x5a5a5a5a, 4);
        g_assert_cmphex(rd(holes[i]), ==, 0xffffffff);
    }
    g_assert_cmphex(rd(HITB_REG_IRQ_STATUS), ==, 0);
    g_assert_cmphex(rd(HITB_REG_LIVENESS), ==, 0x21524110);
    g_test_message("%zu unassigned offsets read all-ones, ignore writes",
                   G_N_ELEMENTS(holes));
}

static void test_irq_intx(void)
{
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 0);
    wr(HITB_REG_IRQ_RAISE, 0x30, 4);
    g_assert_cmphex(rd(HITB_REG_IRQ_STATUS), ==, 0x30);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 1);
    g_assert_cmphex(cfg_read(PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, !=, 0);
    wr(HITB_REG_IRQ_ACK, 0x10, 4);
    g_assert_cmphex(rd(HITB_REG_IRQ_STATUS), ==, 0x20);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 1);
    wr(HITB_REG_IRQ_ACK, 0x20, 4);
    g_assert_cmphex(rd(HITB_REG_IRQ_STATUS), ==, 0);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 0);
    g_test_message("raise 0x30 asserts GSI 11; ack 0x10 keeps it; ack 0x20 "
                   "deasserts");
    /* Raising nothing asserts nothing. */
    wr(HITB_REG_IRQ_RAISE, 0, 4);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 0);
    /* INTx disable masks the line but not irq_status. */
    cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE, 2);
    wr(HITB_REG_IRQ_RAISE, 1, 4);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 0);
    cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 1);
    wr(HITB_REG_IRQ_ACK, ~0u, 4);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 0);
    g_test_message("INTx disable masks the pin, re-enable shows it");
}

static void test_irq_msi(void)
{
    int cap = cfg_read(PCI_CAPABILITY_LIST, 1);
    unsigned before = hw_test_irqs.msi_count;

    cfg_write(cap + PCI_MSI_ADDRESS_LO, 0xfee00000, 4);
    cfg_write(cap + PCI_MSI_ADDRESS_HI, 0, 4);
    cfg_write(cap + PCI_MSI_DATA_64, 0x4041, 2);
    cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
    cfg_write(cap + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE, 2);

    wr(HITB_REG_IRQ_RAISE, 0x2, 4);
    g_assert_cmpuint(hw_test_irqs.msi_count, ==, before + 1);
    g_assert_cmphex(hw_test_irqs.msi_data, ==, 0x4041);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 0);
    wr(HITB_REG_IRQ_RAISE, 0x4, 4);
    g_assert_cmpuint(hw_test_irqs.msi_count, ==, before + 2);
    wr(HITB_REG_IRQ_ACK, 0x6, 4);
    g_assert_cmphex(rd(HITB_REG_IRQ_STATUS), ==, 0);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 0);
    g_test_message("MSI enabled: each raise sends data 0x4041, INTx idle");

    cfg_write(cap + PCI_MSI_FLAGS, 0, 2);
    cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
}

static uint32_t ref_factorial(uint32_t n)
{
    uint32_t r = 1;

    while (n > 0) {
        r *= n--;
    }
    return r;
}

static void test_factorial(void)
{
    static const uint32_t ns[] = { 0, 1, 5, 10, 12, 13, 20, 33, 34, 35,
                                   1000, 0xffffffff };

    wr(HITB_REG_STATUS, 0, 4);
    for (size_t i = 0; i < G_N_ELEMENTS(ns); i++) {
        /* The reference loop takes seconds for 0xffffffff: past 33 the
         * product is known to be 0. */
        uint32_t want = ns[i] <= 40 ? ref_factorial(ns[i]) : 0;

        wr(HITB_REG_FACT, ns[i], 4);
        wait_not_computing();
        g_assert_cmphex(rd(HITB_REG_FACT), ==, want);
        g_test_message("%u! mod 2^32 = 0x%x", ns[i], want);
    }
    g_assert_cmphex(rd(HITB_REG_FACT), ==, 0);
    g_assert_cmphex(rd(HITB_REG_IRQ_STATUS), ==, 0);

    /* Busy: hold the BQL so the worker cannot publish, then write again. */
    bql_lock();
    {
        MemoryRegion *mr = hitb_mmio_region(hitb);

        mr->ops->write(mr->opaque, HITB_REG_FACT, 10, 4);
        g_assert_cmphex(mr->ops->read(mr->opaque, HITB_REG_STATUS, 4), ==,
                        HITB_STATUS_COMPUTING);
        mr->ops->write(mr->opaque, HITB_REG_FACT, 5, 4);
        mr->ops->write(mr->opaque, HITB_REG_STATUS, 0, 4);
        g_assert_cmphex(mr->ops->read(mr->opaque, HITB_REG_STATUS, 4), ==,
                        HITB_STATUS_COMPUTING);
    }
    bql_unlock();
    wait_not_computing();
    g_assert_cmphex(rd(HITB_REG_FACT), ==, 3628800);
    g_test_message("a write while computing is ignored (10! = 3628800 wins)");

    /* With 0x80 set, completion raises irq bit 0x1. */
    wr(HITB_REG_STATUS, HITB_STATUS_IRQFACT, 4);
    wr(HITB_REG_FACT, 10, 4);
    wait_not_computing();
    g_assert_cmphex(rd(HITB_REG_FACT), ==, 3628800);
    g_assert_cmphex(rd(HITB_REG_IRQ_STATUS), ==, HITB_IRQ_FACT);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 1);
    g_assert_cmphex(rd(HITB_REG_STATUS), ==, HITB_STATUS_IRQFACT);
    wr(HITB_REG_IRQ_ACK, HITB_IRQ_FACT, 4);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 0);
    wr(HITB_REG_STATUS, 0, 4);
    g_test_message("status 0x80: done raises irq 0x1 on INTx; ack lowers it");
}

static void test_dma_roundtrip(void)
{
    const uint8_t *buf = hitb_dma_buffer(hitb);
    uint8_t pattern[256];

    ram_fill(RAM_A, 0x11, sizeof(pattern));
    memcpy(pattern, ram_ptr(RAM_A), sizeof(pattern));
    memset(ram_ptr(RAM_B), 0, sizeof(pattern));

    /* RAM -> buffer at offset 0x100, through 4-byte guest writes. */
    wr(HITB_REG_DMA_SRC, RAM_A, 4);
    wr(HITB_REG_DMA_DST, HITB_DMA_BASE + 0x100, 4);
    wr(HITB_REG_DMA_CNT, sizeof(pattern), 4);
    wr(HITB_REG_DMA_CMD, HITB_DMA_RUN, 4);
    g_assert_cmphex(rd(HITB_REG_DMA_CMD), ==, HITB_DMA_RUN);
    /* Pending: src/dst/cnt/cmd writes are ignored. */
    wr(HITB_REG_DMA_SRC, 0x41000, 4);
    wr(HITB_REG_DMA_DST, 0x41000, 4);
    wr(HITB_REG_DMA_CNT, 0x2000, 4);
    wr(HITB_REG_DMA_CMD, HITB_DMA_RUN | HITB_DMA_TO_RAM, 4);
    g_assert_cmphex(rd(HITB_REG_DMA_SRC), ==, RAM_A);
    g_assert_cmphex(rd(HITB_REG_DMA_DST), ==, HITB_DMA_BASE + 0x100);
    g_assert_cmphex(rd(HITB_REG_DMA_CNT), ==, sizeof(pattern));
    g_assert_cmphex(rd(HITB_REG_DMA_CMD), ==, HITB_DMA_RUN);
    g_test_message("pending transfer: register writes ignored");
    g_assert_true(dma_fire());
    g_assert_false(dma_fire());
    g_assert_cmphex(rd(HITB_REG_DMA_CMD), ==, 0);
    g_assert_cmpmem(buf + 0x100, sizeof(pattern), pattern, sizeof(pattern));
    g_assert_cmphex(rd(HITB_REG_IRQ_STATUS), ==, 0);
    g_test_message("RAM 0x%llx -> buffer +0x100, %zu bytes, no irq",
                   RAM_A, sizeof(pattern));

    /* A command write without bit 0 does nothing. */
    wr(HITB_REG_DMA_CMD, HITB_DMA_TO_RAM, 4);
    g_assert_cmphex(rd(HITB_REG_DMA_CMD), ==, 0);
    g_assert_false(dma_fire());

    /* Buffer -> RAM. */
    dma_program(HITB_DMA_BASE + 0x100, RAM_B, sizeof(pattern),
                HITB_DMA_RUN | HITB_DMA_TO_RAM);
    g_assert_true(dma_fire());
    g_assert_cmpmem(ram_ptr(RAM_B), sizeof(pattern), pattern,
                    sizeof(pattern));
    g_test_message("buffer +0x100 -> RAM 0x%llx: round trip equal", RAM_B);

    /* RAM -> buffer with encode: XOR 0x66 in the buffer, irq 0x100. */
    dma_program(RAM_A, HITB_DMA_BASE, sizeof(pattern),
                HITB_DMA_RUN | HITB_DMA_ENCODE);
    g_assert_true(dma_fire());
    for (size_t i = 0; i < sizeof(pattern); i++) {
        g_assert_cmphex(buf[i], ==, pattern[i] ^ 0x66);
    }
    g_assert_cmphex(rd(HITB_REG_IRQ_STATUS), ==, HITB_IRQ_DMA);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 1);
    wr(HITB_REG_IRQ_ACK, HITB_IRQ_DMA, 4);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 0);
    g_test_message("RAM -> buffer encoded: buffer = data ^ 0x66, irq 0x100");

    /* Buffer -> RAM with encode decodes it again (in place, then copy). */
    memset(ram_ptr(RAM_B), 0, sizeof(pattern));
    dma_program(HITB_DMA_BASE, RAM_B, sizeof(pattern),
                HITB_DMA_RUN | HITB_DMA_TO_RAM | HITB_DMA_ENCODE);
    g_assert_true(dma_fire());
    g_assert_cmpmem(ram_ptr(RAM_B), sizeof(pattern), pattern,
                    sizeof(pattern));
    g_assert_cmpmem(buf, sizeof(pattern), pattern, sizeof(pattern));
    g_assert_cmphex(rd(HITB_REG_IRQ_STATUS), ==, HITB_IRQ_DMA);
    wr(HITB_REG_IRQ_ACK, HITB_IRQ_DMA, 4);
    g_test_message("buffer -> RAM encoded: RAM = original data again");

    /* Edges: the whole buffer, and the last byte. */
    ram_fill(RAM_A, 0x33, HITB_DMA_SIZE);
    dma_program(RAM_A, HITB_DMA_BASE, HITB_DMA_SIZE, HITB_DMA_RUN);
    g_assert_true(dma_fire());
    g_assert_cmpmem(buf, HITB_DMA_SIZE, ram_ptr(RAM_A), HITB_DMA_SIZE);
    dma_program(HITB_DMA_BASE + HITB_DMA_SIZE - 1, RAM_B, 1,
                HITB_DMA_RUN | HITB_DMA_TO_RAM);
    g_assert_true(dma_fire());
    g_assert_cmphex(*ram_ptr(RAM_B), ==, buf[HITB_DMA_SIZE - 1]);
    g_test_message("4096 bytes at 0x40000 and 1 byte at 0x40fff accepted");
}

static bool dma_cmd_clear(void)
{
    return !(mmio_read(BAR + HITB_REG_DMA_CMD, 4) & HITB_DMA_RUN);
}

static void test_dma_timer(void)
{
    int64_t start, deadline = clock_host_ns() + 2000 * MS;

    ram_fill(RAM_A, 0x77, 16);
    vm_clock_set_running(true);
    dma_program(RAM_A, HITB_DMA_BASE, 16, HITB_DMA_RUN);
    start = clock_virtual_ns();
    bql_lock();
    while (!dma_cmd_clear() && clock_host_ns() < deadline) {
        main_loop_iterate(20 * MS);
        if (clock_virtual_ns() - start < HITB_DMA_DELAY_NS - MS) {
            g_assert_false(dma_cmd_clear());
        }
    }
    bql_unlock();
    g_assert_true(dma_cmd_clear());
    g_assert_cmpint(clock_virtual_ns() - start, >=, HITB_DMA_DELAY_NS);
    g_assert_cmpmem(hitb_dma_buffer(hitb), 16, ram_ptr(RAM_A), 16);
    g_test_message("the timer ran the transfer after %" PRId64 " ms of "
                   "virtual time", (int64_t)((clock_virtual_ns() - start) / MS));
    vm_clock_set_running(false);
}

typedef struct RejectCase {
    const char *what;
    uint64_t src, dst, cnt, cmd;
} RejectCase;

static const RejectCase reject_cases[] = {
    { "source 0x41000 count 8 toward RAM (reads past the buffer)",
      0x41000, RAM_B, 8, HITB_DMA_RUN | HITB_DMA_TO_RAM },
    { "destination 0x41000 count 8 from RAM (writes past the buffer)",
      RAM_A, 0x41000, 8, HITB_DMA_RUN },
    { "source 0x40ff8 count 16 (straddles the end)",
      0x40ff8, RAM_B, 16, HITB_DMA_RUN | HITB_DMA_TO_RAM },
    { "destination 0x40ff8 count 16 from RAM",
      RAM_A, 0x40ff8, 16, HITB_DMA_RUN },
    { "source 0x40000 count 0x1001",
      0x40000, RAM_B, 0x1001, HITB_DMA_RUN | HITB_DMA_TO_RAM },
    { "source 0x3ffff (below the window)",
      0x3ffff, RAM_B, 8, HITB_DMA_RUN | HITB_DMA_TO_RAM },
    { "destination 0x3fff8 count 16 (below, ends inside)",
      RAM_A, 0x3fff8, 16, HITB_DMA_RUN },
    { "source 0x1_0004_0000 (index 0 if truncated to 32 bits)",
      0x100040000ULL, RAM_B, 8, HITB_DMA_RUN | HITB_DMA_TO_RAM },
    { "destination 0x1_0004_0000 from RAM",
      RAM_A, 0x100040000ULL, 8, HITB_DMA_RUN },
    { "count 2^64 - 8 (wraps a 64-bit end)",
      0x40008, RAM_B, ~0ULL - 7, HITB_DMA_RUN | HITB_DMA_TO_RAM },
    { "count 2^64 - 1 from RAM",
      RAM_A, 0x40001, ~0ULL, HITB_DMA_RUN },
    { "count 0xfffff000 (a 32-bit count)",
      0x40000, RAM_B, 0xfffff000ULL, HITB_DMA_RUN | HITB_DMA_TO_RAM },
    { "source 2^64 - 8",
      ~0ULL - 7, RAM_B, 8, HITB_DMA_RUN | HITB_DMA_TO_RAM },
    { "source 0x41000 count 8 with encode",
      0x41000, RAM_B, 8, HITB_DMA_RUN | HITB_DMA_TO_RAM | HITB_DMA_ENCODE },
    { "guest range wrapping past 2^64",
      0x40000, ~0ULL - 3, 8, HITB_DMA_RUN | HITB_DMA_TO_RAM },
};

static void test_dma_rejects(void)
{
    const uint8_t *buf = hitb_dma_buffer(hitb);
    g_autofree uint8_t *buf_before = g_malloc(HITB_DMA_SIZE);
    g_autofree uint8_t *ram_before = g_malloc(2 * HITB_DMA_SIZE);

    ram_fill(RAM_A, 0x5c, HITB_DMA_SIZE);
    dma_program(RAM_A, HITB_DMA_BASE, HITB_DMA_SIZE, HITB_DMA_RUN);
    g_assert_true(dma_fire());

    for (size_t i = 0; i < G_N_ELEMENTS(reject_cases); i++) {
        const RejectCase *c = &reject_cases[i];
        unsigned rejected = hitb_dma_rejected(hitb);
        long mark = trace_mark();
        g_autofree char *t = NULL;

        memcpy(buf_before, buf, HITB_DMA_SIZE);
        memcpy(ram_before, ram_ptr(RAM_A), 2 * HITB_DMA_SIZE);
        dma_program(c->src, c->dst, c->cnt, c->cmd);
        g_assert_true(dma_fire());
        g_assert_cmphex(rd(HITB_REG_DMA_CMD) & HITB_DMA_RUN, ==, 0);
        g_assert_cmpuint(hitb_dma_rejected(hitb), ==, rejected + 1);
        g_assert_cmpmem(buf, HITB_DMA_SIZE, buf_before, HITB_DMA_SIZE);
        g_assert_cmpmem(ram_ptr(RAM_A), 2 * HITB_DMA_SIZE, ram_before,
                        2 * HITB_DMA_SIZE);
        g_assert_cmphex(rd(HITB_REG_IRQ_STATUS), ==, 0);
        t = trace_since(mark);
        g_assert_nonnull(strstr(t, "hitb_guest_error DMA refused"));
        g_assert_null(strstr(t, "hitb_dma_start"));
        g_test_message("refused: %s", c->what);
    }
    g_test_message("%zu transfers refused: buffer and RAM unchanged, bit 0 "
                   "cleared, no irq, one guest-error line each",
                   G_N_ELEMENTS(reject_cases));

    /* A guest-sized attempt: the 8-byte store cannot carry bit 32. */
    wr(HITB_REG_DMA_SRC, 0x100040000ULL, 8);
    g_assert_cmphex(rd(HITB_REG_DMA_SRC), ==, 0x40000);
    g_test_message("guest 8-byte store of 0x1_0004_0000 reaches src as "
                   "0x40000: the split drops the upper half");
}

static void test_reset(void)
{
    wr(HITB_REG_LIVENESS, 1, 4);
    wr(HITB_REG_STATUS, HITB_STATUS_IRQFACT, 4);
    wr(HITB_REG_IRQ_RAISE, 0x8, 4);
    dma_program(RAM_A, HITB_DMA_BASE, 8, HITB_DMA_RUN);
    cfg_write(PCI_BASE_ADDRESS_0, 0xe0000000, 4);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 1);

    bql_lock();
    machine_reset(m);
    bql_unlock();
    g_assert_false(dma_fire());
    g_assert_cmpstr(region_at(BAR), ==, "hitb-mmio");
    g_assert_cmpstr(region_at(0xe0000000), !=, "hitb-mmio");
    g_assert_cmphex(rd(HITB_REG_LIVENESS), ==, 0);
    g_assert_cmphex(rd(HITB_REG_STATUS), ==, 0);
    g_assert_cmphex(rd(HITB_REG_IRQ_STATUS), ==, 0);
    g_assert_cmphex(rd(HITB_REG_DMA_CMD), ==, 0);
    g_assert_cmphex(rd(HITB_REG_DMA_SRC), ==, 0);
    g_assert_cmpint(hw_test_irqs.gsi_level[11], ==, 0);
    for (size_t i = 0; i < HITB_DMA_SIZE; i++) {
        g_assert_cmphex(hitb_dma_buffer(hitb)[i], ==, 0);
    }
    g_test_message("reset: registers, buffer, pending DMA, INTx cleared; "
                   "BAR0 back at 0xfea00000");
}

static void test_create_options(void)
{
    static const char *const bad[] = {
        "hitb",                 /* 04.0 is taken by the first one */
        "hitb,addr=04.0",
        "hitb,addr=05.0,bogus=1",
        "hitb,addr=zz",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        Opts *o = opts_parse(bad[i], true, &err);

        g_assert_nonnull(o);
        bql_lock();
        g_assert_cmpint(machine_create_device(m, o, &err), <, 0);
        bql_unlock();
        g_assert_nonnull(err);
        g_test_message("-device %s: %s", bad[i], err->message);
        opts_free(o);
    }
}

/* A second hitb must not be preset over the first one's BAR0. */
static void test_second_device(void)
{
    g_autoptr(GError) err = NULL;
    PCIDevice *first, *second;

    bql_lock();
    g_assert_cmpint(hw_test_create(m, "hitb,addr=06.0", &err), ==, 0);
    bql_unlock();
    first = pci_find_device(m->pci_bus, PCI_DEVFN(4, 0));
    second = pci_find_device(m->pci_bus, PCI_DEVFN(6, 0));
    g_assert_nonnull(first);
    g_assert_nonnull(second);
    g_assert_cmphex(first->bars[0].addr, ==, 0xfea00000);
    g_assert_cmphex(second->bars[0].addr, ==, PCI_BAR_UNMAPPED);
    g_test_message("second hitb at 06.0: BAR0 left unassigned, the first "
                   "keeps 0xfea00000");
}

int main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    static MachineConfig cfg = { .ram_size = 1 * MiB, .smp = 1 };
    int fd, ret;

    g_test_init(&argc, &argv, NULL);
    fd = g_file_open_tmp("test-hitb-XXXXXX.trace", &trace_path, &err);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    if (trace_set_output(trace_path, &err) < 0) {
        g_error("%s", err->message);
    }
    trace_enable_pattern("hitb_*");

    m = hw_test_machine_new(&cfg, &hw_test_accel, hw_test_gsi_record);
    hw_test_add_ram(&ram, "ram", 1 * MiB);
    hw_test_create_or_die(m, "i440FX-pcihost");
    /* -device hitb, as the command line creates it: at 04.0 by default. */
    hw_test_create_or_die(m, "hitb");
    /* PCIDevice is the state's first member (hw/pci/pci.h's rule). */
    hitb = (HitbState *)pci_find_device(m->pci_bus, HITB_DEFAULT_DEVFN);
    g_assert_nonnull(hitb);
    g_assert_true(hitb_pci(hitb) == pci_find_device(m->pci_bus,
                                                     HITB_DEFAULT_DEVFN));
    bql_unlock();

    g_test_add_func("/hitb/pci-config", test_pci_config);
    g_test_add_func("/hitb/mtree-bar-move", test_mtree_and_bar_move);
    g_test_add_func("/hitb/access-split", test_access_split);
    g_test_add_func("/hitb/registers", test_registers);
    g_test_add_func("/hitb/irq-intx", test_irq_intx);
    g_test_add_func("/hitb/irq-msi", test_irq_msi);
    g_test_add_func("/hitb/factorial", test_factorial);
    g_test_add_func("/hitb/dma-roundtrip", test_dma_roundtrip);
    g_test_add_func("/hitb/dma-timer", test_dma_timer);
    g_test_add_func("/hitb/dma-rejects", test_dma_rejects);
    g_test_add_func("/hitb/reset", test_reset);
    g_test_add_func("/hitb/create-options", test_create_options);
    g_test_add_func("/hitb/second-device", test_second_device);
    ret = g_test_run();
    unlink(trace_path);
    g_free(trace_path);
    return ret;
}
