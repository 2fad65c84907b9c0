/*
 * hitb.h: the "hitb" PCI device of the HITB GSEC 2017 BabyQEMU challenge
 * (a variant of QEMU's edu device), with a memory-safe DMA engine.
 *
 * The guest sees it through `-device hitb` only; this header is for the
 * unit tests and the fuzzer, which drive the model without an accelerator.
 * docs/babyqemu.md describes the registers and compares them with the
 * challenge's device.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_MISC_HITB_H
#define HW_MISC_HITB_H

#include "hw/machine.h"
#include "hw/pci/pci.h"

#define HITB_VENDOR_ID          0x1234
#define HITB_DEVICE_ID          0x2333
#define HITB_REVISION           0x10
#define HITB_DEFAULT_DEVFN      PCI_DEVFN(4, 0)
#define HITB_BAR0_ADDR          0xfea00000ULL   /* where the challenge had it */
#define HITB_MMIO_SIZE          (1 * MiB)

/* BAR0 registers */
#define HITB_REG_ID             0x00    /* R: 0x010000ed */
#define HITB_REG_LIVENESS       0x04    /* R/W: reads ~written value */
#define HITB_REG_FACT           0x08    /* R/W: factorial */
#define HITB_REG_STATUS         0x20    /* R/W: HITB_STATUS_* */
#define HITB_REG_IRQ_STATUS     0x24    /* R */
#define HITB_REG_IRQ_RAISE      0x60    /* W: irq_status |= val */
#define HITB_REG_IRQ_ACK        0x64    /* W: irq_status &= ~val */
#define HITB_REG_DMA_SRC        0x80
#define HITB_REG_DMA_DST        0x88
#define HITB_REG_DMA_CNT        0x90
#define HITB_REG_DMA_CMD        0x98

#define HITB_ID_VALUE           0x010000edU

#define HITB_STATUS_COMPUTING   0x01    /* read-only: factorial running */
#define HITB_STATUS_IRQFACT     0x80    /* raise HITB_IRQ_FACT when done */

#define HITB_IRQ_FACT           0x00000001U
#define HITB_IRQ_DMA            0x00000100U

#define HITB_DMA_RUN            0x1     /* start; cleared when done */
#define HITB_DMA_TO_RAM         0x2     /* 1: buffer -> RAM, 0: RAM -> buffer */
#define HITB_DMA_ENCODE         0x4     /* XOR 0x66 and raise HITB_IRQ_DMA */
#define HITB_DMA_ENCODE_KEY     0x66

/* The device buffer as the DMA engine addresses it. */
#define HITB_DMA_BASE           0x40000ULL
#define HITB_DMA_SIZE           4096ULL
/* Virtual time between a command write and the transfer. */
#define HITB_DMA_DELAY_NS       (100 * 1000 * 1000LL)

typedef struct HitbState HitbState;

/**
 * hitb_new: create a hitb function on @m's PCI bus, BAR0 preset to
 * HITB_BAR0_ADDR with memory decoding on (no firmware programs it).
 * @devfn: PCI_DEVFN(slot, fn); -device hitb passes HITB_DEFAULT_DEVFN.
 * Starts the factorial worker thread.  Returns NULL with @errp set when
 * the slot is taken or the thread cannot start.
 */
HitbState *hitb_new(Machine *m, int devfn, GError **errp);

/** hitb_pci: the device's PCI function (config space, BARs, INTx). */
PCIDevice *hitb_pci(HitbState *s);

/**
 * hitb_mmio_region: BAR0's region, "hitb-mmio".  Its ops are the device's
 * callbacks, for tests that call them directly (size 8 included) rather
 * than through the memory core's splitting.
 */
MemoryRegion *hitb_mmio_region(HitbState *s);

/**
 * hitb_dma_fire: run the armed transfer now instead of at its timer's
 * deadline (tests and the fuzzer cannot wait 100 ms per transfer).
 * Caller holds the BQL.  Returns true when a transfer was pending.
 */
bool hitb_dma_fire(HitbState *s);

/** hitb_dma_buffer: the 4096-byte device buffer, read-only, for checks. */
const uint8_t *hitb_dma_buffer(HitbState *s);

/** hitb_dma_rejected: transfers refused so far (the guest-error count). */
unsigned hitb_dma_rejected(HitbState *s);

#endif
