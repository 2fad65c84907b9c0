/*
 * i8254.h: the PC's programmable interval timer (8254) and the port 0x61
 * register that gates and reads its channel 2.
 *
 * The "i8254" device has no functions for other devices: channel 0 drives
 * ISA IRQ 0 (Machine.gsi[0]) from timers on the virtual clock, and the
 * guest reaches everything else through ports 0x40-0x43 and 0x61.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_TIMER_I8254_H
#define HW_TIMER_I8254_H

#include "main/janus.h"

/* The PIT's input clock: 14.31818 MHz / 12. */
#define PIT_FREQ_HZ 1193182

/* The shortest interval between two channel 0 interrupts the model will
 * schedule: a guest programming a divisor of 1 gets interrupts at this
 * rate instead of busying the main loop at 1.19 MHz. */
#define PIT_MIN_IRQ_INTERVAL_NS 50000

#endif
