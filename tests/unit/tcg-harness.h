/*
 * tcg-harness.h: shared set-up for the TCG code generator unit tests: a
 * context with the guest registers as globals, a fake X86CPU, and
 * "translate and run" helpers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_UNIT_TCG_HARNESS_H
#define TESTS_UNIT_TCG_HARNESS_H

#include <stddef.h>
#include <stdio.h>
#include "hw/cpu.h"
#include "tcg/tcg-op.h"
#include "tcg/tcg-internal.h"
#include "tcg/tb.h"
#include "tcg/exec.h"

typedef struct Harness {
    TCGContext *s;
    X86CPU *cpu;
    TCGv r64[16];       /* regs[i] as I64 */
    TCGv r32[16];       /* low half of regs[i] as I32 (aliases: use one
                           view per register in a block) */
    TCGv cc_op;         /* I32 */
} Harness;

static Harness h;

static inline void harness_init(void)
{
    static const char *const n64[16] = {
        "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
    };
    static const char *const n32[16] = {
        "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
        "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d",
    };

    h.s = tcg_context_new();
    h.cpu = g_new0(X86CPU, 1);
    for (int i = 0; i < 16; i++) {
        h.r64[i] = tcg_global_mem_new(h.s, TCG_TYPE_I64,
                                      offsetof(X86CPU, regs[i]), n64[i]);
    }
    for (int i = 0; i < 16; i++) {
        h.r32[i] = tcg_global_mem_new(h.s, TCG_TYPE_I32,
                                      offsetof(X86CPU, regs[i]), n32[i]);
    }
    h.cc_op = tcg_global_mem_new(h.s, TCG_TYPE_I32,
                                 offsetof(X86CPU, cc_op), "cc_op");
}

static inline TCGv greg(TCGType t, int i)
{
    return t == TCG_TYPE_I32 ? h.r32[i] : h.r64[i];
}

/* Generate code for the current op list (optionally optimized) into
 * @tb; fails the test when the buffer is full. */
static inline void harness_gen(TranslationBlock *tb, bool optimize)
{
    int n;

    if (optimize) {
        tcg_optimize(h.s);
    }
    memset(tb, 0, sizeof(*tb));
    n = tcg_gen_code(h.s, tb);
    g_assert_cmpint(n, >, 0);
}

static inline uintptr_t harness_run(TranslationBlock *tb)
{
    return tcg_tb_exec(h.cpu, tb->tc_ptr);
}

static inline char *harness_dump(void)
{
    GString *g = g_string_new(NULL);

    tcg_dump_ops(h.s, g);
    return g_string_free(g, false);
}

#endif
