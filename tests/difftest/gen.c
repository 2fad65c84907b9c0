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
#include "gen.h"

#define CODE_OFF        (DT_RIP_OFF + DT_RIP_PAGES * DT_PAGE)
#define MAX_GROUPS      6       /* tested instruction groups per case */

/* ---- randomness ---------------------------------------------------------- */

uint64_t rnd(Gen *g)
{
    return dt_rand(&g->rng);
}

unsigned rn(Gen *g, unsigned n)
{
    return rnd(g) % n;
}

bool chance(Gen *g, unsigned pct)
{
    return rn(g, 100) < pct;
}

/* Values near the edges where flags and carries change. */
uint64_t interesting(Gen *g)
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

static bool usable(Gen *g, int r, bool write)
{
    if (g->s.undef_regs & bit(r)) {
        return false;
    }
    return !write || !(g->s.reserved & bit(r));
}

/* A register operand of @size bytes (size 1 may give ah..bh). */
int pick_reg(Gen *g, int size, bool write)
{
    for (int tries = 0; tries < 64; tries++) {
        int r = size == 1 ? (int)rn(g, 20) : (int)rn(g, 16);

        if (usable(g, r, write)) {
            return r;
        }
    }
    return -1;
}

/* Known value of register operand @r (@size bytes) into *v. */
bool reg_known(Gen *g, int r, int size, uint64_t *v)
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
void set_known(Gen *g, int r, int size, uint64_t v, const RegVal *old)
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

bool mem_known(Gen *g, int win, int off, int size, uint64_t *v)
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
bool emit(Gen *g, const Insn *in, const Eff *e, bool tested)
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

bool emit_decorated(Gen *g, Insn *in, const Eff *e)
{
    decorate(g, in);
    return emit(g, in, e, true);
}

/* mov @r (@size bytes), @v: a setup instruction with a known result. */
bool emit_mov_imm(Gen *g, int r, int size, uint64_t v)
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

int pick_scale(Gen *g)
{
    return 1 << rn(g, 4);
}

/*
 * A memory operand whose effective address is @target bytes from the start
 * of window @win (the target may lie outside the window: bt's bit offset
 * moves the access). Window 1 is reached RIP-relative; window 0 through an
 * address register (reloc) plus maybe an index register of known value.
 */
bool build_addr(Gen *g, Mem *m, int win, int64_t target, Eff *e)
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
bool pick_mem(Gen *g, Mem *m, int size, bool write, Eff *e)
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
bool pick_rm(Gen *g, Insn *in, Eff *e, int size, bool write,
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
bool pick_regop(Gen *g, Insn *in, Eff *e, int size, bool write)
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

/* Operand size prefixes for @size; a 66 beside REX.W or on a byte op is
 * ignored by the CPU, and sometimes there anyway. */
void apply_size(Gen *g, Insn *in, int size)
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

int pick_size(Gen *g, Insn *in, bool byte_ok)
{
    static const int sizes[] = { 1, 2, 4, 8 };
    int size = byte_ok ? sizes[rn(g, 4)] : sizes[1 + rn(g, 3)];

    apply_size(g, in, size);
    return size;
}

void set_imm(Gen *g, Insn *in, int size)
{
    in->immsize = size;
    in->imm = interesting(g) & size_mask(size);
}

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

    for (size_t i = 0; i < gen_ngroups; i++) {
        total += gen_groups[i].weight;
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
        while (pick >= gen_groups[i].weight) {
            pick -= gen_groups[i++].weight;
        }
        snap = g->s;
        if (!gen_groups[i].fn(g)) {
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
    static const uint8_t zero[CODE_OFF];    /* >= any padding written */
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

/* Write the blob, free it; the exit status. */
static int blob_finish(Blob *b, uint64_t seed, const char *path)
{
    int rc = blob_write(b, seed, path) ? 1 : 0;

    free(b->cases);
    free(b->code);
    return rc;
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
            "                RIP-relative shld/shrd imm8, lock xor r,r,\n"
            "                cmpxchg8b/16b flags) and RIP-relative lea\n"
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
        return blob_finish(&b, seed, out);
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
    return blob_finish(&b, seed, out);
}
