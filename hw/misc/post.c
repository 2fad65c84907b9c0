/*
 * post.c: "port80", the POST diagnostic port at 0x80.
 *
 * Firmware writes progress codes here and Linux writes it as a ~1 us I/O
 * delay, so a write only fires the post_code trace point.  Reads return
 * all ones, as QEMU's ioport80 does (nothing drives the bus).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include "hw/machine.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(post_code);

static uint64_t post_read(void *opaque G_GNUC_UNUSED,
                          hwaddr addr G_GNUC_UNUSED,
                          unsigned size G_GNUC_UNUSED)
{
    return 0xff;
}

static void post_write(void *opaque G_GNUC_UNUSED,
                       hwaddr addr G_GNUC_UNUSED, uint64_t data,
                       unsigned size G_GNUC_UNUSED)
{
    trace(post_code, "code=0x%x", (unsigned)(data & 0xff));
}

static const MemoryRegionOps post_ops = {
    .read = post_read,
    .write = post_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static int post_create(Machine *m, Opts *opts, GError **errp)
{
    MemoryRegion *mr;

    if (opts && opts_check_unused(opts, "-device port80", errp) < 0) {
        return -EINVAL;
    }
    /* Stateless: nothing to reset. */
    mr = g_new0(MemoryRegion, 1);
    memory_region_init_io(mr, &post_ops, NULL, "ioport80", 1);
    memory_region_add_subregion(m->system_io, 0x80, mr);
    return 0;
}

static DeviceInfo post_info = {
    .name = "port80",
    .desc = "POST code port at 0x80 (built in)",
    .user_creatable = false,
    .create = post_create,
};
DEVICE_REGISTER(post_info)
