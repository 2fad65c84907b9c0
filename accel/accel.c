/*
 * accel.c: choosing an accelerator, starting the vCPU threads, and the
 * pause/resume protocol every accelerator's vCPU loop follows.
 *
 * Pause protocol: the requester (main thread, BQL held) sets pause_req and
 * kicks; each vCPU thread, outside guest mode, saves its registers into its
 * X86CPU and parks in accel_vcpu_park().  While parked the X86CPU is the
 * authoritative state (reset, loaders and "info registers" use it); on
 * resume the thread loads it back before re-entering the guest.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "accel/accel.h"
#include "main/main-loop.h"

/*
 * TCG defines accel_tcg_ops once accel/tcg lands.  A weak reference keeps
 * this file linking before then; the TCG object must also be pulled into
 * the link by a strong reference (or link_whole) for it to resolve.
 */
extern const AccelOps accel_tcg_ops __attribute__((weak));

static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cond = PTHREAD_COND_INITIALIZER;   /* parked changed */
static pthread_cond_t resume_cond = PTHREAD_COND_INITIALIZER; /* req changed */
static volatile bool pause_req;
static volatile bool stop_req;
static unsigned nparked;        /* parked or exited vCPU threads */
static unsigned nthreads;       /* vCPU threads started */
static bool threads_joined;

static const AccelOps *accel_find(const char *name)
{
    if (!strcmp(name, "kvm")) {
        return &accel_kvm_ops;
    }
    if (!strcmp(name, "tcg")) {
        return &accel_tcg_ops;      /* NULL until TCG is built */
    }
    return NULL;
}

const AccelOps *accel_select(Machine *m, GPtrArray *accel_opts,
                             GError **errp)
{
    g_autoptr(GString) why = g_string_new(NULL);     /* for the error */
    g_autoptr(GString) skipped = g_string_new(NULL); /* for the notice */
    const AccelOps *chosen = NULL;
    const char *chosen_name = NULL;

    if (!accel_opts || accel_opts->len == 0) {
        g_set_error(errp, JANUS_ERROR, 0, "no accelerator requested");
        return NULL;
    }
    for (guint i = 0; i < accel_opts->len && !chosen; i++) {
        Opts *o = g_ptr_array_index(accel_opts, i);
        const AccelOps *ops;
        GError *err = NULL;

        if (strcmp(o->name, "kvm") && strcmp(o->name, "tcg")) {
            g_set_error(errp, JANUS_ERROR, 0,
                        "unknown accelerator '%s' (known: kvm, tcg)",
                        o->name);
            return NULL;
        }
        ops = accel_find(o->name);
        if (!ops || ops->init(m, o, &err) < 0) {
            const char *msg = !ops ? "not built yet"
                              : err ? err->message : "failed";

            g_string_append_printf(why, "%s%s: %s", why->len ? "; " : "",
                                   o->name, msg);
            g_string_append_printf(skipped, "%s unavailable (%s), ",
                                   o->name, msg);
            g_clear_error(&err);
            continue;
        }
        chosen = ops;
        chosen_name = o->name;
    }
    if (!chosen) {
        g_set_error(errp, JANUS_ERROR, 0, "no accelerator available: %s",
                    why->str);
        return NULL;
    }
    if (skipped->len) {
        /* "janus: kvm unavailable (/dev/kvm: ...), using tcg" */
        fprintf(stderr, "janus: %susing %s\n", skipped->str, chosen_name);
    } else {
        fprintf(stderr, "janus: using accelerator %s\n", chosen_name);
    }
    m->accel = chosen;
    return chosen;
}

int accel_start_vcpus(Machine *m, GError **errp)
{
    const AccelOps *ops = m->accel;

    if (!ops) {
        g_set_error(errp, JANUS_ERROR, 0, "no accelerator selected");
        return -EINVAL;
    }
    /*
     * hw/pc.c normally creates the CPUs (so its loaders can set the boot
     * CPU's registers); a machine without them gets power-on CPUs here.
     */
    if (!m->cpus) {
        m->ncpus = m->cfg && m->cfg->smp ? m->cfg->smp : 1;
        m->cpus = g_new0(X86CPU *, m->ncpus);
        for (unsigned i = 0; i < m->ncpus; i++) {
            m->cpus[i] = x86_cpu_new(m, i);
        }
    }
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (ops->vcpu_init(m->cpus[i], errp) < 0) {
            return -EINVAL;
        }
    }
    pthread_mutex_lock(&park_lock);
    if (m->cfg && m->cfg->start_stopped) {
        pause_req = true;           /* -S: "cont" resumes */
    }
    pthread_mutex_unlock(&park_lock);
    for (unsigned i = 0; i < m->ncpus; i++) {
        X86CPU *cpu = m->cpus[i];
        int r = pthread_create(&cpu->thread, NULL, ops->vcpu_thread, cpu);

        if (r) {
            g_set_error(errp, JANUS_ERROR, 0,
                        "cannot start vCPU %u thread: %s", i, strerror(r));
            return -r;
        }
        pthread_mutex_lock(&park_lock);
        nthreads++;
        pthread_mutex_unlock(&park_lock);
    }
    return 0;
}

void accel_kick_all(Machine *m)
{
    if (!m->accel || !m->cpus) {
        return;
    }
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (m->cpus[i] && m->cpus[i]->accel) {
            m->accel->vcpu_kick(m->cpus[i]);
        }
    }
}

/* Wait on @cond, dropping the BQL meanwhile if this thread holds it. */
static void wait_dropping_bql(pthread_cond_t *cond)
{
    bool had_bql = bql_locked();

    if (had_bql) {
        /* Lock order is BQL -> park_lock: never take the BQL with
         * park_lock held. */
        pthread_mutex_unlock(&park_lock);
        bql_unlock();
        pthread_mutex_lock(&park_lock);
    }
    pthread_cond_wait(cond, &park_lock);
    if (had_bql) {
        pthread_mutex_unlock(&park_lock);
        bql_lock();
        pthread_mutex_lock(&park_lock);
    }
}

void accel_pause_all(Machine *m)
{
    pthread_mutex_lock(&park_lock);
    pause_req = true;
    pthread_mutex_unlock(&park_lock);
    accel_kick_all(m);
    pthread_mutex_lock(&park_lock);
    while (nparked < nthreads && !stop_req) {
        wait_dropping_bql(&park_cond);
    }
    pthread_mutex_unlock(&park_lock);
}

void accel_resume_all(Machine *m)
{
    (void)m;
    pthread_mutex_lock(&park_lock);
    pause_req = false;
    pthread_cond_broadcast(&resume_cond);
    pthread_mutex_unlock(&park_lock);
}

void accel_stop_vcpus(Machine *m)
{
    bool had_bql = bql_locked();

    pthread_mutex_lock(&park_lock);
    stop_req = true;
    pthread_cond_broadcast(&resume_cond);
    if (threads_joined) {
        pthread_mutex_unlock(&park_lock);
        return;
    }
    threads_joined = true;
    pthread_mutex_unlock(&park_lock);
    accel_kick_all(m);
    /* A vCPU may be waiting for the BQL in device dispatch. */
    if (had_bql) {
        bql_unlock();
    }
    for (unsigned i = 0; m->cpus && i < m->ncpus; i++) {
        if (m->cpus[i] && m->cpus[i]->thread) {
            pthread_join(m->cpus[i]->thread, NULL);
            m->cpus[i]->thread = 0;
        }
    }
    if (had_bql) {
        bql_lock();
    }
}

bool accel_pause_requested(void)
{
    return pause_req;
}

/*
 * Only stop_req, not vm_shutdown_requested(): this runs once per exit and
 * must stay a plain load.  A shutdown reaches the vCPUs through the main
 * loop's shutdown handler, which calls accel_stop_vcpus().
 */
bool accel_vcpu_should_stop(void)
{
    return stop_req;
}

bool accel_vcpu_park(X86CPU *cpu)
{
    (void)cpu;
    pthread_mutex_lock(&park_lock);
    nparked++;
    pthread_cond_broadcast(&park_cond);
    while (pause_req && !stop_req) {
        pthread_cond_wait(&resume_cond, &park_lock);
    }
    nparked--;
    pthread_mutex_unlock(&park_lock);
    return !accel_vcpu_should_stop();
}

void accel_vcpu_exited(X86CPU *cpu)
{
    (void)cpu;
    pthread_mutex_lock(&park_lock);
    nparked++;                  /* never decremented: it stays "parked" */
    pthread_cond_broadcast(&park_cond);
    pthread_mutex_unlock(&park_lock);
}
