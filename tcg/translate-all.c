/*
 * translate-all.c: making a translation block: frontend (guest code ->
 * IR), optimizer, code generator, then entering the block in the cache;
 * with the -d in_asm/op/op_opt/out_asm logs along the way.
 *
 * The IR is built without any lock, in the vCPU's own TCGContext: the
 * first instruction's fetch may raise a guest #PF and longjmp out, which
 * must not leave a lock behind.  Code generation and linking happen under
 * the tb lock, which keeps the code buffer and the TB index in the same
 * order and lets a racing translation of the same block be dropped.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include "tcg/exec-internal.h"
#include "tcg/exec.h"
#include "tcg/tcg.h"
#include "tcg/code-buffer.h"
#include "tcg/disas.h"
#include "tcg/i386/translate.h"
#include "main/trace.h"

LOG_ITEM_DEFINE(in_asm, "show guest code of each new translation block");
LOG_ITEM_DEFINE(op, "show the IR of each new block (before optimization)");
LOG_ITEM_DEFINE(op_opt, "show the IR of each new block after optimization");
LOG_ITEM_DEFINE(out_asm, "show the host code of each new block");
TRACE_EVENT_DEFINE(tb_gen_code);

static TranslationBlock *tb_alloc(TCGCPUState *t, uint64_t pc,
                                  uint64_t cs_base, uint32_t flags)
{
    TranslationBlock *tb = t->spare_tb;

    t->spare_tb = NULL;
    if (!tb) {
        tb = g_new(TranslationBlock, 1);
    }
    memset(tb, 0, sizeof(*tb));
    tb->pc = pc;
    tb->cs_base = cs_base;
    tb->flags = flags;
    tb->phys_pc[0] = tb->phys_pc[1] = (uint64_t)-1;
    tb->jmp_insn_offset[0] = tb->jmp_insn_offset[1] = UINT32_MAX;
    return tb;
}

static void log_in_asm(X86CPU *cpu, TranslationBlock *tb)
{
    g_autoptr(GString) out = g_string_new(NULL);
    uint8_t buf[64];
    g_autoptr(GByteArray) code = g_byte_array_new();
    TranslationBlock probe = *tb;
    uint32_t done = 0;

    g_string_append_printf(out, "IN: pc=0x%016" PRIx64 " cs_base=0x%" PRIx64
                           " flags=0x%x size=%u icount=%u\n", tb->pc,
                           tb->cs_base, tb->flags, tb->size, tb->icount);
    while (done < tb->size) {
        int want = MIN(tb->size - done, sizeof(buf));
        int n = tcg_fetch_code(cpu, &probe, tb->pc + done, buf, want,
                               x86_mmu_index(tb->flags), false);

        if (n <= 0) {
            break;
        }
        g_byte_array_append(code, buf, n);
        done += n;
    }
    disas_guest(out, code->data, code->len, tb->pc,
                tb->flags & X86_TBF_CODE64 ? 64
                : tb->flags & X86_TBF_CODE32 ? 32 : 16);
    g_string_append(out, "\n");
    log_printf("%s", out->str);
}

static void log_ops(TCGContext *s, const char *what, TranslationBlock *tb)
{
    g_autoptr(GString) out = g_string_new(NULL);

    g_string_append_printf(out, "%s: pc=0x%016" PRIx64 "\n", what, tb->pc);
    tcg_dump_ops(s, out);
    g_string_append(out, "\n");
    log_printf("%s", out->str);
}

static void log_out_asm(TranslationBlock *tb)
{
    g_autoptr(GString) out = g_string_new(NULL);

    g_string_append_printf(out, "OUT: [size=%u] pc=0x%016" PRIx64 " at %p\n",
                           tb->tc_size, tb->pc, (void *)tb->tc_ptr);
    disas_host_tb(out, tb);
    g_string_append(out, "\n");
    log_printf("%s", out->str);
}

static TCGContext *tcg_ctx_for(TCGCPUState *t)
{
    if (!t->ctx) {
        t->ctx = tcg_context_new();
        x86_translate_init(t->ctx);
    }
    return t->ctx;
}

TranslationBlock *tb_gen_code(X86CPU *cpu, uint64_t pc, uint64_t cs_base,
                              uint32_t flags, int max_insns, bool cached)
{
    TCGCPUState *t = tcg_cpu(cpu);
    TCGContext *s = tcg_ctx_for(t);
    TranslationBlock *tb;
    int tries = 0;

retranslate:
    tb = tb_alloc(t, pc, cs_base, flags);
    /* A #PF on the first instruction longjmps from here: keep the TB. */
    t->spare_tb = tb;
    x86_translate_block(s, cpu, tb, max_insns);
    t->spare_tb = NULL;
    if (log_enabled(in_asm)) {
        log_in_asm(cpu, tb);
    }
    if (log_enabled(op)) {
        log_ops(s, "OP", tb);
    }
    tcg_optimize(s);
    if (log_enabled(op_opt)) {
        log_ops(s, "OP after optimization", tb);
    }

    tb_lock();
    if (cached) {
        /* No page walk under the lock: its A/D writes may invalidate. */
        TranslationBlock *other = tb_htable_find_same(tb);

        if (other) {
            /* Another vCPU translated the same block meanwhile. */
            tb_unlock();
            t->spare_tb = tb;
            return other;
        }
    }
    if (tcg_gen_code(s, tb) < 0) {
        tb_unlock();
        t->spare_tb = tb;
        /* An empty buffer that cannot hold one block is a bug. */
        g_assert(tries++ == 0);
        tb_flush_all();
        goto retranslate;
    }
    tb_index_add(tb);
    if (cached) {
        tb_link(tb);
    }
    tb_stats_count_translation(tb, cached);
    tb_unlock();

    trace(tb_gen_code, "cpu=%u pc=0x%" PRIx64 " flags=0x%x insns=%u "
          "size=%u code=%u%s", cpu->index, pc, flags, tb->icount, tb->size,
          tb->tc_size, cached ? "" : " uncached");
    if (log_enabled(out_asm)) {
        log_out_asm(tb);
    }
    return tb;
}
