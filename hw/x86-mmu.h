/*
 * x86-mmu.h: the x86 page walker, in software.
 *
 * One walker for everyone who needs a guest virtual address translated
 * without the CPU's help: the monitor (x, gva2gpa) for either accelerator,
 * and TCG's softmmu on a TLB miss.  It reads the guest's paging structures
 * from address_space_memory, so whatever the guest can see (RAM, ROM,
 * devices) is what the walk sees.
 *
 * Modes, from CR0.PG, CR4.PAE and EFER.LMA: no paging (linear = physical,
 * truncated to 32 bits outside long mode), 32-bit 2-level paging (4 KiB,
 * and 4 MiB pages with CR4.PSE, PSE-36 high bits included), PAE (4 KiB,
 * 2 MiB) and 4-level paging (4 KiB, 2 MiB, 1 GiB).  Checks: present,
 * reserved bits, U/S, R/W with CR0.WP, NX with EFER.NXE, SMEP and SMAP.
 * Not modelled: 5-level paging, protection keys, PCIDs and the PDPTE
 * registers (PAE PDPTEs are read from memory on every walk).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_X86_MMU_H
#define HW_X86_MMU_H

#include "main/janus.h"
#include "hw/cpu.h"

/* @access for x86_mmu_translate: one type, optionally | flags. */
#define X86_MMU_READ            0x0
#define X86_MMU_WRITE           0x1
#define X86_MMU_EXEC            0x2
#define X86_MMU_TYPE_MASK       0x3
#define X86_MMU_USER            0x4     /* a CPL3 access */
/* Debugger access (monitor): presence and reserved bits only, no
 * permission checks, never sets A/D. */
#define X86_MMU_DEBUG           0x8

/* Page-fault error code bits (SDM vol. 3, 4.7). */
#define PF_ERR_P                0x01    /* protection, not absence */
#define PF_ERR_W                0x02
#define PF_ERR_U                0x04
#define PF_ERR_RSVD             0x08
#define PF_ERR_I                0x10    /* instruction fetch */

/* Paging-structure entry bits. */
#define X86_PTE_P               (1ULL << 0)
#define X86_PTE_W               (1ULL << 1)
#define X86_PTE_U               (1ULL << 2)
#define X86_PTE_A               (1ULL << 5)
#define X86_PTE_D               (1ULL << 6)
#define X86_PTE_PS              (1ULL << 7)
#define X86_PTE_G               (1ULL << 8)
#define X86_PTE_NX              (1ULL << 63)

/* Control bits hw/cpu.h does not name. */
#define X86_CR4_SMEP            (1ULL << 20)
#define X86_CR4_SMAP            (1ULL << 21)
#define X86_RFLAGS_AC           (1ULL << 18)

/*
 * Physical address width the reserved-bit checks assume: the 52-bit
 * architectural maximum, so any address a real CPU accepts is accepted.
 */
#define X86_MMU_PHYS_BITS       52

/* Page rights a translation grants, for a TLB. */
#define X86_PROT_READ           0x1
#define X86_PROT_WRITE          0x2
#define X86_PROT_EXEC           0x4

typedef struct X86MMUResult {
    uint64_t paddr;             /* the translated address */
    uint64_t page_size;         /* 4 KiB, 2 MiB, 4 MiB or 1 GiB */
    unsigned prot;              /* X86_PROT_* at the access's privilege */
    uint32_t pf_error_code;     /* on -EFAULT */
    int levels;                 /* paging-structure entries read */
    bool dirty;                 /* no D bit to set on a write (leaf has
                                   D, or paging is off): a TLB may grant
                                   write on a read fill */
    bool global;                /* leaf has G with CR4.PGE: a TLB keeps
                                   it across CR3 writes */
} X86MMUResult;

/**
 * x86_mmu_translate_full: translate @vaddr as the CPU in @cpu would.
 * @cpu: CR0, CR3, CR4, EFER and RFLAGS.AC are read (synced from the
 *   accelerator by the caller when the vCPU runs under KVM).
 * @access: X86_MMU_READ/WRITE/EXEC, | X86_MMU_USER, | X86_MMU_DEBUG.
 * @set_ad: on success, set Accessed in every entry used and Dirty in the
 *   leaf for a write, as the CPU does (plain read-modify-write: the caller
 *   serializes walkers that set bits).
 * @res: filled on success; pf_error_code on a page fault.
 * Returns 0, -EFAULT for a page fault (#PF with res->pf_error_code, CR2 =
 * @vaddr), or -EINVAL for a non-canonical address in long mode (#GP).
 */
int x86_mmu_translate_full(X86CPU *cpu, uint64_t vaddr, unsigned access,
                           bool set_ad, X86MMUResult *res);

/**
 * x86_mmu_translate: x86_mmu_translate_full() for callers that only need
 * the physical address.
 * @paddr: set on success.  @pf_error_code: set on -EFAULT (may be NULL).
 */
int x86_mmu_translate(X86CPU *cpu, uint64_t vaddr, unsigned access,
                      bool set_ad, uint64_t *paddr, uint32_t *pf_error_code);

#endif
