/*
 * tcg-accel.h: what the TCG accelerator offers the rest of the TCG world
 * (the local APIC model, helpers): waking and kicking vCPUs, and running
 * work on a vCPU's own thread.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef ACCEL_TCG_TCG_ACCEL_H
#define ACCEL_TCG_TCG_ACCEL_H

#include "main/janus.h"
#include "hw/cpu.h"
#include "accel/accel.h"

extern const AccelOps accel_tcg_ops;

/**
 * tcg_cpu_kick: make @cpu leave generated code at its next block boundary
 * and re-check interrupts, and wake it from HLT.  Any thread, any lock.
 * The local APIC calls it when an interrupt becomes pending for @cpu.
 */
void tcg_cpu_kick(X86CPU *cpu);

typedef void TCGRunOnCpuFn(X86CPU *cpu, void *opaque);

/**
 * async_run_on_cpu: run @fn(@cpu, @opaque) on @cpu's thread between two
 * blocks (or while it is halted), soon; then kick it.  Any thread.  Use
 * it to change another vCPU's state: INIT/SIPI (x86_cpu_reset, set
 * CS:IP, clear sipi_wait), TLB flushes.  Work queued for a vCPU that has
 * not started yet runs before its first block.
 */
void async_run_on_cpu(X86CPU *cpu, TCGRunOnCpuFn *fn, void *opaque);

#endif
