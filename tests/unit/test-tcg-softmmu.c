/*
 * test-tcg-softmmu.c: the TLB miss path (tcg/softmmu.c) and the code-page
 * bookkeeping behind self-modifying code (tcg/tb-maint.c), without
 * generated code: the helpers are called directly, guest exceptions are
 * caught at the vCPU's own longjmp point, and translation blocks are
 * fakes placed in the real code buffer.
 *
 * Guest memory: RAM 0-4 MiB, ROM 0x800000 (4 KiB), a device at 0x900000.
 * Paging: 32-bit, page directory at 0x10000, one page table at 0x11000
 * covering 0x400000-0x7fffff.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include "tcg/exec-internal.h"
#include "tcg/exec.h"
#include "tcg/tcg.h"
#include "tcg/code-buffer.h"
#include "tcg/i386/translate.h"
#include "hw/x86-mmu.h"
#include "hw/machine.h"
#include "memory/memory.h"
#include "main/main-loop.h"
#include "guest-ram.h"

#define RAM_SIZE (4 * MiB)
#define ROM_BASE 0x800000
#define DEV_BASE 0x900000
#define PD 0x10000
#define PT 0x11000

static MemoryRegion ram, rom, dev;
static X86CPU *cpu;
static Machine machine;

static struct {
    hwaddr addr;
    unsigned size;
    uint64_t val;
    bool write;
    unsigned n;
} devlog;

static uint64_t dev_read(void *opaque, hwaddr addr, unsigned size)
{
    (void)opaque;
    devlog.addr = addr;
    devlog.size = size;
    devlog.write = false;
    devlog.n++;
    return 0x1122334455667788ULL & (size == 8 ? ~0ULL
                                              : (1ULL << (8 * size)) - 1);
}

static void dev_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    (void)opaque;
    devlog = (typeof(devlog)) { addr, size, val, true, devlog.n + 1 };
}

static const MemoryRegionOps dev_ops = {
    .read = dev_read, .write = dev_write,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

static void setup_memory(void)
{
    GError *err = NULL;

    memory_init();
    guest_ram_add(&ram, "ram", RAM_SIZE);
    g_assert_cmpint(memory_region_init_rom(&rom, "rom", 4096, &err), ==, 0);
    memory_region_init_io(&dev, &dev_ops, NULL, "dev", 4096);
    memory_region_add_subregion(get_system_memory(), ROM_BASE, &rom);
    memory_region_add_subregion(get_system_memory(), DEV_BASE, &dev);
    memset(memory_region_get_ram_ptr(&rom), 0xa5, 4096);
    g_assert_cmpint(tcg_code_buffer_init(4 * MiB, &err), ==, 0);
}

/* 32-bit paging on; @vpage -> @ppage with PTE flags @f (0: unmapped). */
static void map_page(uint64_t vpage, uint64_t ppage, uint32_t f)
{
    put32(PD + (vpage >> 22) * 4, PT | X86_PTE_P | X86_PTE_W | X86_PTE_U);
    put32(PT + ((vpage >> 12) & 1023) * 4, f ? (uint32_t)ppage | f : 0);
}

static void reset_cpu(bool paging)
{
    TCGCPUState *t = tcg_cpu(cpu);

    memset(&t->mmu_stats, 0, sizeof(t->mmu_stats));
    cpu->cr0 = CR0_PE | CR0_ET | (paging ? CR0_PG | CR0_WP : 0);
    cpu->cr3 = PD;
    cpu->cr4 = 0;
    cpu->efer = 0;
    cpu->exception_index = -1;
    tlb_flush(cpu);
}

/* Run @body; returns the vector it raised, or -1. */
#define CATCH(body)                                                     \
    ({                                                                  \
        TCGCPUState *t_ = tcg_cpu(cpu);                                 \
        volatile int v_ = -1;                                                \
        t_->in_exec = true;                                             \
        if (sigsetjmp(t_->jmp_env, 0) == 0) {                           \
            body;                                                       \
        } else {                                                        \
            v_ = cpu->exception_index;                                  \
            cpu->exception_index = -1;                                  \
        }                                                               \
        t_->in_exec = false;                                            \
        v_;                                                             \
    })

#define MEMOP(op, idx) ((op) | ((idx) << 8))

static void test_ram_fill_and_hit(void)
{
    TLBEntry *e;
    uint64_t v;

    reset_cpu(false);
    helper_st_mmu(cpu, 0x1234, 0xdeadbeef, MEMOP(MO_32, 0), 0);
    g_assert_cmphex(get32(0x1234), ==, 0xdeadbeef);
    e = &cpu->tlb_table[0][1];
    g_test_message("entry: read=0x%" PRIx64 " write=0x%" PRIx64
                   " code=0x%" PRIx64, e->addr_read, e->addr_write,
                   e->addr_code);
    /* The exact tags the inline hit path compares against. */
    g_assert_cmphex(e->addr_write, ==, 0x1000);
    g_assert_cmphex(e->addr_read, ==, 0x1000);
    g_assert_cmphex(e->addr_code, ==, 0x1000);
    g_assert_true((uint8_t *)(uintptr_t)(0x1234 + e->addend) ==
                  guest_ram + 0x1234);
    v = helper_ld_mmu(cpu, 0x1234, MEMOP(MO_16 | MO_SIGN, 0), 0);
    g_assert_cmphex(v, ==, 0xffffffffffffbeefULL);
    v = helper_ld_mmu(cpu, 0x1236, MEMOP(MO_8, 0), 0);
    g_assert_cmphex(v, ==, 0xad);
    g_assert_cmpuint(tcg_cpu(cpu)->mmu_stats.tlb_misses, ==, 1);
}

static void test_dirty_bit_and_write_miss(void)
{
    uint64_t va = 0x400000;
    TLBEntry *e = &cpu->tlb_table[1][(va >> 12) & (TLB_SIZE - 1)];

    reset_cpu(true);
    map_page(va, 0x20000, X86_PTE_P | X86_PTE_W | X86_PTE_U);
    put32(0x20010, 77);
    g_assert_cmpuint(helper_ld_mmu(cpu, va + 0x10, MEMOP(MO_32, 1), 0), ==,
                     77);
    g_test_message("after read: PTE=0x%x write tag=0x%" PRIx64,
                   get32(PT + 4 * 0), e->addr_write);
    g_assert_true(get32(PT) & X86_PTE_A);
    g_assert_false(get32(PT) & X86_PTE_D);
    /* Write permission is not entered by a read: the write walks again
     * and sets D. */
    g_assert_true(e->addr_write & TLB_INVALID);
    helper_st_mmu(cpu, va + 0x10, 78, MEMOP(MO_32, 1), 0);
    g_assert_true(get32(PT) & X86_PTE_D);
    g_assert_cmphex(e->addr_write, ==, va);
    g_assert_cmpuint(get32(0x20010), ==, 78);
    g_assert_cmpuint(tcg_cpu(cpu)->mmu_stats.tlb_misses, ==, 2);
}

static void test_page_fault(void)
{
    int v;

    reset_cpu(true);
    map_page(0x401000, 0x21000, X86_PTE_P | X86_PTE_U);   /* read-only */
    map_page(0x402000, 0, 0);
    v = CATCH(helper_ld_mmu(cpu, 0x402008, MEMOP(MO_32, 1), 0));
    g_test_message("load from unmapped: vector %d err 0x%x cr2 0x%" PRIx64,
                   v, cpu->exception_error_code, cpu->cr2);
    g_assert_cmpint(v, ==, EXCP_PF);
    g_assert_cmphex(cpu->cr2, ==, 0x402008);
    g_assert_cmphex(cpu->exception_error_code, ==, PF_ERR_U);
    v = CATCH(helper_st_mmu(cpu, 0x401004, 1, MEMOP(MO_8, 1), 0));
    g_test_message("store to read-only: vector %d err 0x%x", v,
                   cpu->exception_error_code);
    g_assert_cmpint(v, ==, EXCP_PF);
    g_assert_cmphex(cpu->exception_error_code, ==,
                    PF_ERR_P | PF_ERR_W | PF_ERR_U);
    g_assert_cmphex(cpu->cr2, ==, 0x401004);
}

static void test_victim_tlb(void)
{
    uint64_t a = 0x410000, b = a + TLB_SIZE * TARGET_PAGE_SIZE;
    TCGCPUState *t = tcg_cpu(cpu);

    reset_cpu(true);
    /* both in the page table of 0x400000-0x7fffff */
    map_page(a, 0x30000, X86_PTE_P | X86_PTE_W);
    map_page(b, 0x31000, X86_PTE_P | X86_PTE_W);
    put32(0x30000, 1);
    put32(0x31000, 2);
    g_assert_cmpuint(helper_ld_mmu(cpu, a, MEMOP(MO_32, 0), 0), ==, 1);
    g_assert_cmpuint(helper_ld_mmu(cpu, b, MEMOP(MO_32, 0), 0), ==, 2);
    g_assert_cmpuint(helper_ld_mmu(cpu, a, MEMOP(MO_32, 0), 0), ==, 1);
    g_assert_cmpuint(helper_ld_mmu(cpu, b, MEMOP(MO_32, 0), 0), ==, 2);
    g_test_message("colliding pages: %" PRIu64 " walks, %" PRIu64
                   " victim hits", t->mmu_stats.tlb_misses,
                   t->mmu_stats.victim_hits);
    g_assert_cmpuint(t->mmu_stats.tlb_misses, ==, 2);
    g_assert_cmpuint(t->mmu_stats.victim_hits, ==, 2);

    /* INVLPG reaches the victim copy too. */
    tlb_flush_page(cpu, a);
    put32(PT + ((a >> 12) & 1023) * 4, 0x32000 | X86_PTE_P | X86_PTE_W);
    put32(0x32000, 3);
    g_assert_cmpuint(helper_ld_mmu(cpu, a, MEMOP(MO_32, 0), 0), ==, 3);
    g_assert_cmpuint(helper_ld_mmu(cpu, b, MEMOP(MO_32, 0), 0), ==, 2);
    /* A full flush forgets b's translation: the new mapping is seen. */
    map_page(b, 0x30000, X86_PTE_P | X86_PTE_W);
    g_assert_cmpuint(helper_ld_mmu(cpu, b, MEMOP(MO_32, 0), 0), ==, 2);
    tlb_flush(cpu);
    g_assert_cmpuint(helper_ld_mmu(cpu, b, MEMOP(MO_32, 0), 0), ==, 1);
}

static void test_large_page_invlpg(void)
{
    uint64_t va = 0x600000;
    int vec;

    reset_cpu(true);
    cpu->cr4 = CR4_PSE;
    /* one 4 MiB page: 0x400000 -> physical 0 */
    put32(PD + (va >> 22) * 4, X86_PTE_P | X86_PTE_W | X86_PTE_PS);
    put32(0x200000, 5);
    g_assert_cmpuint(helper_ld_mmu(cpu, va, MEMOP(MO_32, 0), 0), ==, 5);
    /* Unmap it and INVLPG another 4 KiB piece of the same large page:
     * the entry for va must go too. */
    put32(PD + (va >> 22) * 4, 0);
    tlb_flush_page(cpu, 0x500000);
    vec = CATCH(helper_ld_mmu(cpu, va, MEMOP(MO_32, 0), 0));
    g_test_message("after invlpg elsewhere in the large page: vector %d",
                   vec);
    g_assert_cmpint(vec, ==, EXCP_PF);
}

static void test_global_pages(void)
{
    TCGCPUState *t = tcg_cpu(cpu);
    uint64_t g = 0x420000, ng = 0x421000;
    uint64_t walks;

    reset_cpu(true);
    cpu->cr4 = CR4_PGE;
    map_page(g, 0x60000, X86_PTE_P | X86_PTE_W | X86_PTE_G);
    map_page(ng, 0x61000, X86_PTE_P | X86_PTE_W);
    helper_ld_mmu(cpu, g, MEMOP(MO_8, 0), 0);
    helper_ld_mmu(cpu, ng, MEMOP(MO_8, 0), 0);
    walks = t->mmu_stats.tlb_misses;
    tlb_flush_nonglobal(cpu);           /* a CR3 write */
    helper_ld_mmu(cpu, g, MEMOP(MO_8, 0), 0);
    g_test_message("global page after CR3 write: %" PRIu64 " new walks",
                   t->mmu_stats.tlb_misses - walks);
    g_assert_cmpuint(t->mmu_stats.tlb_misses, ==, walks);
    helper_ld_mmu(cpu, ng, MEMOP(MO_8, 0), 0);
    g_assert_cmpuint(t->mmu_stats.tlb_misses, ==, walks + 1);
    /* a full flush (CR4.PGE toggled) drops it */
    tlb_flush(cpu);
    helper_ld_mmu(cpu, g, MEMOP(MO_8, 0), 0);
    g_assert_cmpuint(t->mmu_stats.tlb_misses, ==, walks + 2);
}

static void test_mmio_and_rom(void)
{
    uint64_t v;
    TLBEntry *e;

    reset_cpu(false);
    devlog.n = 0;
    v = helper_ld_mmu(cpu, DEV_BASE + 0x10, MEMOP(MO_16, 0), 0);
    e = &cpu->tlb_table[0][(DEV_BASE >> 12) & (TLB_SIZE - 1)];
    g_test_message("MMIO read: 0x%" PRIx64 " at dev+0x%" PRIx64 " size %u, "
                   "tag 0x%" PRIx64, v, devlog.addr, devlog.size,
                   e->addr_read);
    g_assert_cmphex(v, ==, 0x7788);
    g_assert_cmphex(devlog.addr, ==, 0x10);
    g_assert_cmpuint(devlog.size, ==, 2);
    g_assert_true(e->addr_read & TLB_MMIO);
    helper_st_mmu(cpu, DEV_BASE + 0x20, 0xabcd, MEMOP(MO_64, 0), 0);
    g_assert_true(devlog.write);
    g_assert_cmphex(devlog.addr, ==, 0x20);
    g_assert_cmphex(devlog.val, ==, 0xabcd);
    g_assert_cmpuint(devlog.size, ==, 8);
    g_assert_null(tlb_host_addr_rw(cpu, DEV_BASE, 4, 0, 0));

    /* ROM: reads hit RAM speed, writes are refused by the memory core. */
    v = helper_ld_mmu(cpu, ROM_BASE + 8, MEMOP(MO_32, 0), 0);
    g_assert_cmphex(v, ==, 0xa5a5a5a5);
    e = &cpu->tlb_table[0][(ROM_BASE >> 12) & (TLB_SIZE - 1)];
    g_assert_false(e->addr_read & TLB_MMIO);
    helper_st_mmu(cpu, ROM_BASE + 8, 0, MEMOP(MO_32, 0), 0);
    g_assert_true(e->addr_write & TLB_MMIO);
    v = helper_ld_mmu(cpu, ROM_BASE + 8, MEMOP(MO_32, 0), 0);
    g_test_message("ROM after a write: 0x%" PRIx64, v);
    g_assert_cmphex(v, ==, 0xa5a5a5a5);
}

static void test_page_crossing(void)
{
    int vec;

    reset_cpu(true);
    map_page(0x440000, 0x40000, X86_PTE_P | X86_PTE_W);
    map_page(0x441000, 0x50000, X86_PTE_P | X86_PTE_W);
    helper_st_mmu(cpu, 0x440ffd, 0x0807060504030201ULL, MEMOP(MO_64, 0), 0);
    g_assert_cmphex(guest_ram[0x40ffd], ==, 0x01);
    g_assert_cmphex(guest_ram[0x40fff], ==, 0x03);
    g_assert_cmphex(guest_ram[0x50000], ==, 0x04);
    g_assert_cmphex(guest_ram[0x50004], ==, 0x08);
    g_assert_cmphex(helper_ld_mmu(cpu, 0x440ffe, MEMOP(MO_32, 0), 0), ==,
                    0x05040302);

    /* The second page faults: nothing of the store may land. */
    map_page(0x441000, 0, 0);
    tlb_flush(cpu);
    memset(guest_ram + 0x40ff8, 0, 8);
    vec = CATCH(helper_st_mmu(cpu, 0x440ffe, 0xffffffff, MEMOP(MO_32, 0),
                              0));
    g_test_message("crossing store into an unmapped page: vector %d, "
                   "cr2 0x%" PRIx64, vec, cpu->cr2);
    g_assert_cmpint(vec, ==, EXCP_PF);
    g_assert_cmphex(cpu->cr2, ==, 0x441000);
    g_assert_cmphex(guest_ram[0x40ffe], ==, 0);
    g_assert_cmphex(guest_ram[0x40fff], ==, 0);
}

/* A fake block on physical @pc (paging off) of @size bytes, @icount
 * instructions of 4 bytes each, in the real code buffer. */
static TranslationBlock *fake_tb(uint64_t pc, uint32_t size, int icount)
{
    TranslationBlock *tb = g_new0(TranslationBlock, 1);
    uint8_t *rx, *rw;

    tb->pc = pc;
    tb->flags = X86_TBF_CODE32 | X86_TBF_PE;
    tb->phys_pc[0] = pc & TARGET_PAGE_MASK;
    tb->phys_pc[1] = ((pc + size - 1) & TARGET_PAGE_MASK) != tb->phys_pc[0]
                     ? (pc + size - 1) & TARGET_PAGE_MASK : (uint64_t)-1;
    tb->size = size;
    tb->icount = icount;
    /* Like real blocks, the insn tables follow the code in the buffer
     * (and go away with it). */
    rx = tcg_code_buffer_alloc(64 + icount * 16, 16);
    rw = tcg_code_buffer_rw(rx);
    tb->tc_ptr = rx;
    tb->tc_size = 64;
    tb->insn_pc = (uint64_t *)(rx + 64);
    tb->insn_cc_op = (uint32_t *)(rx + 64 + icount * 8);
    tb->insn_host_end = (uint32_t *)(rx + 64 + icount * 12);
    for (int i = 0; i < icount; i++) {
        ((uint64_t *)(rw + 64))[i] = pc + 4 * i;
        ((uint32_t *)(rw + 64 + icount * 8))[i] = CC_OP_DYNAMIC;
        ((uint32_t *)(rw + 64 + icount * 12))[i] = 8 * (i + 1);
    }
    tb->jmp_insn_offset[0] = tb->jmp_insn_offset[1] = UINT32_MAX;
    tb_lock();
    tb_index_add(tb);
    tb_link(tb);
    tb_unlock();
    return tb;
}

static void test_notdirty_invalidation(void)
{
    TLBEntry *e = &cpu->tlb_table[0][3];
    TranslationBlock *tb, *tb2;

    reset_cpu(false);
    /* A fast write entry exists before the page gets code ... */
    helper_st_mmu(cpu, 0x3100, 1, MEMOP(MO_8, 0), 0);
    g_assert_cmphex(e->addr_write, ==, 0x3000);
    tb = fake_tb(0x3000, 16, 4);
    /* ... and loses its fast path when it does. */
    g_test_message("write tag after translation: 0x%" PRIx64,
                   e->addr_write);
    g_assert_true(page_has_code(0x3000));
    g_assert_cmphex(e->addr_write, ==, 0x3000 | TLB_NOTDIRTY);

    /* Data next to the code: stored, the block survives. */
    helper_st_mmu(cpu, 0x3100, 2, MEMOP(MO_8, 0), 0);
    g_assert_cmpuint(guest_ram[0x3100], ==, 2);
    g_assert_false(tb->invalid);
    /* A store into the block's bytes invalidates it; the page is then
     * code-free and writes are fast again. */
    helper_st_mmu(cpu, 0x3008, 0x90, MEMOP(MO_8, 0), 0);
    g_assert_true(tb->invalid);
    g_assert_false(page_has_code(0x3000));
    g_assert_cmphex(e->addr_write, ==, 0x3000);
    g_assert_cmpuint(guest_ram[0x3008], ==, 0x90);
    g_assert_null(tb_htable_lookup(cpu, 0x3000, 0, tb->flags, 0x3000));

    /* A block spanning two pages is on both lists. */
    tb2 = fake_tb(0x4ff8, 16, 4);
    g_assert_true(page_has_code(0x4000) && page_has_code(0x5000));
    g_assert_true(tb_htable_lookup(cpu, 0x4ff8, 0, tb2->flags, 0x4000) ==
                  tb2);
    helper_st_mmu(cpu, 0x5002, 0, MEMOP(MO_16, 0), 0);
    g_test_message("store to the second page of a spanning block: "
                   "invalid=%d", tb2->invalid);
    g_assert_true(tb2->invalid);
    g_assert_false(page_has_code(0x4000));

    /* DMA (address_space_rw) into code invalidates too, once memory/
     * reports RAM writes; the range call is what it uses. */
    tb = fake_tb(0x6000, 8, 2);
    tb_invalidate_phys_range(0x6004, 1);
    g_assert_true(tb->invalid);
}

static void test_smc_restart(void)
{
    TranslationBlock *tb;
    uintptr_t ra;
    int vec;

    reset_cpu(false);
    tb = fake_tb(0x7000, 16, 4);
    guest_ram[0x7009] = 0x11;
    /* "The instruction at 0x7004" (host code 8..16) stores into 0x7009. */
    ra = (uintptr_t)tb->tc_ptr + 12;
    cpu->rip = 0x7000;
    vec = CATCH(helper_st_mmu(cpu, 0x7009, 0x22, MEMOP(MO_8, 0), ra));
    g_test_message("self-modifying store: vector %d rip=0x%" PRIx64
                   " next_tb_insns=%d byte=0x%x", vec,
                   cpu->rip, tcg_cpu(cpu)->next_tb_insns,
                   guest_ram[0x7009]);
    /* Left through cpu_loop_exit with no exception, state at the
     * storing instruction, not yet stored, one-instruction block next. */
    g_assert_true(tb->invalid);
    g_assert_cmphex(cpu->rip, ==, 0x7004);
    g_assert_cmpint(tcg_cpu(cpu)->next_tb_insns, ==, 1);
    g_assert_cmphex(guest_ram[0x7009], ==, 0x11);
    tcg_cpu(cpu)->next_tb_insns = 0;
    /* Executed again (now with no code on the page): it stores. */
    helper_st_mmu(cpu, 0x7009, 0x22, MEMOP(MO_8, 0), ra);
    g_assert_cmphex(guest_ram[0x7009], ==, 0x22);
}

static void test_code_bitmap(void)
{
    TranslationBlock *tb;
    TBStats s0, s1;

    reset_cpu(false);
    tb = fake_tb(0x8000, 8, 2);
    tb_stats_get(&s0);
    for (int i = 0; i < 40; i++) {
        helper_st_mmu(cpu, 0x8800 + i, i, MEMOP(MO_8, 0), 0);
    }
    tb_stats_get(&s1);
    g_test_message("40 data writes on a code page: %" PRIu64 " skipped by "
                   "the bitmap", s1.bitmap_skips - s0.bitmap_skips);
    g_assert_cmpuint(s1.bitmap_skips - s0.bitmap_skips, >=, 20);
    g_assert_false(tb->invalid);
    helper_st_mmu(cpu, 0x8004, 0, MEMOP(MO_8, 0), 0);
    g_assert_true(tb->invalid);
}

static void test_host_addr_rw_and_fetch(void)
{
    TranslationBlock tb = { .pc = 0x9ffe, .phys_pc = { -1, -1 } };
    uint8_t buf[8];
    void *p;

    reset_cpu(false);
    p = tlb_host_addr_rw(cpu, 0xa000, 8, 0, 0);
    g_assert_true(p == guest_ram + 0xa000);
    /* crossing two physically contiguous RAM pages */
    p = tlb_host_addr_rw(cpu, 0xaffc, 8, 0, 0);
    g_assert_true(p == guest_ram + 0xaffc);

    guest_ram[0x9ffe] = 0x0f;
    guest_ram[0x9fff] = 0x0b;
    guest_ram[0xa000] = 0xcc;
    g_assert_cmpint(tcg_fetch_code(cpu, &tb, 0x9ffe, buf, 3, 0, true), ==,
                    3);
    g_assert_cmphex(buf[0], ==, 0x0f);
    g_assert_cmphex(buf[2], ==, 0xcc);
    g_assert_cmphex(tb.phys_pc[0], ==, 0x9000);
    g_assert_cmphex(tb.phys_pc[1], ==, 0xa000);
    /* a third page is refused: short read */
    g_assert_cmpint(tcg_fetch_code(cpu, &tb, 0xaffe, buf, 4, 0, true), ==,
                    2);
}

static void test_flush_all(void)
{
    TranslationBlock *tb;

    reset_cpu(false);
    tb = fake_tb(0xc000, 8, 2);
    (void)tb;
    g_assert_true(page_has_code(0xc000));
    tb_flush_all();
    g_assert_false(page_has_code(0xc000));
    g_assert_null(tb_find_by_host_pc((uintptr_t)tcg_code_gen_epilogue + 1));
    g_test_message("flush-all: %u flushes", tb_flush_count());
    g_assert_cmpuint(tb_flush_count(), >=, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    main_loop_init();
    bql_lock();
    setup_memory();
    cpu = x86_cpu_new(&machine, 0);
    machine.cpus = &cpu;
    machine.ncpus = 1;
    current_machine = &machine;
    tcg_cpu_state_init(cpu);
    current_cpu = cpu;
    bql_unlock();

    g_test_add_func("/tcg/softmmu/ram-fill-hit", test_ram_fill_and_hit);
    g_test_add_func("/tcg/softmmu/dirty-bit", test_dirty_bit_and_write_miss);
    g_test_add_func("/tcg/softmmu/page-fault", test_page_fault);
    g_test_add_func("/tcg/softmmu/victim", test_victim_tlb);
    g_test_add_func("/tcg/softmmu/large-page", test_large_page_invlpg);
    g_test_add_func("/tcg/softmmu/global-pages", test_global_pages);
    g_test_add_func("/tcg/softmmu/mmio-rom", test_mmio_and_rom);
    g_test_add_func("/tcg/softmmu/page-crossing", test_page_crossing);
    g_test_add_func("/tcg/softmmu/notdirty", test_notdirty_invalidation);
    g_test_add_func("/tcg/softmmu/smc-restart", test_smc_restart);
    g_test_add_func("/tcg/softmmu/code-bitmap", test_code_bitmap);
    g_test_add_func("/tcg/softmmu/host-addr-fetch",
                    test_host_addr_rw_and_fetch);
    g_test_add_func("/tcg/softmmu/flush-all", test_flush_all);
    return g_test_run();
}
