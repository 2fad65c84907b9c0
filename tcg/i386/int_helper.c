/*
 * int_helper.c: C helpers behind the integer instructions that are not
 * worth inline IR (divide, rotate through carry, double shifts) or that
 * must be atomic on the host (lock'ed read-modify-writes, xchg, cmpxchg).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tcg/i386/translate-internal.h"
#include "tcg/exec.h"
#include "tcg/softmmu.h"

static inline uint64_t mask_of(unsigned ot)
{
    return ot == MO_64 ? ~0ULL : (1ULL << (8 << ot)) - 1;
}

uint64_t helper_x86_cc_compute_all(uint64_t dst, uint64_t src,
                                   uint64_t src2, uint64_t op)
{
    return x86_cc_compute_all(dst, src, src2, (uint32_t)op);
}

uint64_t helper_x86_cc_compute_c(uint64_t dst, uint64_t src, uint64_t src2,
                                 uint64_t op)
{
    return x86_cc_compute_c(dst, src, src2, (uint32_t)op);
}

/* ---- Divide ----------------------------------------------------------------- */

static void set_reg(X86CPU *cpu, unsigned ot, int reg, uint64_t v)
{
    uint64_t m = mask_of(ot);

    if (ot == MO_32) {
        cpu->regs[reg] = (uint32_t)v;
    } else {
        cpu->regs[reg] = (cpu->regs[reg] & ~m) | (v & m);
    }
}

void helper_x86_div(X86CPU *cpu, uint64_t divisor, uint64_t desc)
{
    unsigned ot = desc & 3;
    bool sign = desc & 0x10;
    unsigned bits = 8u << ot;
    uint64_t m = mask_of(ot);
    unsigned __int128 dividend;
    uint64_t q, r;

    divisor &= m;
    if (divisor == 0) {
        raise_exception_ra(cpu, EXCP_DE, GETPC());
    }
    if (ot == MO_8) {
        dividend = cpu->regs[R_EAX] & 0xffff;
    } else {
        dividend = ((unsigned __int128)(cpu->regs[R_EDX] & m) << bits) |
                   (cpu->regs[R_EAX] & m);
    }
    if (!sign) {
        unsigned __int128 qq = dividend / divisor;

        if (qq > m) {
            raise_exception_ra(cpu, EXCP_DE, GETPC());
        }
        q = (uint64_t)qq;
        r = (uint64_t)(dividend % divisor);
    } else {
        /* sign-extend the 2*bits dividend and the divisor */
        __int128 sd = (__int128)(dividend << (128 - 2 * bits)) >>
                      (128 - 2 * bits);
        __int128 sv = (__int128)((unsigned __int128)divisor << (128 - bits)) >>
                      (128 - bits);
        __int128 qq, rr;
        __int128 lim = (__int128)1 << (bits - 1);

        if (sv == -1) {
            /* the one quotient __int128 itself could overflow on */
            if (sd <= -lim || sd > lim) {
                raise_exception_ra(cpu, EXCP_DE, GETPC());
            }
            qq = -sd;
            rr = 0;
        } else {
            qq = sd / sv;
            rr = sd % sv;
        }
        if (qq >= lim || qq < -lim) {
            raise_exception_ra(cpu, EXCP_DE, GETPC());
        }
        q = (uint64_t)qq & m;
        r = (uint64_t)rr & m;
    }
    if (ot == MO_8) {
        set_reg(cpu, MO_16, R_EAX, (r << 8) | q);
    } else {
        set_reg(cpu, ot, R_EAX, q);
        set_reg(cpu, ot, R_EDX, r);
    }
}

/* ---- Rotate through carry, double shifts -------------------------------------- */

static uint64_t szp_flags(uint64_t r, unsigned ot)
{
    uint64_t f = __builtin_parity((unsigned)(r & 0xff)) ? 0 : CC_P;

    r &= mask_of(ot);
    if (!r) {
        f |= CC_Z;
    }
    if (r >> ((8u << ot) - 1)) {
        f |= CC_S;
    }
    return f;
}

uint64_t helper_x86_rotc(uint64_t val, uint64_t count, uint64_t flags,
                         uint64_t desc)
{
    unsigned ot = desc & 3;
    bool left = ((desc >> 4) & 0xf) == ROTC_RCL;
    bool want_flags = desc & 0x100;
    unsigned bits = 8u << ot;
    uint64_t m = mask_of(ot);
    uint64_t cf = flags & CC_C;
    unsigned c = count & (ot == MO_64 ? 63 : 31);
    uint64_t of;

    if (ot == MO_8) {
        c %= 9;
    } else if (ot == MO_16) {
        c %= 17;
    }
    val &= m;
    if (c == 0) {
        return want_flags ? flags : val;
    }
    /*
     * OF is architecturally defined for 1-bit rotates only; Intel CPUs
     * compute it from the first step whatever the count (RCL: the two top
     * bits of the source, RCR: the source's top bit and the incoming CF),
     * and the difftest compares against them.
     */
    if (left) {
        of = ((val >> (bits - 1)) ^ (val >> (bits - 2))) & 1;
    } else {
        of = ((val >> (bits - 1)) ^ cf) & 1;
    }
    for (unsigned i = 0; i < c; i++) {
        uint64_t out;

        if (left) {
            out = (val >> (bits - 1)) & 1;
            val = ((val << 1) | cf) & m;
        } else {
            out = val & 1;
            val = (val >> 1) | (cf << (bits - 1));
        }
        cf = out;
    }
    if (!want_flags) {
        return val;
    }
    return (flags & ~(uint64_t)(CC_C | CC_O)) | cf | (of << 11);
}

uint64_t helper_x86_shxd(uint64_t dst, uint64_t src, uint64_t desc,
                         uint64_t flags)
{
    unsigned ot = desc & 3;
    bool left = ((desc >> 4) & 0xf) == SHXD_SHLD;
    bool want_flags = desc & 0x100;
    unsigned c = (desc >> 16) & 63;
    unsigned bits = 8u << ot;
    uint64_t m = mask_of(ot);
    unsigned __int128 w;
    uint64_t r, cf, of;

    dst &= m;
    src &= m;
    if (c == 0) {
        return want_flags ? flags : dst;
    }
    if (ot == MO_16) {
        /*
         * Counts 17-31 are undefined for 16-bit operands; Intel CPUs shift
         * the 48-bit pattern dest:src:dest, which for counts up to 16 is
         * the architectural result, so do that for every count.
         */
        w = ((unsigned __int128)dst << 32) | ((uint64_t)src << 16) | dst;
        if (left) {
            r = (uint64_t)((w << c) >> 32) & m;
            cf = (uint64_t)(w >> (48 - c)) & 1;
        } else {
            r = (uint64_t)(w >> c) & m;
            cf = (uint64_t)(w >> (c - 1)) & 1;
        }
    } else if (left) {
        w = ((unsigned __int128)dst << bits) | src;
        r = (uint64_t)((w << c) >> bits) & m;
        cf = (uint64_t)(w >> (2 * bits - c)) & 1;
    } else {
        w = ((unsigned __int128)src << bits) | dst;
        r = (uint64_t)(w >> c) & m;
        cf = (uint64_t)(w >> (c - 1)) & 1;
    }
    if (!want_flags) {
        return r;
    }
    of = ((r ^ dst) >> (bits - 1)) & 1;
    return (flags & ~(uint64_t)CC_ARITH_MASK) | szp_flags(r, ot) | cf |
           (of << 11);
}

/* ---- Atomics ------------------------------------------------------------------ */

static uint64_t atomic_apply(unsigned op, uint64_t old, uint64_t val)
{
    switch (op) {
    case ATOMIC_ADD: return old + val;
    case ATOMIC_AND: return old & val;
    case ATOMIC_OR: return old | val;
    case ATOMIC_XOR: return old ^ val;
    case ATOMIC_NEG: return -old;
    default: return val;        /* XCHG */
    }
}

#define ATOMIC_CASE(type)                                               \
    do {                                                                \
        type *p = host, v = (type)val, o, n;                            \
        switch (op) {                                                   \
        case ATOMIC_ADD: return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); \
        case ATOMIC_AND: return __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST); \
        case ATOMIC_OR: return __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST); \
        case ATOMIC_XOR: return __atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST); \
        case ATOMIC_XCHG: return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); \
        default:                                                        \
            o = __atomic_load_n(p, __ATOMIC_RELAXED);                   \
            do {                                                        \
                n = (type)-o;                                           \
            } while (!__atomic_compare_exchange_n(p, &o, n, false,      \
                         __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));          \
            return o;                                                   \
        }                                                               \
    } while (0)

static uint64_t atomic_host(void *host, unsigned ot, unsigned op,
                            uint64_t val)
{
    switch (ot) {
    case MO_8: ATOMIC_CASE(uint8_t);
    case MO_16: ATOMIC_CASE(uint16_t);
    case MO_32: ATOMIC_CASE(uint32_t);
    default: ATOMIC_CASE(uint64_t);
    }
}

/*
 * Guest atomics work on the host location the TLB maps, so lock'ed
 * operations of several vCPU threads are atomic against each other and
 * against plain stores.  MMIO and ROM have no such location: those fall
 * back to a load and a store (MMIO is serialized by the BQL anyway).
 */
uint64_t helper_x86_atomic(X86CPU *cpu, uint64_t addr, uint64_t val,
                           uint64_t desc)
{
    unsigned ot = desc & 3, op = (desc >> 4) & 0xf;
    int mmu_idx = (desc >> 8) & 0xff;
    uintptr_t ra = GETPC();
    void *host = tlb_host_addr_rw(cpu, addr, 1 << ot, mmu_idx, ra);
    uint64_t old;

    if (host) {
        return atomic_host(host, ot, op, val) & mask_of(ot);
    }
    old = helper_ld_mmu(cpu, addr, ot | mmu_idx << 8, ra) & mask_of(ot);
    helper_st_mmu(cpu, addr, atomic_apply(op, old, val) & mask_of(ot),
                  ot | mmu_idx << 8, ra);
    return old;
}

uint64_t helper_x86_cmpxchg(X86CPU *cpu, uint64_t addr, uint64_t cmpv,
                            uint64_t newv, uint64_t desc)
{
    unsigned ot = desc & 3;
    int mmu_idx = (desc >> 8) & 0xff;
    uintptr_t ra = GETPC();
    void *host = tlb_host_addr_rw(cpu, addr, 1 << ot, mmu_idx, ra);
    uint64_t old;

    if (host) {
        switch (ot) {
        case MO_8: {
            uint8_t e = cmpv;
            __atomic_compare_exchange_n((uint8_t *)host, &e, (uint8_t)newv,
                                        false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST);
            return e;
        }
        case MO_16: {
            uint16_t e = cmpv;
            __atomic_compare_exchange_n((uint16_t *)host, &e,
                                        (uint16_t)newv, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
            return e;
        }
        case MO_32: {
            uint32_t e = cmpv;
            __atomic_compare_exchange_n((uint32_t *)host, &e,
                                        (uint32_t)newv, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
            return e;
        }
        default: {
            uint64_t e = cmpv;
            __atomic_compare_exchange_n((uint64_t *)host, &e, newv, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
            return e;
        }
        }
    }
    /* CMPXCHG always writes: the old value back on a mismatch */
    old = helper_ld_mmu(cpu, addr, ot | mmu_idx << 8, ra) & mask_of(ot);
    helper_st_mmu(cpu, addr, old == (cmpv & mask_of(ot)) ? newv : old,
                  ot | mmu_idx << 8, ra);
    return old;
}

static bool cas128(void *host, uint64_t *lo, uint64_t *hi, uint64_t nlo,
                   uint64_t nhi)
{
    bool ok;

    asm volatile("lock cmpxchg16b %1"
                 : "=@ccz"(ok), "+m"(*(unsigned __int128 *)host),
                   "+a"(*lo), "+d"(*hi)
                 : "b"(nlo), "c"(nhi)
                 : "memory");
    return ok;
}

void helper_x86_cmpxchg_wide(X86CPU *cpu, uint64_t addr, uint64_t desc)
{
    unsigned size = desc & 0xff;
    int mmu_idx = (desc >> 8) & 0xff;
    uintptr_t ra = GETPC();
    bool eq;
    void *host;

    if (size == 16) {
        uint64_t lo = cpu->regs[R_EAX], hi = cpu->regs[R_EDX];

        if (addr & 15) {
            raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
        }
        host = tlb_host_addr_rw(cpu, addr, 16, mmu_idx, ra);
        if (host) {
            eq = cas128(host, &lo, &hi, cpu->regs[R_EBX], cpu->regs[R_ECX]);
        } else {
            uint64_t mlo = helper_ld_mmu(cpu, addr, MO_64 | mmu_idx << 8, ra);
            uint64_t mhi = helper_ld_mmu(cpu, addr + 8, MO_64 | mmu_idx << 8,
                                         ra);

            eq = mlo == lo && mhi == hi;
            helper_st_mmu(cpu, addr, eq ? cpu->regs[R_EBX] : mlo,
                          MO_64 | mmu_idx << 8, ra);
            helper_st_mmu(cpu, addr + 8, eq ? cpu->regs[R_ECX] : mhi,
                          MO_64 | mmu_idx << 8, ra);
            lo = mlo;
            hi = mhi;
        }
        if (!eq) {
            cpu->regs[R_EAX] = lo;
            cpu->regs[R_EDX] = hi;
        }
    } else {
        uint64_t cmpv = (cpu->regs[R_EDX] << 32) | (uint32_t)cpu->regs[R_EAX];
        uint64_t newv = (cpu->regs[R_ECX] << 32) | (uint32_t)cpu->regs[R_EBX];
        uint64_t old;

        host = tlb_host_addr_rw(cpu, addr, 8, mmu_idx, ra);
        if (host) {
            old = cmpv;
            eq = __atomic_compare_exchange_n((uint64_t *)host, &old, newv,
                                             false, __ATOMIC_SEQ_CST,
                                             __ATOMIC_SEQ_CST);
        } else {
            old = helper_ld_mmu(cpu, addr, MO_64 | mmu_idx << 8, ra);
            eq = old == cmpv;
            helper_st_mmu(cpu, addr, eq ? newv : old, MO_64 | mmu_idx << 8,
                          ra);
        }
        if (!eq) {
            cpu->regs[R_EAX] = (uint32_t)old;
            cpu->regs[R_EDX] = old >> 32;
        }
    }
    /* the frontend materialized the flags: only ZF changes */
    cpu->rflags = (cpu->rflags & ~(uint64_t)CC_Z) | (eq ? CC_Z : 0);
    cpu->cc_op = CC_OP_EFLAGS;
}

_Noreturn void helper_x86_single_step(X86CPU *cpu)
{
    cpu->dr[6] |= 1u << 14;     /* DR6.BS */
    raise_exception_ra(cpu, EXCP_DB, 0);
}
