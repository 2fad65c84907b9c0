/*
 * reset.c: "port92", the PS/2 system control port A at 0x92.
 *
 * Bit 0 written as 1 (from 0) resets the machine ("fast reset"); bit 1 is
 * the fast A20 gate.  janus never masks address line 20 (both
 * accelerators run with A20 enabled), so bit 1 only reads back what was
 * written; it starts set, as the firmware leaves it under QEMU (SeaBIOS
 * enables A20 here) and as it really is.  The other bits (LEDs, security
 * lock) read back as well.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include "hw/machine.h"
#include "main/main-loop.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(port92_write);
TRACE_EVENT_DEFINE(port92_read);
TRACE_EVENT_DEFINE(port92_reset_request);

typedef struct Port92State {
    MemoryRegion io;
    uint8_t outport;
} Port92State;

static uint64_t port92_read(void *opaque, hwaddr addr G_GNUC_UNUSED,
                            unsigned size G_GNUC_UNUSED)
{
    Port92State *s = opaque;

    trace(port92_read, "val=0x%x", s->outport);
    return s->outport;
}

static void port92_write(void *opaque, hwaddr addr G_GNUC_UNUSED,
                         uint64_t data, unsigned size G_GNUC_UNUSED)
{
    Port92State *s = opaque;
    uint8_t old = s->outport;

    trace(port92_write, "val=0x%x", (unsigned)(data & 0xff));
    s->outport = data;
    if ((data & 1) && !(old & 1)) {
        trace(port92_reset_request, "val=0x%x", (unsigned)(data & 0xff));
        vm_request_reset();
    }
}

static const MemoryRegionOps port92_ops = {
    .read = port92_read,
    .write = port92_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static void port92_reset(void *opaque)
{
    Port92State *s = opaque;

    /* The reset bit clears itself; the rest survives, as on the chipset
     * (and in QEMU). */
    s->outport &= ~1;
}

static int port92_create(Machine *m, Opts *opts, GError **errp)
{
    Port92State *s;

    if (opts && opts_check_unused(opts, "-device port92", errp) < 0) {
        return -EINVAL;
    }
    s = g_new0(Port92State, 1);
    s->outport = 0x02;
    memory_region_init_io(&s->io, &port92_ops, s, "port92", 1);
    memory_region_add_subregion(m->system_io, 0x92, &s->io);
    machine_register_reset(m, port92_reset, s);
    return 0;
}

static DeviceInfo port92_info = {
    .name = "port92",
    .desc = "system control port A at 0x92: fast reset, A20 (built in)",
    .user_creatable = false,
    .create = port92_create,
};
DEVICE_REGISTER(port92_info)
