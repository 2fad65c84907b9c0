/*
 * ioapic.h: the 82093AA-style I/O APIC at 0xfec00000 (24 pins).
 *
 * The "ioapic" device stores its IOAPICState in Machine.ioapic.  Pins are
 * driven by the machine's GSI fan-out; a delivery becomes an MSI write
 * handed to machine_deliver_msi(), so the same model serves KVM's split
 * irqchip and TCG's local APIC.  All functions need the BQL.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_INTC_IOAPIC_H
#define HW_INTC_IOAPIC_H

#include "main/janus.h"

#define IOAPIC_NUM_PINS 24
#define IOAPIC_DEFAULT_BASE 0xfec00000ULL

typedef struct IOAPICState IOAPICState;

/**
 * ioapic_set_irq: drive input @pin to @level (asserted when non-zero; the
 * redirection entry's polarity bit is not applied, see docs/devices.md).
 * @ioapic: Machine.ioapic.
 * @pin: 0-23; others are logged and ignored.
 * @level: 0 or non-zero.
 */
void ioapic_set_irq(void *ioapic, int pin, int level);

/**
 * ioapic_eoi_broadcast: a local APIC took an EOI for @vector.  Clears the
 * remote IRR of every level-triggered entry with that vector and delivers
 * again those whose input is still asserted.
 * @ioapic: Machine.ioapic.
 * @vector: 0-255.
 */
void ioapic_eoi_broadcast(void *ioapic, int vector);

#endif
