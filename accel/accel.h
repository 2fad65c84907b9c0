/*
 * accel.h: what an accelerator provides.  It sees address spaces, the CPU
 * state and interrupt requests, never a device.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef ACCEL_ACCEL_H
#define ACCEL_ACCEL_H

#include "main/janus.h"
#include "main/opts.h"
#include "hw/machine.h"
#include "hw/cpu.h"

struct AccelOps {
    const char *name;
    /* Open the accelerator for @m (before the memory map is built, so its
     * memory listener sees every region).  An error here lets the -accel
     * fallback list try the next one: say why in @errp. */
    int (*init)(Machine *m, Opts *opts, GError **errp);
    /* Per-vCPU setup; the CPU state is already set by the loaders. */
    int (*vcpu_init)(X86CPU *cpu, GError **errp);
    /* The vCPU thread's body; returns when the VM shuts down. */
    void *(*vcpu_thread)(void *cpu);
    /* Make the vCPU leave guest mode soon (any thread). */
    void (*vcpu_kick)(X86CPU *cpu);
    /* Copy registers accelerator -> X86CPU (for info registers, dumps). */
    void (*sync_from_accel)(X86CPU *cpu);
    /* Interrupts from the userspace irqchip models (BQL held). */
    void (*deliver_msi)(Machine *m, uint64_t addr, uint32_t data);
    void (*set_extint)(Machine *m, int level);
};

extern const AccelOps accel_kvm_ops;

/**
 * accel_select: try each name of @names (in order; "kvm:tcg" style lists
 * already split) and init the first that works.  Prints one line saying
 * which runs and why the others were skipped.  Returns NULL with @errp set
 * when none initializes.
 */
const AccelOps *accel_select(Machine *m, GPtrArray *accel_opts,
                             GError **errp);

/** accel_start_vcpus: create every vCPU and start its thread. */
int accel_start_vcpus(Machine *m, GError **errp);
/** accel_kick_all: kick every vCPU (shutdown, reset, pause). */
void accel_kick_all(Machine *m);

/**
 * accel_pause_all: stop every vCPU thread outside guest mode and wait until
 * all are parked; their registers are then in the X86CPUs (the monitor's
 * "stop", and machine reset: pause, machine_reset(), resume).  Called with
 * the BQL held; drops it while waiting so a vCPU blocked in device dispatch
 * can reach its pause point.  -S starts the vCPUs paused.
 */
void accel_pause_all(Machine *m);
/**
 * accel_resume_all: let the vCPUs run again; each first loads its X86CPU
 * (changed by reset or loaders) into the accelerator.
 */
void accel_resume_all(Machine *m);
/**
 * accel_stop_vcpus: end every vCPU thread and join it (at shutdown, after
 * main_loop_run returns).  BQL held or not; idempotent.
 */
void accel_stop_vcpus(Machine *m);

/* ---- For the accelerators' vCPU threads --------------------------------- */

/** accel_pause_requested: cheap check for the vCPU loop (no lock). */
bool accel_pause_requested(void);
/**
 * accel_vcpu_park: called by a vCPU thread (BQL not held, registers already
 * saved to @cpu) when accel_pause_requested(); blocks until resumed or
 * stopped.  Returns false when the vCPU must exit its loop.
 */
bool accel_vcpu_park(X86CPU *cpu);
/** accel_vcpu_should_stop: the vCPU loop must return (shutdown, stop). */
bool accel_vcpu_should_stop(void);
/** accel_vcpu_exited: a vCPU thread is returning (counts as parked). */
void accel_vcpu_exited(X86CPU *cpu);

#endif
