/*
 * trace.c: the trace point registry (-trace) and the -d log items.
 *
 * Constructors register every TraceEvent before main(); -trace globs are
 * also remembered, so an event registered later (a test, a lazily built
 * part) is enabled when it arrives.  Output is one line per event, written
 * with a single stdio call so that lines from several vCPU threads never
 * interleave mid-line.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include "main/trace.h"

/* Guards the registries and the pattern list, not the hot "enabled" reads. */
static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
static TraceEvent *trace_events;
static GPtrArray *trace_patterns;       /* char *, every enabled glob */
static LogItem *log_items;
static FILE *trace_out;                 /* NULL means stderr */

static FILE *out_stream(void)
{
    return trace_out ? trace_out : stderr;
}

static bool event_matches_any(const TraceEvent *ev)
{
    if (!trace_patterns) {
        return false;
    }
    for (guint i = 0; i < trace_patterns->len; i++) {
        if (g_pattern_match_simple(g_ptr_array_index(trace_patterns, i),
                                   ev->name)) {
            return true;
        }
    }
    return false;
}

void trace_event_register(TraceEvent *ev)
{
    pthread_mutex_lock(&trace_lock);
    ev->next = trace_events;
    trace_events = ev;
    if (event_matches_any(ev)) {
        ev->enabled = true;
    }
    pthread_mutex_unlock(&trace_lock);
}

int trace_enable_pattern(const char *pattern)
{
    int n = 0;

    pthread_mutex_lock(&trace_lock);
    if (!trace_patterns) {
        trace_patterns = g_ptr_array_new_with_free_func(g_free);
    }
    g_ptr_array_add(trace_patterns, g_strdup(pattern));
    for (TraceEvent *ev = trace_events; ev; ev = ev->next) {
        if (g_pattern_match_simple(pattern, ev->name)) {
            ev->enabled = true;
            n++;
        }
    }
    pthread_mutex_unlock(&trace_lock);
    return n;
}

int trace_enable_list(const char *list)
{
    g_auto(GStrv) parts = g_strsplit(list, ",", -1);
    int n = 0;

    for (char **p = parts; *p; p++) {
        g_strstrip(*p);
        if (**p) {
            n += trace_enable_pattern(*p);
        }
    }
    return n;
}

int trace_set_output(const char *path, GError **errp)
{
    FILE *f = fopen(path, "w");

    if (!f) {
        int err = errno;

        g_set_error(errp, JANUS_ERROR, 0, "cannot open '%s': %s", path,
                    g_strerror(err));
        return -err;
    }
    /* line buffered: a crash or a kill -9 loses at most the current line */
    setvbuf(f, NULL, _IOLBF, 0);
    pthread_mutex_lock(&trace_lock);
    if (trace_out) {
        fclose(trace_out);
    }
    trace_out = f;
    pthread_mutex_unlock(&trace_lock);
    return 0;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void trace_list_events(FILE *out)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new();

    pthread_mutex_lock(&trace_lock);
    for (TraceEvent *ev = trace_events; ev; ev = ev->next) {
        g_ptr_array_add(names, (gpointer)ev->name);
    }
    pthread_mutex_unlock(&trace_lock);
    g_ptr_array_sort(names, compare_names);
    for (guint i = 0; i < names->len; i++) {
        fprintf(out, "%s\n", (const char *)g_ptr_array_index(names, i));
    }
}

void trace_emit(const char *name, const char *fmt, ...)
{
    char buf[512];
    char *args = buf;
    va_list ap;
    int len;

    va_start(ap, fmt);
    len = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (len >= (int)sizeof(buf)) {
        va_start(ap, fmt);
        args = g_strdup_vprintf(fmt, ap);
        va_end(ap);
    }
    /* one call: the stream lock keeps the line whole */
    fprintf(out_stream(), len > 0 ? "%s %s\n" : "%s\n", name, args);
    if (args != buf) {
        g_free(args);
    }
}

void log_printf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(out_stream(), fmt, ap);
    va_end(ap);
}

/* ---- -d items ------------------------------------------------------------ */

void log_item_register(LogItem *item)
{
    pthread_mutex_lock(&trace_lock);
    item->next = log_items;
    log_items = item;
    pthread_mutex_unlock(&trace_lock);
}

static LogItem *log_item_find(const char *name)
{
    for (LogItem *item = log_items; item; item = item->next) {
        if (!strcmp(item->name, name)) {
            return item;
        }
    }
    return NULL;
}

int log_enable_items(const char *list, GError **errp)
{
    g_auto(GStrv) parts = g_strsplit(list, ",", -1);
    int ret = 0;

    pthread_mutex_lock(&trace_lock);
    /* check all first: a bad list enables nothing */
    for (char **p = parts; *p; p++) {
        if (!log_item_find(*p)) {
            g_set_error(errp, JANUS_ERROR, 0, "-d %s: not supported yet "
                        "(-d help lists the items)", *p);
            ret = -EINVAL;
            goto out;
        }
    }
    for (char **p = parts; *p; p++) {
        log_item_find(*p)->enabled = true;
    }
out:
    pthread_mutex_unlock(&trace_lock);
    return ret;
}

void log_list_items(FILE *out)
{
    pthread_mutex_lock(&trace_lock);
    if (!log_items) {
        fprintf(out, "no -d log items exist yet (see -trace help for "
                "trace points)\n");
    }
    for (LogItem *item = log_items; item; item = item->next) {
        fprintf(out, "%-16s %s\n", item->name, item->help);
    }
    pthread_mutex_unlock(&trace_lock);
}
