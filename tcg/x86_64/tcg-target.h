/*
 * tcg-target.h: the x86-64 host as the code generator sees it: registers,
 * which ones calls clobber, the allocation order and the reserved ones.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCG_X86_64_TCG_TARGET_H
#define TCG_X86_64_TCG_TARGET_H

#define TCG_TARGET_NB_REGS 16

enum {
    TCG_REG_RAX, TCG_REG_RCX, TCG_REG_RDX, TCG_REG_RBX,
    TCG_REG_RSP, TCG_REG_RBP, TCG_REG_RSI, TCG_REG_RDI,
    TCG_REG_R8, TCG_REG_R9, TCG_REG_R10, TCG_REG_R11,
    TCG_REG_R12, TCG_REG_R13, TCG_REG_R14, TCG_REG_R15,
};

/* env (the X86CPU *) lives in rbp for the whole of generated code: a
 * callee-saved register, so helper calls preserve it for free. */
#define TCG_AREG0 TCG_REG_RBP
#define TCG_REG_CALL_STACK TCG_REG_RSP

#define TCG_REGSET(r) (1u << (r))

/* SysV: clobbered by calls */
#define TCG_TARGET_CALL_CLOBBER_REGS                                    \
    (TCG_REGSET(TCG_REG_RAX) | TCG_REGSET(TCG_REG_RCX) |                \
     TCG_REGSET(TCG_REG_RDX) | TCG_REGSET(TCG_REG_RSI) |                \
     TCG_REGSET(TCG_REG_RDI) | TCG_REGSET(TCG_REG_R8) |                 \
     TCG_REGSET(TCG_REG_R9) | TCG_REGSET(TCG_REG_R10) |                 \
     TCG_REGSET(TCG_REG_R11))

#define TCG_TARGET_RESERVED_REGS                                        \
    (TCG_REGSET(TCG_REG_RSP) | TCG_REGSET(TCG_AREG0))

#define TCG_TARGET_ALL_REGS 0xffffu

/* Callee-saved first: values survive helper calls without moves. */
#define TCG_TARGET_ALLOC_ORDER                                          \
    TCG_REG_RBX, TCG_REG_R12, TCG_REG_R13, TCG_REG_R14, TCG_REG_R15,    \
    TCG_REG_R10, TCG_REG_R11, TCG_REG_R9, TCG_REG_R8, TCG_REG_RCX,      \
    TCG_REG_RDX, TCG_REG_RSI, TCG_REG_RDI, TCG_REG_RAX

#define TCG_TARGET_CALL_ARG_REGS                                        \
    TCG_REG_RDI, TCG_REG_RSI, TCG_REG_RDX, TCG_REG_RCX, TCG_REG_R8,     \
    TCG_REG_R9

#define TCG_TARGET_CALL_RET_REG TCG_REG_RAX

#endif
