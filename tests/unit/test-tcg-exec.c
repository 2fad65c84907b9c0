/*
 * test-tcg-exec.c: generated blocks as the exec loop sees them: the
 * softmmu TLB hit path against a hand-filled TLB, exit_tb values,
 * goto_tb chaining and unchaining with tb_set_jmp_target, goto_ptr, the
 * insn tables, constant folding as -d op_opt shows it, the W^X code
 * buffer, and the disassembler.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcg-harness.h"
#include "tcg/code-buffer.h"
#include "tcg/disas.h"

#define GUEST_PAGE 0x7fff2000ull

static uint8_t *page;
static TLBEntry *tlb;

static void tlb_setup(void)
{
    TLBEntry *e;

    page = g_malloc(2 * TARGET_PAGE_SIZE);
    tlb = g_new0(TLBEntry, TLB_SIZE);
    for (int i = 0; i < TLB_SIZE; i++) {
        tlb[i].addr_read = tlb[i].addr_write = tlb[i].addr_code =
            TLB_INVALID;
    }
    e = &tlb[(GUEST_PAGE >> TARGET_PAGE_BITS) & (TLB_SIZE - 1)];
    e->addr_read = e->addr_write = GUEST_PAGE;
    e->addend = (uintptr_t)page - GUEST_PAGE;
    h.cpu->tlb_table[1] = tlb;      /* user MMU index */
}

/* Every size and signedness, both types, at aligned and unaligned
 * offsets inside the page (including its last bytes). */
static void test_tlb_hit(void)
{
    static const unsigned offs[] = { 0, 1, 7, 0x800, 0xff8, 0xffc, 0xfff };
    TranslationBlock tb;
    unsigned n = 0;

    tlb_setup();
    for (int i = 0; i < (int)TARGET_PAGE_SIZE; i++) {
        page[i] = 0x80 + i * 7;
    }
    for (TCGType t = TCG_TYPE_I32; t <= TCG_TYPE_I64; t++) {
        for (int sz = MO_8; sz <= (t == TCG_TYPE_I64 ? MO_64 : MO_32);
             sz++) {
            for (int sign = 0; sign < 2; sign++) {
                for (size_t o = 0; o < G_N_ELEMENTS(offs); o++) {
                    unsigned bytes = 1 << sz;
                    uint64_t want = 0;

                    if (offs[o] + bytes > TARGET_PAGE_SIZE) {
                        continue;       /* crossing: slow path */
                    }
                    memcpy(&want, page + offs[o], bytes);
                    if (sign && bytes < 8) {
                        want = (uint64_t)((int64_t)(want << (64 - 8 * bytes))
                                          >> (64 - 8 * bytes));
                    }
                    if (t == TCG_TYPE_I32) {
                        want = (uint32_t)want;
                    }
                    tcg_func_start(h.s);
                    tcg_gen_qemu_ld(h.s, t, greg(t, 2), h.r64[0],
                                    sz | (sign ? MO_SIGN : 0), 1);
                    tcg_gen_exit_tb(h.s, NULL, 0);
                    harness_gen(&tb, true);
                    memset(h.cpu->regs, 0, sizeof(h.cpu->regs));
                    h.cpu->regs[0] = GUEST_PAGE + offs[o];
                    harness_run(&tb);
                    g_assert_cmphex(h.cpu->regs[2], ==, want);
                    n++;
                }
            }
            /* stores */
            for (size_t o = 0; o < G_N_ELEMENTS(offs); o++) {
                unsigned bytes = 1 << sz;
                uint64_t v = 0x0123456789abcdefull;
                uint8_t before[16];

                if (offs[o] + bytes > TARGET_PAGE_SIZE || offs[o] < 4) {
                    continue;
                }
                memcpy(before, page + offs[o] - 4, 4);
                tcg_func_start(h.s);
                tcg_gen_qemu_st(h.s, t, greg(t, 1), h.r64[0], sz, 1);
                tcg_gen_exit_tb(h.s, NULL, 0);
                harness_gen(&tb, true);
                memset(h.cpu->regs, 0, sizeof(h.cpu->regs));
                h.cpu->regs[0] = GUEST_PAGE + offs[o];
                h.cpu->regs[1] = v;
                harness_run(&tb);
                g_assert_cmpmem(page + offs[o], bytes, &v, bytes);
                g_assert_cmpmem(page + offs[o] - 4, 4, before, 4);
                n++;
            }
        }
    }
    /* aligned MO_ALIGN accesses hit too */
    tcg_func_start(h.s);
    tcg_gen_qemu_ld(h.s, TCG_TYPE_I64, h.r64[2], h.r64[0], MO_64 | MO_ALIGN,
                    1);
    tcg_gen_exit_tb(h.s, NULL, 0);
    harness_gen(&tb, true);
    h.cpu->regs[0] = GUEST_PAGE + 0x10;
    harness_run(&tb);
    g_assert_cmphex(h.cpu->regs[2], ==, *(uint64_t *)(page + 0x10));
    g_test_message("%u TLB-hit loads/stores (1-8 bytes, signed/unsigned, "
                   "I32/I64, unaligned, page end) read and wrote host memory "
                   "at vaddr + addend", n + 1);
}

static void test_exit_tb(void)
{
    TranslationBlock tb, *fake = g_new0(TranslationBlock, 1);

    for (int slot = -1; slot < 2; slot++) {
        tcg_func_start(h.s);
        tcg_gen_exit_tb(h.s, slot < 0 ? NULL : fake, slot < 0 ? 0 : slot);
        harness_gen(&tb, true);
        g_assert_cmphex(harness_run(&tb), ==,
                        slot < 0 ? 0 : (uintptr_t)fake | slot);
    }
    g_test_message("exit_tb returns 0, tb|0 and tb|1 through tcg_tb_exec");
    g_free(fake);
}

/* Block A: goto_tb slot, exit_tb(A, slot).  B: rax += 5, exit 0. */
static void test_goto_tb(void)
{
    TranslationBlock *a = g_new0(TranslationBlock, 1);
    TranslationBlock *b = g_new0(TranslationBlock, 1);

    for (int slot = 0; slot < 2; slot++) {
        tcg_func_start(h.s);
        tcg_gen_insn_start(h.s, 0x1000, 0);
        tcg_gen_addi(h.s, TCG_TYPE_I64, h.r64[0], h.r64[0], 1);
        if (slot) {
            /* slot 1 behind a branch, as a jcc's taken side is */
            TCGLabel *l = tcg_label_new(h.s);

            tcg_gen_brcondi(h.s, TCG_TYPE_I64, TCG_COND_NE, h.r64[0], 0, l);
            tcg_gen_exit_tb(h.s, NULL, 0);
            tcg_gen_set_label(h.s, l);
        }
        tcg_gen_goto_tb(h.s, slot);
        tcg_gen_exit_tb(h.s, a, slot);
        harness_gen(a, true);
        g_assert_cmpuint(a->jmp_insn_offset[slot], !=, UINT32_MAX);
        g_assert_cmpuint(a->jmp_insn_offset[!slot], ==, UINT32_MAX);
        g_assert_cmpuint(((uintptr_t)a->tc_ptr + a->jmp_insn_offset[slot]) %
                         4, ==, 0);
        g_assert_cmpuint(a->jmp_reset_offset[slot], ==,
                         a->jmp_insn_offset[slot] + 4);

        tcg_func_start(h.s);
        tcg_gen_addi(h.s, TCG_TYPE_I64, h.r64[0], h.r64[0], 5);
        tcg_gen_exit_tb(h.s, NULL, 0);
        harness_gen(b, true);

        h.cpu->regs[0] = 10;
        g_assert_cmphex(tcg_tb_exec(h.cpu, a->tc_ptr), ==,
                        (uintptr_t)a | slot);
        g_assert_cmpuint(h.cpu->regs[0], ==, 11);

        tb_set_jmp_target(a, slot, (uintptr_t)b->tc_ptr);
        g_assert_cmphex(tcg_tb_exec(h.cpu, a->tc_ptr), ==, 0);
        g_assert_cmpuint(h.cpu->regs[0], ==, 17);     /* chained: 11+1+5 */

        tb_set_jmp_target(a, slot, (uintptr_t)a->tc_ptr +
                          a->jmp_reset_offset[slot]);
        g_assert_cmphex(tcg_tb_exec(h.cpu, a->tc_ptr), ==,
                        (uintptr_t)a | slot);
        g_assert_cmpuint(h.cpu->regs[0], ==, 18);
    }
    g_test_message("goto_tb slots 0 and 1: rel32 4-byte aligned, unchained "
                   "exit returns tb|slot, chained runs the successor, reset "
                   "unchains");
    g_free(a);
    g_free(b);
}

static const void *lookup_target;

static const void *helper_fake_lookup(X86CPU *cpu)
{
    (void)cpu;
    return lookup_target;
}

static void test_goto_ptr(void)
{
    TranslationBlock a, b;
    TCGv p;

    tcg_func_start(h.s);
    tcg_gen_movi(h.s, TCG_TYPE_I64, h.r64[1], 42);
    tcg_gen_exit_tb(h.s, NULL, 0);
    harness_gen(&b, true);

    tcg_func_start(h.s);
    p = tcg_temp_new(h.s, TCG_TYPE_I64);
    tcg_gen_movi(h.s, TCG_TYPE_I64, h.r64[1], 1);
    tcg_gen_call(h.s, helper_fake_lookup, TCG_CALL_NO_WRITE_GLOBALS, p, 1,
                 tcg_env(h.s));
    tcg_gen_goto_ptr(h.s, p);
    harness_gen(&a, true);

    lookup_target = b.tc_ptr;
    g_assert_cmphex(harness_run(&a), ==, 0);
    g_assert_cmpuint(h.cpu->regs[1], ==, 42);
    lookup_target = tcg_code_gen_epilogue;
    g_assert_cmphex(harness_run(&a), ==, 0);
    g_assert_cmpuint(h.cpu->regs[1], ==, 1);
    lookup_target = NULL;
    h.cpu->regs[1] = 7;
    g_assert_cmphex(harness_run(&a), ==, 0);
    g_assert_cmpuint(h.cpu->regs[1], ==, 1);
    g_test_message("goto_ptr to a block, to tcg_code_gen_epilogue and to 0");
}

static uint64_t helper_getpc;

static void helper_record_ra(void)
{
    helper_getpc = GETPC();
}

/* insn tables, and return addresses strictly inside their insn */
static void test_insn_tables(void)
{
    TranslationBlock tb;
    uint32_t start;

    tcg_func_start(h.s);
    tcg_gen_insn_start(h.s, 0x1000, 3);
    tcg_gen_addi(h.s, TCG_TYPE_I64, h.r64[0], h.r64[0], 1);
    tcg_gen_insn_start(h.s, 0x1003, 4);
    /* a call as the last thing of an insn: its return address would be
     * the next insn's first byte without the padding */
    tcg_gen_call(h.s, helper_record_ra, TCG_CALL_NO_READ_GLOBALS, -1, 0);
    tcg_gen_insn_start(h.s, 0x1007, 5);
    tcg_gen_addi(h.s, TCG_TYPE_I64, h.r64[0], h.r64[0], 2);
    tcg_gen_exit_tb(h.s, NULL, 0);
    harness_gen(&tb, true);
    g_assert_cmpuint(tb.icount, ==, 3);
    g_assert_cmphex(tb.insn_pc[0], ==, 0x1000);
    g_assert_cmphex(tb.insn_pc[2], ==, 0x1007);
    g_assert_cmpuint(tb.insn_cc_op[1], ==, 4);
    g_assert_cmpuint(tb.insn_host_end[0], <, tb.insn_host_end[1]);
    g_assert_cmpuint(tb.insn_host_end[1], <, tb.insn_host_end[2]);
    g_assert_cmpuint(tb.insn_host_end[2], <=, tb.tc_size);
    harness_run(&tb);
    start = tb.insn_host_end[0];
    g_assert_cmphex(helper_getpc, >, (uintptr_t)tb.tc_ptr + start);
    g_assert_cmphex(helper_getpc, <,
                    (uintptr_t)tb.tc_ptr + tb.insn_host_end[1]);
    g_test_message("insn tables: pc/cc_op/host_end for 3 insns; GETPC of a "
                   "call ending insn 1 is %#" PRIx64 " inside (%#" PRIx64
                   ", %#" PRIx64 ")", helper_getpc,
                   (uint64_t)(uintptr_t)tb.tc_ptr + start,
                   (uint64_t)(uintptr_t)tb.tc_ptr + tb.insn_host_end[1]);
}

static void test_fold_dump(void)
{
    TranslationBlock tb;
    TCGv a = -1, b = -1, c;
    char *before, *after;

    tcg_func_start(h.s);
    a = tcg_temp_new(h.s, TCG_TYPE_I64);
    b = tcg_temp_new(h.s, TCG_TYPE_I64);
    c = tcg_temp_new(h.s, TCG_TYPE_I64);
    tcg_gen_movi(h.s, TCG_TYPE_I64, a, 6);
    tcg_gen_muli(h.s, TCG_TYPE_I64, b, a, 7);          /* 42 */
    tcg_gen_shli(h.s, TCG_TYPE_I64, b, b, 4);          /* 672 */
    tcg_gen_mov(h.s, TCG_TYPE_I64, c, h.r64[1]);       /* copy of rcx */
    tcg_gen_add(h.s, TCG_TYPE_I64, h.r64[0], c, b);    /* rcx + 672 */
    tcg_gen_xor(h.s, TCG_TYPE_I64, h.r64[2], c, h.r64[1]);  /* 0 */
    tcg_gen_andi(h.s, TCG_TYPE_I64, h.r64[3], c, -1);  /* mov rbx, rcx */
    tcg_gen_exit_tb(h.s, NULL, 0);
    before = harness_dump();
    tcg_optimize(h.s);
    after = harness_dump();
    g_test_message("before:\n%s", before);
    g_test_message("after:\n%s", after);
    g_assert_null(strstr(after, "mul_i64"));
    g_assert_null(strstr(after, "shl_i64"));
    g_assert_null(strstr(after, "xor_i64"));
    g_assert_null(strstr(after, "and_i64"));
    g_assert_nonnull(strstr(after, "add_i64 rax,rcx,$0x2a0"));
    g_assert_nonnull(strstr(after, "movi_i64 rdx,$0x0"));
    g_assert_nonnull(strstr(after, "mov_i64 rbx,rcx"));
    g_assert_null(strstr(after, "tmp"));               /* all dead */
    memset(&tb, 0, sizeof(tb));
    g_assert_cmpint(tcg_gen_code(h.s, &tb), >, 0);
    h.cpu->regs[1] = 1000;
    harness_run(&tb);
    g_assert_cmpuint(h.cpu->regs[0], ==, 1672);
    g_assert_cmpuint(h.cpu->regs[2], ==, 0);
    g_assert_cmpuint(h.cpu->regs[3], ==, 1000);
    g_free(before);
    g_free(after);
}

/* Unreachable code and branches folded away, labels dropped */
static void test_fold_branches(void)
{
    TCGLabel *l1, *l2;
    char *after;

    tcg_func_start(h.s);
    l1 = tcg_label_new(h.s);
    l2 = tcg_label_new(h.s);
    tcg_gen_brcondi(h.s, TCG_TYPE_I64, TCG_COND_LTU,
                    tcg_const(h.s, TCG_TYPE_I64, 3), 2, l1);   /* never */
    tcg_gen_movi(h.s, TCG_TYPE_I64, h.r64[0], 1);
    tcg_gen_set_label(h.s, l1);
    tcg_gen_brcondi(h.s, TCG_TYPE_I64, TCG_COND_EQ, h.r64[1], 0, l2);
    tcg_gen_exit_tb(h.s, NULL, 0);
    tcg_gen_movi(h.s, TCG_TYPE_I64, h.r64[5], 5);              /* dead */
    tcg_gen_set_label(h.s, l2);
    tcg_gen_exit_tb(h.s, NULL, 0);
    tcg_optimize(h.s);
    after = harness_dump();
    g_test_message("after:\n%s", after);
    g_assert_null(strstr(after, "$L0"));
    g_assert_nonnull(strstr(after, "$L1"));
    g_assert_null(strstr(after, "rbp"));
    g_free(after);
}

/* The permissions column of the /proc/self/maps line holding @p. */
static const char *map_perms(const void *p)
{
    static char perms[8];
    char *maps = NULL;
    gchar **lines;

    g_assert_true(g_file_get_contents("/proc/self/maps", &maps, NULL, NULL));
    lines = g_strsplit(maps, "\n", -1);
    perms[0] = 0;
    for (int i = 0; lines[i]; i++) {
        unsigned long lo, hi;

        if (sscanf(lines[i], "%lx-%lx %7s", &lo, &hi, perms) == 3 &&
            (uintptr_t)p >= lo && (uintptr_t)p < hi) {
            break;
        }
        perms[0] = 0;
    }
    g_strfreev(lines);
    g_free(maps);
    return perms;
}

static void test_code_buffer(void)
{
    TranslationBlock tb;
    uint8_t *rw;
    size_t used;

    tcg_func_start(h.s);
    tcg_gen_movi(h.s, TCG_TYPE_I64, h.r64[0], 9);
    tcg_gen_exit_tb(h.s, NULL, 0);
    harness_gen(&tb, true);
    g_assert_true(tcg_code_buffer_contains(tb.tc_ptr));
    g_assert_false(tcg_code_buffer_contains(&tb));
    rw = tcg_code_buffer_rw(tb.tc_ptr);
    g_assert_cmpmem(rw, tb.tc_size, tb.tc_ptr, tb.tc_size);
    if (rw != tb.tc_ptr) {
        /* W^X: /proc/self/maps shows the RX view r-x, the RW view rw- */
        g_assert_cmpstr(map_perms(tb.tc_ptr), ==, "r-xs");
        g_assert_cmpstr(map_perms(rw), ==, "rw-s");
        g_test_message("dual mapping: RX view %p is r-xs, RW view %p is "
                       "rw-s, same bytes", tb.tc_ptr, rw);
    } else {
        g_test_message("fallback RWX mapping in use");
    }
    used = tcg_code_buffer_used();
    g_assert_cmpuint(used, <=, tcg_code_buffer_size());
    g_assert_null(tcg_code_buffer_alloc(tcg_code_buffer_size(), 16));
    g_test_message("%zu of %zu bytes used, oversize allocation refused",
                   used, tcg_code_buffer_size());
}

static void test_disas(void)
{
    static const uint8_t guest[] = {
        0x31, 0xc0,                     /* xor eax, eax */
        0x48, 0x8b, 0x5d, 0x10,         /* mov rbx, [rbp+0x10] */
        0x0f, 0xff,                     /* ud0 (incomplete) */
    };
    TranslationBlock tb;
    GString *g = g_string_new(NULL);

    disas_guest(g, guest, 6, 0x1000, 64);
    g_test_message("guest:\n%s", g->str);
    g_assert_nonnull(strstr(g->str, "xor eax, eax"));
    g_assert_nonnull(strstr(g->str, "0x0000000000001002:"));
    g_assert_nonnull(strstr(g->str, "rbx, qword ptr [rbp+0x10]"));
    g_string_truncate(g, 0);
    disas_guest(g, guest + 6, 1, 0x2000, 32);
    g_assert_nonnull(strstr(g->str, ".byte 0x0f"));

    tcg_func_start(h.s);
    tcg_gen_insn_start(h.s, 0x1000, 0);
    tcg_gen_qemu_ld(h.s, TCG_TYPE_I64, h.r64[2], h.r64[0], MO_32, 0);
    tcg_gen_exit_tb(h.s, NULL, 0);
    harness_gen(&tb, true);
    g_string_truncate(g, 0);
    disas_host_tb(g, &tb);
    g_test_message("host:\n%s", g->str);
    g_assert_nonnull(strstr(g->str, "-- guest addr 0x0000000000001000"));
    g_assert_nonnull(strstr(g->str, "-- slow paths"));
    g_assert_nonnull(strstr(g->str, "jnz"));
    g_string_free(g, true);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    harness_init();
    g_test_add_func("/tcg/exec/tlb-hit", test_tlb_hit);
    g_test_add_func("/tcg/exec/exit-tb", test_exit_tb);
    g_test_add_func("/tcg/exec/goto-tb", test_goto_tb);
    g_test_add_func("/tcg/exec/goto-ptr", test_goto_ptr);
    g_test_add_func("/tcg/exec/insn-tables", test_insn_tables);
    g_test_add_func("/tcg/exec/fold-dump", test_fold_dump);
    g_test_add_func("/tcg/exec/fold-branches", test_fold_branches);
    g_test_add_func("/tcg/exec/code-buffer", test_code_buffer);
    g_test_add_func("/tcg/exec/disas", test_disas);
    return g_test_run();
}
