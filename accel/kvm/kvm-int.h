/*
 * kvm-int.h: state shared by the files of accel/kvm (not a public API).
 *
 * One VM per process: kvm_state is the only instance.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef ACCEL_KVM_KVM_INT_H
#define ACCEL_KVM_KVM_INT_H

#include <linux/kvm.h>
#include "accel/accel.h"
#include "memory/memory.h"

/* Where KVM puts the real-mode TSS and identity page table (VMX needs
 * them; they sit just below the BIOS, as QEMU puts them). */
#define KVM_TSS_ADDR        0xfeffd000ULL
#define KVM_IDENTITY_ADDR   0xfeffc000ULL
#define KVM_IOAPIC_PINS     24
/* janus maps a few dozen ranges; more slots only cost a longer scan. */
#define KVM_MAX_SLOTS_USED  512
#define KVM_KICK_SIGNAL     SIGUSR1
/* Exit status for a VM ended by an accelerator failure (internal error,
 * failed entry, unknown exit): even, so isa-debug-exit's (v << 1) | 1
 * can never produce it; 1 stays for command line/setup errors. */
#define KVM_EXIT_CODE_FAILURE 2

typedef struct KVMSlot {
    bool used;
    uint32_t slot;
    hwaddr gpa;
    uint64_t size;
    void *host;
    uint32_t flags;
} KVMSlot;

/* An MSI route KVM needs only to know which vectors are level-triggered
 * IOAPIC interrupts, so that their EOI exits to userspace. */
typedef struct KVMLevelRoute {
    uint64_t addr;
    uint32_t data;
    uint64_t last_use;
} KVMLevelRoute;

typedef struct KVMState {
    int fd;                     /* /dev/kvm */
    int vm_fd;
    int vcpu_mmap_size;
    bool split_irqchip;         /* in-kernel LAPIC, userspace PIC/IOAPIC */
    Machine *machine;

    KVMSlot *slots;
    unsigned nr_slots;
    bool slots_exhausted_warned;
    MemoryListener listener;

    struct kvm_cpuid2 *supported_cpuid;
    uint32_t *msrs;             /* KVM_GET_MSR_INDEX_LIST */
    unsigned nr_msrs;

    /* PIC INTR line (BQL) */
    volatile int extint_level;
    /* level-triggered MSI routes, GSIs 0..KVM_IOAPIC_PINS-1 (BQL) */
    KVMLevelRoute routes[KVM_IOAPIC_PINS];
    unsigned nr_routes;
    uint64_t route_clock;
    /* without an in-kernel LAPIC, halted vCPUs wait here */
    pthread_mutex_t halt_lock;
    pthread_cond_t halt_cond;
} KVMState;

typedef struct KVMVcpu {
    X86CPU *cpu;
    int fd;
    struct kvm_run *run;
    unsigned reset_count_synced;    /* cpu->reset_count last pushed */
    /* sync_from_accel while running: the requester waits for the thread */
    pthread_mutex_t sync_lock;
    pthread_cond_t sync_cond;
    volatile bool sync_req;
    bool running;                   /* thread is in its run loop */
    bool parked;                    /* registers live in the X86CPU */
} KVMVcpu;

extern KVMState kvm_state;

/* kvm-mem.c */
void kvm_memory_listener_register(KVMState *s);

/* kvm-regs.c */
/** kvm_put_state: load @v->cpu into KVM (full: + LAPIC/events/TSC reset). */
int kvm_put_state(KVMVcpu *v, bool full, GError **errp);
/** kvm_get_state: save KVM's registers into @v->cpu. */
int kvm_get_state(KVMVcpu *v, GError **errp);

/* kvm-vcpu.c */
int kvm_vcpu_init(X86CPU *cpu, GError **errp);
void *kvm_vcpu_thread(void *opaque);
void kvm_vcpu_kick(X86CPU *cpu);
void kvm_sync_from_accel(X86CPU *cpu);

/* kvm-all.c */
/** kvm_check_capability: KVM_CHECK_EXTENSION on the VM (or system) fd. */
int kvm_check_capability(KVMState *s, int cap);
/** kvm_ioapic_eoi: a level-triggered vector was EOIed (vCPU thread). */
void kvm_ioapic_eoi(KVMState *s, int vector);
/** kvm_pic_read_irq: acknowledge the PIC, BQL taken here. */
int kvm_pic_read_irq(KVMState *s);

#endif
