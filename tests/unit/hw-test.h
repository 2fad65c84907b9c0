/*
 * hw-test.h: the fixture the device unit tests share: a bare Machine
 * (no board, no accelerator thread), a recorder for what the devices
 * signal to the rest of the machine (GSI levels, MSIs, the PIC's INTR),
 * and guest-side accessors that go through address_space_rw exactly as
 * an accelerator's I/O and MMIO exits do.
 *
 * The accessors keep the names of the instructions and driver helpers
 * they stand for (outb, inb, mmio_read, ...): test bodies read like the
 * guest code they imitate.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_UNIT_HW_TEST_H
#define TESTS_UNIT_HW_TEST_H

#include "accel/accel.h"
#include "hw/machine.h"
#include "memory/memory.h"

/* What the devices told the machine, written by hw_test_gsi_record and
 * hw_test_accel; tests read it and may clear it. */
typedef struct HwTestIrqs {
    int gsi_level[PC_NUM_GSI];
    int gsi_changes[PC_NUM_GSI];    /* level changes, not calls */
    unsigned msi_count;
    uint64_t msi_addr;              /* of the last MSI */
    uint32_t msi_data;
    int extint_level;               /* the PIC's INTR output */
    unsigned extint_calls;
} HwTestIrqs;

extern HwTestIrqs hw_test_irqs;

/* An accelerator that only records deliver_msi and set_extint. */
extern const AccelOps hw_test_accel;

/** hw_test_gsi_record: GSI handler that records into hw_test_irqs. */
void hw_test_gsi_record(void *opaque, int n, int level);

/**
 * hw_test_machine_new: an empty machine for device tests
 * @cfg: what the devices see (RAM size, CPUs, backends); kept by the machine
 * @accel: the machine's accelerator ops, e.g. &hw_test_accel, or NULL
 * @gsi: handler for the PC_NUM_GSI lines (n = GSI), or NULL to leave
 *       them unwired
 *
 * Initializes the memory API and the main loop and returns with the BQL
 * held, as device creation requires.
 */
Machine *hw_test_machine_new(MachineConfig *cfg, const AccelOps *accel,
                             IRQHandler *gsi);

/**
 * hw_test_create: create a device as "-device @spec" would
 * @m: the machine
 * @spec: the device's option string
 * @errp: why @spec did not parse or the device refused it
 *
 * Returns 0 or a negative value.
 */
int hw_test_create(Machine *m, const char *spec, GError **errp);

/** hw_test_create_or_die: hw_test_create, ending the test on failure. */
void hw_test_create_or_die(Machine *m, const char *spec);

/**
 * hw_test_add_ram: RAM at guest physical 0, ending the test on failure
 * @ram: the region to initialize
 * @name: its name (shown by "info mtree" and gva2gpa)
 * @size: its size in bytes
 *
 * Returns the host address of its first byte (also left in guest_ram,
 * see guest-ram.h: this is guest_ram_add under the fixture's name).
 */
uint8_t *hw_test_add_ram(MemoryRegion *ram, const char *name, uint64_t size);

/** io_write: a @size-byte port write (1, 2 or 4) of @val to @port. */
void io_write(uint16_t port, uint32_t val, unsigned size);
/** io_read: a @size-byte port read; what the core returns, or 0. */
uint32_t io_read(uint16_t port, unsigned size);
/** outb: a byte port write. */
void outb(uint16_t port, uint8_t val);
/** inb: a byte port read. */
uint8_t inb(uint16_t port);

/** mmio_write: a @size-byte (1 to 8) write of @val at @addr. */
void mmio_write(hwaddr addr, uint64_t val, unsigned size);
/** mmio_read: a @size-byte read at @addr; what the core returns, or 0. */
uint64_t mmio_read(hwaddr addr, unsigned size);

/**
 * mmio_write_direct: call @mr's write callback at offset @off, under the
 * BQL (the caller must not hold it)
 * @mr: the region
 * @off: the offset in @mr
 * @val: the value
 * @size: its width; unlike mmio_write, not split or refused by the memory
 *        core, so a test can send the widths and offsets a guest cannot
 */
void mmio_write_direct(MemoryRegion *mr, hwaddr off, uint64_t val,
                       unsigned size);
/** mmio_read_direct: mmio_write_direct's read: what @mr's read callback
 * returns for @size bytes at @off. */
uint64_t mmio_read_direct(MemoryRegion *mr, hwaddr off, unsigned size);

/** pci_cfg_addr: the 0xcf8 value for (@bus, @devfn, @reg), enabled. */
uint32_t pci_cfg_addr(int bus, int devfn, int reg);
/** pci_cfg_read: a @size-byte config read of @reg at bus 0 @devfn. */
uint32_t pci_cfg_read(int devfn, int reg, unsigned size);
/** pci_cfg_write: a @size-byte config write of @val to bus 0 @devfn. */
void pci_cfg_write(int devfn, int reg, uint32_t val, unsigned size);

#endif
