/*
 * runstate.c: start, stop, pause and reset the VM.
 *
 * All state is guarded by the BQL and changed only by the main thread.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "main/runstate.h"
#include "main/main-loop.h"
#include "main/trace.h"
#include "accel/accel.h"

TRACE_EVENT_DEFINE(vm_start);
TRACE_EVENT_DEFINE(vm_stop);
TRACE_EVENT_DEFINE(vm_reset);

static Machine *rs_machine;
static GPtrArray *rs_accel_opts;
static bool running;
static bool vcpus_started;
/* pause levels in force; a stopped VM holds one (the VM starts stopped) */
static int pause_depth = 1;

void vcpus_pause(void)
{
    g_assert(bql_locked());
    if (pause_depth++ == 0) {
        accel_pause_all(rs_machine);
    }
}

void vcpus_resume(void)
{
    g_assert(bql_locked() && pause_depth > 0);
    if (--pause_depth == 0) {
        accel_resume_all(rs_machine);
    }
}

bool vm_is_running(void)
{
    return running;
}

int vm_start(GError **errp)
{
    Machine *m = rs_machine;

    g_assert(bql_locked());
    if (running) {
        return 0;
    }
    /* -S without -kernel: the first "cont" chooses (accel_select sets
     * m->accel; its listener replays the map built meanwhile) */
    if (!m->accel && !accel_select(m, rs_accel_opts, errp)) {
        return -1;
    }
    if (!vcpus_started) {
        /* with -S they are created parked; vcpus_resume() releases them */
        if (accel_start_vcpus(m, errp) < 0) {
            return -1;
        }
        vcpus_started = true;
    }
    trace(vm_start, "accel=%s", m->accel->name);
    running = true;
    vm_clock_set_running(true);
    vcpus_resume();
    return 0;
}

void vm_stop(void)
{
    if (!running) {
        return;
    }
    trace(vm_stop, "%s", "");
    vcpus_pause();
    running = false;
    vm_clock_set_running(false);
}

/* The main loop's reset handler: -no-reboot makes a reset an exit. */
static void runstate_reset(void)
{
    if (rs_machine->cfg->no_reboot) {
        vm_request_shutdown(0);
        return;
    }
    trace(vm_reset, "%s", "");
    vcpus_pause();
    machine_reset(rs_machine);
    vcpus_resume();
}

/* The main loop's shutdown handler: end and join the vCPU threads. */
static void runstate_shutdown(void)
{
    if (vcpus_started) {
        accel_stop_vcpus(rs_machine);
    }
    running = false;
    vm_clock_set_running(false);
}

void runstate_init(Machine *m, GPtrArray *accel_opts)
{
    rs_machine = m;
    rs_accel_opts = accel_opts;
    main_loop_set_reset_handler(runstate_reset);
    main_loop_set_shutdown_handler(runstate_shutdown);
}
