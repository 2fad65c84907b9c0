/*
 * mc146818.h: the PC's CMOS real-time clock and its 128 bytes of RAM.
 *
 * The "mc146818rtc" device answers at ports 0x70 (index, bit 7 masks
 * NMIs) and 0x71 (data) and raises ISA IRQ 8.  The machine code may need
 * to put boot information in CMOS RAM or check the NMI mask; it finds the
 * device with rtc_from_machine().  All functions need the BQL.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_RTC_MC146818_H
#define HW_RTC_MC146818_H

#include "main/janus.h"

typedef struct Machine Machine;
typedef struct RTCState RTCState;

/** rtc_from_machine: the RTC created for @m, or NULL. */
RTCState *rtc_from_machine(Machine *m);

/**
 * rtc_nmi_masked: true when the guest set bit 7 of the index port, which
 * on a PC disables NMI delivery.
 * @rtc: from rtc_from_machine(); NULL answers false.
 */
bool rtc_nmi_masked(RTCState *rtc);

/**
 * rtc_set_cmos_data: store @val in CMOS RAM byte @index (0x0e-0x7f;
 * others are refused and return -EINVAL), e.g. boot order bytes.
 * @rtc: from rtc_from_machine().
 */
int rtc_set_cmos_data(RTCState *rtc, unsigned index, uint8_t val);

#endif
