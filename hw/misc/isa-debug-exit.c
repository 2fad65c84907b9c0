/*
 * isa-debug-exit.c: a port whose write ends the VM, for test guests.
 *
 *     -device isa-debug-exit,iobase=0xf4,iosize=0x04
 *
 * Writing V exits with status (V << 1) | 1, QEMU's rule: a guest can never
 * produce status 0, so a test harness tells "the guest said pass" from
 * "the VM died".
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include "hw/machine.h"
#include "main/main-loop.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(isa_debug_exit_write);

static uint64_t debug_exit_read(void *opaque G_GNUC_UNUSED,
                                hwaddr addr G_GNUC_UNUSED,
                                unsigned size G_GNUC_UNUSED)
{
    return ~0ULL;
}

static void debug_exit_write(void *opaque G_GNUC_UNUSED, hwaddr addr,
                             uint64_t data, unsigned size)
{
    int code = (int)((data << 1) | 1);

    trace(isa_debug_exit_write, "addr=0x%x size=%u val=0x%" PRIx64 " code=%d",
          (unsigned)addr, size, data, code);
    vm_request_shutdown(code);
}

static const MemoryRegionOps debug_exit_ops = {
    .read = debug_exit_read,
    .write = debug_exit_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

static int debug_exit_create(Machine *m, Opts *opts, GError **errp)
{
    uint64_t iobase = 0x501, iosize = 2;
    MemoryRegion *mr;

    if (opts) {
        if (opts_get_uint(opts, "iobase", 0x501, &iobase, errp) < 0 ||
            opts_get_uint(opts, "iosize", 2, &iosize, errp) < 0 ||
            opts_check_unused(opts, "-device isa-debug-exit", errp) < 0) {
            return -EINVAL;
        }
    }
    if (iosize != 1 && iosize != 2 && iosize != 4) {
        g_set_error(errp, JANUS_ERROR, 0,
                    "-device isa-debug-exit: iosize %" PRIu64
                    " (use 1, 2 or 4)", iosize);
        return -EINVAL;
    }
    if (iobase > 0x10000 - iosize) {
        g_set_error(errp, JANUS_ERROR, 0,
                    "-device isa-debug-exit: iobase 0x%" PRIx64
                    " + iosize %" PRIu64 " is past port 0xffff",
                    iobase, iosize);
        return -EINVAL;
    }
    /* Stateless: nothing to reset. */
    mr = g_new0(MemoryRegion, 1);
    memory_region_init_io(mr, &debug_exit_ops, NULL, "isa-debug-exit",
                          iosize);
    memory_region_add_subregion(m->system_io, iobase, mr);
    return 0;
}

static DeviceInfo debug_exit_info = {
    .name = "isa-debug-exit",
    .desc = "a write of V to iobase exits with status (V << 1) | 1",
    .user_creatable = true,
    .create = debug_exit_create,
};
DEVICE_REGISTER(debug_exit_info)
