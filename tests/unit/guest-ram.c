/*
 * guest-ram.c: guest RAM accessors for the CPU-side unit tests (see
 * guest-ram.h).  memcpy: guest addresses need not be aligned.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include "guest-ram.h"

uint8_t *guest_ram;

uint8_t *guest_ram_add(MemoryRegion *ram, const char *name, uint64_t size)
{
    g_autoptr(GError) err = NULL;

    if (memory_region_init_ram(ram, name, size, &err) < 0) {
        g_error("%s: %s", name, err->message);
    }
    memory_region_add_subregion(get_system_memory(), 0, ram);
    guest_ram = memory_region_get_ram_ptr(ram);
    return guest_ram;
}

void put16(uint64_t pa, uint16_t v)
{
    memcpy(guest_ram + pa, &v, 2);
}

void put32(uint64_t pa, uint32_t v)
{
    memcpy(guest_ram + pa, &v, 4);
}

void put64(uint64_t pa, uint64_t v)
{
    memcpy(guest_ram + pa, &v, 8);
}

uint16_t get16(uint64_t pa)
{
    uint16_t v;

    memcpy(&v, guest_ram + pa, 2);
    return v;
}

uint32_t get32(uint64_t pa)
{
    uint32_t v;

    memcpy(&v, guest_ram + pa, 4);
    return v;
}

uint64_t get64(uint64_t pa)
{
    uint64_t v;

    memcpy(&v, guest_ram + pa, 8);
    return v;
}
