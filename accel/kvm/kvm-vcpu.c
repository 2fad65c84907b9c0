/*
 * kvm-vcpu.c: one thread per vCPU running KVM_RUN and dispatching exits.
 *
 * The exit loop is the hot path of -accel kvm: an I/O or MMIO exit costs
 * one ioctl plus one address_space_rw() call, nothing else (no lock: the
 * memory core takes the BQL for I/O regions itself).  Everything rare
 * (pause, register sync, interrupt windows) hides behind flags checked
 * once per iteration.
 *
 * Kick: the kicker sets its request flag, then kvm_run->immediate_exit, then
 * sends KVM_KICK_SIGNAL.  The signal is blocked in the vCPU thread except
 * inside KVM_RUN (KVM_SET_SIGNAL_MASK), so it only ever interrupts the
 * guest; immediate_exit covers a kick that lands just before KVM_RUN, and
 * the thread clears it before re-reading the flags, so no kick is lost.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "accel/kvm/kvm-int.h"
#include "main/main-loop.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(kvm_run);
TRACE_EVENT_DEFINE(kvm_exit_io);
TRACE_EVENT_DEFINE(kvm_exit_mmio);
TRACE_EVENT_DEFINE(kvm_exit);
TRACE_EVENT_DEFINE(kvm_irq_inject);

#define CPUID_MAX_ENTRIES 256

static void kvm_kick_handler(int sig)
{
    (void)sig;      /* only there to make KVM_RUN return -EINTR */
}

static void kvm_signal_setup_once(void)
{
    static gsize done;

    if (g_once_init_enter(&done)) {
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = kvm_kick_handler;
        sigemptyset(&sa.sa_mask);
        sigaction(KVM_KICK_SIGNAL, &sa, NULL);
        g_once_init_leave(&done, 1);
    }
}

static int kvm_set_cpuid(KVMVcpu *v, GError **errp)
{
    X86CPU *cpu = v->cpu;
    Machine *m = cpu->machine;
    struct kvm_cpuid2 *sup = kvm_state.supported_cpuid;
    g_autofree CPUIDEntry *host = g_new0(CPUIDEntry, sup->nent);
    g_autofree CPUIDEntry *out = g_new0(CPUIDEntry, CPUID_MAX_ENTRIES);
    g_autofree struct kvm_cpuid2 *c = NULL;
    int n;

    for (unsigned i = 0; i < sup->nent; i++) {
        struct kvm_cpuid_entry2 *e = &sup->entries[i];

        host[i] = (CPUIDEntry) {
            .function = e->function, .index = e->index,
            .significant_index =
                !!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX),
            .eax = e->eax, .ebx = e->ebx, .ecx = e->ecx, .edx = e->edx,
        };
    }
    n = x86_cpuid_filter(m->cfg ? m->cfg->cpu_model : NULL, host, sup->nent,
                         cpu, m->ncpus, out, CPUID_MAX_ENTRIES, errp);
    if (n < 0) {
        return n;
    }
    for (int i = 0; i < n && !kvm_state.split_irqchip; i++) {
        /* No local APIC to offer (CPUID.1: EDX.APIC, ECX.x2APIC). */
        if (out[i].function == 1) {
            out[i].edx &= ~(1u << 9);
            out[i].ecx &= ~(1u << 21);
        }
    }
    c = g_malloc0(sizeof(*c) + n * sizeof(c->entries[0]));
    c->nent = n;
    for (int i = 0; i < n; i++) {
        c->entries[i] = (struct kvm_cpuid_entry2) {
            .function = out[i].function, .index = out[i].index,
            .flags = out[i].significant_index
                     ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0,
            .eax = out[i].eax, .ebx = out[i].ebx,
            .ecx = out[i].ecx, .edx = out[i].edx,
        };
    }
    if (ioctl(v->fd, KVM_SET_CPUID2, c) < 0) {
        g_set_error(errp, JANUS_ERROR, 0, "vCPU %u: KVM_SET_CPUID2: %s",
                    cpu->index, strerror(errno));
        return -errno;
    }
    return 0;
}

/* KVM_RUN runs with the thread's mask minus the kick signal. */
static int kvm_set_run_sigmask(KVMVcpu *v, GError **errp)
{
    struct {
        struct kvm_signal_mask hdr;
        uint8_t set[8];         /* the kernel's sigset_t is 64 bits */
    } km;
    sigset_t set;

    pthread_sigmask(SIG_BLOCK, NULL, &set);
    sigdelset(&set, KVM_KICK_SIGNAL);
    km.hdr.len = 8;
    memcpy(km.set, &set, 8);
    if (ioctl(v->fd, KVM_SET_SIGNAL_MASK, &km) < 0) {
        g_set_error(errp, JANUS_ERROR, 0, "vCPU %u: KVM_SET_SIGNAL_MASK: %s",
                    v->cpu->index, strerror(errno));
        return -errno;
    }
    return 0;
}

int kvm_vcpu_init(X86CPU *cpu, GError **errp)
{
    KVMState *s = &kvm_state;
    KVMVcpu *v = g_new0(KVMVcpu, 1);
    int r;

    kvm_signal_setup_once();
    v->cpu = cpu;
    pthread_mutex_init(&v->sync_lock, NULL);
    pthread_cond_init(&v->sync_cond, NULL);
    v->fd = ioctl(s->vm_fd, KVM_CREATE_VCPU, (unsigned long)cpu->apic_id);
    if (v->fd < 0) {
        r = -errno;
        g_set_error(errp, JANUS_ERROR, 0, "vCPU %u: KVM_CREATE_VCPU: %s",
                    cpu->index, strerror(errno));
        g_free(v);
        return r;
    }
    v->run = mmap(NULL, s->vcpu_mmap_size, PROT_READ | PROT_WRITE,
                  MAP_SHARED, v->fd, 0);
    if (v->run == MAP_FAILED) {
        r = -errno;
        g_set_error(errp, JANUS_ERROR, 0, "vCPU %u: mmap kvm_run: %s",
                    cpu->index, strerror(errno));
        goto fail;
    }
    r = kvm_set_cpuid(v, errp);
    if (r == 0) {
        r = kvm_put_state(v, true, errp);
    }
    if (r < 0) {
        munmap(v->run, s->vcpu_mmap_size);
        goto fail;
    }
    cpu->accel = v;
    return 0;

fail:
    close(v->fd);
    g_free(v);
    return r;
}

void kvm_vcpu_kick(X86CPU *cpu)
{
    KVMVcpu *v = cpu->accel;

    if (!v) {
        return;
    }
    cpu->exit_request = 1;
    __atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&v->running, __ATOMIC_SEQ_CST)) {
        pthread_kill(cpu->thread, KVM_KICK_SIGNAL);
    }
    if (!kvm_state.split_irqchip) {
        /* A vCPU waiting in userspace HLT. */
        pthread_mutex_lock(&kvm_state.halt_lock);
        pthread_cond_broadcast(&kvm_state.halt_cond);
        pthread_mutex_unlock(&kvm_state.halt_lock);
    }
}

/* Consume kicks that arrived while the signal was blocked, or the next
 * KVM_RUN would return -EINTR again at once. */
static void kvm_eat_kicks(void)
{
    static const struct timespec zero;
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, KVM_KICK_SIGNAL);
    while (sigtimedwait(&set, NULL, &zero) == KVM_KICK_SIGNAL) {
        /* nothing */
    }
}

void kvm_sync_from_accel(X86CPU *cpu)
{
    KVMVcpu *v = cpu->accel;
    bool had_bql;

    if (!v) {
        return;
    }
    if (pthread_equal(pthread_self(), cpu->thread)) {
        kvm_get_state(v, NULL);
        return;
    }
    /* Drop the BQL first: the vCPU may be waiting for it in dispatch. */
    had_bql = bql_locked();
    if (had_bql) {
        bql_unlock();
    }
    pthread_mutex_lock(&v->sync_lock);
    if (v->running && !v->parked) {
        v->sync_req = true;
        kvm_vcpu_kick(cpu);
        while (v->sync_req && v->running && !v->parked) {
            pthread_cond_wait(&v->sync_cond, &v->sync_lock);
        }
    } else if (!v->running && !v->parked) {
        /* Never started, or ended: KVM still holds the last state. */
        kvm_get_state(v, NULL);
    }
    pthread_mutex_unlock(&v->sync_lock);
    if (had_bql) {
        bql_lock();
    }
}

/* The registers go to X86CPU; wake whoever asked. */
static void kvm_service_sync(KVMVcpu *v)
{
    pthread_mutex_lock(&v->sync_lock);
    kvm_get_state(v, NULL);
    v->sync_req = false;
    pthread_cond_broadcast(&v->sync_cond);
    pthread_mutex_unlock(&v->sync_lock);
}

/* Park until resumed; returns false when the thread must end. */
static bool kvm_vcpu_pause(KVMVcpu *v)
{
    X86CPU *cpu = v->cpu;
    GError *err = NULL;
    bool ok;

    pthread_mutex_lock(&v->sync_lock);
    kvm_get_state(v, NULL);
    v->parked = true;
    v->sync_req = false;
    pthread_cond_broadcast(&v->sync_cond);
    pthread_mutex_unlock(&v->sync_lock);

    ok = accel_vcpu_park(cpu);

    pthread_mutex_lock(&v->sync_lock);
    v->parked = false;
    pthread_mutex_unlock(&v->sync_lock);
    if (!ok) {
        return false;
    }
    /* Reset or loaders may have changed the X86CPU meanwhile. */
    if (kvm_put_state(v, cpu->reset_count != v->reset_count_synced,
                      &err) < 0) {
        fprintf(stderr, "janus: %s\n", err->message);
        g_error_free(err);
        vm_request_shutdown(KVM_EXIT_CODE_FAILURE);
        return false;
    }
    return true;
}

/* A failure of the guest or of KVM: say what, show the registers, end. */
static void kvm_vcpu_fail(KVMVcpu *v, const char *what)
{
    g_autoptr(GString) dump = g_string_new(NULL);

    kvm_get_state(v, NULL);
    x86_cpu_dump_state(v->cpu, dump);
    fprintf(stderr, "janus: vCPU %u: %s\n%s", v->cpu->index, what,
            dump->str);
    vm_request_shutdown(KVM_EXIT_CODE_FAILURE);
}

/*
 * Triple fault: like QEMU, reset the machine, or with -no-reboot end it
 * (vm_request_reset decides; exit status 0 then).  The registers are
 * printed either way: a test guest that triple faults wants them.
 */
static void kvm_vcpu_triple_fault(KVMVcpu *v)
{
    X86CPU *cpu = v->cpu;
    Machine *m = cpu->machine;
    bool no_reboot = m->cfg && m->cfg->no_reboot;
    g_autoptr(GString) dump = g_string_new(NULL);

    kvm_get_state(v, NULL);
    x86_cpu_dump_state(cpu, dump);
    fprintf(stderr, "janus: vCPU %u: triple fault, %s\n%s", cpu->index,
            no_reboot ? "shutting down (-no-reboot)" : "resetting the VM",
            dump->str);
    vm_request_reset();
}

/* The PIC's INTR line into the boot CPU (userspace PIC, split irqchip). */
static void kvm_inject_extint(KVMVcpu *v, bool *injected)
{
    struct kvm_run *run = v->run;

    if (!kvm_state.extint_level) {
        run->request_interrupt_window = 0;
        return;
    }
    if (run->ready_for_interrupt_injection && !*injected) {
        int vector = kvm_pic_read_irq(&kvm_state);

        if (vector >= 0) {
            struct kvm_interrupt irq = { .irq = vector };

            trace(kvm_irq_inject, "cpu=%u vector=0x%x", v->cpu->index,
                  vector);
            if (ioctl(v->fd, KVM_INTERRUPT, &irq) < 0) {
                trace(kvm_irq_inject, "cpu=%u KVM_INTERRUPT: %s",
                      v->cpu->index, strerror(errno));
            }
            *injected = true;
        }
    }
    /* Still pending (or another one queued): exit when the guest can
     * take it. */
    run->request_interrupt_window = kvm_state.extint_level ? 1 : 0;
}

/*
 * Without an in-kernel LAPIC, HLT (cpu->halted, set on KVM_EXIT_HLT) waits
 * here for the PIC line with IF set; an AP, which nothing can start, waits
 * with @sipi for the end.  Kicks (pause, sync, stop) wake both.  Returns
 * true when an interrupt ends the halt.
 */
static bool kvm_wait_halted(KVMVcpu *v, bool sipi)
{
    KVMState *s = &kvm_state;
    bool irq = false;

    pthread_mutex_lock(&s->halt_lock);
    for (;;) {
        irq = !sipi && v->cpu->index == 0 && s->extint_level &&
              v->run->if_flag;
        if (irq || accel_pause_requested() || accel_vcpu_should_stop() ||
            v->sync_req) {
            break;
        }
        pthread_cond_wait(&s->halt_cond, &s->halt_lock);
    }
    pthread_mutex_unlock(&s->halt_lock);
    return irq;
}

void *kvm_vcpu_thread(void *opaque)
{
    X86CPU *cpu = opaque;
    KVMVcpu *v = cpu->accel;
    struct kvm_run *run = v->run;
    MemTxAttrs attrs = { .cpu_index = cpu->index };
    bool injected = false;
    bool wait_reset = false;
    bool failed = false;
    GError *err = NULL;
    char name[16];
    sigset_t kick;

    snprintf(name, sizeof(name), "CPU %u/KVM", cpu->index);
    pthread_setname_np(pthread_self(), name);
    sigemptyset(&kick);
    sigaddset(&kick, KVM_KICK_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &kick, NULL);
    if (kvm_set_run_sigmask(v, &err) < 0) {
        /* Fall back to an always-unblocked signal; immediate_exit still
         * closes the race, the handler is empty. */
        g_clear_error(&err);
        pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
    }
    cpu->thread = pthread_self();
    __atomic_store_n(&v->running, true, __ATOMIC_SEQ_CST);

    while (!failed && !accel_vcpu_should_stop()) {
        /* Clear the kick before reading the flags it guards. */
        __atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
        cpu->exit_request = 0;
        if (unlikely(accel_pause_requested())) {
            if (!kvm_vcpu_pause(v)) {
                break;
            }
            wait_reset = false;
            continue;
        }
        if (unlikely(v->sync_req)) {
            kvm_service_sync(v);
        }
        if (unlikely(wait_reset)) {
            /* KVM cannot run a vCPU that triple faulted: wait for the
             * main loop's reset (pause) or shutdown. */
            g_usleep(1000);
            continue;
        }
        if (unlikely(!kvm_state.split_irqchip &&
                     (cpu->halted || cpu->sipi_wait))) {
            if (kvm_wait_halted(v, cpu->sipi_wait)) {
                cpu->halted = false;
            }
            continue;
        }
        if (cpu->index == 0) {
            kvm_inject_extint(v, &injected);
        }

        trace(kvm_run, "cpu=%u", cpu->index);
        if (unlikely(ioctl(v->fd, KVM_RUN, 0) < 0)) {
            if (errno == EINTR || errno == EAGAIN) {
                kvm_eat_kicks();
                continue;
            }
            kvm_vcpu_fail(v, strerror(errno));
            failed = true;
            break;
        }
        injected = false;

        switch (run->exit_reason) {
        case KVM_EXIT_IO: {
            /* count consecutive elements of @size (rep ins/outs): one
             * device access each, as the CPU would do them. */
            uint8_t *data = (uint8_t *)run + run->io.data_offset;
            bool is_write = run->io.direction == KVM_EXIT_IO_OUT;

            if (trace_enabled(kvm_exit_io)) {
                if (run->io.count == 1) {
                    trace_emit("kvm_exit_io", "port=0x%x size=%u %s",
                               run->io.port, run->io.size,
                               is_write ? "write" : "read");
                } else {
                    trace_emit("kvm_exit_io", "port=0x%x size=%u %s "
                               "count=%u", run->io.port, run->io.size,
                               is_write ? "write" : "read", run->io.count);
                }
            }
            for (uint32_t i = 0; i < run->io.count; i++) {
                address_space_rw(&address_space_io, run->io.port, attrs,
                                 data + i * run->io.size, run->io.size,
                                 is_write);
            }
            break;
        }
        case KVM_EXIT_MMIO:
            trace(kvm_exit_mmio, "gpa=0x%llx len=%u %s",
                  (unsigned long long)run->mmio.phys_addr, run->mmio.len,
                  run->mmio.is_write ? "write" : "read");
            address_space_rw(&address_space_memory, run->mmio.phys_addr,
                             attrs, run->mmio.data, run->mmio.len,
                             run->mmio.is_write);
            break;
        case KVM_EXIT_IRQ_WINDOW_OPEN:
        case KVM_EXIT_INTR:
            break;              /* the loop head injects / handles kicks */
        case KVM_EXIT_IOAPIC_EOI:
            kvm_ioapic_eoi(&kvm_state, run->eoi.vector);
            break;
        case KVM_EXIT_HLT:
            cpu->halted = true;         /* the loop head waits */
            break;
        case KVM_EXIT_SHUTDOWN:
            kvm_vcpu_triple_fault(v);
            wait_reset = true;
            break;
        case KVM_EXIT_SYSTEM_EVENT:
            trace(kvm_exit, "cpu=%u system_event type=%u", cpu->index,
                  run->system_event.type);
            if (run->system_event.type == KVM_SYSTEM_EVENT_RESET) {
                vm_request_reset();
                wait_reset = true;
            } else if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN) {
                vm_request_shutdown(0);
                wait_reset = true;      /* until the main loop stops us */
            } else {
                g_autofree char *what = g_strdup_printf(
                    "system event %u (crash)", run->system_event.type);
                kvm_vcpu_fail(v, what);
                failed = true;
            }
            break;
        case KVM_EXIT_INTERNAL_ERROR: {
            g_autoptr(GString) what = g_string_new(NULL);

            g_string_printf(what, "KVM internal error, suberror %u",
                            run->internal.suberror);
            for (uint32_t i = 0; i < run->internal.ndata &&
                 i < G_N_ELEMENTS(run->internal.data); i++) {
                g_string_append_printf(what, " 0x%llx",
                    (unsigned long long)run->internal.data[i]);
            }
            kvm_vcpu_fail(v, what->str);
            failed = true;
            break;
        }
        case KVM_EXIT_FAIL_ENTRY: {
            g_autofree char *what = g_strdup_printf(
                "KVM entry failed, hardware reason 0x%llx",
                (unsigned long long)
                run->fail_entry.hardware_entry_failure_reason);
            kvm_vcpu_fail(v, what);
            failed = true;
            break;
        }
        default: {
            g_autofree char *what = g_strdup_printf(
                "unexpected KVM exit reason %u", run->exit_reason);
            kvm_vcpu_fail(v, what);
            failed = true;
            break;
        }
        }
    }

    /* Leave the registers in the X86CPU for a last dump. */
    kvm_get_state(v, NULL);
    pthread_mutex_lock(&v->sync_lock);
    __atomic_store_n(&v->running, false, __ATOMIC_SEQ_CST);
    pthread_cond_broadcast(&v->sync_cond);
    pthread_mutex_unlock(&v->sync_lock);
    accel_vcpu_exited(cpu);
    return NULL;
}
