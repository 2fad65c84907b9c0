/*
 * irq.h: interrupt lines between devices and interrupt controllers.
 *
 * A line is a (handler, opaque, n) triple; raising it calls the handler
 * synchronously under the BQL.  Devices never know who listens: the
 * machine wires a device's line to a GSI that fans out to the PIC and the
 * IOAPIC.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_IRQ_H
#define HW_IRQ_H

#include "main/janus.h"

typedef struct IRQLine IRQLine;
typedef void IRQHandler(void *opaque, int n, int level);

/** irq_new: a line that calls @handler(@opaque, @n, level). */
IRQLine *irq_new(IRQHandler *handler, void *opaque, int n);
void irq_free(IRQLine *irq);
/** irq_set_level: NULL @irq is allowed and does nothing. */
void irq_set_level(IRQLine *irq, int level);
static inline void irq_raise(IRQLine *irq) { irq_set_level(irq, 1); }
static inline void irq_lower(IRQLine *irq) { irq_set_level(irq, 0); }
static inline void irq_pulse(IRQLine *irq)
{
    irq_set_level(irq, 1);
    irq_set_level(irq, 0);
}

#endif
