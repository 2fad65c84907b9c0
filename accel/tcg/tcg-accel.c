/*
 * tcg-accel.c: the "tcg" accelerator: vCPU threads around cpu_exec,
 * HLT sleep, kicks, pause/stop/reset in the accel.h protocol, the memory
 * listener that flushes TLBs on map changes, and "info jit".
 *
 * vCPU thread life cycle (the same shape as accel/kvm/kvm-vcpu.c):
 *   loop: clear exit_request; stop? -> exit; pause? -> park (registers
 *   are already in X86CPU: TCG runs on it; only the lazy flags are
 *   materialized); queued work; reset_count moved -> drop per-CPU caches;
 *   INIT/SIPI from the APIC; halted without work -> sleep on work_cond
 *   until a kick; else cpu_exec until an exit request or HLT.
 * A kick sets exit_request (tested at every block start) and wakes the
 * sleep; no signals are involved.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "accel/tcg/tcg-accel.h"
#include "accel/accel.h"
#include "tcg/exec-internal.h"
#include "tcg/exec.h"
#include "tcg/code-buffer.h"
#include "tcg/i386/translate.h"
#include "hw/intc/apic.h"
#include "hw/machine.h"
#include "memory/memory.h"
#include "main/main-loop.h"
#include "main/monitor.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(tcg_vcpu_halt);
TRACE_EVENT_DEFINE(tcg_memory_map_changed);

static Machine *tcg_machine;
static MemoryListener tcg_listener;
static bool tcg_map_changed;

/* ---- Memory listener ------------------------------------------------------------ */

static void tcg_region_del(MemoryListener *l, MemoryRegionSection *sec)
{
    (void)l;
    tcg_map_changed = true;
    /* Blocks are keyed by physical address: code from a region that is
     * no longer there must not run for whatever replaces it. */
    if (memory_region_is_ram(sec->mr)) {
        tb_invalidate_phys_range(sec->offset_within_address_space,
                                 sec->size ? sec->size : UINT64_MAX);
    }
}

static void tcg_region_add(MemoryListener *l, MemoryRegionSection *sec)
{
    (void)l;
    (void)sec;
    tcg_map_changed = true;
}

static void tcg_listener_commit(MemoryListener *l)
{
    (void)l;
    if (tcg_map_changed) {
        tcg_map_changed = false;
        trace(tcg_memory_map_changed, "flushing TLBs");
        tlb_flush_all_cpus(tcg_machine);
    }
}

/* ---- AccelOps ------------------------------------------------------------------ */

static int tcg_init(Machine *m, Opts *opts, GError **errp)
{
    uint64_t tb_size = 0;
    const char *thread = opts ? opts_get(opts, "thread") : NULL;

    if (opts && opts_get_uint(opts, "tb-size", 0, &tb_size, errp) < 0) {
        return -EINVAL;
    }
    /* QEMU's spelling of what janus always does: one thread per vCPU. */
    if (thread && strcmp(thread, "multi")) {
        g_set_error(errp, JANUS_ERROR, 0, "-accel tcg,thread=%s: janus "
                    "only runs thread=multi (one host thread per vCPU)",
                    thread);
        return -EINVAL;
    }
    if (opts && opts_check_unused(opts, "-accel tcg", errp) < 0) {
        return -EINVAL;
    }
    if (tb_size > 4096) {
        g_set_error(errp, JANUS_ERROR, 0, "-accel tcg,tb-size=%" PRIu64
                    ": at most 4096 (MiB)", tb_size);
        return -EINVAL;
    }
    if (tcg_code_buffer_init(tb_size * MiB, errp) < 0) {
        return -ENOMEM;
    }
    tcg_machine = m;
    if (apic_init_machine(m, errp) < 0) {
        return -EINVAL;
    }
    apic_set_kick_fn(tcg_cpu_kick);
    tcg_listener = (MemoryListener) {
        .region_add = tcg_region_add,
        .region_del = tcg_region_del,
        .commit = tcg_listener_commit,
    };
    memory_listener_register(&tcg_listener, &address_space_memory);
    /* DMA into RAM that holds code drops its translations. */
    memory_set_ram_write_notifier(tb_invalidate_phys_range);
    return 0;
}

static int tcg_vcpu_init(X86CPU *cpu, GError **errp)
{
    tcg_cpu_state_init(cpu);
    /* The CPUs exist now: this creates their local APICs. */
    if (apic_init_machine(cpu->machine, errp) < 0) {
        return -EINVAL;
    }
    cpu->accel = tcg_cpu(cpu);
    return 0;
}

/* INIT and SIPI change the mode; machine reset may also rewrite RAM
 * behind the softmmu's back (loaders): drop everything cached. */
static void tcg_cpu_sync_reset(X86CPU *cpu, bool flush_code)
{
    TCGCPUState *t = tcg_cpu(cpu);

    t->reset_count_seen = cpu->reset_count;
    cpu->exception_index = -1;
    t->next_tb_insns = 0;
    if (flush_code) {
        tb_flush_all();
    }
    tlb_flush(cpu);
}

static bool tcg_cpu_has_work(X86CPU *cpu)
{
    unsigned ev = apic_pending(cpu);

    if (ev & APIC_EV_INIT_SIPI) {
        return true;
    }
    if (cpu->sipi_wait) {
        return false;
    }
    return ((ev & APIC_EV_NMI) && !cpu->nmi_blocked) ||
           ((ev & APIC_EV_INTR) && (cpu->rflags & RFLAGS_IF));
}

static void tcg_wait_halted(X86CPU *cpu)
{
    TCGCPUState *t = tcg_cpu(cpu);

    t->stats.halts++;
    trace(tcg_vcpu_halt, "cpu=%u rip=0x%" PRIx64, cpu->index, cpu->rip);
    pthread_mutex_lock(&t->work_lock);
    while (!__atomic_load_n(&cpu->exit_request, __ATOMIC_ACQUIRE) &&
           !t->work_pending && !tcg_cpu_has_work(cpu) &&
           !accel_pause_requested() && !accel_vcpu_should_stop()) {
        pthread_cond_wait(&t->work_cond, &t->work_lock);
    }
    pthread_mutex_unlock(&t->work_lock);
}

static bool tcg_vcpu_park(X86CPU *cpu)
{
    TCGCPUState *t = tcg_cpu(cpu);
    bool ok;

    x86_cpu_sync_eflags(cpu);
    pthread_mutex_lock(&t->work_lock);
    t->parked = true;
    pthread_cond_broadcast(&t->work_cond);
    pthread_mutex_unlock(&t->work_lock);

    ok = accel_vcpu_park(cpu);

    pthread_mutex_lock(&t->work_lock);
    t->parked = false;
    pthread_mutex_unlock(&t->work_lock);
    if (ok) {
        /* Loaders, reset or the monitor may have changed anything. */
        tcg_cpu_sync_reset(cpu, cpu->reset_count != t->reset_count_seen);
    }
    return ok;
}

static void *tcg_vcpu_thread(void *opaque)
{
    X86CPU *cpu = opaque;
    TCGCPUState *t = tcg_cpu(cpu);
    char name[16];

    snprintf(name, sizeof(name), "CPU %u/TCG", cpu->index);
    pthread_setname_np(pthread_self(), name);
    current_cpu = cpu;
    cpu->thread = pthread_self();
    pthread_mutex_lock(&t->work_lock);
    t->thread_started = true;
    pthread_mutex_unlock(&t->work_lock);

    for (;;) {
        int r;

        __atomic_store_n(&cpu->exit_request, 0, __ATOMIC_SEQ_CST);
        if (accel_vcpu_should_stop()) {
            break;
        }
        if (accel_pause_requested()) {
            if (!tcg_vcpu_park(cpu)) {
                break;
            }
            continue;
        }
        if (__atomic_load_n(&t->work_pending, __ATOMIC_ACQUIRE)) {
            tcg_run_queued_work(cpu);
        }
        if (cpu->reset_count != t->reset_count_seen) {
            tcg_cpu_sync_reset(cpu, false);
        }
        if (apic_pending(cpu) & APIC_EV_INIT_SIPI) {
            if (apic_handle_init_sipi(cpu)) {
                tcg_cpu_sync_reset(cpu, false);
            }
            continue;
        }
        if (cpu->halted && !tcg_cpu_has_work(cpu)) {
            tcg_wait_halted(cpu);
            continue;
        }
        cpu_exec_start(cpu);
        r = cpu_exec(cpu);
        cpu_exec_end(cpu);
        /* Outside the loop RFLAGS is always complete (translate.h). */
        x86_cpu_sync_eflags(cpu);
        t->stats.exits++;
        (void)r;
    }
    x86_cpu_sync_eflags(cpu);
    pthread_mutex_lock(&t->work_lock);
    t->exited = true;
    pthread_cond_broadcast(&t->work_cond);
    pthread_mutex_unlock(&t->work_lock);
    accel_vcpu_exited(cpu);
    return NULL;
}

static void sync_eflags_work(X86CPU *cpu, void *opaque)
{
    TCGCPUState *t = tcg_cpu(cpu);

    (void)opaque;
    x86_cpu_sync_eflags(cpu);
    pthread_mutex_lock(&t->work_lock);
    t->sync_gen++;
    pthread_cond_broadcast(&t->work_cond);
    pthread_mutex_unlock(&t->work_lock);
}

/*
 * Everything but the lazy arithmetic flags is always in X86CPU; those are
 * materialized by the vCPU itself (it owns cc_*), between two blocks.
 * A parked, exited or never started vCPU is exact already.
 */
static void tcg_sync_from_accel(X86CPU *cpu)
{
    TCGCPUState *t = tcg_cpu(cpu);
    unsigned gen;
    bool had_bql;

    if (!t) {
        return;
    }
    if (cpu == current_cpu) {
        x86_cpu_sync_eflags(cpu);
        return;
    }
    pthread_mutex_lock(&t->work_lock);
    gen = t->sync_gen;
    if (!t->thread_started || t->parked || t->exited) {
        pthread_mutex_unlock(&t->work_lock);
        return;
    }
    pthread_mutex_unlock(&t->work_lock);

    /* The vCPU may be waiting for the BQL in device dispatch. */
    had_bql = bql_locked();
    if (had_bql) {
        bql_unlock();
    }
    async_run_on_cpu(cpu, sync_eflags_work, NULL);
    pthread_mutex_lock(&t->work_lock);
    while (t->sync_gen == gen && !t->parked && !t->exited) {
        pthread_cond_wait(&t->work_cond, &t->work_lock);
    }
    pthread_mutex_unlock(&t->work_lock);
    if (had_bql) {
        bql_lock();
    }
}

const AccelOps accel_tcg_ops = {
    .name = "tcg",
    .init = tcg_init,
    .vcpu_init = tcg_vcpu_init,
    .vcpu_thread = tcg_vcpu_thread,
    .vcpu_kick = tcg_cpu_kick,
    .sync_from_accel = tcg_sync_from_accel,
    .deliver_msi = apic_deliver_msi,
    .set_extint = apic_set_extint,
};

/* ---- info jit --------------------------------------------------------------------- */

static double pct(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * part / whole : 0.0;
}

static void hmp_info_jit(Monitor *mon, int argc, char **argv)
{
    Machine *m = tcg_machine;
    TCGExecStats e = { 0 };
    SoftmmuStats s = { 0 };
    TBStats tbs;

    (void)argc;
    (void)argv;
    if (!m || m->accel != &accel_tcg_ops) {
        monitor_printf(mon, "TCG is not running\n");
        return;
    }
    for (unsigned i = 0; m->cpus && i < m->ncpus; i++) {
        TCGCPUState *t = m->cpus[i] ? tcg_cpu(m->cpus[i]) : NULL;

        if (!t) {
            continue;
        }
        e.tb_exec += t->stats.tb_exec;
        e.insns += t->stats.insns;
        e.jc_hits += t->stats.jc_hits;
        e.jc_misses += t->stats.jc_misses;
        e.hash_hits += t->stats.hash_hits;
        e.hash_misses += t->stats.hash_misses;
        e.chains += t->stats.chains;
        e.interrupts += t->stats.interrupts;
        e.exceptions += t->stats.exceptions;
        e.halts += t->stats.halts;
        e.exits += t->stats.exits;
        e.lookup_ptr_hits += t->stats.lookup_ptr_hits;
        e.lookup_ptr_misses += t->stats.lookup_ptr_misses;
        softmmu_stats_add(m->cpus[i], &s);
    }
    tb_stats_get(&tbs);
    monitor_printf(mon, "Translation:\n");
    monitor_printf(mon, "  blocks translated     %" PRIu64 " (%" PRIu64
                   " guest insns, avg %.1f/block, %" PRIu64 " one-off)\n",
                   tbs.translated, tbs.translated_insns,
                   tbs.translated ? (double)tbs.translated_insns /
                                    tbs.translated : 0.0, tbs.uncached);
    monitor_printf(mon, "  blocks live           %" PRIu64 "\n", tbs.live);
    monitor_printf(mon, "  code buffer           %zu / %zu bytes, %u "
                   "flushes\n", tcg_code_buffer_used(),
                   tcg_code_buffer_size(), tcg_code_buffer_resets());
    monitor_printf(mon, "Execution (blocks entered from the loop; chained "
                   "blocks are not counted):\n");
    monitor_printf(mon, "  blocks run            %" PRIu64 " (~%" PRIu64
                   " guest insns)\n", e.tb_exec, e.insns);
    monitor_printf(mon, "  jump cache            %" PRIu64 " hits, %" PRIu64
                   " misses (%.1f%% hit rate)\n", e.jc_hits, e.jc_misses,
                   pct(e.jc_hits, e.jc_hits + e.jc_misses));
    monitor_printf(mon, "  hash table            %" PRIu64 " hits, %" PRIu64
                   " misses\n", e.hash_hits, e.hash_misses);
    monitor_printf(mon, "  goto_ptr lookups      %" PRIu64 " hits, %" PRIu64
                   " misses\n", e.lookup_ptr_hits, e.lookup_ptr_misses);
    monitor_printf(mon, "  chains made           %" PRIu64 "\n", e.chains);
    monitor_printf(mon, "  loop exits            %" PRIu64 ", halts %"
                   PRIu64 ", interrupts %" PRIu64 ", exceptions %" PRIu64
                   "\n", e.exits, e.halts, e.interrupts, e.exceptions);
    monitor_printf(mon, "Softmmu:\n");
    monitor_printf(mon, "  TLB misses (walks)    %" PRIu64 ", victim hits %"
                   PRIu64 "\n", s.tlb_misses, s.victim_hits);
    monitor_printf(mon, "  TLB flushes           %" PRIu64 " full, %" PRIu64
                   " page\n", s.tlb_flushes, s.tlb_page_flushes);
    monitor_printf(mon, "  MMIO accesses         %" PRIu64 "\n",
                   s.mmio_accesses);
    monitor_printf(mon, "Self-modifying code:\n");
    monitor_printf(mon, "  writes to code pages  %" PRIu64 " (%" PRIu64
                   " skipped by code bitmaps)\n", s.notdirty_writes,
                   tbs.bitmap_skips);
    monitor_printf(mon, "  invalidations         %" PRIu64 " blocks (%"
                   PRIu64 " SMC writes, %" PRIu64 " restarts, %" PRIu64
                   " DMA/map pages)\n", tbs.invalidated,
                   tbs.smc_invalidations, tbs.smc_restarts,
                   tbs.dma_invalidations);
}

static const MonitorCommand info_jit_cmd = {
    .name = "jit",
    .help = "show TCG translation, execution and softmmu statistics",
    .fn = hmp_info_jit,
};
MONITOR_INFO_REGISTER(info_jit_cmd);
