/*
 * runstate.h: starting, stopping and resetting the VM (-S, monitor
 * "stop"/"cont"/"system_reset", guest resets, shutdown).
 *
 * The vCPU threads themselves park through the accelerator's pause
 * protocol (accel_pause_all/accel_resume_all in accel/accel.h); this layer
 * adds the run state, the virtual clock, nesting, and the lazy choice of an
 * accelerator for -S without -kernel.
 *
 * Hooks into the main loop (installed by runstate_init):
 *   reset    (vm_request_reset)    -no-reboot: vm_request_shutdown(0);
 *                                  else vcpus_pause(), machine_reset(),
 *                                  vcpus_resume()
 *   shutdown (main_loop_run ends)  accel_stop_vcpus(): the vCPU threads
 *                                  return and are joined before exit()
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MAIN_RUNSTATE_H
#define MAIN_RUNSTATE_H

#include "main/janus.h"
#include "hw/machine.h"

/**
 * runstate_init: remember @m and the -accel list (@accel_opts, Opts *) for
 * a lazy accelerator choice at the first vm_start(), and install the main
 * loop's reset and shutdown handlers.  The VM starts stopped.  Call once,
 * before main_loop_run().
 */
void runstate_init(Machine *m, GPtrArray *accel_opts);

/** vm_is_running: true between vm_start() and vm_stop(). */
bool vm_is_running(void);

/**
 * vm_start: run the guest: pick the accelerator if none was picked yet
 * (-S without -kernel), start the vCPU threads on the first call, start the
 * virtual clock and let the vCPUs run.  Main thread, BQL held.
 * Returns 0, or -1 with @errp set (no accelerator works, no vCPU thread).
 */
int vm_start(GError **errp);

/** vm_stop: park every vCPU and stop the virtual clock (main thread, BQL). */
void vm_stop(void);

/**
 * vcpus_pause: park every vCPU without changing the run state, for work
 * that needs them still (a reset, "info registers"); vcpus_resume() undoes
 * it.  Calls nest (a stopped VM counts as one level).  Main thread, BQL.
 */
void vcpus_pause(void);
void vcpus_resume(void);

#endif
