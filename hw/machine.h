/*
 * machine.h: the PC machine, its configuration from the command line, and
 * the device registry behind -device.
 *
 * A device model is one file plus one DEVICE_REGISTER() line; the machine
 * never lists user-creatable devices.  Built-in devices (PIC, PIT, serial,
 * ...) are created by hw/pc.c through the same registry.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_MACHINE_H
#define HW_MACHINE_H

#include <stdio.h>
#include "main/janus.h"
#include "main/opts.h"
#include "memory/memory.h"
#include "hw/irq.h"

typedef struct Machine Machine;
typedef struct MachineConfig MachineConfig;
typedef struct DeviceInfo DeviceInfo;
typedef struct X86CPU X86CPU;
typedef struct AccelOps AccelOps;
typedef struct PCIBus PCIBus;

#define PC_NUM_GSI 24

/* What the command line asked for; filled by main/, read by hw/. */
struct MachineConfig {
    uint64_t ram_size;          /* bytes, -m */
    unsigned smp;               /* -smp */
    const char *cpu_model;      /* -cpu, NULL = default */
    const char *kernel;         /* -kernel */
    const char *initrd;         /* -initrd */
    const char *append;         /* -append */
    const char *serial;         /* "stdio" (default), "none", "file:PATH" */
    Opts *machine_opts;         /* -machine pc,... */
    GPtrArray *devices;         /* Opts * per -device, in order */
    bool no_reboot;             /* -no-reboot */
    bool start_stopped;         /* -S */
};

struct Machine {
    MachineConfig *cfg;
    MemoryRegion *system_memory;    /* root of address_space_memory */
    MemoryRegion *system_io;        /* root of address_space_io */
    MemoryRegion *pci_memory;       /* the "pci" container devices map BARs in */
    uint64_t below_4g_mem_size;
    uint64_t above_4g_mem_size;
    IRQLine *gsi[PC_NUM_GSI];       /* fan out to PIC (0-15) and IOAPIC */
    PCIBus *pci_bus;
    void *pic;                      /* hw/intc/i8259.h PICState */
    void *ioapic;                   /* hw/intc/ioapic.h IOAPICState */
    void *fw_cfg;                   /* hw/nvram/fw_cfg.h FWCfgState */
    X86CPU **cpus;
    unsigned ncpus;
    const AccelOps *accel;
    GPtrArray *reset_handlers;      /* private to hw/machine.c */
};

extern Machine *current_machine;

/* ---- Device registry ------------------------------------------------- */

struct DeviceInfo {
    const char *name;           /* -device NAME */
    const char *desc;           /* one line for -device help */
    bool user_creatable;        /* false: built into the machine */
    /* Create and wire the device; reject bad or unknown @opts properties
     * (opts_check_unused).  Returns 0 or -errno with @errp set. */
    int (*create)(Machine *m, Opts *opts, GError **errp);
    DeviceInfo *next;
};

void device_register(DeviceInfo *info);
const DeviceInfo *device_find(const char *name);
/** device_list: print "name: desc" of user-creatable devices. */
void device_list(FILE *out);
/** machine_create_device: look @opts->name up and create it. */
int machine_create_device(Machine *m, Opts *opts, GError **errp);

#define DEVICE_REGISTER(info)                                           \
    static void __attribute__((constructor)) device_register_##info(void) \
    {                                                                   \
        device_register(&(info));                                       \
    }

/* ---- Reset ------------------------------------------------------------- */

typedef void ResetFn(void *opaque);
/** machine_register_reset: @fn runs at machine reset, in registration order. */
void machine_register_reset(Machine *m, ResetFn *fn, void *opaque);
/** machine_reset: run every reset handler (BQL held, vCPUs stopped). */
void machine_reset(Machine *m);

/* ---- Interrupt delivery (to whatever accelerator runs) ---------------- */

/** machine_deliver_msi: an MSI write (IOAPIC or PCI MSI) to the LAPICs. */
void machine_deliver_msi(Machine *m, uint64_t addr, uint32_t data);
/** machine_set_extint: the PIC's INTR output changed. */
void machine_set_extint(Machine *m, int level);

/* ---- The PC machine (hw/pc.c) ----------------------------------------- */

/** machine_new: an empty machine for @cfg (memory_init() done first). */
Machine *machine_new(MachineConfig *cfg);

/**
 * pc_machine_init: build the memory map, devices and CPUs of @m and load
 * the kernel.  The accelerator is selected first (its listener replays the
 * map anyway).  Returns 0 or -errno with @errp set.
 */
int pc_machine_init(Machine *m, GError **errp);

/**
 * pc_machine_check: validate @cfg before an accelerator is chosen, so a bad
 * command line or kernel fails the same way on every host: -initrd/-append
 * without -kernel, RAM and CPU counts, and the -kernel image itself (read,
 * parsed and checked against the RAM map; kept for pc_machine_init).
 * Optional: pc_machine_init checks the same.  Returns 0 or -errno with
 * @errp set.
 */
int pc_machine_check(MachineConfig *cfg, GError **errp);

#endif
