/*
 * chardev.h: the host side of a character device (-serial stdio|file:|none).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MAIN_CHARDEV_H
#define MAIN_CHARDEV_H

#include "main/janus.h"

typedef struct Chardev Chardev;
/* Called in the main thread under the BQL with bytes the host typed. */
typedef void ChardevReadFn(void *opaque, const uint8_t *buf, size_t len);

typedef enum ChardevEvent {
    CHARDEV_EVENT_EOF,      /* the input ended (stdin closed) */
    CHARDEV_EVENT_FOCUS,    /* this front now gets the stdio input (mux) */
} ChardevEvent;
/* Called in the main thread under the BQL. */
typedef void ChardevEventFn(void *opaque, ChardevEvent event);

/**
 * chardev_open: "stdio", "null"/"none" or "file:PATH".  stdio puts a tty
 * in raw mode and restores it at exit.  Returns NULL with @errp naming the
 * spec or the file.
 *
 * Every "stdio" chardev shares the process's stdin/stdout, as QEMU's mux
 * does: output from each goes to stdout, input goes to the front that has
 * the focus (the first opened, until chardev_take_focus() or Ctrl-A c).
 * With two or more stdio fronts, Ctrl-A is an escape: Ctrl-A x quits,
 * Ctrl-A c switches the focus, Ctrl-A h prints help, Ctrl-A Ctrl-A sends
 * Ctrl-A.  On a tty, raw mode is used when a front other than a line-mode
 * one (see chardev_set_line_mode) exists; with a mux it also passes Ctrl-C
 * to the guest, otherwise Ctrl-C ends janus cleanly.
 */
Chardev *chardev_open(const char *spec, GError **errp);
/** chardev_write: write all of @buf (blocking); errors are ignored after a
 * one-time warning, as a guest must never die of a full disk. */
void chardev_write(Chardev *cd, const uint8_t *buf, size_t len);
/** chardev_set_read_handler: deliver input to @fn (stdio only). */
void chardev_set_read_handler(Chardev *cd, ChardevReadFn *fn, void *opaque);
void chardev_close(Chardev *cd);

/** chardev_set_event_handler: get CHARDEV_EVENT_* for @cd. */
void chardev_set_event_handler(Chardev *cd, ChardevEventFn *fn, void *opaque);
/**
 * chardev_set_line_mode: @cd reads whole lines (the monitor): when it is the
 * only stdio front the terminal stays in cooked mode and edits lines.
 */
void chardev_set_line_mode(Chardev *cd, bool line_mode);
/** chardev_take_focus: send the stdio input to @cd (-monitor stdio). */
void chardev_take_focus(Chardev *cd);
/** chardev_echo_needed: true when the terminal is raw and @cd must echo. */
bool chardev_echo_needed(Chardev *cd);

#endif
