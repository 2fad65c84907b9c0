/*
 * encode.h: the difftest generator's x86-64 encoder. An Insn describes one
 * instruction by its parts (prefixes, opcode, ModRM operands, immediate);
 * x86_encode() lays them out as bytes, choosing REX, ModRM, SIB and
 * displacement forms. It knows encoding rules only, not what instructions do.
 */
#ifndef DIFFTEST_ENCODE_H
#define DIFFTEST_ENCODE_H

#include <stdbool.h>
#include <stdint.h>

enum {
    RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
    R8, R9, R10, R11, R12, R13, R14, R15,
    /* byte registers only: ah, ch, dh, bh (encoded 4-7 without REX) */
    AH, CH, DH, BH,
};

typedef enum MemKind {
    MEM_NONE,
    MEM_BASE,       /* [base + index * scale + disp] (index optional) */
    MEM_INDEX,      /* [index * scale + disp32], no base */
    MEM_RIP,        /* [rip + disp32] to a blob offset */
} MemKind;

typedef struct Mem {
    MemKind kind;
    int base, index;        /* register numbers, -1 when absent */
    int scale;              /* 1, 2, 4, 8 */
    int64_t disp;           /* MEM_RIP: the target's blob offset */
    int dispsize;           /* 0, 1 or 4 bytes (MEM_INDEX/MEM_RIP: 4) */
    bool addr32;            /* 0x67 prefix */
    bool force_sib;         /* SIB byte even when not needed */
} Mem;

typedef struct Insn {
    uint8_t pfx[6];         /* legacy prefixes, in emission order */
    int npfx;
    int stray_rex;          /* a REX before the legacy prefixes (the CPU
                               ignores it), or -1 */
    bool rex_w;
    bool rex40;             /* emit a REX even when no bit is needed */
    uint8_t op[3];
    int nop;
    int opreg;              /* register in the opcode's low bits, or -1 */
    bool modrm;
    int reg;                /* ModRM.reg: register, or the /digit */
    bool reg_is_digit;
    bool reg8, rm8;         /* that operand is a byte register */
    int rm;                 /* ModRM.rm register when mem.kind == MEM_NONE */
    Mem mem;
    uint64_t imm;
    int immsize;            /* 0, 1, 2, 4, 8 */
} Insn;

/**
 * x86_insn_init: an empty instruction (no prefixes, no operands).
 * @in: the instruction to clear.
 */
void x86_insn_init(Insn *in);

/**
 * x86_encode: encode @in as it sits at blob offset @at.
 * @in: the instruction.
 * @at: its blob offset (RIP-relative displacements depend on it).
 * @out: at least 16 bytes.
 *
 * Returns the length, or -1 when the parts cannot be encoded together
 * (ah..bh with a REX, more than 15 bytes, rsp as index, a displacement
 * that does not fit).
 */
int x86_encode(const Insn *in, uint32_t at, uint8_t *out);

#endif
