/*
 * serial.h: the 16550A UART ("isa-serial", COM1 at 0x3f8, IRQ 4).
 *
 * Output goes straight to the machine's -serial backend; input from the
 * backend (or from serial_receive()) fills a 16-byte receive FIFO.  All
 * functions need the BQL.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_CHAR_SERIAL_H
#define HW_CHAR_SERIAL_H

#include "main/janus.h"

typedef struct Machine Machine;
typedef struct SerialState SerialState;

#define SERIAL_RX_FIFO_SIZE 16
/* Host input held back while the guest's receive FIFO is full. */
#define SERIAL_INPUT_QUEUE_MAX (64 * 1024)

/** serial_from_machine: the first serial port created for @m, or NULL. */
SerialState *serial_from_machine(Machine *m);

/**
 * serial_receive: bytes arriving on the line, as if the host had typed
 * them (the chardev read handler calls this).  What does not fit in the
 * FIFO waits in a host-side queue of SERIAL_INPUT_QUEUE_MAX bytes and
 * enters the FIFO as the guest reads; beyond the queue, input is dropped.
 * @s: the port.
 * @buf: bytes.
 * @len: how many.
 */
void serial_receive(SerialState *s, const uint8_t *buf, size_t len);

#endif
