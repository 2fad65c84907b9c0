/*
 * apic.h: the local APIC model used when TCG runs (under KVM the kernel's
 * LAPIC serves instead and nothing here is called).
 *
 * One APICState per CPU, created by apic_init_machine(), which the TCG
 * accelerator calls: only it maps the xAPIC page.  The guest reaches the
 * model three ways:
 *  - the xAPIC registers, MMIO at 0xfee00000 (4 KiB of registers inside
 *    the 1 MiB "apic-msi" window).  A memory callback is not told which
 *    CPU made the access, so the window routes to the APIC of the calling
 *    thread's current_cpu (set by the TCG exec loop); a write with no
 *    current CPU (a device's DMA, the main thread) is an MSI;
 *  - the x2APIC and TSC-deadline MSRs through apic_msr_read/write (the
 *    rdmsr/wrmsr helpers), IA32_APIC_BASE through apic_get/set_base, CR8
 *    through apic_get/set_cr8;
 *  - interrupts from the machine: apic_deliver_msi (IOAPIC, PCI MSI),
 *    apic_set_extint (the PIC's INTR into the boot CPU's LINT0).
 *
 * Locking: the state is protected by the BQL.  Every function below takes
 * the BQL itself when the caller does not hold it, except apic_pending(),
 * which is lock-free so the exec loop can poll it between blocks.
 *
 * The exec loop's side, per vCPU thread:
 *     if (apic_pending(cpu) & APIC_EV_INIT_SIPI) apic_handle_init_sipi(cpu);
 *     if ((apic_pending(cpu) & APIC_EV_NMI) && apic_take_nmi(cpu)) -> NMI
 *     if ((apic_pending(cpu) & APIC_EV_INTR) && IF) {
 *         v = apic_get_interrupt(cpu);   -1: nothing after all
 *     }
 * and a halted vCPU sleeps until the kick function registered with
 * apic_set_kick_fn() wakes it, then polls again.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_INTC_APIC_H
#define HW_INTC_APIC_H

#include "main/janus.h"
#include "hw/cpu.h"
#include "hw/machine.h"

#define APIC_DEFAULT_ADDRESS    0xfee00000ULL
#define APIC_MSI_WINDOW_SIZE    0x100000ULL     /* QEMU's "apic-msi" */

/* IA32_APIC_BASE (MSR 0x1b) bits */
#define MSR_IA32_APIC_BASE      0x1b
#define APIC_BASE_BSP           (1ULL << 8)
#define APIC_BASE_EXTD          (1ULL << 10)    /* x2APIC mode */
#define APIC_BASE_ENABLE        (1ULL << 11)    /* global enable */
#define APIC_BASE_ADDR_MASK     ((uint64_t)0x000ffffffffff000ULL)

#define MSR_IA32_TSC_DEADLINE   0x6e0
#define MSR_X2APIC_FIRST        0x800
#define MSR_X2APIC_LAST         0x8ff

/* apic_pending() bits */
#define APIC_EV_INTR            (1u << 0)   /* maskable (IF) interrupt ready */
#define APIC_EV_NMI             (1u << 1)   /* NMI latched */
#define APIC_EV_INIT_SIPI       (1u << 2)   /* INIT or SIPI to process */

typedef struct APICState APICState;

/*
 * The vCPU the calling thread runs (NULL in the main thread and in device
 * code run from it).  Defined in tcg/softmmu.c and declared in
 * tcg/softmmu.h too; repeated here because hw/ does not include tcg/.
 * The TCG exec loop sets it once per vCPU thread.  apic.c carries a weak
 * definition so the model and its unit tests link without the TCG core.
 */
extern __thread X86CPU *current_cpu;

/**
 * apic_init_machine: create one local APIC per CPU of @m (m->cpus,
 * m->ncpus; the APIC ID is cpu->apic_id) and map the "apic-msi" window at
 * 0xfee00000 in m->system_memory.  Idempotent: the TCG accelerator may
 * call it at init (before the CPUs exist: maps the window only) and again
 * from vcpu_init (creates the APICs still missing).  Registers the
 * machine reset handler.  Returns 0 or -errno with @errp set.
 * @m: the machine.
 * @errp: error out.
 */
int apic_init_machine(Machine *m, GError **errp);

/**
 * apic_set_kick_fn: how the model wakes a vCPU it gave work to (new
 * interrupt, NMI, INIT, SIPI): @kick runs under the BQL from any thread,
 * must not block, and must make the target leave generated code or its
 * HLT sleep and poll apic_pending().  Without one, Machine.accel's
 * vcpu_kick is used.
 * @kick: the accelerator's kick, or NULL.
 */
void apic_set_kick_fn(void (*kick)(X86CPU *cpu));

/**
 * apic_set_tsc_fn: the guest TSC the TSC-deadline timer compares with.
 * @read_tsc returns @cpu's TSC now; @tsc_hz is its rate (so a deadline can
 * become a virtual-clock time).  Default: TSC = clock_virtual_ns(), 1 GHz.
 * @read_tsc: the rdtsc helper's reader, or NULL for the default.
 * @tsc_hz: TSC ticks per second (ignored when @read_tsc is NULL).
 */
void apic_set_tsc_fn(uint64_t (*read_tsc)(X86CPU *cpu), uint64_t tsc_hz);

/**
 * apic_pending: APIC_EV_* events that may be waiting for @cpu.  Lock-free
 * (one atomic load), for the exec loop between blocks; recomputed under
 * the BQL on every state change, so it may be stale only by a change still
 * in flight, which kicks the vCPU afterwards.
 * @cpu: the vCPU.
 */
unsigned apic_pending(X86CPU *cpu);

/**
 * apic_has_interrupt: a maskable interrupt would be taken now if IF allows:
 * the highest IRR vector above the PPR (APIC software-enabled), or an
 * ExtINT from the PIC when LINT0 accepts it (LINT0 unmasked in ExtINT
 * mode, or the APIC globally disabled) and the PIC's INTR is high.
 * @cpu: the vCPU.
 */
bool apic_has_interrupt(X86CPU *cpu);

/**
 * apic_get_interrupt: the interrupt acknowledge cycle: moves the vector
 * from IRR to ISR and returns it, or for an ExtINT returns pic_read_irq().
 * Returns -1 when nothing is deliverable any more.
 * @cpu: the vCPU.
 */
int apic_get_interrupt(X86CPU *cpu);

/**
 * apic_take_nmi: consume @cpu's latched NMI (from an IPI, an MSI or LINT
 * in NMI mode).  Returns true when there was one: deliver vector 2.
 * Blocking NMIs while a handler runs is the exec loop's business.
 * @cpu: the vCPU.
 */
bool apic_take_nmi(X86CPU *cpu);

/**
 * apic_handle_init_sipi: apply a pending INIT (registers to their INIT
 * state, MSRs and FPU kept; the APIC reset; an AP then waits for SIPI:
 * cpu->halted and cpu->sipi_wait) and/or SIPI (only in wait-for-SIPI:
 * real mode at CS = vector << 8, base vector << 12, IP 0, running).  Must
 * run on @cpu's own vCPU thread, outside generated code: it rewrites the
 * registers (INIT goes through x86_cpu_reset, so reset_count moves and the
 * TLB/TB state keyed on the old mode must be dropped).  Returns true when
 * the CPU state changed.
 * @cpu: the vCPU.
 */
bool apic_handle_init_sipi(X86CPU *cpu);

/**
 * apic_deliver_msi: an MSI write: @addr in 0xfee00000-0xfeefffff (dest ID
 * bits 12-19, dest mode bit 2, redirection hint bit 3), @data vector 0-7,
 * delivery mode 8-10 (fixed, lowest priority, SMI ignored, NMI, INIT,
 * ExtINT), trigger mode bit 15.  The TCG accelerator's deliver_msi.
 * Other addresses and bad values are traced and dropped.
 * @m: the machine.
 * @addr: message address.
 * @data: message data.
 */
void apic_deliver_msi(Machine *m, uint64_t addr, uint32_t data);

/**
 * apic_set_extint: the PIC's INTR output (wired to the boot CPU's LINT0),
 * the TCG accelerator's set_extint.
 * @m: the machine.
 * @level: 0 or non-zero.
 */
void apic_set_extint(Machine *m, int level);

/** apic_get_base: IA32_APIC_BASE (cpu->apic_base). */
uint64_t apic_get_base(X86CPU *cpu);

/**
 * apic_set_base: wrmsr IA32_APIC_BASE.  Returns 0, or -1 for a value the
 * CPU refuses (#GP: reserved bits, x2APIC without global enable, x2APIC ->
 * xAPIC without disabling first).  Moving the base is logged and ignored:
 * the window stays at 0xfee00000.  Disabling resets the APIC as hardware
 * does.
 * @cpu: the vCPU.
 * @val: new MSR value.
 */
int apic_set_base(X86CPU *cpu, uint64_t val);

/**
 * apic_msr_read: rdmsr of an x2APIC register (0x800-0x8ff) or
 * IA32_TSC_DEADLINE (0x6e0).  Returns 0 with *@val set, or -1 when the
 * access must #GP (not in x2APIC mode, unknown or write-only register).
 * @cpu: the vCPU executing rdmsr.
 * @msr: the MSR index.
 * @val: out.
 */
int apic_msr_read(X86CPU *cpu, uint32_t msr, uint64_t *val);

/**
 * apic_msr_write: wrmsr of an x2APIC register (ICR is one 64-bit MSR
 * 0x830; SELF IPI 0x83f) or IA32_TSC_DEADLINE.  Returns 0, or -1 for #GP
 * (not in x2APIC mode, read-only or unknown register, reserved bits).
 * @cpu: the vCPU executing wrmsr.
 * @msr: the MSR index.
 * @val: the value.
 */
int apic_msr_write(X86CPU *cpu, uint32_t msr, uint64_t val);

/** apic_get_cr8: mov from CR8: TPR bits 7-4. */
uint64_t apic_get_cr8(X86CPU *cpu);
/** apic_set_cr8: mov to CR8: TPR = (@val & 15) << 4. */
void apic_set_cr8(X86CPU *cpu, uint64_t val);

/**
 * apic_reset: @cpu's APIC to its power-on state: ID = cpu->apic_id,
 * version 0x50014, every LVT masked, SVR 0xff (software-disabled), DFR
 * flat, timer stopped, nothing pending.  This is also what janus's KVM
 * path gives the in-kernel LAPIC: no BIOS runs to set LINT0 = ExtINT, so
 * a guest that wants PIC interrupts with the APIC enabled programs LINT0
 * (or the APIC stays globally disabled).  The machine reset runs it for
 * every CPU.
 * @cpu: the vCPU.
 */
void apic_reset(X86CPU *cpu);

#endif
