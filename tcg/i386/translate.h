/*
 * translate.h: the x86 guest frontend: guest code -> TCG IR.
 *
 * What the rest of TCG needs from the frontend: the tb->flags layout (the
 * mode bits a translation depends on), the MMU index choice, the lazy
 * condition-code representation and the functions that materialize and
 * load RFLAGS, and the translator entry point.
 *
 * ---- The RFLAGS invariant ------------------------------------------------
 *
 * The six arithmetic flags (CF PF AF ZF SF OF, CC_ARITH_MASK) are lazy:
 * while a vCPU runs under TCG they are described by (cc_op, cc_dst,
 * cc_src, cc_src2) in X86CPU, and the same bits of cpu->rflags are stale
 * unless cc_op == CC_OP_EFLAGS.  Every other RFLAGS bit (IF, DF, IOPL,
 * TF, AC, ...) always lives in cpu->rflags.
 *
 * CC_OP_EFLAGS (value 0, so a zeroed X86CPU is consistent) means "the
 * arithmetic flags are in cpu->rflags itself".  Hence:
 * - x86_cpu_sync_eflags() makes cpu->rflags exact and sets CC_OP_EFLAGS.
 *   The exec loop calls it on EVERY return from cpu_exec (KVM sync, the
 *   monitor, reset, gdb all read cpu->rflags directly), so outside the
 *   exec loop cpu->rflags is always complete and cc_op is CC_OP_EFLAGS.
 * - Code outside TCG that writes cpu->rflags (loaders, reset, KVM sync)
 *   needs to do nothing else, as long as it runs while the vCPU is out of
 *   the exec loop.
 * - Helpers that read flags (pushf, interrupt delivery pushing RFLAGS,
 *   iret/popf loading them) use x86_compute_eflags()/x86_load_eflags().
 *   Generated code stores the current cc_op into env before calling any
 *   helper that is documented to read or write flags (see helper.h).
 *
 * ---- Generated-code conventions the exec loop relies on ------------------
 *
 * - Each block starts by testing cpu->exit_request; when it is non-zero
 *   the block does exit_tb(0) before executing anything, with env->rip
 *   and env->cc_op exact (rip = tb->pc - cs_base).  The exec loop clears
 *   exit_request and checks interrupts/queued work.
 * - Before every goto_tb/exit_tb/goto_ptr the block stores rip and cc_op
 *   to env, so a chained successor (or the loop) always finds them exact.
 * - insn_start records (pc, cc_op) per guest instruction, pc being the
 *   virtual pc (rip = pc - cs_base, truncated to 32 bits outside 64-bit
 *   mode); cc_op is CC_OP_DYNAMIC when env->cc_op already holds the right
 *   value at that point: cpu_loop_exit_restore must then leave env->cc_op
 *   alone.  Guest registers and cc_* are written only after an
 *   instruction's last access that can fault.
 * - A block ends with exit_tb(0) (not chainable) after any instruction
 *   that may unmask interrupts (sti + one more instruction for the
 *   interrupt shadow, popf, iret, mov to cr8, wrmsr) or change the mode
 *   bits in tb->flags, so the exec loop re-derives flags and checks
 *   interrupts.
 * - Interrupt shadow (STI, MOV SS, POP SS): the instruction after them is
 *   translated into the same block and the block ends right after it, so
 *   no interrupt is taken in between (interrupts are only delivered
 *   between blocks).  No state in X86CPU is needed for it.
 *
 * The translator's own state (DisasContext) is private to
 * tcg/i386/translate*.c: tcg/i386/translate-internal.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCG_I386_TRANSLATE_H
#define TCG_I386_TRANSLATE_H

#include "main/janus.h"
#include "hw/cpu.h"
#include "tcg/tcg.h"
#include "tcg/tb.h"

/* ---- tb->flags ----------------------------------------------------------- */

#define X86_TBF_CPL_MASK    0x0003u     /* CS.RPL (= CPL) */
#define X86_TBF_CODE64      0x0004u     /* EFER.LMA && CS.L: 64-bit mode */
#define X86_TBF_CODE32      0x0008u     /* CS.D: 32-bit default operand
                                           and address size (not in
                                           64-bit mode) */
#define X86_TBF_SS32        0x0010u     /* SS.B: 32-bit stack pointer */
#define X86_TBF_PE          0x0020u     /* CR0.PE */
#define X86_TBF_LMA         0x0040u     /* EFER.LMA (compatibility mode
                                           when !CODE64) */
#define X86_TBF_ADDSEG      0x0080u     /* not 64-bit mode and DS, ES or SS
                                           base non-zero: add their bases
                                           (FS/GS/CS bases are always read
                                           from env when used) */
#define X86_TBF_IOPL_SHIFT  8           /* RFLAGS.IOPL, bits 8-9 */
#define X86_TBF_IOPL_MASK   0x0300u
#define X86_TBF_TF          0x0400u     /* RFLAGS.TF: one instruction per
                                           block, then #DB */
#define X86_TBF_VM          0x0800u     /* RFLAGS.VM: virtual-8086 mode is
                                           not implemented (#UD) */
#define X86_TBF_OSFXSR      0x1000u     /* reserved for SSE (not
                                           implemented: integer ISA only) */

/**
 * x86_tb_flags: the tb->flags for @cpu's current state.
 * @cpu: the vCPU (segments, CR0, EFER, RFLAGS are read).
 * @cs_base: out: CS base to store in tb->cs_base (0 in 64-bit mode).
 * The block's virtual pc is x86_tb_pc().
 */
uint32_t x86_tb_flags(X86CPU *cpu, uint64_t *cs_base);

/**
 * x86_tb_pc: the virtual pc (CS base + rip, truncated to 32 bits outside
 * 64-bit mode) of @cpu's next instruction, the key tb->pc.
 * @cpu: the vCPU.
 */
uint64_t x86_tb_pc(X86CPU *cpu);

/**
 * x86_mmu_index: the MMU index (tcg/softmmu.h MMU_KERNEL_IDX or
 * MMU_USER_IDX) of data and code accesses of a block with @flags:
 * 0 for CPL 0-2, 1 for CPL 3.  Implicit supervisor accesses (descriptor
 * tables, TSS, interrupt stack frames) always use index 0.
 * @flags: tb->flags.
 */
static inline int x86_mmu_index(uint32_t flags)
{
    return (flags & X86_TBF_CPL_MASK) == 3 ? 1 : 0;
}

/* ---- Lazy condition codes --------------------------------------------------
 *
 * cc_op names the last flag-setting operation and its size; cc_dst,
 * cc_src and cc_src2 hold what is needed to recompute the flags:
 *
 *   op       cc_dst    cc_src                cc_src2
 *   ADD      result    second operand        -        (first = dst - src)
 *   ADC      result    second operand        carry in
 *   SUB      result    second operand        -        (first = dst + src)
 *   SBB      result    second operand        borrow in
 *   LOGIC    result    -                     -        (CF = OF = AF = 0)
 *   INC/DEC  result    CF before the insn    -
 *   SHL      result    value << (count - 1)  -        (CF = its MSB)
 *   SAR      result    value >> (count - 1)  -        (CF = its bit 0;
 *            (also SHR: arithmetic or logical right shift)  OF = MSB of
 *                                                   src ^ dst)
 *   MUL      low result  non-zero iff the high part is significant
 *                        (CF = OF = (src != 0); SF ZF PF from dst)
 *   POPCNT   source    -                     -        (ZF = !dst, rest 0)
 *   CLR      -         -                     -        (ZF = PF = 1, rest 0)
 *   EFLAGS   -         -                     -        (in cpu->rflags)
 *
 * Sizes are B, W, L, Q in that order: CC_OP_ADDB + size (MO_8..MO_64).
 * Results and operands are stored zero-extended from their size.
 */
typedef enum CCOp {
    CC_OP_EFLAGS = 0,       /* arithmetic flags are in cpu->rflags */
    CC_OP_CLR,
    CC_OP_POPCNT,
#define CC_OP_SIZED(name) \
    CC_OP_##name##B, CC_OP_##name##W, CC_OP_##name##L, CC_OP_##name##Q
    CC_OP_SIZED(ADD),
    CC_OP_SIZED(ADC),
    CC_OP_SIZED(SUB),
    CC_OP_SIZED(SBB),
    CC_OP_SIZED(LOGIC),
    CC_OP_SIZED(INC),
    CC_OP_SIZED(DEC),
    CC_OP_SIZED(SHL),
    CC_OP_SIZED(SAR),
    CC_OP_SIZED(MUL),
#undef CC_OP_SIZED
    CC_OP_NB,
    /* translation time only: the value is in env->cc_op (never stored) */
    CC_OP_DYNAMIC = 0xff,
} CCOp;

#define CC_C 0x0001u
#define CC_P 0x0004u
#define CC_A 0x0010u
#define CC_Z 0x0040u
#define CC_S 0x0080u
#define CC_O 0x0800u
#define CC_ARITH_MASK (CC_C | CC_P | CC_A | CC_Z | CC_S | CC_O)
#define RFLAGS_TF (1ULL << 8)
#define RFLAGS_DF (1ULL << 10)
#define RFLAGS_VM (1ULL << 17)
#define RFLAGS_FIXED (1ULL << 1)    /* reads as 1 */

/**
 * x86_cc_compute_all: the arithmetic flags (CC_ARITH_MASK bits) described
 * by a lazy state.  Pure; callable from generated code.
 * @dst, @src, @src2: cc_dst, cc_src, cc_src2.
 * @op: a CCOp other than CC_OP_EFLAGS and CC_OP_DYNAMIC (0 is returned
 *   for those: the caller reads rflags instead).
 */
uint64_t x86_cc_compute_all(uint64_t dst, uint64_t src, uint64_t src2,
                            uint32_t op);

/**
 * x86_cc_compute_c: CF (0 or 1) of a lazy state; see x86_cc_compute_all.
 */
uint64_t x86_cc_compute_c(uint64_t dst, uint64_t src, uint64_t src2,
                          uint32_t op);

/**
 * x86_compute_eflags: @cpu's complete RFLAGS (lazy arithmetic flags merged
 * into cpu->rflags), without changing any state.
 * @cpu: the vCPU.
 */
uint64_t x86_compute_eflags(X86CPU *cpu);

/**
 * x86_load_eflags: replace the RFLAGS bits in @mask by those of @val
 * (the privilege rules of POPF/IRET are the caller's: it passes the mask
 * of bits the instruction may change).  Leaves cc_op = CC_OP_EFLAGS;
 * bit 1 stays set.
 * @cpu: the vCPU.
 * @val: new flag values.
 * @mask: which bits to change.
 */
void x86_load_eflags(X86CPU *cpu, uint64_t val, uint64_t mask);

/**
 * x86_cpu_sync_eflags: make cpu->rflags exact and cc_op CC_OP_EFLAGS; the
 * exec loop calls it whenever it leaves cpu_exec (see the invariant above).
 * @cpu: the vCPU.
 */
void x86_cpu_sync_eflags(X86CPU *cpu);

/* ---- Translation ----------------------------------------------------------- */

/**
 * x86_translate_init: register the frontend's globals (guest registers,
 * cc_*, rflags) in @s; once per context, before the first translation.
 * @s: a fresh context.
 */
void x86_translate_init(TCGContext *s);

/**
 * x86_translate_block: translate guest code starting at @tb->pc into IR.
 * @s: the translating thread's context (x86_translate_init done); the
 *   function calls tcg_func_start itself.
 * @cpu: the vCPU (only its paging state is used, through tcg_fetch_code:
 *   the translation depends on tb->pc/cs_base/flags alone).
 * @tb: pc, cs_base and flags set by the caller (x86_tb_pc/x86_tb_flags);
 *   on return size and icount are set, and phys_pc[0/1] are filled by
 *   tcg_fetch_code (tcg/softmmu.h).
 * @max_insns: 1..TB_MAX_INSNS; 1 gives a single-instruction block (used
 *   to finish an instruction whose block modified itself).
 *
 * The block ends at a branch, at an instruction that changes mode bits,
 * CR/MSR/segment state or IF, when the next instruction would start on
 * a page other than tb->pc's (one instruction may cross into the next
 * page; tcg_fetch_code records it), when an instruction's bytes are not
 * all readable (except for the first, whose fetch raises #PF and does
 * not return), or after @max_insns instructions (one more may be added
 * for an interrupt shadow, see above).  Undecodable or unimplemented
 * instructions become a run-time #UD (logged under -d unimp), never a
 * translation failure.
 *
 * Returns the number of guest instructions translated (>= 1).
 */
int x86_translate_block(TCGContext *s, X86CPU *cpu, TranslationBlock *tb,
                        int max_insns);

#endif
