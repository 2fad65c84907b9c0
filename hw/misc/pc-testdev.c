/*
 * pc-testdev.c: the ISA test device kvm-unit-tests drive.
 *
 *     -device pc-testdev
 *
 * Layout (QEMU's, so the same test binaries run):
 *   0xe0-0xe3   "pc-testdev-ioport": a 32-bit latch; an aligned access of
 *               any width reads or writes those bytes of it
 *   0xe4-0xe7   "pc-testdev-flush-page": 32-bit write of a guest address
 *   0xe8-0xeb   "pc-testdev-ioport-byte": the same latch (QEMU handles it
 *               a byte at a time, which a guest cannot tell apart)
 *   0x2000-0x2017 "pc-testdev-irq-line": writing N to byte I sets GSI I
 *               to !!N
 *   0xff000000  "pc-testdev-iomem": 64 KiB of MMIO that behaves like RAM
 *
 * `rep outsb` to 0xe0 writes byte 0 of the latch each time and `rep insb`
 * reads it each time, exactly as QEMU behaves.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include "hw/machine.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(pc_testdev_ioport_write);
TRACE_EVENT_DEFINE(pc_testdev_ioport_read);
TRACE_EVENT_DEFINE(pc_testdev_flush_page);
TRACE_EVENT_DEFINE(pc_testdev_irq_line);
TRACE_EVENT_DEFINE(pc_testdev_guest_error);

#define TESTDEV_IOMEM_BASE  0xff000000ULL
#define TESTDEV_IOMEM_SIZE  0x10000

typedef struct PCTestdev {
    Machine *m;
    uint8_t latch[4];       /* little-endian 32-bit value at 0xe0/0xe8 */
    MemoryRegion ioport;
    MemoryRegion ioport_byte;
    MemoryRegion flush;
    MemoryRegion irq;
    MemoryRegion iomem;
    uint8_t iomem_buf[TESTDEV_IOMEM_SIZE];
} PCTestdev;

/*
 * The latch's regions take any width at any offset from the memory core
 * and apply QEMU's rule themselves: a misaligned access is refused (the
 * write dropped, the read 0), as QEMU's default accel does; aligned ones
 * read or write their bytes of the latch.
 */
static bool testdev_ioport_misaligned(hwaddr addr, unsigned size)
{
    if (addr & (size - 1)) {
        trace(pc_testdev_guest_error, "misaligned addr=0x%x size=%u",
              (unsigned)addr, size);
        return true;
    }
    return false;
}

static void testdev_ioport_write(void *opaque, hwaddr addr, uint64_t data,
                                 unsigned size)
{
    PCTestdev *d = opaque;

    trace(pc_testdev_ioport_write, "addr=0x%x size=%u val=0x%" PRIx64,
          (unsigned)addr, size, data);
    if (testdev_ioport_misaligned(addr, size)) {
        return;
    }
    /* Bytes past the 4-byte latch are dropped, never stored. */
    for (unsigned i = 0; i < size && addr + i < sizeof(d->latch); i++) {
        d->latch[addr + i] = data >> (8 * i);
    }
}

static uint64_t testdev_ioport_read(void *opaque, hwaddr addr, unsigned size)
{
    PCTestdev *d = opaque;
    uint64_t val = 0;

    if (testdev_ioport_misaligned(addr, size)) {
        return 0;
    }
    for (unsigned i = 0; i < size && addr + i < sizeof(d->latch); i++) {
        val |= (uint64_t)d->latch[addr + i] << (8 * i);
    }
    trace(pc_testdev_ioport_read, "addr=0x%x size=%u val=0x%" PRIx64,
          (unsigned)addr, size, val);
    return val;
}

/* Both latch windows (0xe0 and QEMU's byte-wise 0xe8) behave alike. */
static const MemoryRegionOps testdev_ioport_ops = {
    .read = testdev_ioport_read,
    .write = testdev_ioport_write,
    .valid = { .min_access_size = 1, .max_access_size = 4,
               .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4,
              .unaligned = true },
};

static uint64_t testdev_zero_read(void *opaque G_GNUC_UNUSED,
                                  hwaddr addr G_GNUC_UNUSED,
                                  unsigned size G_GNUC_UNUSED)
{
    return 0;
}

static void testdev_flush_write(void *opaque G_GNUC_UNUSED,
                                hwaddr addr G_GNUC_UNUSED, uint64_t data,
                                unsigned size G_GNUC_UNUSED)
{
    /*
     * QEMU mprotect()s the host page behind this guest page to make KVM
     * drop its mapping.  Another vCPU thread touching the page in that
     * window would take SIGSEGV and kill the process, which a guest must
     * never be able to do, so janus only records the request.
     */
    trace(pc_testdev_flush_page, "gpa=0x%" PRIx64, data & ~(uint64_t)0xfff);
}

static const MemoryRegionOps testdev_flush_ops = {
    .read = testdev_zero_read,
    .write = testdev_flush_write,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static void testdev_irq_write(void *opaque, hwaddr addr, uint64_t data,
                              unsigned size G_GNUC_UNUSED)
{
    PCTestdev *d = opaque;

    trace(pc_testdev_irq_line, "gsi=%u level=%d", (unsigned)addr, !!data);
    if (addr < PC_NUM_GSI) {
        irq_set_level(d->m->gsi[addr], !!data);
    }
}

static const MemoryRegionOps testdev_irq_ops = {
    .read = testdev_zero_read,
    .write = testdev_irq_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static uint64_t testdev_iomem_read(void *opaque, hwaddr addr, unsigned size)
{
    PCTestdev *d = opaque;
    uint64_t val = 0;

    for (unsigned i = 0; i < size && addr + i < TESTDEV_IOMEM_SIZE; i++) {
        val |= (uint64_t)d->iomem_buf[addr + i] << (8 * i);
    }
    return val;
}

static void testdev_iomem_write(void *opaque, hwaddr addr, uint64_t data,
                                unsigned size)
{
    PCTestdev *d = opaque;

    for (unsigned i = 0; i < size && addr + i < TESTDEV_IOMEM_SIZE; i++) {
        d->iomem_buf[addr + i] = data >> (8 * i);
    }
}

static const MemoryRegionOps testdev_iomem_ops = {
    .read = testdev_iomem_read,
    .write = testdev_iomem_write,
    /* Like RAM: 8-byte and misaligned guest accesses work; the memory
     * core hands them over as aligned calls of up to 4 bytes. */
    .valid = { .min_access_size = 1, .max_access_size = 8,
               .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

static void testdev_reset(void *opaque)
{
    PCTestdev *d = opaque;

    memset(d->latch, 0, sizeof(d->latch));
    memset(d->iomem_buf, 0, sizeof(d->iomem_buf));
}

static int testdev_create(Machine *m, Opts *opts, GError **errp)
{
    PCTestdev *d;

    if (opts && opts_check_unused(opts, "-device pc-testdev", errp) < 0) {
        return -EINVAL;
    }
    d = g_new0(PCTestdev, 1);
    d->m = m;
    memory_region_init_io(&d->ioport, &testdev_ioport_ops, d,
                          "pc-testdev-ioport", 4);
    memory_region_init_io(&d->flush, &testdev_flush_ops, d,
                          "pc-testdev-flush-page", 4);
    memory_region_init_io(&d->ioport_byte, &testdev_ioport_ops, d,
                          "pc-testdev-ioport-byte", 4);
    memory_region_init_io(&d->irq, &testdev_irq_ops, d,
                          "pc-testdev-irq-line", PC_NUM_GSI);
    memory_region_init_io(&d->iomem, &testdev_iomem_ops, d,
                          "pc-testdev-iomem", TESTDEV_IOMEM_SIZE);
    memory_region_add_subregion(m->system_io, 0xe0, &d->ioport);
    memory_region_add_subregion(m->system_io, 0xe4, &d->flush);
    memory_region_add_subregion(m->system_io, 0xe8, &d->ioport_byte);
    memory_region_add_subregion(m->system_io, 0x2000, &d->irq);
    /* Above a PCI window container the machine may map under it. */
    memory_region_add_subregion_overlap(m->system_memory, TESTDEV_IOMEM_BASE,
                                        &d->iomem, 1);
    machine_register_reset(m, testdev_reset, d);
    return 0;
}

static DeviceInfo testdev_info = {
    .name = "pc-testdev",
    .desc = "QEMU's x86 ISA test device (kvm-unit-tests)",
    .user_creatable = true,
    .create = testdev_create,
};
DEVICE_REGISTER(testdev_info)
