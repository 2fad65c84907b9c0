/*
 * difftest.h: the case blob the generator (gen.c, a host program) writes
 * and the difftest guest (guest.c, freestanding) runs, plus the two small
 * functions both sides must compute identically: the PRNG that fills the
 * scratch windows and the hash that folds a result into a digest.
 *
 * The blob is handed to the guest as a multiboot module (-initrd). Layout,
 * offsets from the start of the module:
 *
 *   0x0000  DtHeader (the guest writes back_slot once, before any case runs)
 *   0x1000  DT_RIP_PAGES pages; the RIP-relative window straddles the
 *           boundary between the first two (DT_WIN_SPLIT bytes below it)
 *   ...     DtCase[ncases], page aligned
 *   ...     code: each case's instructions then "jmp *back_slot(%rip)"
 *
 * Data and code never share a page, so under TCG loading a case never
 * invalidates translated code (no self-modifying code is involved).
 */
#ifndef DIFFTEST_H
#define DIFFTEST_H

#include <stdint.h>

#define DT_MAGIC        0x3174736574666964ull   /* "difftst1" */
#define DT_VERSION      1

#define DT_PAGE         4096u
#define DT_WIN_SIZE     512u    /* bytes of each scratch window */
#define DT_WIN_SPLIT    256u    /* window bytes below the page boundary */
#define DT_RIP_OFF      0x1000u /* the RIP page pair, from blob start */
#define DT_RIP_PAGES    2u
#define DT_RIP_WIN      (DT_RIP_OFF + DT_PAGE - DT_WIN_SPLIT)

#define DT_CHUNK        1000u   /* cases per printed hash */

/* RFLAGS bits */
#define DT_CF   0x0001u
#define DT_PF   0x0004u
#define DT_AF   0x0010u
#define DT_ZF   0x0040u
#define DT_SF   0x0080u
#define DT_DF   0x0400u
#define DT_OF   0x0800u
#define DT_ARITH (DT_CF | DT_PF | DT_AF | DT_ZF | DT_SF | DT_OF)
/* What a digest compares: the arithmetic flags, DF and the fixed bit 1. */
#define DT_FLAGS_CHECKED (DT_ARITH | DT_DF | 0x2u)

/* Features a case may need (CPUID); the guest skips what it lacks. */
#define DT_FEAT_POPCNT  (1u << 0)   /* CPUID.1:ECX[23] */
#define DT_FEAT_BMI1    (1u << 1)   /* CPUID.7.0:EBX[3], tzcnt */
#define DT_FEAT_LZCNT   (1u << 2)   /* CPUID.80000001:ECX[5] */
#define DT_FEAT_CX16    (1u << 3)   /* CPUID.1:ECX[13], cmpxchg16b */
#define DT_FEAT_LAHF    (1u << 4)   /* CPUID.80000001:ECX[0], in long mode */

typedef struct DtHeader {
    uint64_t magic;
    uint32_t version;
    uint32_t ncases;
    uint64_t seed;
    uint64_t ninsns;        /* tested instructions in all cases */
    uint32_t case_off;      /* DtCase[ncases] */
    uint32_t code_off;
    uint32_t code_size;
    uint32_t reserved;
    /*
     * Where every case ends: "jmp *back_slot(%rip)". The generator does not
     * know the guest's addresses, so the guest stores dt_back here.
     */
    uint64_t back_slot;
} DtHeader;

/*
 * One case: a short instruction sequence run at CPL3 from a known state.
 * Registers are in encoding order (rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi,
 * r8..r15). A register in @reloc holds an offset from the guest's scratch
 * window and gets that window's address added before the run, so memory
 * operands built on it land in the window.
 */
typedef struct DtCase {
    uint64_t regs[16];
    uint64_t rflags;
    uint64_t mem_seed;      /* fills both windows before the run */
    uint32_t code_off;      /* from blob start */
    uint16_t code_len;      /* bytes up to (not including) the final jmp */
    uint16_t ninsns;        /* tested instructions (not setup or fillers) */
    uint16_t reloc;
    uint16_t reg_undef;     /* registers the manuals leave undefined */
    uint16_t flags_undef;   /* RFLAGS bits likewise */
    uint16_t feat;          /* DT_FEAT_* needed */
} DtCase;

_Static_assert(sizeof(DtCase) == 160, "DtCase layout is shared");
_Static_assert(sizeof(DtHeader) == 56, "DtHeader layout is shared");

/* splitmix64: a tiny PRNG both the guest and the generator run. */
static inline uint64_t dt_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The scratch windows' content before a case: window 0 then window 1. */
static inline void dt_fill_windows(uint64_t seed, uint64_t *w0, uint64_t *w1)
{
    for (unsigned i = 0; i < DT_WIN_SIZE / 8; i++) {
        w0[i] = dt_rand(&seed);
    }
    for (unsigned i = 0; i < DT_WIN_SIZE / 8; i++) {
        w1[i] = dt_rand(&seed);
    }
}

/* Fold one 64-bit value into a digest. */
static inline uint64_t dt_mix(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}

#endif
