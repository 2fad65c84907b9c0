/*
 * error.c: the GError domain and the one-line messages shared by all of
 * janus.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdarg.h>
#include <stdio.h>
#include "main/janus.h"

G_DEFINE_QUARK(janus-error-quark, janus_error)

static void report(const char *prefix, const char *fmt, va_list ap)
{
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);

    /* one call, so the line stays whole next to other threads' output */
    fprintf(stderr, "janus: %s%s\n", prefix, msg);
}

void error_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report("", fmt, ap);
    va_end(ap);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report("warning: ", fmt, ap);
    va_end(ap);
}
