/*
 * tb.h: translation blocks, the code buffer and the softmmu TLB layout:
 * the contract between the frontend (tcg/i386), the code generator and
 * backend (tcg/, tcg/x86_64) and the execution loop (accel/tcg, tcg/exec).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCG_TB_H
#define TCG_TB_H

#include "main/janus.h"

typedef struct TranslationBlock TranslationBlock;
typedef struct X86CPU X86CPU;

#define TARGET_PAGE_BITS 12
#define TARGET_PAGE_SIZE (1ULL << TARGET_PAGE_BITS)
#define TARGET_PAGE_MASK (~(TARGET_PAGE_SIZE - 1))

/* ---- Translation blocks ------------------------------------------------- */

/* tb->flags: the mode bits a translation depends on (frontend-defined
 * bit layout, tcg/i386/translate.h). */

#define TB_MAX_INSNS 512

struct TranslationBlock {
    /* key */
    uint64_t pc;                /* virtual pc (CS base included) */
    uint64_t cs_base;
    uint32_t flags;
    uint64_t phys_pc[2];        /* physical page(s) of the code; [1] is
                                   -1 unless the block spans two pages */
    /* code */
    uint8_t *tc_ptr;            /* host code (executable view) */
    uint32_t tc_size;
    uint32_t size;              /* guest bytes covered */
    uint16_t icount;            /* guest instructions */
    /* insn_start table: per guest instruction, its pc, the frontend's
     * cc_op at its start and the host code offset of its end, so an
     * exception inside the block restores the exact guest state */
    uint64_t *insn_pc;
    uint32_t *insn_cc_op;
    uint32_t *insn_host_end;
    /* chaining: goto_tb slot n jumps to jmp_target[n]; patched in place */
    uint32_t jmp_insn_offset[2];    /* offset of the jump's rel32 field,
                                       UINT32_MAX when the slot is unused */
    uint32_t jmp_reset_offset[2];   /* where the unchained jump goes */
    TranslationBlock *jmp_dest[2];  /* who we jump to (for unchaining) */
    GPtrArray *jmp_incoming;        /* TBs that jump to us */
    bool invalid;
    /* page lists and hash chain are private to tcg/tb-maint.c */
    TranslationBlock *hash_next;
    TranslationBlock *page_next[2];
};

/* ---- Softmmu TLB ------------------------------------------------------
 *
 * One table per vCPU and MMU index (0 = kernel, 1 = user), direct mapped,
 * TLB_SIZE entries indexed by (vaddr >> 12) & (TLB_SIZE - 1).  The hit
 * path emitted inline by the backend for an access of `size` bytes is:
 *
 *     e = &env->tlb_table[mmu_idx][(vaddr >> 12) & (TLB_SIZE - 1)];
 *     if (((vaddr + size - 1) & TARGET_PAGE_MASK) == e->addr_read)   (or
 *         addr_write for stores)
 *         host = vaddr + e->addend;
 *     else slow path: helper_ld/st (softmmu.c)
 *
 * One compare covers page match, page crossing (the last byte lands on
 * the next page, so it cannot equal this page's tag) and every flag:
 * flags sit in the low bits of the tag, so a flagged entry never matches
 * and takes the slow path (MMIO, not-dirty code page, invalid).
 */
#define TLB_BITS 8
#define TLB_SIZE (1 << TLB_BITS)
#define NB_MMU_MODES 2

#define TLB_INVALID  (1ULL << 0)    /* empty entry */
#define TLB_MMIO     (1ULL << 1)    /* I/O: address_space_rw */
#define TLB_NOTDIRTY (1ULL << 2)    /* page holds translated code (write) */

typedef struct TLBEntry {
    uint64_t addr_read;         /* page vaddr | flags, or TLB_INVALID */
    uint64_t addr_write;
    uint64_t addr_code;
    uintptr_t addend;           /* host address = vaddr + addend */
} TLBEntry;

#endif
