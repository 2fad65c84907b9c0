/*
 * janus.h: the few definitions every subsystem shares.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef JANUS_H
#define JANUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>
#include <glib.h>

/* A guest physical address or an offset into a region. */
typedef uint64_t hwaddr;
#define HWADDR_PRIx PRIx64

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Error domain for every GError janus raises; the code is unused (0). */
#define JANUS_ERROR janus_error_quark()
GQuark janus_error_quark(void);

/** error_report: print "janus: MESSAGE" as one line on stderr. */
void error_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** warn_report: print "janus: warning: MESSAGE" as one line on stderr. */
void warn_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

#endif
