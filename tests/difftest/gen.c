/*
 * gen.c: difftest-gen, the case generator of the differential tester.
 *
 *   difftest-gen -s SEED -n INSNS -o BLOB       all cases
 *   difftest-gen -s SEED -n INSNS --only K -o BLOB      case K alone
 *   difftest-gen -s SEED -n INSNS --prefixes K -o BLOB  case K cut after
 *                              0, 1, ... of its instruction groups
 *   difftest-gen -s SEED -n INSNS --show K      case K as JSON
 *
 * A case is a short sequence of integer instructions (ALU, shifts and
 * rotates, multiply and divide, bit tests and scans, setcc/cmovcc, moves
 * and extensions, lea, exchanges, bswap) with random operand sizes,
 * registers, addressing forms and prefixes, run from a random register and
 * flags state. The generator does not know what the instructions compute:
 * the hardware (KVM) is the reference. It only tracks what it must to keep
 * every case well defined: which registers still hold known values (so
 * memory operands land in the scratch windows and divisions do not fault
 * unless meant to), and which flags and registers the manuals leave
 * undefined (those are masked from the digest, and no later instruction of
 * the case may read them).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "difftest.h"
#include "encode.h"

#define CODE_OFF        (DT_RIP_OFF + DT_RIP_PAGES * DT_PAGE)
#define MAX_CASE_CODE   512
#define MAX_UNITS       24
#define MAX_GROUPS      6       /* tested instruction groups per case */

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
     * (QEMU runs "lock xor r, r" instead of #UD) and no RIP-relative lea
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

static const uint16_t cc_flags[16] = {
    DT_OF, DT_OF, DT_CF, DT_CF, DT_ZF, DT_ZF, DT_CF | DT_ZF, DT_CF | DT_ZF,
    DT_SF, DT_SF, DT_PF, DT_PF, DT_SF | DT_OF, DT_SF | DT_OF,
    DT_ZF | DT_SF | DT_OF, DT_ZF | DT_SF | DT_OF,
};

/* ---- randomness ---------------------------------------------------------- */

static uint64_t rnd(Gen *g)
{
    return dt_rand(&g->rng);
}

static unsigned rn(Gen *g, unsigned n)
{
    return rnd(g) % n;
}

static bool chance(Gen *g, unsigned pct)
{
    return rn(g, 100) < pct;
}

/* Values near the edges where flags and carries change. */
static uint64_t interesting(Gen *g)
{
    static const uint64_t edges[] = {
        0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
        0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull,
        0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, ~0ull - 1,
    };
    uint64_t v;

    switch (rn(g, 10)) {
    case 0:
        return edges[rn(g, sizeof(edges) / sizeof(edges[0]))];
    case 1:
        v = edges[rn(g, sizeof(edges) / sizeof(edges[0]))];
        return (rnd(g) << 32) | (uint32_t)v;
    case 2:
        v = edges[rn(g, 11)];
        return (rnd(g) << 16) | (uint16_t)v;
    case 3:
        return (uint64_t)((int64_t)rn(g, 65) - 32);
    case 4:
        v = 1ull << rn(g, 64);
        return chance(g, 50) ? v : ~v;
    case 5:
        return rnd(g) & rnd(g) & rnd(g);
    case 6:
        return (uint32_t)rnd(g);
    default:
        return rnd(g);
    }
}

/* ---- registers and memory model ------------------------------------------ */

static int gpr(int r)
{
    return r >= AH ? r - AH : r;
}

static uint32_t bit(int r)
{
    return 1u << gpr(r);
}

static bool usable(Gen *g, int r, bool write)
{
    if (g->s.undef_regs & bit(r)) {
        return false;
    }
    return !write || !(g->s.reserved & bit(r));
}

/* A register operand of @size bytes (size 1 may give ah..bh). */
static int pick_reg(Gen *g, int size, bool write)
{
    for (int tries = 0; tries < 64; tries++) {
        int r = size == 1 ? (int)rn(g, 20) : (int)rn(g, 16);

        if (usable(g, r, write)) {
            return r;
        }
    }
    return -1;
}

static uint64_t size_mask(int size)
{
    return size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* Known value of register operand @r (@size bytes) into *v. */
static bool reg_known(Gen *g, int r, int size, uint64_t *v)
{
    const RegVal *rv = &g->s.r[gpr(r)];
    int sh = r >= AH ? 8 : 0;
    uint64_t m = size_mask(size) << sh;

    if ((rv->known & m) != m || rv->reloc) {
        return false;
    }
    *v = (rv->val & m) >> sh;
    return true;
}

/* After a mov of an immediate: the bits it set are known again. */
static void set_known(Gen *g, int r, int size, uint64_t v, const RegVal *old)
{
    RegVal *rv = &g->s.r[gpr(r)];
    int sh = r >= AH ? 8 : 0;
    uint64_t m;

    if (size >= 4) {
        rv->val = size == 4 ? (uint32_t)v : v;
        rv->known = ~0ull;
        return;
    }
    m = size_mask(size) << sh;
    rv->val = (old->val & ~m) | ((v << sh) & m);
    rv->known = old->known | m;
}

static bool mem_known(Gen *g, int win, int off, int size, uint64_t *v)
{
    *v = 0;
    if (off < 0 || off + size > (int)DT_WIN_SIZE) {
        return false;
    }
    for (int i = 0; i < size; i++) {
        if (!g->s.mknown[win][off + i]) {
            return false;
        }
        *v |= (uint64_t)g->s.mem[win][off + i] << (8 * i);
    }
    return true;
}

/* ---- emitting ------------------------------------------------------------ */

static void add_pfx(Insn *in, uint8_t p)
{
    in->pfx[in->npfx++] = p;
}

/*
 * Random decorations the CPU must see through: legacy prefixes in any
 * order, a redundant segment override, a REX the CPU ignores because a
 * legacy prefix follows it, an empty REX.
 */
static void decorate(Gen *g, Insn *in)
{
    bool high8 = (in->modrm && !in->reg_is_digit && in->reg >= AH) ||
                 (in->modrm && in->mem.kind == MEM_NONE && in->rm >= AH);
    int mand = in->npfx && in->pfx[in->npfx - 1] == 0xf3;

    if (in->mem.kind != MEM_NONE && chance(g, 8) && in->npfx < 4) {
        static const uint8_t segs[] = { 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65 };
        /* fs/gs rarely: their bases are zero here, but they are real bases */
        uint8_t s = segs[chance(g, 85) ? rn(g, 4) : 4 + rn(g, 2)];

        if (mand) {
            in->pfx[in->npfx - 1] = s;
            add_pfx(in, 0xf3);
        } else {
            add_pfx(in, s);
        }
    }
    /* shuffle all but a mandatory F3, which stays next to the opcode */
    for (int i = in->npfx - mand - 1; i > 0; i--) {
        int j = rn(g, i + 1);
        uint8_t t = in->pfx[i];

        in->pfx[i] = in->pfx[j];
        in->pfx[j] = t;
    }
    if (!g->qemu_compat && chance(g, 3)) {
        if (!in->npfx) {
            add_pfx(in, chance(g, 50) ? 0x3e : 0x2e);
        }
        in->stray_rex = 0x40 | rn(g, 16);
    }
    if (!high8 && chance(g, 3)) {
        in->rex40 = true;
    }
}

static void mark_mem_unknown(Gen *g, int win, int off, int size)
{
    for (int i = off; i < off + size; i++) {
        if (i >= 0 && i < (int)DT_WIN_SIZE) {
            g->s.mknown[win][i] = 0;
        }
    }
}

/* Check @e against the state, encode @in and apply @e. */
static bool emit(Gen *g, const Insn *in, const Eff *e, bool tested)
{
    State *s = &g->s;
    uint8_t buf[16];
    int len;

    if (s->stop || ((e->rd | e->wr) & s->undef_regs) ||
        (e->wr & s->reserved) || (e->fread & s->undef_flags)) {
        return false;
    }
    len = x86_encode(in, g->at + s->code_len, buf);
    if (len < 0 || s->code_len + len + 8 > MAX_CASE_CODE) {
        return false;
    }
    memcpy(s->code + s->code_len, buf, len);
    s->code_len += len;
    s->ninsns += tested;
    if (e->fault) {
        s->stop = true;
        g->faults++;
        return true;
    }
    s->undef_flags = (s->undef_flags & ~e->fwrite) | e->fundef;
    s->undef_regs |= e->wr_undef;
    for (int r = 0; r < 16; r++) {
        if (e->wr & (1u << r)) {
            s->r[r].known = 0;
        }
    }
    if (e->mwrite) {
        mark_mem_unknown(g, e->mwin, e->moff, e->msize);
    }
    return true;
}

static bool emit_decorated(Gen *g, Insn *in, const Eff *e)
{
    decorate(g, in);
    return emit(g, in, e, true);
}

/* mov @r (@size bytes), @v: a setup instruction with a known result. */
static bool emit_mov_imm(Gen *g, int r, int size, uint64_t v)
{
    Insn in;
    Eff e = { .wr = bit(r) };
    RegVal old = g->s.r[gpr(r)];

    x86_insn_init(&in);
    if (size == 8) {
        in.rex_w = true;
        if ((int64_t)v == (int32_t)v) {     /* C7 /0 id, sign-extended */
            in.op[0] = 0xc7;
            in.nop = 1;
            in.modrm = true;
            in.reg_is_digit = true;
            in.rm = r;
            in.imm = v;
            in.immsize = 4;
        } else {
            in.op[0] = 0xb8;
            in.nop = 1;
            in.opreg = r;
            in.imm = v;
            in.immsize = 8;
        }
    } else {
        if (size == 2) {
            add_pfx(&in, 0x66);
        }
        in.op[0] = size == 1 ? 0xb0 : 0xb8;
        in.nop = 1;
        in.opreg = r;
        in.rm8 = size == 1;
        in.imm = v;
        in.immsize = size;
    }
    if (!emit(g, &in, &e, true)) {
        return false;
    }
    set_known(g, r, size, v, &old);
    return true;
}

/* ---- operands ------------------------------------------------------------ */

static int pick_scale(Gen *g)
{
    return 1 << rn(g, 4);
}

/*
 * A memory operand whose effective address is @target bytes from the start
 * of window @win (the target may lie outside the window: bt's bit offset
 * moves the access). Window 1 is reached RIP-relative; window 0 through an
 * address register (reloc) plus maybe an index register of known value.
 */
static bool build_addr(Gen *g, Mem *m, int win, int64_t target, Eff *e)
{
    int cand[16], ncand = 0, base, index = -1, scale = 1;
    int64_t ival = 0;
    bool addr32 = chance(g, 20);

    memset(m, 0, sizeof(*m));
    m->base = m->index = -1;
    m->scale = 1;
    if (win == 1) {
        m->kind = MEM_RIP;
        m->disp = DT_RIP_WIN + target;
        m->addr32 = chance(g, 10);
        return true;
    }
    for (int r = 0; r < 16; r++) {
        const RegVal *rv = &g->s.r[r];

        if (rv->reloc && rv->known == ~0ull && (addr32 || !rv->dirty) &&
            !(g->s.undef_regs & (1u << r))) {
            cand[ncand++] = r;
        }
    }
    if (!ncand) {
        return false;
    }
    base = cand[rn(g, ncand)];
    if (base != RSP && chance(g, 15)) {
        int64_t d = addr32 ? (int32_t)(uint32_t)(target - g->s.r[base].val)
                           : target - (int64_t)g->s.r[base].val;

        if (d < INT32_MIN || d > INT32_MAX) {
            return false;
        }
        m->kind = MEM_INDEX;
        m->index = base;
        m->disp = d;
        m->dispsize = 4;
        m->addr32 = addr32;
        e->rd |= 1u << base;
        return true;
    }
    if (chance(g, 50)) {
        for (int tries = 0; tries < 8; tries++) {
            int r = rn(g, 16);
            const RegVal *rv = &g->s.r[r];

            if (r == RSP || rv->reloc || rv->known != ~0ull ||
                (g->s.undef_regs & (1u << r))) {
                continue;
            }
            scale = pick_scale(g);
            if (addr32) {
                ival = (int64_t)(uint32_t)rv->val * scale;
            } else if ((int64_t)rv->val > -(1 << 24) &&
                       (int64_t)rv->val < (1 << 24)) {
                ival = (int64_t)rv->val * scale;
            } else {
                continue;
            }
            index = r;
            break;
        }
    }
    m->kind = MEM_BASE;
    m->base = base;
    m->index = index;
    m->scale = index < 0 ? 1 : scale;
    m->addr32 = addr32;
    m->force_sib = chance(g, 10);
    if (addr32) {
        m->disp = (int32_t)(uint32_t)(target - g->s.r[base].val - ival);
    } else {
        m->disp = target - (int64_t)g->s.r[base].val - ival;
        if (m->disp < INT32_MIN || m->disp > INT32_MAX) {
            return false;
        }
    }
    if (m->disp == 0 && chance(g, 60)) {
        m->dispsize = 0;
    } else if (m->disp >= -128 && m->disp <= 127 && chance(g, 70)) {
        m->dispsize = 1;
    } else {
        m->dispsize = 4;
    }
    e->rd |= 1u << base;
    if (index >= 0) {
        e->rd |= 1u << index;
    }
    return true;
}

/* A memory operand of @size bytes inside a window; sets the Eff range. */
static bool pick_mem(Gen *g, Mem *m, int size, bool write, Eff *e)
{
    int win = chance(g, 25) ? 1 : 0;
    int off;

    if (size > 1 && chance(g, 30)) {       /* straddle the page boundary */
        off = DT_WIN_SPLIT - size + 1 + rn(g, size - 1);
    } else {
        off = rn(g, DT_WIN_SIZE - size + 1);
    }
    if (!build_addr(g, m, win, off, e)) {
        return false;
    }
    e->mwin = win;
    e->moff = off;
    e->msize = size;
    e->mwrite = write;
    return true;
}

/* The ModRM.rm operand: a register, or window memory @mem_pct % of times. */
static bool pick_rm(Gen *g, Insn *in, Eff *e, int size, bool write,
                    int mem_pct)
{
    int r;

    in->modrm = true;
    if (chance(g, mem_pct) && pick_mem(g, &in->mem, size, write, e)) {
        return true;
    }
    r = pick_reg(g, size, write);
    if (r < 0) {
        return false;
    }
    in->rm = r;
    in->rm8 = size == 1;
    e->rd |= bit(r);
    if (write) {
        e->wr |= bit(r);
    }
    return true;
}

/* The ModRM.reg operand as a register. */
static bool pick_regop(Gen *g, Insn *in, Eff *e, int size, bool write)
{
    int r = pick_reg(g, size, write);

    if (r < 0) {
        return false;
    }
    in->modrm = true;
    in->reg = r;
    in->reg8 = size == 1;
    e->rd |= bit(r);
    if (write) {
        e->wr |= bit(r);
    }
    return true;
}

static void set_digit(Insn *in, int digit)
{
    in->modrm = true;
    in->reg = digit;
    in->reg_is_digit = true;
}

/* Operand size prefixes for @size; a 66 beside REX.W or on a byte op is
 * ignored by the CPU, and sometimes there anyway. */
static void apply_size(Gen *g, Insn *in, int size)
{
    if (size == 2) {
        add_pfx(in, 0x66);
    } else if (size == 8) {
        in->rex_w = true;
        if (chance(g, 5)) {
            add_pfx(in, 0x66);
        }
    } else if (size == 1 && chance(g, 3)) {
        add_pfx(in, 0x66);
    }
}

static int pick_size(Gen *g, Insn *in, bool byte_ok)
{
    static const int sizes[] = { 1, 2, 4, 8 };
    int size = byte_ok ? sizes[rn(g, 4)] : sizes[1 + rn(g, 3)];

    apply_size(g, in, size);
    return size;
}

static void set_op(Insn *in, int n, uint8_t a, uint8_t b, uint8_t c)
{
    in->nop = n;
    in->op[0] = a;
    in->op[1] = b;
    in->op[2] = c;
}

static void set_imm(Gen *g, Insn *in, int size)
{
    in->immsize = size;
    in->imm = interesting(g) & size_mask(size);
}

static int imm_size(int opsize)
{
    return opsize > 4 ? 4 : opsize;
}

/* ---- instruction groups -------------------------------------------------- */

/* add or adc sbb and sub xor cmp, every form */
static bool gen_alu(Gen *g)
{
    Insn in;
    Eff e = { 0 };
    int op = rn(g, 8), form = rn(g, 9), size;
    bool logic = op == 1 || op == 4 || op == 6, wr = op != 7;

    x86_insn_init(&in);
    e.fread = (op == 2 || op == 3) ? DT_CF : 0;
    e.fwrite = logic ? DT_ARITH & ~DT_AF : DT_ARITH;
    e.fundef = logic ? DT_AF : 0;
    switch (form) {
    case 0: case 1:     /* r/m, reg */
    case 2: case 3:     /* reg, r/m */
        size = pick_size(g, &in, false);
        if (!(form & 1)) {
            size = 1;
            in.rex_w = false;
        }
        set_op(&in, 1, op * 8 + form, 0, 0);
        if (form < 2) {
            if (!pick_regop(g, &in, &e, size, false) ||
                !pick_rm(g, &in, &e, size, wr, 40)) {
                return false;
            }
        } else if (!pick_regop(g, &in, &e, size, wr) ||
                   !pick_rm(g, &in, &e, size, false, 40)) {
            return false;
        }
        break;
    case 4: case 5:     /* al/ax/eax/rax, imm */
        size = form == 4 ? 1 : pick_size(g, &in, false);
        if (form == 4) {
            apply_size(g, &in, 1);
        }
        set_op(&in, 1, op * 8 + form, 0, 0);
        set_imm(g, &in, imm_size(size));
        e.rd |= 1u << RAX;
        e.wr |= wr ? 1u << RAX : 0;
        break;
    default:            /* 80 /op ib, 81 /op iz, 83 /op ib */
        size = pick_size(g, &in, form == 6);
        if (form == 6) {
            size = 1;
            in.rex_w = false;
        }
        set_op(&in, 1, form == 8 ? 0x83 : 0x80 + (form - 6), 0, 0);
        set_digit(&in, op);
        if (!pick_rm(g, &in, &e, size, wr, 40)) {
            return false;
        }
        set_imm(g, &in, form == 7 ? imm_size(size) : 1);
        break;
    }
    /* lock: on a memory destination; on cmp or a register it is #UD */
    if (form != 4 && form != 5) {
        bool mem_dest = (form < 2 || form > 5) && in.mem.kind != MEM_NONE;

        if (mem_dest && chance(g, wr ? 25 : 2)) {
            add_pfx(&in, 0xf0);
            e.fault = !wr;
        } else if (!mem_dest && !g->qemu_compat && chance(g, 1)) {
            add_pfx(&in, 0xf0);
            e.fault = true;
        }
    }
    return emit_decorated(g, &in, &e);
}

static bool gen_test(Gen *g)
{
    Insn in;
    Eff e = { .fwrite = DT_ARITH & ~DT_AF, .fundef = DT_AF };
    int form = rn(g, 3), size;

    x86_insn_init(&in);
    size = pick_size(g, &in, true);
    switch (form) {
    case 0:
        set_op(&in, 1, size == 1 ? 0x84 : 0x85, 0, 0);
        if (!pick_regop(g, &in, &e, size, false) ||
            !pick_rm(g, &in, &e, size, false, 40)) {
            return false;
        }
        break;
    case 1:
        set_op(&in, 1, size == 1 ? 0xa8 : 0xa9, 0, 0);
        e.rd |= 1u << RAX;
        set_imm(g, &in, imm_size(size));
        break;
    default:
        set_op(&in, 1, size == 1 ? 0xf6 : 0xf7, 0, 0);
        set_digit(&in, 0);
        if (!pick_rm(g, &in, &e, size, false, 40)) {
            return false;
        }
        set_imm(g, &in, imm_size(size));
        break;
    }
    return emit_decorated(g, &in, &e);
}

static bool gen_mov(Gen *g)
{
    Insn in;
    Eff e = { 0 };
    int form = rn(g, 4), size, r;
    RegVal old;

    x86_insn_init(&in);
    size = pick_size(g, &in, true);
    switch (form) {
    case 0:             /* 88/89 r/m, reg */
    case 1:             /* 8a/8b reg, r/m */
        set_op(&in, 1, 0x88 + form * 2 + (size > 1), 0, 0);
        if (!pick_regop(g, &in, &e, size, form == 1) ||
            !pick_rm(g, &in, &e, size, form == 0, 40)) {
            return false;
        }
        return emit_decorated(g, &in, &e);
    case 2:             /* b0+r ib, b8+r iw/id/io */
        r = pick_reg(g, size, true);
        if (r < 0) {
            return false;
        }
        set_op(&in, 1, size == 1 ? 0xb0 : 0xb8, 0, 0);
        in.opreg = r;
        in.rm8 = size == 1;
        set_imm(g, &in, size);
        e.wr = bit(r);
        old = g->s.r[gpr(r)];
        if (!emit_decorated(g, &in, &e)) {
            return false;
        }
        set_known(g, r, size, in.imm, &old);
        return true;
    default:            /* c6/c7 /0 */
        set_op(&in, 1, size == 1 ? 0xc6 : 0xc7, 0, 0);
        set_digit(&in, 0);
        if (!pick_rm(g, &in, &e, size, true, 50)) {
            return false;
        }
        set_imm(g, &in, imm_size(size));
        if (in.mem.kind != MEM_NONE) {
            return emit_decorated(g, &in, &e);
        }
        old = g->s.r[gpr(in.rm)];
        if (!emit_decorated(g, &in, &e)) {
            return false;
        }
        set_known(g, in.rm, size,
                  size == 8 ? (uint64_t)(int64_t)(int32_t)in.imm : in.imm, &old);
        return true;
    }
}

/* not, neg, inc, dec */
static bool gen_unary(Gen *g)
{
    Insn in;
    Eff e = { 0 };
    int kind = rn(g, 4), size;

    x86_insn_init(&in);
    size = pick_size(g, &in, true);
    if (kind < 2) {
        set_op(&in, 1, size == 1 ? 0xf6 : 0xf7, 0, 0);
        set_digit(&in, 2 + kind);
        e.fwrite = kind ? DT_ARITH : 0;
    } else {
        set_op(&in, 1, size == 1 ? 0xfe : 0xff, 0, 0);
        set_digit(&in, kind - 2);
        e.fwrite = DT_ARITH & ~DT_CF;
    }
    if (!pick_rm(g, &in, &e, size, true, 40)) {
        return false;
    }
    if (in.mem.kind != MEM_NONE && chance(g, 25)) {
        add_pfx(&in, 0xf0);
    }
    return emit_decorated(g, &in, &e);
}

/* one-operand mul and imul */
static bool gen_mul(Gen *g)
{
    Insn in;
    Eff e = { .fwrite = DT_CF | DT_OF,
              .fundef = DT_SF | DT_ZF | DT_AF | DT_PF };
    int size;

    x86_insn_init(&in);
    size = pick_size(g, &in, true);
    set_op(&in, 1, size == 1 ? 0xf6 : 0xf7, 0, 0);
    set_digit(&in, 4 + rn(g, 2));
    if (!pick_rm(g, &in, &e, size, false, 35)) {
        return false;
    }
    e.rd |= 1u << RAX;
    e.wr |= 1u << RAX | (size > 1 ? 1u << RDX : 0);
    return emit_decorated(g, &in, &e);
}

/* imul reg, r/m; imul reg, r/m, imm */
static bool gen_imul(Gen *g)
{
    Insn in;
    Eff e = { .fwrite = DT_CF | DT_OF,
              .fundef = DT_SF | DT_ZF | DT_AF | DT_PF };
    int form = rn(g, 3), size;

    x86_insn_init(&in);
    size = pick_size(g, &in, false);
    if (form == 0) {
        set_op(&in, 2, 0x0f, 0xaf, 0);
    } else {
        set_op(&in, 1, form == 1 ? 0x6b : 0x69, 0, 0);
        set_imm(g, &in, form == 1 ? 1 : imm_size(size));
    }
    if (!pick_regop(g, &in, &e, size, true) ||
        !pick_rm(g, &in, &e, size, false, 35)) {
        return false;
    }
    return emit_decorated(g, &in, &e);
}

typedef unsigned __int128 u128;
typedef __int128 s128;

/*
 * div/idiv after movs that set up dividend and divisor: a quotient that
 * fits, or (rarely, as the case's last instruction) a #DE on purpose.
 */
static bool gen_div(Gen *g)
{
    static const int sizes[] = { 1, 2, 4, 8 };
    int size = sizes[rn(g, 4)], n = 8 * size, dr = -1;
    bool sgn = chance(g, 50), fault = chance(g, 6), use_mem = chance(g, 35);
    uint64_t mask = size_mask(size), d, lo, hi;
    Insn in;
    Eff e = { .fundef = DT_ARITH };
    Mem mem;
    Eff me = { 0 };

    if (sgn) {
        s128 sd, q, r, x;
        s128 lim = (s128)1 << (n - 1);

        do {
            sd = (s128)(int64_t)interesting(g) % lim;
        } while (sd == 0);
        if (use_mem && size == 8) {
            sd = (int32_t)sd ? (int32_t)sd : 7;
        }
        q = (s128)(int64_t)interesting(g) % lim;
        if (fault && chance(g, 50)) {
            q = chance(g, 50) ? lim + rn(g, 4) : -lim - 1 - rn(g, 4);
        }
        r = (s128)(rnd(g) % (uint64_t)(sd < 0 ? -sd : sd));
        if ((q < 0) != (sd < 0) || (q == 0 && chance(g, 50))) {
            r = -r;
        }
        x = q * sd + r;
        if (fault && (q >= -lim && q < lim)) {
            sd = 0;
        }
        d = (uint64_t)sd & mask;
        lo = (uint64_t)x & mask;
        hi = (uint64_t)(x >> n) & mask;
    } else {
        u128 ud, q, r, x;
        u128 lim = (u128)1 << n;

        do {
            ud = interesting(g) & mask;
        } while (ud == 0);
        if (use_mem && size == 8) {
            ud = (uint64_t)(int64_t)(int32_t)ud ? ud : 7;
            ud = (uint64_t)(int64_t)(int32_t)ud;
        }
        q = (interesting(g) & mask) % lim;
        r = rnd(g) % (uint64_t)ud;
        x = q * ud + r;
        d = (uint64_t)ud & mask;
        lo = (uint64_t)x & mask;
        hi = (uint64_t)(x >> n) & mask;
        if (fault && chance(g, 50)) {
            d = 0;
        } else if (fault) {         /* high half >= divisor: too big */
            hi = d + rnd(g) % ((u128)mask - d + 1);
        }
    }

    /* dividend: ax for bytes, else rdx:rax; high bits beyond it random */
    if (size == 1) {
        if (!emit_mov_imm(g, RAX, 4, (rnd(g) << 16 | hi << 8 | lo) &
                          0xffffffffull)) {
            return false;
        }
    } else if (!emit_mov_imm(g, RAX, 8, (rnd(g) & ~mask) | lo) ||
               !emit_mov_imm(g, RDX, 8, (rnd(g) & ~mask) | hi)) {
        return false;
    }
    x86_insn_init(&in);
    if (use_mem && pick_mem(g, &mem, size, true, &me)) {
        Insn st;

        x86_insn_init(&st);
        apply_size(g, &st, size);
        set_op(&st, 1, size == 1 ? 0xc6 : 0xc7, 0, 0);
        set_digit(&st, 0);
        st.mem = mem;
        st.imm = d;
        st.immsize = imm_size(size);
        if (!emit(g, &st, &me, true)) {
            return false;
        }
        in.modrm = true;
        in.mem = mem;
        e.rd |= me.rd;
    } else {
        for (int tries = 0; tries < 16 && dr < 0; tries++) {
            int r = pick_reg(g, size, true);

            if (r >= 0 && gpr(r) != RAX && r != AH &&
                (size == 1 || gpr(r) != RDX)) {
                dr = r;
            }
        }
        if (dr < 0 || !emit_mov_imm(g, dr, size == 1 ? 1 : 8,
                                    size == 1 ? d : (rnd(g) & ~mask) | d)) {
            return false;
        }
        in.modrm = true;
        in.rm = dr;
        in.rm8 = size == 1;
        e.rd |= bit(dr);
    }
    apply_size(g, &in, size);
    set_op(&in, 1, size == 1 ? 0xf6 : 0xf7, 0, 0);
    set_digit(&in, sgn ? 7 : 6);
    e.rd |= 1u << RAX | 1u << RDX;
    e.wr |= 1u << RAX | (size > 1 ? 1u << RDX : 0);
    e.fault = fault;
    return emit_decorated(g, &in, &e);
}

/* Flags a shift or rotate writes (defined) and leaves undefined, for one
 * masked count @c; *rcf when the result depends on the incoming CF. */
static void shift_flags(int d, int nbits, unsigned c, uint16_t *w,
                        uint16_t *u, bool *rcf)
{
    unsigned t;

    *w = *u = 0;
    *rcf = false;
    if (c == 0) {
        return;
    }
    switch (d) {
    case 0: case 1:                     /* rol, ror */
        *w = DT_CF;
        break;
    case 2: case 3:                     /* rcl, rcr: through CF */
        t = nbits < 32 ? c % (nbits + 1) : c;
        if (t) {
            *w = DT_CF;
            *rcf = true;
        }
        break;
    default:                            /* shl, shr, sar */
        *w = DT_CF | DT_SF | DT_ZF | DT_PF;
        *u = DT_AF;
        if (d != 7 && c >= (unsigned)nbits) {
            *w &= ~DT_CF;               /* SHL/SHR: CF undefined */
            *u |= DT_CF;
        }
        break;
    }
    if (c == 1) {
        *w |= DT_OF;
        *rcf |= d == 2 || d == 3;
    } else {
        *u |= DT_OF;
    }
}

/* rol ror rcl rcr shl shr sar, by 1, by cl, by imm8 */
static bool gen_shift(Gen *g)
{
    static const int digits[] = { 0, 1, 2, 3, 4, 5, 7 };
    int d = digits[rn(g, 7)], form = rn(g, 3), size, cmask;
    uint64_t count = 0;
    bool known = true, rcf = false;
    Insn in;
    Eff e = { 0 };

    x86_insn_init(&in);
    size = pick_size(g, &in, true);
    cmask = size == 8 ? 63 : 31;
    if (form == 0) {
        set_op(&in, 1, size == 1 ? 0xd0 : 0xd1, 0, 0);
        count = 1;
    } else if (form == 1) {
        set_op(&in, 1, size == 1 ? 0xd2 : 0xd3, 0, 0);
        if (chance(g, 40) && !emit_mov_imm(g, RCX, 1, rn(g, 256))) {
            return false;
        }
        known = reg_known(g, RCX, 1, &count);
        e.rd |= 1u << RCX;
    } else {
        static const unsigned counts[] = { 0, 1, 2, 7, 8, 9, 15, 16, 17,
                                           31, 32, 33, 63, 64, 65, 255 };
        set_op(&in, 1, size == 1 ? 0xc0 : 0xc1, 0, 0);
        count = chance(g, 50) ? counts[rn(g, 16)] : rn(g, 256);
        in.imm = count;
        in.immsize = 1;
    }
    set_digit(&in, d);
    if (known) {
        shift_flags(d, 8 * size, count & cmask, &e.fwrite, &e.fundef, &rcf);
    } else {
        e.fwrite = DT_ARITH;
        for (int c = 0; c <= cmask; c++) {
            uint16_t w, u;
            bool rc;

            shift_flags(d, 8 * size, c, &w, &u, &rc);
            e.fwrite &= w;
            e.fundef |= u;
            rcf |= rc;
        }
    }
    e.fread = rcf ? DT_CF : 0;
    if (!pick_rm(g, &in, &e, size, true, 35)) {
        return false;
    }
    return emit_decorated(g, &in, &e);
}

/* shld, shrd by imm8 or cl */
static bool gen_shd(Gen *g)
{
    int right = rn(g, 2), by_cl = rn(g, 2), size, n, cmask;
    uint64_t count = 0;
    bool known = true, dest_undef = false;
    Insn in;
    Eff e = { 0 };

    x86_insn_init(&in);
    size = pick_size(g, &in, false);
    n = 8 * size;
    cmask = size == 8 ? 63 : 31;
    set_op(&in, 2, 0x0f, 0xa4 + right * 8 + by_cl, 0);
    if (by_cl) {
        if (chance(g, 40) && !emit_mov_imm(g, RCX, 1, rn(g, 64))) {
            return false;
        }
        known = reg_known(g, RCX, 1, &count);
        e.rd |= 1u << RCX;
    } else {
        count = chance(g, 30) ? (unsigned)(n - 1 + rn(g, 3)) : rn(g, 256);
        in.imm = count;
        in.immsize = 1;
    }
    for (int c = known ? (int)(count & cmask) : 0;
         c <= (known ? (int)(count & cmask) : cmask); c++) {
        uint16_t w = 0, u = 0;

        if (c > n) {                    /* 16-bit only: all undefined */
            u = DT_ARITH;
            dest_undef = true;
        } else if (c) {
            w = DT_CF | DT_SF | DT_ZF | DT_PF | (c == 1 ? DT_OF : 0);
            u = DT_AF | (c == 1 ? 0 : DT_OF);
        }
        e.fwrite = (known || c == 0) ? w : e.fwrite & w;
        e.fundef |= u;
    }
    if (!pick_regop(g, &in, &e, size, false) ||
        !pick_rm(g, &in, &e, size, true, dest_undef ? 0 : 35)) {
        return false;
    }
    if (g->qemu_compat && !by_cl && in.mem.kind == MEM_RIP) {
        return false;
    }
    if (dest_undef) {
        e.wr_undef = bit(in.rm);
    }
    return emit_decorated(g, &in, &e);
}

/* bt bts btr btc, bit offset in a register or an imm8 */
static bool gen_bt(Gen *g)
{
    int kind = rn(g, 4), size, n, r;
    bool wr = kind != 0;
    Insn in;
    Eff e = { .fwrite = DT_CF, .fundef = DT_OF | DT_SF | DT_AF | DT_PF };

    x86_insn_init(&in);
    size = pick_size(g, &in, false);
    n = 8 * size;
    if (chance(g, 40)) {
        set_op(&in, 2, 0x0f, 0xba, 0);
        set_digit(&in, 4 + kind);
        if (!pick_rm(g, &in, &e, size, wr, 40)) {
            return false;
        }
        in.imm = rn(g, 256);
        in.immsize = 1;
    } else {
        set_op(&in, 2, 0x0f, 0xa3 + kind * 8, 0);
        if (chance(g, 45)) {
            /*
             * Memory with a register bit offset: the offset reaches
             * outside the operand, so it is set up and the operand's
             * address is placed so the access lands in the window.
             */
            int k = (int)rn(g, 13) - 6, b = rn(g, n), win = chance(g, 25);
            int t = 16 + rn(g, DT_WIN_SIZE - 32);
            int64_t v = (int64_t)k * n + b;

            r = pick_reg(g, 8, true);
            if (r < 0 || !emit_mov_imm(g, r, 8, (uint64_t)v)) {
                return false;
            }
            in.modrm = true;
            in.reg = r;
            e.rd |= bit(r);
            if (!build_addr(g, &in.mem, win, t - (int64_t)k * size, &e)) {
                return false;
            }
            e.mwin = win;
            e.moff = t - 4;
            e.msize = size + 8;
            e.mwrite = wr;
        } else if (!pick_regop(g, &in, &e, size, false) ||
                   !pick_rm(g, &in, &e, size, wr, 0)) {
            return false;
        }
    }
    if (wr && in.mem.kind != MEM_NONE && chance(g, 30)) {
        add_pfx(&in, 0xf0);
    }
    return emit_decorated(g, &in, &e);
}

/* bsf, bsr, and with F3: tzcnt, lzcnt, popcnt */
static bool gen_bitscan(Gen *g)
{
    static const uint8_t ops[] = { 0xbc, 0xbd, 0xbc, 0xbd, 0xb8 };
    static const uint16_t feats[] = { 0, 0, DT_FEAT_BMI1, DT_FEAT_LZCNT,
                                      DT_FEAT_POPCNT };
    int kind = rn(g, 5), size;
    uint64_t v;
    bool nonzero;
    Insn in;
    Eff e = { 0 };

    x86_insn_init(&in);
    size = pick_size(g, &in, false);
    if (kind >= 2) {
        add_pfx(&in, 0xf3);
    }
    set_op(&in, 2, 0x0f, ops[kind], 0);
    if (!pick_regop(g, &in, &e, size, true) ||
        !pick_rm(g, &in, &e, size, false, 35)) {
        return false;
    }
    if (kind < 2) {
        e.fwrite = DT_ZF;
        e.fundef = DT_ARITH & ~DT_ZF;
        nonzero = in.mem.kind == MEM_NONE
                  ? reg_known(g, in.rm, size, &v) && v
                  : mem_known(g, e.mwin, e.moff, size, &v) && v;
        if (!nonzero) {
            e.wr_undef = bit(in.reg);   /* source 0: destination undefined */
        }
    } else if (kind < 4) {
        e.fwrite = DT_CF | DT_ZF;
        e.fundef = DT_OF | DT_SF | DT_PF | DT_AF;
    } else {
        e.fwrite = DT_ARITH;
    }
    e.mwrite = false;
    if (!emit_decorated(g, &in, &e)) {
        return false;
    }
    g->s.feat |= feats[kind];
    return true;
}

/* setcc r/m8, cmovcc reg, r/m */
static bool gen_cc(Gen *g)
{
    int cc = rn(g, 16), size;
    Insn in;
    Eff e = { .fread = cc_flags[cc] };

    x86_insn_init(&in);
    if (chance(g, 45)) {
        set_op(&in, 2, 0x0f, 0x90 + cc, 0);
        set_digit(&in, 0);
        if (chance(g, 3)) {
            add_pfx(&in, 0x66);
        }
        if (!pick_rm(g, &in, &e, 1, true, 30)) {
            return false;
        }
    } else {
        size = pick_size(g, &in, false);
        set_op(&in, 2, 0x0f, 0x40 + cc, 0);
        if (!pick_regop(g, &in, &e, size, true) ||
            !pick_rm(g, &in, &e, size, false, 35)) {
            return false;
        }
    }
    return emit_decorated(g, &in, &e);
}

/* movzx, movsx, movsxd */
static bool gen_movx(Gen *g)
{
    int kind = rn(g, 5), dsize, ssize;
    Insn in;
    Eff e = { 0 };

    x86_insn_init(&in);
    if (kind == 4) {
        dsize = chance(g, 85) ? 8 : 4;
        ssize = 4;
        apply_size(g, &in, dsize);
        set_op(&in, 1, 0x63, 0, 0);
    } else {
        ssize = kind & 1 ? 2 : 1;
        do {
            dsize = 2 << rn(g, 3);
        } while (dsize == 2 && ssize == 2 && chance(g, 80));
        apply_size(g, &in, dsize);
        set_op(&in, 2, 0x0f, (kind < 2 ? 0xb6 : 0xbe) + (kind & 1), 0);
    }
    if (!pick_regop(g, &in, &e, dsize, true) ||
        !pick_rm(g, &in, &e, ssize, false, 35)) {
        return false;
    }
    in.reg8 = false;
    return emit_decorated(g, &in, &e);
}

/* lea: any registers, any addressing form; no memory is accessed */
static bool gen_lea(Gen *g)
{
    Insn in;
    Eff e = { 0 };
    Mem *m = &in.mem;
    int size, kind = rn(g, 10);

    x86_insn_init(&in);
    size = pick_size(g, &in, false);
    set_op(&in, 1, 0x8d, 0, 0);
    if (!pick_regop(g, &in, &e, size, true)) {
        return false;
    }
    m->addr32 = chance(g, 25);
    m->disp = chance(g, 50) ? (int64_t)(int8_t)rnd(g) : (int64_t)(int32_t)rnd(g);
    m->dispsize = m->disp >= -128 && m->disp <= 127 ? 1 : 4;
    if (kind == 0 && !g->qemu_compat) {
        m->kind = MEM_RIP;
        m->disp = (int64_t)(uint32_t)rnd(g) % (1 << 20);
    } else {
        m->kind = kind == 1 ? MEM_INDEX : MEM_BASE;
        if (m->kind == MEM_BASE) {
            m->base = pick_reg(g, 8, false);
            if (m->base < 0) {
                return false;
            }
            e.rd |= 1u << m->base;
            if (m->disp == 0 && chance(g, 50)) {
                m->dispsize = 0;
            }
        } else {
            m->dispsize = 4;
        }
        if (m->kind == MEM_INDEX || chance(g, 60)) {
            m->index = pick_reg(g, 8, false);
            if (m->index < 0 || m->index == RSP) {
                return false;
            }
            m->scale = pick_scale(g);
            e.rd |= 1u << m->index;
        }
        m->force_sib = chance(g, 10);
    }
    return emit_decorated(g, &in, &e);
}

/* xchg, xchg with the accumulator (90+r), xadd, cmpxchg */
static bool gen_xchg(Gen *g)
{
    int kind = rn(g, 4), size, r;
    Insn in;
    Eff e = { 0 };

    x86_insn_init(&in);
    size = pick_size(g, &in, kind != 1);
    switch (kind) {
    case 0:
        set_op(&in, 1, size == 1 ? 0x86 : 0x87, 0, 0);
        if (!pick_regop(g, &in, &e, size, true) ||
            !pick_rm(g, &in, &e, size, true, 40)) {
            return false;
        }
        break;
    case 1:                 /* 90+r; plain 90 is nop, 41 90 is not */
        r = pick_reg(g, size, true);
        if (r < 0) {
            return false;
        }
        set_op(&in, 1, 0x90, 0, 0);
        in.opreg = r;
        e.rd = e.wr = 1u << RAX | bit(r);
        break;
    default:                /* xadd: flags of add; cmpxchg: of cmp */
        set_op(&in, 2, 0x0f, (kind == 2 ? 0xc0 : 0xb0) + (size > 1), 0);
        if (!pick_regop(g, &in, &e, size, kind == 2) ||
            !pick_rm(g, &in, &e, size, true, 45)) {
            return false;
        }
        e.fwrite = DT_ARITH;
        if (kind == 3) {
            e.rd |= 1u << RAX;
            e.wr |= 1u << RAX;
        }
        break;
    }
    if (in.mem.kind != MEM_NONE && chance(g, 30)) {
        add_pfx(&in, 0xf0);
    }
    return emit_decorated(g, &in, &e);
}

/* bswap, cbw/cwde/cdqe, cwd/cdq/cqo, clc/stc/cmc */
static bool gen_misc(Gen *g)
{
    static const uint8_t flagops[] = { 0xf8, 0xf9, 0xf5 };
    int kind = rn(g, 4), size, r, f;
    Insn in;
    Eff e = { 0 };

    x86_insn_init(&in);
    switch (kind) {
    case 0:
        size = chance(g, 50) ? 4 : 8;
        apply_size(g, &in, size);
        r = pick_reg(g, 8, true);
        if (r < 0) {
            return false;
        }
        set_op(&in, 2, 0x0f, 0xc8, 0);
        in.opreg = r;
        e.rd = e.wr = bit(r);
        break;
    case 1: case 2:
        size = pick_size(g, &in, false);
        set_op(&in, 1, 0x97 + kind, 0, 0);
        e.rd = 1u << RAX;
        e.wr = kind == 1 ? 1u << RAX : 1u << RDX;
        break;
    default:
        f = rn(g, 3);
        set_op(&in, 1, flagops[f], 0, 0);
        e.fwrite = DT_CF;
        e.fread = f == 2 ? DT_CF : 0;
        break;
    }
    return emit_decorated(g, &in, &e);
}

/* jmp +0 or jcc +0: ends the translated block mid-sequence, changes nothing */
static void gen_filler(Gen *g)
{
    Insn in;
    Eff e = { 0 };

    x86_insn_init(&in);
    set_op(&in, 1, chance(g, 50) ? 0xeb : 0x70 + rn(g, 16), 0, 0);
    in.immsize = 1;
    emit(g, &in, &e, false);
}

typedef struct Group {
    bool (*fn)(Gen *g);
    int weight;
} Group;

static const Group groups[] = {
    { gen_alu, 22 }, { gen_test, 4 }, { gen_mov, 6 }, { gen_unary, 6 },
    { gen_mul, 4 }, { gen_imul, 4 }, { gen_div, 4 }, { gen_shift, 14 },
    { gen_shd, 5 }, { gen_bt, 7 }, { gen_bitscan, 6 }, { gen_cc, 9 },
    { gen_movx, 5 }, { gen_lea, 5 }, { gen_xchg, 7 }, { gen_misc, 4 },
};

/* ---- cases --------------------------------------------------------------- */

static void case_init(Gen *g)
{
    static const int reloc_regs[] = { RBX, RSP, RBP, RSI, RDI, R8, R9, R10,
                                      R11, R12, R13, R14, R15 };
    uint64_t w[2][DT_WIN_SIZE / 8];
    State *s = &g->s;
    DtCase *c = &g->c;
    int n;

    memset(s, 0, sizeof(*s));
    memset(c, 0, sizeof(*c));
    for (int r = 0; r < 16; r++) {
        c->regs[r] = interesting(g);
    }
    for (n = rn(g, 4); n > 0; n--) {        /* index candidates */
        c->regs[rn(g, 16)] = (uint64_t)((int64_t)rn(g, 2048) - 1024);
    }
    for (n = 1 + rn(g, 3); n > 0; n--) {
        int r = reloc_regs[rn(g, sizeof(reloc_regs) / sizeof(reloc_regs[0]))];
        int64_t rel;

        switch (rn(g, 10)) {
        case 0: case 1: case 2: case 3: case 4:
            rel = rn(g, DT_WIN_SIZE);
            break;
        case 5: case 6: case 7:
            rel = (int64_t)rn(g, 8192 + DT_WIN_SIZE) - 4096;
            break;
        default:
            rel = (int64_t)rn(g, 1u << 21) - (1 << 20);
            break;
        }
        c->regs[r] = (uint64_t)rel;
        s->r[r].dirty = chance(g, 25);
        if (s->r[r].dirty) {
            c->regs[r] = (rnd(g) << 32) | (uint32_t)rel;
        }
        c->reloc |= 1u << r;
        s->reserved |= 1u << r;
        s->r[r].reloc = true;
    }
    for (int r = 0; r < 16; r++) {
        s->r[r].val = c->regs[r];
        s->r[r].known = ~0ull;
    }
    c->rflags = 0x2 | (rnd(g) & DT_ARITH);
    c->mem_seed = rnd(g);
    dt_fill_windows(c->mem_seed, w[0], w[1]);
    memcpy(s->mem, w, sizeof(w));
    memset(s->mknown, 1, sizeof(s->mknown));
}

/* Generate one case for code at blob offset @at (without the final jmp). */
static void gen_case(Gen *g, uint32_t at)
{
    int total = 0, want;

    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
        total += groups[i].weight;
    }
    g->at = at;
    case_init(g);
    g->nunits = 0;
    want = 1 + rn(g, MAX_GROUPS);
    for (int tries = 0; g->nunits < want && !g->s.stop && tries < 200;
         tries++) {
        int pick = rn(g, total);
        size_t i = 0;
        State snap;

        if (chance(g, 4)) {
            gen_filler(g);
        }
        while (pick >= groups[i].weight) {
            pick -= groups[i++].weight;
        }
        snap = g->s;
        if (!groups[i].fn(g)) {
            g->s = snap;
            continue;
        }
        g->units[g->nunits++] = (Unit) {
            .code_end = g->s.code_len, .ninsns = g->s.ninsns,
            .undef_regs = g->s.undef_regs, .undef_flags = g->s.undef_flags,
        };
    }
}

/* The case cut after @nunits groups, as a DtCase and its code + final jmp. */
static int finish_case(Gen *g, int nunits, DtCase *c, uint8_t *code)
{
    Unit u = { 0 };
    int len;

    if (nunits > 0) {
        u = g->units[nunits - 1];
    }
    *c = g->c;
    c->code_off = g->at;
    c->code_len = u.code_end;
    c->ninsns = u.ninsns;
    c->reg_undef = u.undef_regs;
    c->flags_undef = u.undef_flags;
    c->feat = g->s.feat;
    memcpy(code, g->s.code, u.code_end);
    len = u.code_end;
    /* jmp *back_slot(%rip) */
    code[len++] = 0xff;
    code[len++] = 0x25;
    {
        int32_t d = (int32_t)offsetof(DtHeader, back_slot) -
                    (int32_t)(g->at + len + 4);

        memcpy(code + len, &d, 4);
    }
    return len + 4;
}

/* ---- the blob ------------------------------------------------------------ */

typedef struct Blob {
    DtCase *cases;
    size_t ncases, cap;
    uint8_t *code;
    size_t code_size, code_cap;
    uint64_t ninsns;
} Blob;

static void blob_add(Blob *b, const DtCase *c, const uint8_t *code, int len)
{
    if (b->ncases == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 1024;
        b->cases = realloc(b->cases, b->cap * sizeof(*b->cases));
    }
    if (b->code_size + len > b->code_cap) {
        b->code_cap = b->code_cap ? 2 * b->code_cap : 1 << 20;
        b->code = realloc(b->code, b->code_cap);
    }
    if (!b->cases || !b->code) {
        fprintf(stderr, "difftest-gen: out of memory\n");
        exit(1);
    }
    b->cases[b->ncases++] = *c;
    memcpy(b->code + b->code_size, code, len);
    b->code_size += len;
    b->ninsns += c->ninsns;
}

static uint32_t blob_next_at(const Blob *b)
{
    return CODE_OFF + b->code_size;
}

static int blob_write(const Blob *b, uint64_t seed, const char *path)
{
    size_t code_end = (CODE_OFF + b->code_size + DT_PAGE - 1) & ~(size_t)(DT_PAGE - 1);
    DtHeader h = {
        .magic = DT_MAGIC, .version = DT_VERSION, .ncases = b->ncases,
        .seed = seed, .ninsns = b->ninsns, .case_off = code_end,
        .code_off = CODE_OFF, .code_size = b->code_size,
    };
    static const uint8_t zero[DT_PAGE];
    FILE *f = fopen(path, "wb");
    bool ok;

    if (!f) {
        fprintf(stderr, "difftest-gen: %s: %s\n", path, strerror(errno));
        return -1;
    }
    ok = fwrite(&h, sizeof(h), 1, f) == 1 &&
         fwrite(zero, CODE_OFF - sizeof(h), 1, f) == 1 &&
         fwrite(b->code, 1, b->code_size, f) == b->code_size &&
         fwrite(zero, 1, code_end - CODE_OFF - b->code_size, f) ==
             code_end - CODE_OFF - b->code_size &&
         fwrite(b->cases, sizeof(DtCase), b->ncases, f) == b->ncases;
    if (fclose(f) != 0 || !ok) {
        fprintf(stderr, "difftest-gen: %s: write failed\n", path);
        return -1;
    }
    return 0;
}

static void show_case(Gen *g, uint64_t seed, long index)
{
    uint8_t code[MAX_CASE_CODE + 8];
    DtCase c;
    int len = finish_case(g, g->nunits, &c, code);

    printf("{\"seed\": %" PRIu64 ", \"index\": %ld, \"code_off\": %u,\n",
           seed, index, c.code_off);
    printf(" \"code\": \"");
    for (int i = 0; i < len - 6; i++) {
        printf("%02x", code[i]);
    }
    printf("\",\n \"units\": [");
    for (int i = 0; i < g->nunits; i++) {
        printf("%s[%d, %d]", i ? ", " : "", g->units[i].code_end,
               g->units[i].ninsns);
    }
    printf("],\n \"regs\": [");
    for (int i = 0; i < 16; i++) {
        printf("%s\"%#" PRIx64 "\"", i ? ", " : "", c.regs[i]);
    }
    printf("],\n \"reloc\": %u, \"rflags\": %" PRIu64 ", \"mem_seed\": \"%#"
           PRIx64 "\",\n \"reg_undef\": %u, \"flags_undef\": %u, "
           "\"feat\": %u, \"rip_win\": %u, \"win_size\": %u, "
           "\"faults\": %s}\n",
           c.reloc, c.rflags, c.mem_seed, c.reg_undef, c.flags_undef, c.feat,
           DT_RIP_WIN, DT_WIN_SIZE, g->s.stop ? "true" : "false");
}

static void usage(void)
{
    fprintf(stderr,
            "usage: difftest-gen -s SEED [-n INSNS] (-o BLOB | --show K)\n"
            "           [--only K | --prefixes K]\n"
            "  -n INSNS      tested instructions to generate (100000)\n"
            "  --only K      write case K alone\n"
            "  --prefixes K  write case K cut after each instruction group\n"
            "  --show K      print case K as JSON\n"
            "  --qemu-compat avoid what QEMU 7.2 gets wrong (stray REX,\n"
            "                RIP-relative shld/shrd imm8, lock xor r,r) and\n"
            "                RIP-relative lea\n"
            "                (the blob sits elsewhere under QEMU)\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "only", required_argument, NULL, 'O' },
        { "prefixes", required_argument, NULL, 'P' },
        { "show", required_argument, NULL, 'S' },
        { "qemu-compat", no_argument, NULL, 'Q' },
        { NULL, 0, NULL, 0 },
    };
    uint64_t seed = 0, want = 100000;
    long only = -1, prefixes = -1, show = -1, target;
    const char *out = NULL;
    uint8_t code[MAX_CASE_CODE + 8];
    Blob b = { 0 };
    Gen g = { 0 };
    DtCase c;
    int opt, len;
    bool have_seed = false;

    while ((opt = getopt_long(argc, argv, "s:n:o:", longopts, NULL)) != -1) {
        switch (opt) {
        case 's':
            seed = strtoull(optarg, NULL, 0);
            have_seed = true;
            break;
        case 'n':
            want = strtoull(optarg, NULL, 0);
            break;
        case 'o':
            out = optarg;
            break;
        case 'O':
            only = atol(optarg);
            break;
        case 'P':
            prefixes = atol(optarg);
            break;
        case 'S':
            show = atol(optarg);
            break;
        case 'Q':
            g.qemu_compat = true;
            break;
        default:
            usage();
        }
    }
    if (!have_seed || optind != argc || (show < 0 && !out)) {
        usage();
    }
    target = show >= 0 ? show : only >= 0 ? only : prefixes;
    g.rng = seed;

    if (target < 0) {
        while (b.ninsns < want) {
            gen_case(&g, blob_next_at(&b));
            len = finish_case(&g, g.nunits, &c, code);
            blob_add(&b, &c, code, len);
        }
        fprintf(stderr, "difftest-gen: seed %" PRIu64 ": %zu cases, %" PRIu64
                " instructions, %lu deliberate exceptions, %zu KiB of code\n",
                seed, b.ncases, b.ninsns, g.faults, b.code_size / 1024);
        return blob_write(&b, seed, out) ? 1 : 0;
    }

    /* Cases depend only on the PRNG stream: skip to case @target. */
    for (long i = 0; i < target; i++) {
        gen_case(&g, CODE_OFF);
    }
    if (show >= 0) {
        gen_case(&g, CODE_OFF);
        show_case(&g, seed, show);
        return 0;
    }
    if (only >= 0) {
        gen_case(&g, CODE_OFF);
        len = finish_case(&g, g.nunits, &c, code);
        blob_add(&b, &c, code, len);
    } else {
        uint64_t rng = g.rng;

        gen_case(&g, CODE_OFF);
        for (int n = 0, total = g.nunits; n <= total; n++) {
            g.rng = rng;
            gen_case(&g, blob_next_at(&b));
            len = finish_case(&g, n, &c, code);
            blob_add(&b, &c, code, len);
        }
    }
    return blob_write(&b, seed, out) ? 1 : 0;
}
