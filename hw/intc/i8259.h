/*
 * i8259.h: the PC's pair of cascaded 8259A interrupt controllers.
 *
 * The "i8259" device stores its PICState in Machine.pic.  Inputs arrive
 * through pic_set_irq() (the machine's GSI fan-out calls it for ISA IRQs
 * 0-15); the master's INTR output goes to machine_set_extint(), and the
 * accelerator runs the INTA cycle with pic_read_irq() when the CPU takes
 * the interrupt.  All functions need the BQL.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_INTC_I8259_H
#define HW_INTC_I8259_H

#include "main/janus.h"

typedef struct PICState PICState;

/**
 * pic_set_irq: drive ISA interrupt input @irq (0-15) to @level.
 * @pic: Machine.pic.
 * @irq: 0-7 master, 8-15 slave (IRQ 2 is the cascade and ignores callers).
 * @level: 0 or non-zero.  Edge or level sensitivity comes from the ELCR.
 */
void pic_set_irq(void *pic, int irq, int level);

/**
 * pic_read_irq: the INTA cycle.  Returns the vector of the highest
 * priority pending request and moves it from IRR to ISR (unless auto-EOI);
 * with nothing pending, the spurious vector of IRQ 7 (or IRQ 15 when the
 * slave has nothing to give) without touching ISR.
 * @pic: Machine.pic.
 */
int pic_read_irq(void *pic);

/**
 * pic_intr_pending: true when the master's INTR output is asserted, i.e.
 * pic_read_irq() would return a real vector.
 * @pic: Machine.pic.
 */
bool pic_intr_pending(void *pic);

#endif
