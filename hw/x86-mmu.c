/*
 * x86-mmu.c: the software page walker (SDM vol. 3, chapter 4).
 *
 * The walk collects the entries it used, folds their U/S, R/W and XD bits
 * (the most restrictive level wins), and only then checks the access, so
 * the same code answers the monitor (X86_MMU_DEBUG), a data access and an
 * instruction fetch.  Accessed/Dirty bits are written after the checks
 * pass: a faulting access leaves the tables as they were.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>
#include "hw/x86-mmu.h"
#include "memory/memory.h"

#define MAX_LEVELS      4

/* Address bits of a 64-bit entry: 51..12, as far as the CPU has them. */
#define PHYS_MASK       ((1ULL << X86_MMU_PHYS_BITS) - 1)
#define ADDR_MASK       (PHYS_MASK & ~0xfffULL)
/* Bits 51..MAXPHYADDR of a 64-bit entry, reserved. */
#define RSVD_HIGH       (0x000fffffffffffffULL & ~PHYS_MASK)

typedef struct Walk {
    X86CPU *cpu;
    unsigned access;
    int n;                          /* entries used */
    uint64_t entry_addr[MAX_LEVELS];
    uint64_t entry[MAX_LEVELS];
    bool has_ad[MAX_LEVELS];        /* PAE PDPTEs have no A bit */
    unsigned entry_size;            /* 4 (32-bit paging) or 8 */
    bool user_ok, write_ok, nx;     /* folded over the levels */
    /* The RAM range the last entry came from: the tables of one walk
     * almost always share it, so one FlatView search serves every level.
     * Valid inside the walk's RCU read section only. */
    uint64_t ram_start, ram_last;
    uint8_t *ram_host;              /* NULL: not RAM, read through the API */
} Walk;

/* Host memory of [@addr, @addr + @len) when it is RAM, else NULL. */
static const uint8_t *walk_ram(Walk *w, uint64_t addr, unsigned len)
{
    uint64_t last = addr + len - 1;

    if (last < addr) {
        return NULL;
    }
    if (!w->ram_host || addr < w->ram_start || last > w->ram_last) {
        w->ram_host = address_space_ram_range(&address_space_memory, addr,
                                              &w->ram_start, &w->ram_last,
                                              NULL);
        if (!w->ram_host || last > w->ram_last) {
            return NULL;
        }
    }
    return w->ram_host + (addr - w->ram_start);
}

static bool walk_read(Walk *w, uint64_t addr, bool has_ad, uint64_t *entry)
{
    const uint8_t *host = walk_ram(w, addr, w->entry_size);
    uint8_t b[8];
    uint64_t v = 0;

    if (host) {
        memcpy(b, host, w->entry_size);
    } else {
        /* Unassigned memory reads as all-ones: present with reserved
         * bits, which faults with RSVD, as on hardware. */
        address_space_read(&address_space_memory, addr,
                           MEMTXATTRS_UNSPECIFIED, b, w->entry_size);
    }
    for (unsigned i = 0; i < w->entry_size; i++) {
        v |= (uint64_t)b[i] << (8 * i);
    }
    g_assert(w->n < MAX_LEVELS);
    w->entry_addr[w->n] = addr;
    w->entry[w->n] = v;
    w->has_ad[w->n] = has_ad;
    w->n++;
    *entry = v;
    return v & X86_PTE_P;
}

/* Fold a table entry's rights into the walk (PAE PDPTEs have none). */
static void walk_fold(Walk *w, uint64_t entry, bool nxe)
{
    w->user_ok &= !!(entry & X86_PTE_U);
    w->write_ok &= !!(entry & X86_PTE_W);
    if (nxe && (entry & X86_PTE_NX)) {
        w->nx = true;
    }
}

static uint32_t access_error_bits(X86CPU *cpu, unsigned access)
{
    uint32_t err = 0;
    unsigned type = access & X86_MMU_TYPE_MASK;

    if (type == X86_MMU_WRITE) {
        err |= PF_ERR_W;
    }
    if (access & X86_MMU_USER) {
        err |= PF_ERR_U;
    }
    /* I/D is reported only where fetches can fault on their own. */
    if (type == X86_MMU_EXEC &&
        (((cpu->efer & EFER_NXE) && (cpu->cr4 & CR4_PAE)) ||
         (cpu->cr4 & X86_CR4_SMEP))) {
        err |= PF_ERR_I;
    }
    return err;
}

/* Rights at the access's privilege, from the folded bits. */
static unsigned walk_prot(Walk *w)
{
    X86CPU *cpu = w->cpu;
    bool user = w->access & X86_MMU_USER;
    bool smap_blocks = !user && w->user_ok && (cpu->cr4 & X86_CR4_SMAP) &&
                       !(cpu->rflags & X86_RFLAGS_AC);
    unsigned prot = 0;

    if (w->access & X86_MMU_DEBUG) {
        return X86_PROT_READ | X86_PROT_WRITE | X86_PROT_EXEC;
    }
    if (user ? w->user_ok : !smap_blocks) {
        prot |= X86_PROT_READ;
        if (user ? w->write_ok
                 : (w->write_ok || !(cpu->cr0 & CR0_WP))) {
            prot |= X86_PROT_WRITE;
        }
    }
    if (!w->nx && (user ? w->user_ok
                        : !(w->user_ok && (cpu->cr4 & X86_CR4_SMEP)))) {
        prot |= X86_PROT_EXEC;
    }
    return prot;
}

static void walk_set_ad(Walk *w)
{
    bool write = (w->access & X86_MMU_TYPE_MASK) == X86_MMU_WRITE;

    for (int i = 0; i < w->n; i++) {
        uint64_t v = w->entry[i];

        if (!w->has_ad[i]) {
            continue;
        }
        v |= X86_PTE_A;
        if (i == w->n - 1 && write) {
            v |= X86_PTE_D;
        }
        if (v != w->entry[i]) {
            uint8_t b[8];

            for (unsigned k = 0; k < w->entry_size; k++) {
                b[k] = v >> (8 * k);
            }
            address_space_write(&address_space_memory, w->entry_addr[i],
                                MEMTXATTRS_UNSPECIFIED, b, w->entry_size);
            w->entry[i] = v;
        }
    }
}

/* 32-bit paging: 4-byte entries, 4 KiB pages or 4 MiB with CR4.PSE. */
static int walk_legacy(Walk *w, uint32_t va, uint64_t *pa, uint64_t *size)
{
    X86CPU *cpu = w->cpu;
    uint64_t pde, pte;

    w->entry_size = 4;
    if (!walk_read(w, (cpu->cr3 & 0xfffff000ULL) + ((va >> 22) << 2), true,
                   &pde)) {
        return -ENOENT;
    }
    walk_fold(w, pde, false);
    if ((pde & X86_PTE_PS) && (cpu->cr4 & CR4_PSE)) {
        /* PSE-36: bits 20:13 are physical bits 39:32; bit 21 reserved. */
        uint64_t hi = ((pde >> 13) & 0xff) << 32;

        if ((pde & (1ULL << 21)) || (hi & ~PHYS_MASK)) {
            return -EINVAL;
        }
        *size = 4 * MiB;
        *pa = (pde & 0xffc00000ULL) | hi | (va & 0x3fffff);
        return 0;
    }
    if (!walk_read(w, (pde & 0xfffff000ULL) + (((va >> 12) & 0x3ff) << 2),
                   true, &pte)) {
        return -ENOENT;
    }
    walk_fold(w, pte, false);
    *size = 4 * KiB;
    *pa = (pte & 0xfffff000ULL) | (va & 0xfff);
    return 0;
}

/* PAE and 4-level paging: 8-byte entries. */
static int walk_long(Walk *w, uint64_t va, bool lma, uint64_t *pa,
                     uint64_t *size)
{
    X86CPU *cpu = w->cpu;
    bool nxe = cpu->efer & EFER_NXE;
    uint64_t rsvd_nx = nxe ? 0 : X86_PTE_NX;
    uint64_t table, entry;
    int shift;

    w->entry_size = 8;
    if (lma) {
        table = cpu->cr3 & ADDR_MASK;
        shift = 39;
    } else {
        /* The PDPT: four entries, no rights bits, no A/D. */
        static const uint64_t pdpte_rsvd = 0x1e6ULL | X86_PTE_NX | RSVD_HIGH;

        if (!walk_read(w, (cpu->cr3 & 0xffffffe0ULL) + (((va >> 30) & 3) << 3),
                       false, &entry)) {
            return -ENOENT;
        }
        if (entry & pdpte_rsvd) {
            return -EINVAL;
        }
        table = entry & ADDR_MASK;
        shift = 21;
    }

    for (;; shift -= 9) {
        uint64_t rsvd = RSVD_HIGH | rsvd_nx;
        uint64_t psize = 1ULL << shift;
        bool leaf;

        if (!walk_read(w, table + (((va >> shift) & 0x1ff) << 3), true,
                       &entry)) {
            return -ENOENT;
        }
        leaf = shift == 12 || (shift <= 30 && (entry & X86_PTE_PS));
        if (shift == 39) {
            rsvd |= X86_PTE_PS;
        } else if (leaf && shift > 12) {
            /* Large page: bits 12 (PAT) .. shift-1 hold no address. */
            rsvd |= (psize - 1) & ~0x1fffULL;
        }
        if (entry & rsvd) {
            return -EINVAL;
        }
        walk_fold(w, entry, nxe);
        if (leaf) {
            *size = psize;
            *pa = (entry & ADDR_MASK & ~(psize - 1)) | (va & (psize - 1));
            return 0;
        }
        table = entry & ADDR_MASK;
    }
}

static bool access_allowed(Walk *w)
{
    unsigned type = w->access & X86_MMU_TYPE_MASK;
    unsigned prot = walk_prot(w);

    switch (type) {
    case X86_MMU_WRITE:
        return prot & X86_PROT_WRITE;
    case X86_MMU_EXEC:
        return prot & X86_PROT_EXEC;
    default:
        return prot & X86_PROT_READ;
    }
}

int x86_mmu_translate_full(X86CPU *cpu, uint64_t vaddr, unsigned access,
                           bool set_ad, X86MMUResult *res)
{
    Walk w = {
        .cpu = cpu, .access = access,
        .user_ok = true, .write_ok = true,
    };
    bool lma = cpu->efer & EFER_LMA;
    uint64_t pa = 0, size = 0;
    int ret;

    memset(res, 0, sizeof(*res));
    if (!(cpu->cr0 & CR0_PG)) {
        res->paddr = lma ? vaddr : (uint32_t)vaddr;
        res->page_size = 4 * KiB;
        res->prot = X86_PROT_READ | X86_PROT_WRITE | X86_PROT_EXEC;
        res->dirty = true;
        return 0;
    }
    if (lma) {
        /* Bits 63:47 must all equal bit 47. */
        int64_t sx = (int64_t)(vaddr << 16) >> 16;

        if ((uint64_t)sx != vaddr) {
            return -EINVAL;
        }
    }
    rcu_read_lock();            /* keeps w.ram_host valid during the walk */
    if (lma) {
        ret = walk_long(&w, vaddr, true, &pa, &size);
    } else if (cpu->cr4 & CR4_PAE) {
        ret = walk_long(&w, (uint32_t)vaddr, false, &pa, &size);
    } else {
        ret = walk_legacy(&w, (uint32_t)vaddr, &pa, &size);
    }
    rcu_read_unlock();

    res->levels = w.n;
    if (ret == -ENOENT) {
        res->pf_error_code = access_error_bits(cpu, access);
        return -EFAULT;
    }
    if (ret == -EINVAL) {
        res->pf_error_code = PF_ERR_P | PF_ERR_RSVD |
                             access_error_bits(cpu, access);
        return -EFAULT;
    }
    if (!(access & X86_MMU_DEBUG) && !access_allowed(&w)) {
        res->pf_error_code = PF_ERR_P | access_error_bits(cpu, access);
        return -EFAULT;
    }
    if (set_ad && !(access & X86_MMU_DEBUG)) {
        walk_set_ad(&w);
    }
    res->paddr = pa & PHYS_MASK;
    res->page_size = size;
    res->prot = walk_prot(&w);
    res->dirty = w.n && (w.entry[w.n - 1] & X86_PTE_D);
    res->global = (cpu->cr4 & CR4_PGE) && w.n &&
                  (w.entry[w.n - 1] & X86_PTE_G);
    return 0;
}

int x86_mmu_translate(X86CPU *cpu, uint64_t vaddr, unsigned access,
                      bool set_ad, uint64_t *paddr, uint32_t *pf_error_code)
{
    X86MMUResult res;
    int ret = x86_mmu_translate_full(cpu, vaddr, access, set_ad, &res);

    if (ret == 0) {
        *paddr = res.paddr;
    } else if (ret == -EFAULT && pf_error_code) {
        *pf_error_code = res.pf_error_code;
    }
    return ret;
}
