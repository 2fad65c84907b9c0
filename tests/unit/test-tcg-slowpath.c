/*
 * test-tcg-slowpath.c: the out-of-line softmmu slow path of qemu_ld/st:
 * what it passes to helper_ld_mmu/helper_st_mmu (vaddr, memop|mmu_idx,
 * value, a return address inside the guest instruction), the extension
 * of the loaded value, and that every live register survives the call.
 *
 * The helpers are this file's own recording fakes, so the test does not
 * need a machine or a page walker.  (It links because nothing else it
 * uses pulls in tcg/softmmu.c, which defines the real ones.)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcg-harness.h"

static struct {
    unsigned calls;
    uint64_t vaddr, val;
    uint32_t memop_idx;
    uintptr_t ra;
} rec;

uint64_t helper_ld_mmu(X86CPU *cpu, uint64_t vaddr, uint32_t memop_idx,
                       uintptr_t ra)
{
    g_assert_true(cpu == h.cpu);
    rec.calls++;
    rec.vaddr = vaddr;
    rec.memop_idx = memop_idx;
    rec.ra = ra;
    /* garbage above the access size: the generated code must extend */
    return 0xa5a5a5a5a5a5a5a5ull ^ vaddr;
}

void helper_st_mmu(X86CPU *cpu, uint64_t vaddr, uint64_t val,
                   uint32_t memop_idx, uintptr_t ra)
{
    g_assert_true(cpu == h.cpu);
    rec.calls++;
    rec.vaddr = vaddr;
    rec.val = val;
    rec.memop_idx = memop_idx;
    rec.ra = ra;
}

static TLBEntry *tlb;

static void setup(void)
{
    tlb = g_new0(TLBEntry, TLB_SIZE);
    for (int i = 0; i < TLB_SIZE; i++) {
        tlb[i].addr_read = tlb[i].addr_write = TLB_INVALID;
    }
    h.cpu->tlb_table[0] = h.cpu->tlb_table[1] = tlb;
}

static uint64_t extend(uint64_t v, MemOp mo, TCGType t)
{
    int bits = 8 << (mo & MO_SIZE);

    if (bits < 64) {
        v &= (1ull << bits) - 1;
        if (mo & MO_SIGN) {
            v = (uint64_t)((int64_t)(v << (64 - bits)) >> (64 - bits));
        }
    }
    return t == TCG_TYPE_I32 ? (uint32_t)v : v;
}

/*
 * Insn 0: 12 temps computed from rax; insn 1: the load (a miss); insn 2:
 * the temps summed.  Pressure keeps some temps in call-clobbered
 * registers across the slow path's call.
 */
static void test_load_miss(void)
{
    enum { N = 12 };
    TranslationBlock tb;
    unsigned n = 0;

    for (TCGType t = TCG_TYPE_I32; t <= TCG_TYPE_I64; t++) {
        for (int sz = 0; sz <= (t == TCG_TYPE_I64 ? 3 : 2); sz++) {
            for (int sign = 0; sign < 2; sign++) {
                MemOp mo = sz | (sign ? MO_SIGN : 0);
                uint64_t va = 0x12345ffeull, want_sum = 0;
                TCGv tmp[N];

                tcg_func_start(h.s);
                tcg_gen_insn_start(h.s, 0x100, 0);
                for (int i = 0; i < N; i++) {
                    tmp[i] = tcg_temp_new(h.s, TCG_TYPE_I64);
                    tcg_gen_addi(h.s, TCG_TYPE_I64, tmp[i], h.r64[0],
                                 i * 0x1111);
                }
                tcg_gen_insn_start(h.s, 0x105, 0);
                tcg_gen_qemu_ld(h.s, t, greg(t, 2), h.r64[1], mo, 1);
                tcg_gen_insn_start(h.s, 0x10a, 0);
                for (int i = 0; i < N; i++) {
                    tcg_gen_add(h.s, TCG_TYPE_I64, h.r64[3], h.r64[3],
                                tmp[i]);
                    want_sum += 1000 + i * 0x1111;
                }
                tcg_gen_exit_tb(h.s, NULL, 0);
                harness_gen(&tb, true);

                memset(&rec, 0, sizeof(rec));
                memset(h.cpu->regs, 0, sizeof(h.cpu->regs));
                h.cpu->regs[0] = 1000;
                h.cpu->regs[1] = va;
                harness_run(&tb);
                g_assert_cmpuint(rec.calls, ==, 1);
                g_assert_cmphex(rec.vaddr, ==, va);
                g_assert_cmphex(rec.memop_idx, ==, mo | 1 << 8);
                g_assert_cmphex(h.cpu->regs[2], ==,
                                extend(0xa5a5a5a5a5a5a5a5ull ^ va, mo, t));
                g_assert_cmpuint(h.cpu->regs[3], ==, want_sum);
                /* the return address lies inside insn 1's host code */
                g_assert_cmphex(rec.ra, >, (uintptr_t)tb.tc_ptr +
                                tb.insn_host_end[0]);
                g_assert_cmphex(rec.ra, <, (uintptr_t)tb.tc_ptr +
                                tb.insn_host_end[1]);
                n++;
            }
        }
    }
    g_test_message("%u load misses: helper_ld_mmu got vaddr, memop|mmu_idx "
                   "and a return address inside the loading insn; the "
                   "result was extended; 12 live temps survived", n);
}

static void test_store_miss(void)
{
    TranslationBlock tb;

    for (int sz = 0; sz <= 3; sz++) {
        tcg_func_start(h.s);
        tcg_gen_insn_start(h.s, 0x200, 0);
        tcg_gen_qemu_st(h.s, TCG_TYPE_I64, h.r64[R_EDX], h.r64[R_ESI], sz, 0);
        tcg_gen_insn_start(h.s, 0x203, 0);
        tcg_gen_addi(h.s, TCG_TYPE_I64, h.r64[0], h.r64[R_ESI], 1);
        tcg_gen_exit_tb(h.s, NULL, 0);
        harness_gen(&tb, true);
        memset(&rec, 0, sizeof(rec));
        memset(h.cpu->regs, 0, sizeof(h.cpu->regs));
        h.cpu->regs[R_ESI] = 0x5000;
        h.cpu->regs[R_EDX] = 0x1122334455667788ull;
        harness_run(&tb);
        g_assert_cmpuint(rec.calls, ==, 1);
        g_assert_cmphex(rec.vaddr, ==, 0x5000);
        g_assert_cmphex(rec.memop_idx, ==, (uint32_t)sz);
        g_assert_cmphex(rec.val & ((2ull << (8 * (1 << sz) - 1)) - 1), ==,
                        0x1122334455667788ull &
                        ((2ull << (8 * (1 << sz) - 1)) - 1));
        g_assert_cmpuint(h.cpu->regs[0], ==, 0x5001);
        g_assert_cmphex(rec.ra, >, (uintptr_t)tb.tc_ptr);
        g_assert_cmphex(rec.ra, <, (uintptr_t)tb.tc_ptr +
                        tb.insn_host_end[0]);
    }
    g_test_message("store misses of 1-8 bytes: helper_st_mmu got vaddr, "
                   "value, memop and an in-insn return address");
}

/* A hit entry, but the access crosses into the next page or is
 * misaligned under MO_ALIGN: both go to the slow path. */
static void test_crossing_and_align(void)
{
    uint8_t *page = g_malloc0(TARGET_PAGE_SIZE);
    TLBEntry *e = &tlb[(0x9000 >> TARGET_PAGE_BITS) & (TLB_SIZE - 1)];
    TranslationBlock tb;
    static const struct {
        uint64_t va;
        MemOp mo;
        bool slow;
    } cases[] = {
        { 0x9ffc, MO_32, false }, { 0x9ffd, MO_32, true },
        { 0x9ff8, MO_64, false }, { 0x9fff, MO_16, true },
        { 0x9fff, MO_8, false }, { 0x9002, MO_32 | MO_ALIGN, true },
        { 0x9004, MO_32 | MO_ALIGN, false }, { 0x9001, MO_32, false },
    };

    e->addr_read = e->addr_write = 0x9000;
    e->addend = (uintptr_t)page - 0x9000;
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        tcg_func_start(h.s);
        tcg_gen_qemu_ld(h.s, TCG_TYPE_I64, h.r64[2], h.r64[1], cases[i].mo,
                        0);
        tcg_gen_exit_tb(h.s, NULL, 0);
        harness_gen(&tb, true);
        memset(&rec, 0, sizeof(rec));
        h.cpu->regs[1] = cases[i].va;
        harness_run(&tb);
        g_assert_cmpuint(rec.calls, ==, cases[i].slow);
    }
    /* a flag bit in the tag (MMIO, not-dirty) never matches */
    e->addr_write = 0x9000 | TLB_NOTDIRTY;
    tcg_func_start(h.s);
    tcg_gen_qemu_st(h.s, TCG_TYPE_I64, h.r64[2], h.r64[1], MO_8, 0);
    tcg_gen_exit_tb(h.s, NULL, 0);
    harness_gen(&tb, true);
    memset(&rec, 0, sizeof(rec));
    h.cpu->regs[1] = 0x9010;
    harness_run(&tb);
    g_assert_cmpuint(rec.calls, ==, 1);
    e->addr_read = e->addr_write = TLB_INVALID;
    g_free(page);
    g_test_message("page-crossing and misaligned MO_ALIGN accesses took the "
                   "slow path, in-page ones hit; a TLB_NOTDIRTY tag missed");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    harness_init();
    setup();
    g_test_add_func("/tcg/slowpath/load-miss", test_load_miss);
    g_test_add_func("/tcg/slowpath/store-miss", test_store_miss);
    g_test_add_func("/tcg/slowpath/crossing", test_crossing_and_align);
    return g_test_run();
}
