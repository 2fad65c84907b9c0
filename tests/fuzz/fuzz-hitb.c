/*
 * fuzz-hitb.c: libFuzzer harness for the hitb device (see README.md here).
 *
 * Each input is a program of operations on one hitb function in a small
 * machine (64 KiB of RAM at 0, the i440FX host bridge, no accelerator):
 * BAR0 accesses through address_space_rw (the memory core's splitting
 * included) and straight into the callbacks (the 8-byte values a guest
 * cannot send), whole DMA programs run at once, config-space writes that
 * move the BAR or turn on MSI, RAM writes and resets.
 *
 * Besides ASan/UBSan, an oracle checks every DMA the harness fires: it
 * works out with 128-bit arithmetic whether the transfer fits the buffer
 * window, and aborts if the device refused a good one, accepted a bad one,
 * or changed its buffer or RAM while refusing.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include "hw/machine.h"
#include "hw/misc/hitb.h"
#include "hw/pci/msi.h"
#include "hw/pci/pci.h"
#include "main/main-loop.h"
#include "memory/memory.h"
#include "tests/unit/hw-test.h"

#define FUZZ_RAM_SIZE   (64 * KiB)

static Machine *m;
static HitbState *hitb;
static MemoryRegion ram;
static uint8_t *ram_host;

typedef struct Input {
    const uint8_t *p;
    size_t len;
} Input;

static uint64_t take(Input *in, unsigned n)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < n && in->len; i++, in->p++, in->len--) {
        v |= (uint64_t)*in->p << (8 * i);
    }
    return v;
}

/* Mostly register offsets, sometimes anywhere in the 1 MiB BAR. */
static hwaddr take_offset(Input *in)
{
    static const hwaddr regs[] = {
        0x00, 0x04, 0x08, 0x20, 0x24, 0x60, 0x64, 0x80, 0x84, 0x88, 0x8c,
        0x90, 0x94, 0x98, 0x9c, 0x02, 0x7c, 0xfffff,
    };
    uint8_t sel = take(in, 1);

    if (sel < 224) {
        return regs[sel % G_N_ELEMENTS(regs)];
    }
    return take(in, 3) % HITB_MMIO_SIZE;
}

/* 64-bit values near the interesting edges, or raw. */
static uint64_t take_addr(Input *in)
{
    uint8_t kind = take(in, 1);
    uint64_t v = take(in, 8);

    switch (kind % 6) {
    case 0:
        return HITB_DMA_BASE + (v % (2 * HITB_DMA_SIZE)) - HITB_DMA_SIZE / 2;
    case 1:
        return v % FUZZ_RAM_SIZE;
    case 2:
        return (v << 32) | HITB_DMA_BASE | (v >> 52);
    case 3:
        return ~0ULL - (v & 0xffff);
    default:
        return v;
    }
}

static uint64_t take_count(Input *in)
{
    uint8_t kind = take(in, 1);
    uint64_t v = take(in, 8);

    switch (kind % 4) {
    case 0:
        return v % (HITB_DMA_SIZE + 16);
    case 1:
        return ~0ULL - (v & 0xffff);
    default:
        return v;
    }
}

static hwaddr bar_base(void)
{
    hwaddr a = pci_bar_address(hitb_pci(hitb), 0);

    return a == PCI_BAR_UNMAPPED ? HITB_BAR0_ADDR : a;
}

static void callback_write(hwaddr off, uint64_t val, unsigned size)
{
    mmio_write_direct(hitb_mmio_region(hitb), off, val, size);
}

static uint64_t callback_read(hwaddr off, unsigned size)
{
    return mmio_read_direct(hitb_mmio_region(hitb), off, size);
}

/*
 * The worker needs microseconds, but it publishes under the BQL, which
 * this thread keeps taking: on a loaded host (or under ASan) it can take
 * a while to get in.  Five seconds without a result is a hang.
 */
static void wait_fact(void)
{
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    while (callback_read(HITB_REG_STATUS, 4) & HITB_STATUS_COMPUTING) {
        if (g_get_monotonic_time() > deadline) {
            fprintf(stderr, "fuzz-hitb: factorial never finished\n");
            abort();
        }
        g_usleep(100);
    }
}

/* Does [buf, buf + cnt) fit [0x40000, 0x41000), counted without wrap? */
static bool window_ok(uint64_t buf, uint64_t ram_addr, uint64_t cnt)
{
    unsigned __int128 end = (unsigned __int128)buf + cnt;
    unsigned __int128 ram_end = (unsigned __int128)ram_addr + cnt;

    return buf >= HITB_DMA_BASE && end <= HITB_DMA_BASE + HITB_DMA_SIZE &&
           ram_end <= ((unsigned __int128)1 << 64);
}

static void fuzz_dma(Input *in)
{
    uint64_t src = take_addr(in), dst = take_addr(in);
    uint64_t cnt = take_count(in), cmd = take(in, 1) | HITB_DMA_RUN;
    bool to_ram = cmd & HITB_DMA_TO_RAM;
    bool ok = window_ok(to_ram ? src : dst, to_ram ? dst : src, cnt);
    static uint8_t buf_before[HITB_DMA_SIZE];
    static uint8_t ram_before[FUZZ_RAM_SIZE];
    unsigned rejected;
    bool pending_before;

    /*
     * The factorial worker raises its interrupt on its own time, and with
     * MSI aimed at RAM that is a memory write: let it finish first, so
     * nothing but the DMA can touch memory while the oracle watches.
     */
    wait_fact();
    pending_before = callback_read(HITB_REG_DMA_CMD, 4) & HITB_DMA_RUN;
    if (pending_before) {
        /* Registers are frozen; just run what is armed. */
        bql_lock();
        hitb_dma_fire(hitb);
        bql_unlock();
    }
    callback_write(HITB_REG_DMA_SRC, src, 8);
    callback_write(HITB_REG_DMA_DST, dst, 8);
    callback_write(HITB_REG_DMA_CNT, cnt, 8);
    callback_write(HITB_REG_DMA_CMD, cmd, 8);

    memcpy(buf_before, hitb_dma_buffer(hitb), HITB_DMA_SIZE);
    memcpy(ram_before, ram_host, FUZZ_RAM_SIZE);
    rejected = hitb_dma_rejected(hitb);
    bql_lock();
    if (!hitb_dma_fire(hitb)) {
        fprintf(stderr, "fuzz-hitb: armed DMA did not fire\n");
        abort();
    }
    bql_unlock();

    if (ok != (hitb_dma_rejected(hitb) == rejected)) {
        fprintf(stderr, "fuzz-hitb: DMA src=0x%" PRIx64 " dst=0x%" PRIx64
                " cnt=0x%" PRIx64 " cmd=0x%" PRIx64 " %s but the device "
                "%s it\n", src, dst, cnt, cmd, ok ? "fits" : "does not fit",
                ok ? "refused" : "ran");
        abort();
    }
    if (!ok && (memcmp(buf_before, hitb_dma_buffer(hitb), HITB_DMA_SIZE) ||
                memcmp(ram_before, ram_host, FUZZ_RAM_SIZE))) {
        fprintf(stderr, "fuzz-hitb: refused DMA changed memory\n");
        abort();
    }
    if (callback_read(HITB_REG_DMA_CMD, 4) & HITB_DMA_RUN) {
        fprintf(stderr, "fuzz-hitb: RUN still set after the transfer\n");
        abort();
    }
}

static void fuzz_config(Input *in)
{
    PCIDevice *dev = hitb_pci(hitb);
    static const uint8_t regs[] = {
        PCI_COMMAND, PCI_BASE_ADDRESS_0, 0x40 + PCI_MSI_FLAGS,
        0x40 + PCI_MSI_ADDRESS_LO, 0x40 + PCI_MSI_ADDRESS_HI,
        0x40 + PCI_MSI_DATA_64, PCI_INTERRUPT_LINE,
    };
    uint8_t reg = regs[take(in, 1) % G_N_ELEMENTS(regs)];
    uint32_t val = take(in, 4);

    if (reg == PCI_BASE_ADDRESS_0 && (val & 1)) {
        /* Keep the BAR where RAM is not, most of the time. */
        val = 0xe0000000 | (val & 0x0ff00000);
    }
    bql_lock();
    pci_bus_config_write(m->pci_bus, dev->devfn, reg, val,
                         reg == PCI_BASE_ADDRESS_0 ||
                         reg == 0x40 + PCI_MSI_ADDRESS_LO ? 4 : 2);
    bql_unlock();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static MachineConfig cfg = { .ram_size = FUZZ_RAM_SIZE, .smp = 1 };
    GError *err = NULL;

    (void)argc;
    (void)argv;
    /* The unit tests' fixture; its failures end the process (g_error). */
    m = hw_test_machine_new(&cfg, NULL, NULL);
    ram_host = hw_test_add_ram(&ram, "ram", FUZZ_RAM_SIZE);
    hw_test_create_or_die(m, "i440FX-pcihost");
    hitb = hitb_new(m, HITB_DEFAULT_DEVFN, &err);
    if (!hitb) {
        fprintf(stderr, "fuzz-hitb: %s\n", err->message);
        abort();
    }
    bql_unlock();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Input in = { data, size };

    /* Each input starts from a reset device: runs are reproducible. */
    wait_fact();
    bql_lock();
    machine_reset(m);
    bql_unlock();

    while (in.len) {
        uint8_t op = take(&in, 1);
        static const unsigned sizes[] = { 1, 2, 4, 8 };

        switch (op % 10) {
        case 0: {           /* guest write: split by the memory core */
            hwaddr off = take_offset(&in);
            unsigned sz = sizes[take(&in, 1) & 3];
            uint64_t val = take(&in, 8);

            address_space_write(&address_space_memory, bar_base() + off,
                                MEMTXATTRS_UNSPECIFIED, &val, sz);
            break;
        }
        case 1: {           /* guest read */
            hwaddr off = take_offset(&in);
            unsigned sz = sizes[take(&in, 1) & 3];
            uint64_t val;

            address_space_read(&address_space_memory, bar_base() + off,
                               MEMTXATTRS_UNSPECIFIED, &val, sz);
            break;
        }
        case 2: {           /* callback write, any width, 64-bit values */
            hwaddr off = take_offset(&in);
            unsigned sz = sizes[take(&in, 1) & 3];

            callback_write(off, take_addr(&in), sz);
            break;
        }
        case 3:
            callback_read(take_offset(&in), sizes[take(&in, 1) & 3]);
            break;
        case 4:
            fuzz_dma(&in);
            break;
        case 5:
            bql_lock();
            hitb_dma_fire(hitb);
            bql_unlock();
            break;
        case 6:
            fuzz_config(&in);
            break;
        case 7: {           /* guest RAM contents */
            uint64_t off = take(&in, 2) % FUZZ_RAM_SIZE;
            uint64_t val = take(&in, 8);

            memcpy(ram_host + MIN(off, FUZZ_RAM_SIZE - 8), &val, 8);
            break;
        }
        case 8:
            wait_fact();
            break;
        case 9:
            wait_fact();
            bql_lock();
            machine_reset(m);
            bql_unlock();
            break;
        }
    }
    return 0;
}
