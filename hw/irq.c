/*
 * irq.c: interrupt lines (hw/irq.h).
 *
 * A line is only a bound call: it keeps no level of its own, so a device
 * that raises twice calls the handler twice.  Edge detection belongs to
 * the receiver (the PIC and IOAPIC remember their input levels).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/irq.h"

struct IRQLine {
    IRQHandler *handler;
    void *opaque;
    int n;
};

IRQLine *irq_new(IRQHandler *handler, void *opaque, int n)
{
    IRQLine *irq = g_new(IRQLine, 1);

    irq->handler = handler;
    irq->opaque = opaque;
    irq->n = n;
    return irq;
}

void irq_free(IRQLine *irq)
{
    g_free(irq);
}

void irq_set_level(IRQLine *irq, int level)
{
    if (irq) {
        irq->handler(irq->opaque, irq->n, level);
    }
}
