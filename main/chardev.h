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

/**
 * chardev_open: "stdio", "null"/"none" or "file:PATH".  stdio puts a tty
 * in raw mode and restores it at exit.  Returns NULL with @errp naming the
 * spec or the file.
 */
Chardev *chardev_open(const char *spec, GError **errp);
/** chardev_write: write all of @buf (blocking); errors are ignored after a
 * one-time warning, as a guest must never die of a full disk. */
void chardev_write(Chardev *cd, const uint8_t *buf, size_t len);
/** chardev_set_read_handler: deliver input to @fn (stdio only). */
void chardev_set_read_handler(Chardev *cd, ChardevReadFn *fn, void *opaque);
void chardev_close(Chardev *cd);

#endif
