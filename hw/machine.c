/*
 * machine.c: the machine object, the device registry behind -device, reset
 * handlers, and the hand-off of interrupts to whatever accelerator runs.
 *
 * The registry is a singly linked list filled by constructors
 * (DEVICE_REGISTER), so it is complete before main() runs and never
 * changes afterwards: lookups need no lock.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include "hw/machine.h"
#include "accel/accel.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(machine_create_device);
TRACE_EVENT_DEFINE(machine_reset);

Machine *current_machine;

static DeviceInfo *device_registry;

typedef struct ResetEntry {
    ResetFn *fn;
    void *opaque;
} ResetEntry;

void device_register(DeviceInfo *info)
{
    DeviceInfo **p = &device_registry;

    /* Keep the list sorted by name so "-device help" is stable whatever
     * order the linker ran the constructors in. */
    while (*p && strcmp((*p)->name, info->name) < 0) {
        p = &(*p)->next;
    }
    /* Two files registering the same name is a build bug. */
    g_assert(!*p || strcmp((*p)->name, info->name) != 0);
    info->next = *p;
    *p = info;
}

const DeviceInfo *device_find(const char *name)
{
    for (DeviceInfo *d = device_registry; d; d = d->next) {
        if (!strcmp(d->name, name)) {
            return d;
        }
    }
    return NULL;
}

void device_list(FILE *out)
{
    for (DeviceInfo *d = device_registry; d; d = d->next) {
        if (d->user_creatable) {
            fprintf(out, "%s: %s\n", d->name, d->desc ? d->desc : "");
        }
    }
}

int machine_create_device(Machine *m, Opts *opts, GError **errp)
{
    const DeviceInfo *d = device_find(opts->name);

    trace(machine_create_device, "name=%s", opts->name);
    if (!d) {
        g_set_error(errp, JANUS_ERROR, 0,
                    "-device %s: unknown device (try -device help)",
                    opts->name);
        return -ENOENT;
    }
    return d->create(m, opts, errp);
}

Machine *machine_new(MachineConfig *cfg)
{
    Machine *m = g_new0(Machine, 1);

    m->cfg = cfg;
    m->system_memory = get_system_memory();
    m->system_io = get_system_io();
    m->reset_handlers = g_ptr_array_new_with_free_func(g_free);
    current_machine = m;
    return m;
}

void machine_register_reset(Machine *m, ResetFn *fn, void *opaque)
{
    ResetEntry *e = g_new(ResetEntry, 1);

    e->fn = fn;
    e->opaque = opaque;
    g_ptr_array_add(m->reset_handlers, e);
}

void machine_reset(Machine *m)
{
    trace(machine_reset, "handlers=%u", m->reset_handlers->len);
    /* Handlers registered later may depend on earlier ones having reset
     * (the loader re-programs the PIC after the PIC's own reset), so the
     * order is registration order. */
    for (guint i = 0; i < m->reset_handlers->len; i++) {
        ResetEntry *e = g_ptr_array_index(m->reset_handlers, i);

        e->fn(e->opaque);
    }
}

void machine_deliver_msi(Machine *m, uint64_t addr, uint32_t data)
{
    if (m->accel && m->accel->deliver_msi) {
        m->accel->deliver_msi(m, addr, data);
    }
}

void machine_set_extint(Machine *m, int level)
{
    if (m->accel && m->accel->set_extint) {
        m->accel->set_extint(m, level);
    }
}
