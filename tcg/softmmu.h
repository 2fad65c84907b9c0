/*
 * softmmu.h: the software MMU behind TCG's guest memory accesses: the
 * per-vCPU TLB (layout in tcg/tb.h), its miss path, flushes, code fetch
 * for the translator and host pointers for atomic guest operations.
 *
 * Every function taking an X86CPU runs on that vCPU's own thread unless
 * it says otherwise: the TLB is private to its vCPU and never locked.
 * Other threads ask for flushes through queued work (tlb_flush_all_cpus).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCG_SOFTMMU_H
#define TCG_SOFTMMU_H

#include "main/janus.h"
#include "hw/cpu.h"
#include "tcg/tb.h"

/*
 * The vCPU the calling thread runs, NULL outside vCPU threads (main loop,
 * monitor, unit tests that do not set it).  Device models that need a
 * per-CPU view (the local APIC's MMIO page) read it in their callbacks;
 * the TCG exec loop sets it once per vCPU thread before running guest
 * code.
 */
extern __thread X86CPU *current_cpu;

/* MMU indexes (tb.h's tlb_table[]): which privilege an access checks. */
#define MMU_KERNEL_IDX  0       /* CPL 0-2, and implicit supervisor accesses */
#define MMU_USER_IDX    1       /* CPL 3 */

/** tlb_init: allocate @cpu's TLB tables (all entries invalid). */
void tlb_init(X86CPU *cpu);
/** tlb_destroy: free what tlb_init allocated. */
void tlb_destroy(X86CPU *cpu);

/**
 * tlb_flush: invalidate every entry of @cpu's TLB, global pages included
 * (CR0.PG/WP, CR4.PGE/PAE/PSE/SMEP/SMAP, EFER.NXE changes, or a memory map
 * change).  @cpu's own thread only.
 */
void tlb_flush(X86CPU *cpu);

/**
 * tlb_flush_nonglobal: what a CR3 write does: every entry except those of
 * global pages (PTE.G with CR4.PGE).  @cpu's own thread only.
 */
void tlb_flush_nonglobal(X86CPU *cpu);

/**
 * tlb_flush_page: INVLPG: drop the translation of @vaddr's page, in both
 * MMU indexes (a page mapped by a large page drops the whole large page,
 * which may flush everything).  @cpu's own thread only.
 */
void tlb_flush_page(X86CPU *cpu, uint64_t vaddr);

/**
 * tlb_flush_all_cpus: flush every vCPU's TLB of machine @m.  Any thread;
 * the caller's own vCPU (if it is one) is flushed before returning, the
 * others at their next block boundary (queued work plus a kick), which
 * is in time for anything they do after the change that caused it.
 */
void tlb_flush_all_cpus(Machine *m);

/**
 * tcg_fetch_code: read guest code bytes for the translator.
 * @cpu: the translating vCPU (its CR0/CR3/CR4/EFER give the mapping).
 * @tb: the block being translated: the first fetch at tb->pc's page sets
 *   tb->phys_pc[0], a fetch from the following page sets tb->phys_pc[1].
 *   A block covers at most two pages: a fetch reaching a third page stops
 *   short (the frontend ends the block before the instruction).
 * @pc: virtual address (CS base included) of the first byte.
 * @buf, @len: where to copy, and how many bytes (at most 16).
 * @mmu_idx: MMU_KERNEL_IDX or MMU_USER_IDX (the block's CPL).
 * @fault: true when the bytes are needed even if a page is missing: the
 *   fetch then raises the guest #PF (error code with I/D, CR2 = the first
 *   unreadable byte) and does not return.  Use it for the first
 *   instruction of a block; for later ones pass false and end the block
 *   before an instruction that could not be read completely.
 * Returns the number of bytes copied (< @len when the next page is not
 * mapped, not executable or a third page), never negative.
 *
 * A fetch from a page that is not RAM (MMIO, unassigned) reads it through
 * address_space_read: unassigned bytes come back as 0xff.  Such blocks
 * are not protected against self-modification.
 */
int tcg_fetch_code(X86CPU *cpu, TranslationBlock *tb, uint64_t pc,
                   void *buf, int len, int mmu_idx, bool fault);

/**
 * tlb_host_addr_rw: a host pointer for an atomic read-modify-write of
 * @size bytes at guest @vaddr (lock'ed instructions, xchg with memory).
 * Checks read and write permission as a store would (#PF raised at @ra,
 * GETPC() of the helper), invalidates translated code on the page like
 * a store does, and returns NULL when no single host location backs the
 * access: MMIO or unassigned memory, ROM, or an access crossing into a
 * page that is not contiguous with the first in host memory.  On NULL the
 * caller falls back to helper_ld_mmu + helper_st_mmu (not atomic; MMIO
 * is serialized by the BQL anyway, ROM refuses the write).
 */
void *tlb_host_addr_rw(X86CPU *cpu, uint64_t vaddr, int size, int mmu_idx,
                       uintptr_t ra);

/** tlb_fill_count etc.: statistics for "info jit" (tcg/softmmu.c). */
typedef struct SoftmmuStats {
    uint64_t tlb_misses;        /* slow-path entries that walked the tables */
    uint64_t victim_hits;       /* misses served by the victim TLB */
    uint64_t tlb_flushes;       /* full or non-global flushes */
    uint64_t tlb_page_flushes;
    uint64_t mmio_accesses;
    uint64_t notdirty_writes;   /* writes to pages holding code */
} SoftmmuStats;

/** softmmu_stats_add: add @cpu's counters into @sum (any thread; racy
 * reads of plain counters, good enough for statistics). */
void softmmu_stats_add(X86CPU *cpu, SoftmmuStats *sum);

#endif
