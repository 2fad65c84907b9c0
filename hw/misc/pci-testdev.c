/*
 * pci-testdev.c: QEMU's PCI test device (1b36:0005) as kvm-unit-tests and
 * the janus test guests drive it.
 *
 * BAR0 (memory, 4 KiB, "pci-testdev-mmio") and BAR1 (I/O, 256 bytes,
 * "pci-testdev-portio") each run three write-counting tests.  Writing N to
 * offset 0 of a BAR selects test N of that BAR's kind (0 no-eventfd,
 * 1 wildcard-eventfd, 2 datamatch-eventfd; anything else deselects) and
 * zeroes its counter.  Reads then return the selected test's header:
 *
 *   0  u8   test number (0-2 memory, 3-5 I/O)
 *   1  u8   access width the test expects (1)
 *   4  le32 offset to write to (2048 + n for memory, 128 + n for I/O)
 *   8  u8   data a datamatch test wants (0xfa; 0xce for the others)
 *  12  le32 count of counted writes
 *  16  char name[] "mmio-no-eventfd", ..., "portio-datamatch-eventfd"
 *
 * and byte writes at the test offset bump the count (datamatch tests only
 * when the byte equals the data).  Every access is handled one byte at a
 * time, so a 2-, 4- or 8-byte load or store behaves as that many byte
 * accesses, exactly as on QEMU.  QEMU backs the eventfd tests with
 * ioeventfds that swallow the writes (count stays 0); janus counts them,
 * which kvm-unit-tests accepts as well.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdio.h>
#include "hw/pci/pci.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(pci_testdev_select);
TRACE_EVENT_DEFINE(pci_testdev_count);

#define TESTDEV_DEVICE_ID       0x0005
#define TESTDEV_MEM_AREA        2048    /* header half, then test half */
#define TESTDEV_IO_AREA         128
#define TESTDEV_DATAMATCH       0xfa
#define TESTDEV_NOMATCH         0xce
#define TESTDEV_KINDS           3       /* tests per BAR */
#define TESTDEV_TESTS           (2 * TESTDEV_KINDS)
#define TESTDEV_HDR_NAME        16

enum { TESTDEV_MEM, TESTDEV_IO };

typedef struct PCITestDevTest {
    char name[32];
    uint32_t offset;
    uint8_t data;
    bool match_data;
    uint32_t count;
} PCITestDevTest;

typedef struct PCITestDevState {
    PCIDevice pci;              /* first: the core hands us back ourselves */
    MemoryRegion mmio;
    MemoryRegion portio;
    PCITestDevTest tests[TESTDEV_TESTS];
    int current;                /* selected test, -1 none */
} PCITestDevState;

static const char *const testdev_kind_name[TESTDEV_KINDS] = {
    "no-eventfd", "wildcard-eventfd", "datamatch-eventfd",
};

/* Byte @addr of test @t's header; 0 past the name (QEMU's bound). */
static uint8_t testdev_header_byte(PCITestDevState *s, int t, hwaddr addr)
{
    PCITestDevTest *test = &s->tests[t];
    hwaddr len = TESTDEV_HDR_NAME + strlen(test->name) + 1;

    if (addr + 1 >= len) {
        return 0;
    }
    switch (addr) {
    case 0:
        return t;
    case 1:
        return 1;
    case 4 ... 7:
        return test->offset >> (8 * (addr - 4));
    case 8:
        return test->data;
    case 12 ... 15:
        return test->count >> (8 * (addr - 12));
    default:
        if (addr >= TESTDEV_HDR_NAME) {
            return test->name[addr - TESTDEV_HDR_NAME];
        }
        return 0;
    }
}

static uint64_t testdev_read(void *opaque, hwaddr addr, unsigned size)
{
    PCITestDevState *s = opaque;

    (void)size;     /* impl.max_access_size is 1 */
    if (s->current < 0) {
        return 0;
    }
    return testdev_header_byte(s, s->current, addr);
}

static void testdev_write(PCITestDevState *s, int kind, hwaddr addr,
                          uint8_t val)
{
    PCITestDevTest *test;

    if (addr == 0) {
        s->current = -1;
        if (val >= TESTDEV_KINDS) {
            trace(pci_testdev_select, "%s: none (wrote %u)",
                  kind == TESTDEV_MEM ? "mmio" : "portio", val);
            return;
        }
        s->current = kind * TESTDEV_KINDS + val;
        s->tests[s->current].count = 0;
        trace(pci_testdev_select, "%s", s->tests[s->current].name);
        return;
    }
    if (s->current < 0) {
        return;
    }
    test = &s->tests[s->current];
    /* Like QEMU, the offset alone decides, whichever BAR was written. */
    if (addr != test->offset) {
        return;
    }
    if (test->match_data && val != test->data) {
        return;
    }
    test->count++;
    trace(pci_testdev_count, "%s count=%u", test->name, test->count);
}

static void testdev_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                               unsigned size)
{
    (void)size;
    testdev_write(opaque, TESTDEV_MEM, addr, val);
}

static void testdev_pio_write(void *opaque, hwaddr addr, uint64_t val,
                              unsigned size)
{
    (void)size;
    testdev_write(opaque, TESTDEV_IO, addr, val);
}

/* Any width and alignment in, bytes out: the core splits for us. */
static const MemoryRegionOps testdev_mmio_ops = {
    .read = testdev_read,
    .write = testdev_mmio_write,
    .valid = { .min_access_size = 1, .max_access_size = 8,
               .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static const MemoryRegionOps testdev_pio_ops = {
    .read = testdev_read,
    .write = testdev_pio_write,
    .valid = { .min_access_size = 1, .max_access_size = 4,
               .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static void testdev_reset(void *opaque)
{
    PCITestDevState *s = opaque;

    s->current = -1;
    for (int i = 0; i < TESTDEV_TESTS; i++) {
        s->tests[i].count = 0;
    }
}

static int testdev_create(Machine *m, Opts *opts, GError **errp)
{
    PCITestDevState *s;
    const char *id = opts_get(opts, "id");
    int devfn, ret;

    ret = pci_opts_get_devfn(opts, &devfn, errp);
    if (ret < 0) {
        return ret;
    }
    if (opts_check_unused(opts, "-device pci-testdev", errp) < 0) {
        return -EINVAL;
    }

    s = g_new0(PCITestDevState, 1);
    ret = pci_device_init(&s->pci, m->pci_bus, devfn, "pci-testdev",
                          PCI_VENDOR_ID_REDHAT, TESTDEV_DEVICE_ID,
                          PCI_CLASS_OTHERS << 16, errp);
    if (ret < 0) {
        g_free(s);
        return ret;
    }
    s->pci.id = g_strdup(id);

    for (int i = 0; i < TESTDEV_TESTS; i++) {
        PCITestDevTest *t = &s->tests[i];
        int kind = i / TESTDEV_KINDS, n = i % TESTDEV_KINDS;

        snprintf(t->name, sizeof(t->name), "%s-%s",
                 kind == TESTDEV_MEM ? "mmio" : "portio",
                 testdev_kind_name[n]);
        t->offset = (kind == TESTDEV_MEM ? TESTDEV_MEM_AREA
                                         : TESTDEV_IO_AREA) + i;
        t->match_data = n != 1;     /* all but the wildcard test */
        t->data = t->match_data ? TESTDEV_DATAMATCH : TESTDEV_NOMATCH;
    }
    s->current = -1;

    memory_region_init_io(&s->mmio, &testdev_mmio_ops, s,
                          "pci-testdev-mmio", 2 * TESTDEV_MEM_AREA);
    memory_region_init_io(&s->portio, &testdev_pio_ops, s,
                          "pci-testdev-portio", 2 * TESTDEV_IO_AREA);
    pci_register_bar(&s->pci, 0, PCI_BAR_MEM32, &s->mmio);
    pci_register_bar(&s->pci, 1, PCI_BAR_IO, &s->portio);
    machine_register_reset(m, testdev_reset, s);
    return 0;
}

static DeviceInfo testdev_info = {
    .name = "pci-testdev",
    .desc = "PCI test device (1b36:0005): write-counting MMIO and I/O BARs",
    .user_creatable = true,
    .create = testdev_create,
};
DEVICE_REGISTER(testdev_info)
