/*
 * guest-ram.h: the guest RAM the CPU-side unit tests (page walker, TCG
 * softmmu, frontend and system helpers, monitor) build page tables and
 * descriptor tables in, as the host sees it.
 *
 * The tests write guest structures straight into host memory rather than
 * through address_space_rw: the code under test must find them the way
 * the CPU would, with nothing of the memory core's dispatch in between.
 * x86 hosts only: values are stored in host order, which is the guest's.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_UNIT_GUEST_RAM_H
#define TESTS_UNIT_GUEST_RAM_H

#include "memory/memory.h"

/* Host address of guest physical 0; each test sets it once its RAM
 * region exists (memory_region_get_ram_ptr or hw_test_add_ram). */
extern uint8_t *guest_ram;

/**
 * guest_ram_add: RAM at guest physical 0, ending the test on failure
 * @ram: the region to initialize
 * @name: its name (shown by "info mtree" and gva2gpa)
 * @size: its size in bytes
 *
 * Sets and returns guest_ram.
 */
uint8_t *guest_ram_add(MemoryRegion *ram, const char *name, uint64_t size);

/** put16: store @v at guest physical @pa. */
void put16(uint64_t pa, uint16_t v);
/** put32: store @v at guest physical @pa. */
void put32(uint64_t pa, uint32_t v);
/** put64: store @v at guest physical @pa. */
void put64(uint64_t pa, uint64_t v);
/** get16: the 16-bit value at guest physical @pa. */
uint16_t get16(uint64_t pa);
/** get32: the 32-bit value at guest physical @pa. */
uint32_t get32(uint64_t pa);
/** get64: the 64-bit value at guest physical @pa. */
uint64_t get64(uint64_t pa);

#endif
