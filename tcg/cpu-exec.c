/*
 * cpu-exec.c: the TCG execution loop of one vCPU: exceptions and
 * interrupts between blocks, block lookup (jump cache, hash, translate),
 * chaining, and the siglongjmp target every helper leaves through.  Also
 * the cross-vCPU machinery the loop serves: queued work, exclusive
 * sections (flush of all code) and the "info jit" counters it keeps.
 *
 * Blocks run back to back without coming here while they are chained;
 * the loop is reached on exit_tb 0 (unchained jump, mode change, kick:
 * every block starts by testing cpu->exit_request), a goto_ptr lookup
 * miss, or a guest exception (cpu_loop_exit).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include "tcg/exec-internal.h"
#include "tcg/exec.h"
#include "tcg/tcg.h"
#include "tcg/code-buffer.h"
#include "tcg/i386/translate.h"
#include "accel/accel.h"
#include "accel/tcg/tcg-accel.h"
#include "hw/intc/apic.h"
#include "hw/machine.h"
#include "main/main-loop.h"
#include "main/trace.h"

LOG_ITEM_DEFINE(exec, "log each block the TCG loop runs (add nochain to "
                "see chained ones)");
LOG_ITEM_DEFINE(cpu, "dump the CPU state before each block the loop runs");
LOG_ITEM_DEFINE(nochain, "do not chain translated blocks");
TRACE_EVENT_DEFINE(tcg_exception);
TRACE_EVENT_DEFINE(tcg_interrupt);

/* ---- Per-vCPU state ----------------------------------------------------------- */

struct TCGWork {
    TCGRunOnCpuFn *fn;
    void *opaque;
    TCGWork *next;
};

void tcg_cpu_state_init(X86CPU *cpu)
{
    TCGCPUState *t = g_new0(TCGCPUState, 1);

    t->cpu = cpu;
    pthread_mutex_init(&t->work_lock, NULL);
    pthread_cond_init(&t->work_cond, NULL);
    t->reset_count_seen = cpu->reset_count;
    cpu->tcg = t;
    cpu->exception_index = -1;
    tlb_init(cpu);
}

/* ---- Queued work and kicks ------------------------------------------------------ */

void tcg_cpu_kick(X86CPU *cpu)
{
    TCGCPUState *t = cpu ? tcg_cpu(cpu) : NULL;

    if (!t) {
        return;
    }
    /* Every block tests exit_request first: the vCPU leaves generated
     * code at its next block boundary. */
    __atomic_store_n(&cpu->exit_request, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_lock(&t->work_lock);
    pthread_cond_broadcast(&t->work_cond);
    pthread_mutex_unlock(&t->work_lock);
}

void async_run_on_cpu(X86CPU *cpu, TCGRunOnCpuFn *fn, void *opaque)
{
    TCGCPUState *t = tcg_cpu(cpu);
    TCGWork *w = g_new0(TCGWork, 1);

    w->fn = fn;
    w->opaque = opaque;
    pthread_mutex_lock(&t->work_lock);
    if (t->work_tail) {
        t->work_tail->next = w;
    } else {
        t->work_head = w;
    }
    t->work_tail = w;
    __atomic_store_n(&t->work_pending, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&t->work_lock);
    tcg_cpu_kick(cpu);
}

void tcg_run_queued_work(X86CPU *cpu)
{
    TCGCPUState *t = tcg_cpu(cpu);
    TCGWork *w;

    pthread_mutex_lock(&t->work_lock);
    __atomic_store_n(&t->work_pending, 0, __ATOMIC_SEQ_CST);
    w = t->work_head;
    t->work_head = t->work_tail = NULL;
    pthread_mutex_unlock(&t->work_lock);

    tlb_do_pending_flush(cpu);
    while (w) {
        TCGWork *next = w->next;

        w->fn(cpu, w->opaque);
        g_free(w);
        w = next;
    }
}

/* ---- Exclusive sections ------------------------------------------------------------
 *
 * A vCPU "runs" between cpu_exec_start and cpu_exec_end (its thread is
 * in cpu_exec: it may hold TB pointers).  start_exclusive waits until no
 * other vCPU runs; those that try to start again wait for end_exclusive.
 * A running vCPU asking for a section while another one's is pending
 * steps out of the way first, so two requesters cannot deadlock.
 */

static pthread_mutex_t excl_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t excl_cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t excl_resume = PTHREAD_COND_INITIALIZER;
static int nr_running;
static volatile int excl_pending;

void cpu_exec_start(X86CPU *cpu)
{
    pthread_mutex_lock(&excl_lock);
    while (excl_pending) {
        pthread_cond_wait(&excl_resume, &excl_lock);
    }
    tcg_cpu(cpu)->running = true;
    nr_running++;
    pthread_mutex_unlock(&excl_lock);
}

void cpu_exec_end(X86CPU *cpu)
{
    pthread_mutex_lock(&excl_lock);
    tcg_cpu(cpu)->running = false;
    nr_running--;
    if (excl_pending) {
        pthread_cond_broadcast(&excl_cond);
    }
    pthread_mutex_unlock(&excl_lock);
}

void start_exclusive(void)
{
    X86CPU *self = current_cpu;
    bool self_running = self && tcg_cpu(self) && tcg_cpu(self)->running;
    Machine *m = current_machine;

    pthread_mutex_lock(&excl_lock);
    while (excl_pending) {
        if (self_running) {
            nr_running--;
            pthread_cond_broadcast(&excl_cond);
        }
        pthread_cond_wait(&excl_resume, &excl_lock);
        if (self_running) {
            nr_running++;
        }
    }
    excl_pending = 1;
    pthread_mutex_unlock(&excl_lock);

    for (unsigned i = 0; m && m->cpus && i < m->ncpus; i++) {
        if (m->cpus[i] && m->cpus[i] != self) {
            tcg_cpu_kick(m->cpus[i]);
        }
    }
    pthread_mutex_lock(&excl_lock);
    while (nr_running > (self_running ? 1 : 0)) {
        pthread_cond_wait(&excl_cond, &excl_lock);
    }
    pthread_mutex_unlock(&excl_lock);
}

void end_exclusive(void)
{
    pthread_mutex_lock(&excl_lock);
    excl_pending = 0;
    pthread_cond_broadcast(&excl_resume);
    pthread_mutex_unlock(&excl_lock);
}

/* ---- Leaving generated code ----------------------------------------------------------- */

void tcg_cpu_restore_state(X86CPU *cpu, TranslationBlock *tb, uintptr_t ra)
{
    uintptr_t off = ra - (uintptr_t)tb->tc_ptr;
    unsigned i = 0;
    uint64_t rip;

    if (!tb->icount || !tb->insn_pc) {
        return;
    }
    /* Instruction i's code is (end[i-1], end[i]]: a return address is
     * past the call, so it can equal the end but not the start. */
    while (i + 1 < tb->icount && off > tb->insn_host_end[i]) {
        i++;
    }
    rip = tb->insn_pc[i] - tb->cs_base;
    if (!(tb->flags & X86_TBF_CODE64)) {
        rip = (uint32_t)rip;
    }
    cpu->rip = rip;
    if (tb->insn_cc_op[i] != CC_OP_DYNAMIC) {
        cpu->cc_op = tb->insn_cc_op[i];
    }
}

_Noreturn void cpu_loop_exit(X86CPU *cpu)
{
    TCGCPUState *t = tcg_cpu(cpu);

    /* Only ever called under cpu_exec (helpers, the loop, translation). */
    g_assert(t && t->in_exec);
    siglongjmp(t->jmp_env, 1);
}

_Noreturn void cpu_loop_exit_restore(X86CPU *cpu, uintptr_t ra)
{
    if (ra) {
        TranslationBlock *tb = tb_find_by_host_pc(ra);

        if (tb) {
            tcg_cpu_restore_state(cpu, tb, ra);
        }
    }
    cpu_loop_exit(cpu);
}

/* ---- Interrupts ----------------------------------------------------------------------- */

bool tcg_cpu_has_irq_event(X86CPU *cpu)
{
    unsigned ev = apic_pending(cpu);

    return (ev & APIC_EV_INIT_SIPI) ||
           ((ev & APIC_EV_NMI) && !cpu->nmi_blocked) ||
           ((ev & APIC_EV_INTR) && (cpu->rflags & RFLAGS_IF));
}

/*
 * Between blocks: the interrupt shadow of STI/MOV SS never spans a block
 * boundary (the frontend keeps the next instruction in the same block),
 * so IF is the only mask to check here.  A delivered NMI blocks the next
 * until an IRET (helper_iret clears nmi_blocked; the IRET ends its block,
 * so a pending NMI is taken right after it).  Returns true when one was
 * delivered.
 */
static bool cpu_handle_interrupts(X86CPU *cpu)
{
    TCGCPUState *t = tcg_cpu(cpu);
    unsigned ev = apic_pending(cpu);
    int vector;

    if (likely(!ev)) {
        return false;
    }
    if ((ev & APIC_EV_NMI) && !cpu->nmi_blocked && apic_take_nmi(cpu)) {
        vector = EXCP_NMI;
        cpu->nmi_blocked = true;
    } else if ((ev & APIC_EV_INTR) && (cpu->rflags & RFLAGS_IF)) {
        vector = apic_get_interrupt(cpu);
        if (vector < 0) {
            return false;
        }
    } else {
        return false;
    }
    trace(tcg_interrupt, "cpu=%u vector=0x%x rip=0x%" PRIx64, cpu->index,
          vector, cpu->rip);
    t->stats.interrupts++;
    cpu->halted = false;
    x86_cpu_do_interrupt(cpu, vector, false, 0, false, 0);
    return true;
}

/* Returns EXCP_HLT/EXCP_INTERRUPT to leave cpu_exec, 0 to go on. */
static int cpu_handle_exception(X86CPU *cpu)
{
    int e = cpu->exception_index;

    cpu->exception_index = -1;
    switch (e) {
    case EXCP_HLT:
        cpu->halted = true;
        return EXCP_HLT;
    case EXCP_INTERRUPT:
        return EXCP_INTERRUPT;
    default:
        break;
    }
    if (e < 0 || e > 255) {
        /* EXCP_SWINT is delivered by its helper directly. */
        return 0;
    }
    trace(tcg_exception, "cpu=%u vector=%d err=0x%x rip=0x%" PRIx64,
          cpu->index, e, cpu->exception_error_code, cpu->rip);
    tcg_cpu(cpu)->stats.exceptions++;
    x86_cpu_do_interrupt(cpu, e, false, cpu->exception_error_code,
                         cpu->exception_has_error_code, 0);
    return 0;
}

/* ---- Block lookup ------------------------------------------------------------------------ */

static inline bool tb_key_matches(TranslationBlock *tb, uint64_t pc,
                                  uint64_t cs_base, uint32_t flags)
{
    return tb && tb->pc == pc && tb->cs_base == cs_base &&
           tb->flags == flags &&
           !__atomic_load_n(&tb->invalid, __ATOMIC_ACQUIRE);
}

static TranslationBlock *tb_find(X86CPU *cpu, uint64_t pc, uint64_t cs_base,
                                 uint32_t flags)
{
    TCGCPUState *t = tcg_cpu(cpu);
    unsigned h = tb_jmp_cache_hash(pc);
    TranslationBlock *tb = __atomic_load_n(&t->jmp_cache[h],
                                           __ATOMIC_RELAXED);
    uint64_t phys;

    if (likely(tb_key_matches(tb, pc, cs_base, flags))) {
        t->stats.jc_hits++;
        return tb;
    }
    t->stats.jc_misses++;
    /* The fetch of the block's first byte: may raise #PF. */
    phys = get_page_addr_code(cpu, pc, x86_mmu_index(flags), true);
    tb = tb_htable_lookup(cpu, pc, cs_base, flags, phys);
    if (tb) {
        t->stats.hash_hits++;
    } else {
        t->stats.hash_misses++;
        tb = tb_gen_code(cpu, pc, cs_base, flags, TB_MAX_INSNS, true);
    }
    __atomic_store_n(&t->jmp_cache[h], tb, __ATOMIC_RELAXED);
    return tb;
}

const void *helper_lookup_tb_ptr(X86CPU *cpu)
{
    TCGCPUState *t = tcg_cpu(cpu);
    uint64_t cs_base, pc, phys;
    uint32_t flags;
    unsigned h;
    TranslationBlock *tb;

    /* The loop must see each block (logs), or an interrupt may wait. */
    if (log_enabled(nochain) || log_enabled(exec) || log_enabled(cpu) ||
        tcg_cpu_has_irq_event(cpu)) {
        return tcg_code_gen_epilogue;
    }
    flags = x86_tb_flags(cpu, &cs_base);
    pc = x86_tb_pc(cpu);
    h = tb_jmp_cache_hash(pc);
    tb = __atomic_load_n(&t->jmp_cache[h], __ATOMIC_RELAXED);
    if (!tb_key_matches(tb, pc, cs_base, flags)) {
        phys = get_page_addr_code(cpu, pc, x86_mmu_index(flags), false);
        tb = phys == (uint64_t)-1 ? NULL
             : tb_htable_lookup(cpu, pc, cs_base, flags, phys);
        if (!tb) {
            t->stats.lookup_ptr_misses++;
            return tcg_code_gen_epilogue;
        }
        __atomic_store_n(&t->jmp_cache[h], tb, __ATOMIC_RELAXED);
    }
    t->stats.lookup_ptr_hits++;
    return tb->tc_ptr;
}

/*
 * A chain is only safe to a block on a page of the source block: those
 * pages' physical addresses were checked when the chain's first block was
 * looked up, and a remapping of them is followed by a TLB flush, which
 * ends every walk through a chain at the next lookup.
 */
static bool chain_allowed(TranslationBlock *from, TranslationBlock *to)
{
    uint64_t p = to->pc & TARGET_PAGE_MASK;

    return p == (from->pc & TARGET_PAGE_MASK) ||
           p == ((from->pc + from->size - 1) & TARGET_PAGE_MASK);
}

static void log_exec(X86CPU *cpu, TranslationBlock *tb)
{
    if (log_enabled(cpu)) {
        g_autoptr(GString) out = g_string_new(NULL);
        X86CPU *copy = g_memdup2(cpu, sizeof(*cpu));

        copy->rflags = x86_compute_eflags(cpu);
        x86_cpu_dump_state(copy, out);
        g_free(copy);
        log_printf("%s", out->str);
    }
    if (log_enabled(exec)) {
        log_printf("Trace %u: %p [%016" PRIx64 "/%016" PRIx64 "/%08x]\n",
                   cpu->index, (void *)tb->tc_ptr, tb->cs_base, tb->pc,
                   tb->flags);
    }
}

/* The loop proper; cpu_exec re-enters it after every longjmp. */
static int cpu_exec_loop(X86CPU *cpu, TCGCPUState *t)
{
    TranslationBlock *last = NULL;
    int last_slot = 0;
    unsigned gen = tb_flush_count();

    for (;;) {
        TranslationBlock *tb;
        uint64_t pc, cs_base;
        uint32_t flags;
        uintptr_t ret;
        bool cached = true;

        if (unlikely(cpu->exception_index >= 0)) {
            int r = cpu_handle_exception(cpu);

            if (r) {
                return r;
            }
            last = NULL;
        }
        if (unlikely(__atomic_load_n(&cpu->exit_request, __ATOMIC_ACQUIRE) ||
                     __atomic_load_n(&t->work_pending, __ATOMIC_ACQUIRE) ||
                     excl_pending)) {
            return EXCP_INTERRUPT;
        }
        if (likely(!t->next_tb_insns)) {
            if (cpu_handle_interrupts(cpu)) {
                last = NULL;
            }
            if (unlikely(apic_pending(cpu) & APIC_EV_INIT_SIPI)) {
                return EXCP_INTERRUPT;
            }
            if (cpu->halted) {
                return EXCP_HLT;
            }
        }

        flags = x86_tb_flags(cpu, &cs_base);
        pc = x86_tb_pc(cpu);
        if (unlikely(t->next_tb_insns)) {
            /* Finish an instruction that modified its own block. */
            t->next_tb_insns = 0;
            tb = tb_gen_code(cpu, pc, cs_base, flags, 1, false);
            cached = false;
        } else {
            tb = tb_find(cpu, pc, cs_base, flags);
        }
        if (unlikely(gen != tb_flush_count())) {
            gen = tb_flush_count();
            last = NULL;        /* freed by the flush */
        }
        if (last && cached && !log_enabled(nochain) &&
            chain_allowed(last, tb)) {
            tb_add_jump(last, last_slot, tb);
            t->stats.chains++;
        }
        if (unlikely(log_enabled(exec) || log_enabled(cpu))) {
            log_exec(cpu, tb);
        }
        t->stats.tb_exec++;
        t->stats.insns += tb->icount;
        ret = tcg_tb_exec(cpu, tb->tc_ptr);
        last = cached ? (TranslationBlock *)(ret & ~(uintptr_t)3) : NULL;
        last_slot = ret & 1;
    }
}

int cpu_exec(X86CPU *cpu)
{
    TCGCPUState *t = tcg_cpu(cpu);
    int r;

    if (sigsetjmp(t->jmp_env, 0)) {
        /* Back from cpu_loop_exit: drop what the escaped code held. */
        if (t->tb_lock_held) {
            tb_unlock();
        }
        if (bql_locked()) {
            bql_unlock();
        }
    }
    t->in_exec = true;
    r = cpu_exec_loop(cpu, t);
    t->in_exec = false;
    return r;
}
