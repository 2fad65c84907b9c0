/*
 * exec-internal.h: what the execution side of TCG shares between its own
 * files (tcg/cpu-exec.c, tcg/tb-maint.c, tcg/translate-all.c,
 * tcg/softmmu.c, accel/tcg/): the per-vCPU state behind cpu->tcg, the TB
 * cache, queued work and statistics.  Nobody else includes it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCG_EXEC_INTERNAL_H
#define TCG_EXEC_INTERNAL_H

#include <pthread.h>
#include <setjmp.h>
#include "main/janus.h"
#include "hw/cpu.h"
#include "tcg/tb.h"
#include "tcg/softmmu.h"

typedef struct TCGContext TCGContext;

/* Victim TLB: entries evicted from the direct-mapped table, per index. */
#define VTLB_SIZE 8

/* Per-vCPU jump cache: virtual pc -> TB, no key beyond pc/cs_base/flags:
 * it is flushed with the TLB, so a hit's physical pages are still the
 * ones the key was computed with. */
#define TB_JMP_CACHE_BITS 12
#define TB_JMP_CACHE_SIZE (1 << TB_JMP_CACHE_BITS)
/* Each virtual page hashes to one group of entries, so a page flush
 * clears a group instead of scanning the cache. */
#define TB_JMP_PAGE_BITS 6
#define TB_JMP_PAGE_SIZE (1 << TB_JMP_PAGE_BITS)

/* What a TLB entry translates to, beside the fast-path fields. */
typedef struct TLBEntryFull {
    uint64_t paddr;             /* physical page address */
    bool global;                /* survives tlb_flush_nonglobal */
} TLBEntryFull;

typedef struct TCGExecStats {
    uint64_t tb_exec;           /* blocks entered from the loop */
    uint64_t insns;             /* their guest instructions (approx.) */
    uint64_t jc_hits, jc_misses;
    uint64_t hash_hits, hash_misses;
    uint64_t chains;            /* goto_tb slots patched */
    uint64_t interrupts, exceptions, halts, exits;
    uint64_t lookup_ptr_hits, lookup_ptr_misses;
} TCGExecStats;

typedef struct TCGWork TCGWork;

/* cpu->tcg */
typedef struct TCGCPUState {
    X86CPU *cpu;
    sigjmp_buf jmp_env;         /* cpu_exec's return point */
    bool in_exec;               /* jmp_env is live */
    bool tb_lock_held;          /* released on a longjmp */
    int next_tb_insns;          /* 1: the next block is one instruction
                                   (finishing a self-modifying store) */
    unsigned reset_count_seen;
    TCGContext *ctx;            /* this thread's translation context */
    TranslationBlock *spare_tb; /* left over by a faulting translation */

    /* softmmu (tcg/softmmu.c); cpu->tlb_table[i] points into tlb[i] */
    TLBEntry tlb[NB_MMU_MODES][TLB_SIZE];
    TLBEntryFull full[NB_MMU_MODES][TLB_SIZE];
    TLBEntry vtlb[NB_MMU_MODES][VTLB_SIZE];
    TLBEntryFull vfull[NB_MMU_MODES][VTLB_SIZE];
    unsigned vtlb_next[NB_MMU_MODES];
    /* union of the large pages in the TLB, for INVLPG */
    uint64_t large_page_addr[NB_MMU_MODES];
    uint64_t large_page_mask[NB_MMU_MODES];
    SoftmmuStats mmu_stats;

    /* TB lookup (tcg/cpu-exec.c, tcg/tb-maint.c) */
    TranslationBlock *jmp_cache[TB_JMP_CACHE_SIZE];
    TCGExecStats stats;

    /* queued work and sleep (tcg/cpu-exec.c) */
    pthread_mutex_t work_lock;
    pthread_cond_t work_cond;   /* HLT sleep and synchronous work */
    TCGWork *work_head, *work_tail;
    volatile int work_pending;
    volatile int flush_pending; /* a queued tlb_flush (coalesced) */
    bool running;               /* between cpu_exec_start and _end */
    bool thread_started, parked, exited;    /* under work_lock */
    unsigned sync_gen;          /* sync_from_accel requests served */
} TCGCPUState;

static inline TCGCPUState *tcg_cpu(X86CPU *cpu)
{
    return cpu->tcg;
}

static inline unsigned tb_jmp_cache_hash(uint64_t pc)
{
    uint64_t page = pc >> TARGET_PAGE_BITS;
    unsigned group = (page ^ (page >> TB_JMP_CACHE_BITS)) &
                     ((1u << (TB_JMP_CACHE_BITS - TB_JMP_PAGE_BITS)) - 1);

    return (group << TB_JMP_PAGE_BITS) |
           ((pc ^ (pc >> TB_JMP_PAGE_BITS)) & (TB_JMP_PAGE_SIZE - 1));
}

/* ---- tcg/cpu-exec.c ------------------------------------------------------ */

/** tcg_cpu_state_new: the per-vCPU state (cpu->tcg), TLB included. */
void tcg_cpu_state_init(X86CPU *cpu);
/** cpu_exec: run blocks until an exit request, HLT or stop; returns
 * EXCP_INTERRUPT or EXCP_HLT. */
int cpu_exec(X86CPU *cpu);
/** cpu_exec_start/end: bracket running generated code (exclusive
 * sections wait for every vCPU between the two to leave). */
void cpu_exec_start(X86CPU *cpu);
void cpu_exec_end(X86CPU *cpu);
/** start_exclusive/end_exclusive: stop every other vCPU outside
 * generated code (called by a running vCPU or any other thread). */
void start_exclusive(void);
void end_exclusive(void);
/** tcg_run_queued_work: run @cpu's queued work (its own thread). */
void tcg_run_queued_work(X86CPU *cpu);
/** tcg_cpu_restore_state: rip/cc_op of the instruction containing host
 * address @ra in @tb. */
void tcg_cpu_restore_state(X86CPU *cpu, TranslationBlock *tb, uintptr_t ra);
/** tcg_cpu_has_irq_event: an interrupt, NMI or INIT/SIPI may be waiting */
bool tcg_cpu_has_irq_event(X86CPU *cpu);

/* ---- tcg/tb-maint.c ------------------------------------------------------ */

void tb_lock(void);
void tb_unlock(void);
/** tb_htable_lookup: the cached TB for the key, lock-free; NULL if none. */
TranslationBlock *tb_htable_lookup(X86CPU *cpu, uint64_t pc,
                                   uint64_t cs_base, uint32_t flags,
                                   uint64_t phys_page0);
/** tb_htable_find_same: a valid cached TB with @tb's exact key (both
 * physical pages; no page walk, so callable under the tb lock). */
TranslationBlock *tb_htable_find_same(TranslationBlock *tb);
/** tb_link: insert @tb in the hash and its pages' lists (tb lock held). */
void tb_link(TranslationBlock *tb);
/** tb_index_add: make @tb findable by host pc (tb lock held). */
void tb_index_add(TranslationBlock *tb);
/** tb_find_by_host_pc: the TB whose code contains @ra, or NULL. */
TranslationBlock *tb_find_by_host_pc(uintptr_t ra);
/** tb_add_jump: chain @tb's goto_tb @slot to @dest (takes the lock). */
void tb_add_jump(TranslationBlock *tb, int slot, TranslationBlock *dest);
/** tb_phys_invalidate: invalidate @tb (tb lock held). */
void tb_phys_invalidate(TranslationBlock *tb);
/** tb_flush_all: drop every TB and reset the code buffer (stops the
 * world; must be called without the tb lock). */
void tb_flush_all(void);
/** tb_flush_count: how many flush-alls so far (TB pointers from before
 * a change are dangling). */
unsigned tb_flush_count(void);
/** page_has_code: physical page of @paddr holds translated code
 * (lock-free, may be stale by one racing change). */
bool page_has_code(uint64_t paddr);
/**
 * tb_invalidate_phys_write: a guest store of @size bytes at @paddr on a
 * page with code: invalidate the blocks it overlaps.  When the block
 * containing @ra (the storing instruction) is one of them, restart that
 * instruction as a one-instruction block (does not return).
 */
void tb_invalidate_phys_write(X86CPU *cpu, uint64_t paddr, unsigned size,
                              uintptr_t ra);
/** tb_invalidate_phys_range: invalidate every TB overlapping the range
 * (DMA, memory map changes).  Any thread. */
void tb_invalidate_phys_range(uint64_t start, uint64_t len);
/** tb_jmp_cache_clear: empty @cpu's jump cache. */
void tb_jmp_cache_clear(X86CPU *cpu);
/** tb_jmp_cache_clear_page: drop the cached blocks that may start on
 * @vaddr's page or end on it. */
void tb_jmp_cache_clear_page(X86CPU *cpu, uint64_t vaddr);

typedef struct TBStats {
    uint64_t translated, translated_insns, uncached;
    uint64_t invalidated, smc_invalidations, smc_restarts;
    uint64_t dma_invalidations, flushes, bitmap_skips;
    uint64_t live;              /* TBs since the last flush */
} TBStats;
void tb_stats_get(TBStats *out);
void tb_stats_count_translation(TranslationBlock *tb, bool cached);

/* ---- tcg/translate-all.c ------------------------------------------------- */

/**
 * tb_gen_code: translate a block at @pc for the key (@cs_base, @flags),
 * of at most @max_insns instructions; @cached: enter it in the TB cache
 * (false for the one-off blocks that finish a self-modifying store).
 * May raise a guest #PF (longjmp) while fetching the first instruction.
 */
TranslationBlock *tb_gen_code(X86CPU *cpu, uint64_t pc, uint64_t cs_base,
                              uint32_t flags, int max_insns, bool cached);

/* ---- tcg/softmmu.c ------------------------------------------------------- */

/**
 * get_page_addr_code: physical page of the code at @pc for @mmu_idx,
 * filling the TLB; @fault: raise #PF on failure (else return -1).
 */
uint64_t get_page_addr_code(X86CPU *cpu, uint64_t pc, int mmu_idx,
                            bool fault);
/** tlb_protect_code: the physical page @paddr now holds code: make every
 * vCPU's writes to it take the slow path.  Any thread. */
void tlb_protect_code(uint64_t paddr);
/** tlb_do_pending_flush: run a queued tlb_flush_all_cpus on @cpu. */
void tlb_do_pending_flush(X86CPU *cpu);

#endif
