/*
 * gen.h: what the difftest generator's parts share (gen.c: the state
 * model, operands and emission, cases, the blob; insns.c: the instruction
 * groups). Internal to difftest-gen.
 */
#ifndef DIFFTEST_GEN_H
#define DIFFTEST_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "difftest.h"
#include "encode.h"

#define MAX_CASE_CODE   512
#define MAX_UNITS       24

typedef struct RegVal {
    uint64_t val;
    uint64_t known;         /* bits of val that are known */
    bool reloc;             /* an offset from window 0 (reserved) */
    bool dirty;             /* reloc with garbage above bit 31: 0x67 only */
} RegVal;

/* What the generator knows about the machine between two instructions. */
typedef struct State {
    RegVal r[16];
    uint16_t undef_regs;    /* never read or written again in this case */
    uint16_t reserved;      /* address registers: never written */
    uint16_t undef_flags;   /* never read again in this case */
    uint16_t feat;
    uint8_t mem[2][DT_WIN_SIZE];
    uint8_t mknown[2][DT_WIN_SIZE];
    uint8_t code[MAX_CASE_CODE];
    int code_len;
    int ninsns;
    bool stop;              /* a deliberate exception ends the case */
    bool df;                /* RFLAGS.DF: string ops walk down */
} State;

/* The state after each instruction group, for --prefixes. */
typedef struct Unit {
    int code_end;
    int ninsns;
    uint16_t undef_regs, undef_flags;
} Unit;

typedef struct Gen {
    uint64_t rng;
    uint32_t at;            /* blob offset of the current case's code */
    DtCase c;               /* its initial state */
    State s;
    Unit units[MAX_UNITS];
    int nunits;
    unsigned long faults;   /* deliberate exceptions generated */
    /*
     * For comparisons with QEMU 7.2: no REX before legacy prefixes (QEMU
     * obeys them, the CPU ignores them), no RIP-relative shld/shrd with an
     * imm8 (QEMU misses the imm8 in the RIP offset), no lock on a register
     * (QEMU runs "lock xor r, r" instead of #UD), no cmpxchg8b/16b (QEMU
     * loses the flags besides ZF) and no RIP-relative lea
     * (its result depends on where the loader put the blob, which differs).
     */
    bool qemu_compat;
} Gen;

/* What one instruction does, as far as the bookkeeping cares. */
typedef struct Eff {
    uint32_t rd, wr;        /* GPRs read / written */
    uint32_t wr_undef;      /* written with a value the manuals leave undefined */
    uint16_t fread, fwrite, fundef;
    int mwin, moff, msize;  /* window bytes it may write */
    bool mwrite;
    bool fault;             /* raises an exception by design */
} Eff;

/* An instruction group: emits one tested instruction (and its setup). */
typedef struct Group {
    bool (*fn)(Gen *g);
    int weight;
} Group;

/* insns.c */
extern const Group gen_groups[];
extern const size_t gen_ngroups;
void gen_filler(Gen *g);

/* gen.c */
uint64_t rnd(Gen *g);
unsigned rn(Gen *g, unsigned n);
bool chance(Gen *g, unsigned pct);
/* Values near the edges where flags and carries change. */
uint64_t interesting(Gen *g);
/* A register operand of @size bytes (size 1 may give ah..bh). */
int pick_reg(Gen *g, int size, bool write);
/* Known value of register operand @r (@size bytes) into *v. */
bool reg_known(Gen *g, int r, int size, uint64_t *v);
/* After a mov of an immediate: the bits it set are known again. */
void set_known(Gen *g, int r, int size, uint64_t v, const RegVal *old);
bool mem_known(Gen *g, int win, int off, int size, uint64_t *v);
/* Check @e against the state, encode @in and apply @e. */
bool emit(Gen *g, const Insn *in, const Eff *e, bool tested);
bool emit_decorated(Gen *g, Insn *in, const Eff *e);
/* mov @r (@size bytes), @v: a setup instruction with a known result. */
bool emit_mov_imm(Gen *g, int r, int size, uint64_t v);
int pick_scale(Gen *g);
/*
 * A memory operand whose effective address is @target bytes from the start
 * of window @win (the target may lie outside the window: bt's bit offset
 * moves the access). Window 1 is reached RIP-relative; window 0 through an
 * address register (reloc) plus maybe an index register of known value.
 */
bool build_addr(Gen *g, Mem *m, int win, int64_t target, Eff *e);
/* A memory operand of @size bytes inside a window; sets the Eff range. */
bool pick_mem(Gen *g, Mem *m, int size, bool write, Eff *e);
/* The ModRM.rm operand: a register, or window memory @mem_pct % of times. */
bool pick_rm(Gen *g, Insn *in, Eff *e, int size, bool write,
                    int mem_pct);
/* The ModRM.reg operand as a register. */
bool pick_regop(Gen *g, Insn *in, Eff *e, int size, bool write);
/* Operand size prefixes for @size; a 66 beside REX.W or on a byte op is
 * ignored by the CPU, and sometimes there anyway. */
void apply_size(Gen *g, Insn *in, int size);
int pick_size(Gen *g, Insn *in, bool byte_ok);
void set_imm(Gen *g, Insn *in, int size);

static inline int gpr(int r)
{
    return r >= AH ? r - AH : r;
}

static inline uint32_t bit(int r)
{
    return 1u << gpr(r);
}

static inline uint64_t size_mask(int size)
{
    return size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static inline void add_pfx(Insn *in, uint8_t p)
{
    in->pfx[in->npfx++] = p;
}

static inline void set_digit(Insn *in, int digit)
{
    in->modrm = true;
    in->reg = digit;
    in->reg_is_digit = true;
}

static inline void set_op(Insn *in, int n, uint8_t a, uint8_t b, uint8_t c)
{
    in->nop = n;
    in->op[0] = a;
    in->op[1] = b;
    in->op[2] = c;
}

static inline int imm_size(int opsize)
{
    return opsize > 4 ? 4 : opsize;
}

#endif
