/*
 * exec.h: leaving generated code, raising guest exceptions, and entering
 * translated blocks: the contract between helpers (tcg/i386), the
 * softmmu slow path and the execution loop (tcg/cpu-exec.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCG_EXEC_H
#define TCG_EXEC_H

#include "main/janus.h"
#include "tcg/tb.h"

/* Exception vectors (the frontend raises, tcg/i386/excp_helper.c delivers) */
enum {
    EXCP_DE = 0, EXCP_DB = 1, EXCP_NMI = 2, EXCP_BP = 3, EXCP_OF = 4,
    EXCP_BR = 5, EXCP_UD = 6, EXCP_NM = 7, EXCP_DF = 8, EXCP_TS = 10,
    EXCP_NP = 11, EXCP_SS = 12, EXCP_GP = 13, EXCP_PF = 14, EXCP_MF = 16,
    EXCP_AC = 17, EXCP_MC = 18, EXCP_XM = 19,
};
/* exception_index values >= 0x100 are not guest vectors but requests to
 * the exec loop. */
#define EXCP_INTERRUPT  0x100   /* exit request: check interrupts/kicks */
#define EXCP_HLT        0x101   /* vCPU halted */
#define EXCP_HALTED     EXCP_HLT
#define EXCP_SWINT      0x102   /* INT n/INT3/INTO: deliver as software
                                   interrupt, next rip in env->rip */

/**
 * cpu_loop_exit_restore: leave generated code for the exec loop
 * (siglongjmp).  When @ra is a host return address inside generated
 * code, first restore rip and cc_op of the guest instruction containing
 * it (from tb->insn_*); @ra 0 means the state is already exact.
 */
_Noreturn void cpu_loop_exit_restore(X86CPU *cpu, uintptr_t ra);
_Noreturn void cpu_loop_exit(X86CPU *cpu);

/**
 * raise_exception_err_ra: raise guest exception @vector with @error_code
 * at the instruction containing host address @ra (GETPC() in a helper).
 */
_Noreturn void raise_exception_err_ra(X86CPU *cpu, int vector,
                                      uint32_t error_code, uintptr_t ra);
_Noreturn void raise_exception_ra(X86CPU *cpu, int vector, uintptr_t ra);

/* The host return address of a helper called from generated code. */
#define GETPC() ((uintptr_t)__builtin_return_address(0))

/**
 * x86_cpu_do_interrupt: deliver @vector through the IDT now (protected or
 * long mode; real mode IVT), with privilege change, IST, error code; for
 * software interrupts @next_rip is pushed.  Nested faults escalate to #DF
 * and then a triple fault (vm_request_reset / shutdown with -no-reboot).
 * Returns with env ready to run the handler.
 */
void x86_cpu_do_interrupt(X86CPU *cpu, int vector, bool is_sw,
                          uint32_t error_code, bool has_error,
                          uint64_t next_rip);

/* ---- Softmmu slow path (tcg/softmmu.c), called by generated code ------ */

/* memop_idx = MemOp | mmu_idx << 8 as in the qemu_ld/st op; @ra: GETPC */
uint64_t helper_ld_mmu(X86CPU *cpu, uint64_t vaddr, uint32_t memop_idx,
                       uintptr_t ra);
void helper_st_mmu(X86CPU *cpu, uint64_t vaddr, uint64_t val,
                   uint32_t memop_idx, uintptr_t ra);

/** helper_lookup_tb_ptr: host code of the block for the current env
 * state, or the epilogue's "return 0" address (goto_ptr target). */
const void *helper_lookup_tb_ptr(X86CPU *cpu);

/* ---- Backend entry points (tcg/x86_64) -------------------------------- */

/**
 * tcg_tb_exec: run generated code at @tc_ptr with env = @cpu until an
 * exit_tb; returns its value: 0, or (uintptr_t)tb | slot to ask for the
 * tb's goto_tb slot to be chained.
 */
uintptr_t tcg_tb_exec(X86CPU *cpu, const void *tc_ptr);
/** tb_set_jmp_target: atomically repoint @tb's goto_tb @slot at @addr
 * (safe while other threads run the code). */
void tb_set_jmp_target(TranslationBlock *tb, int slot, uintptr_t addr);

/**
 * tcg_code_gen_epilogue: the epilogue's "return 0" entry in the code
 * buffer (what helper_lookup_tb_ptr returns when no block is found).
 * Set by tcg_code_buffer_init() (tcg/code-buffer.h); NULL before.
 */
extern const void *tcg_code_gen_epilogue;

#endif
