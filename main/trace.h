/*
 * trace.h: named trace points, enabled at run time by -trace PATTERN.
 *
 * A trace point is a global TraceEvent defined next to the code that fires
 * it with TRACE_EVENT_DEFINE(name); a constructor registers it so that
 * -trace globs can find it before main() parses the command line.  Firing a
 * disabled point costs one load and one predicted-not-taken branch, so trace
 * points can sit on hot paths (address_space_rw, exit dispatch).
 *
 * Usage:
 *     TRACE_EVENT_DEFINE(serial_ioport_write);          (in serial.c)
 *     trace(serial_ioport_write, "addr=0x%x val=0x%x", addr, val);
 *
 * Each enabled event prints one line "NAME ARGS" to stderr or the -D file.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MAIN_TRACE_H
#define MAIN_TRACE_H

#include <stdio.h>
#include "main/janus.h"

typedef struct TraceEvent TraceEvent;
struct TraceEvent {
    const char *name;
    bool enabled;           /* read without a lock: a stale value only
                               delays enabling by one event */
    TraceEvent *next;       /* registry list, built by constructors */
};

/**
 * trace_event_register: add @ev to the registry (called by constructors).
 */
void trace_event_register(TraceEvent *ev);

/**
 * trace_enable_pattern: enable every event whose name matches glob @pattern.
 * Returns the number of events matched.  May be called before or after the
 * events register: patterns are remembered and applied to later events.
 */
int trace_enable_pattern(const char *pattern);

/**
 * trace_set_output: send trace lines to @path (the -D file) instead of
 * stderr.  Returns 0 or -errno, with @errp set.
 */
int trace_set_output(const char *path, GError **errp);

/**
 * trace_list_events: print every registered event name, one per line
 * (for "-trace help").
 */
void trace_list_events(FILE *out);

/**
 * trace_emit: print one line "NAME ARGS" (just "NAME" when the formatted
 * arguments are empty) with a single write, so lines from several threads
 * never mix; called by trace() only when the event is enabled.
 */
void trace_emit(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** log_printf: print to the -D file (or stderr), for -d logging. */
void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * trace_enable_list: enable each comma-separated glob of @list (the
 * argument of -trace, or a "-trace events=FILE" line).  Returns the
 * number of events matched; see trace_enable_pattern().
 */
int trace_enable_list(const char *list);

/*
 * -d items: named switches for bigger, non-per-event logging ("-d int",
 * "-d in_asm").  Defined like trace points, next to the code that logs:
 *     LOG_ITEM_DEFINE(int, "show interrupts and exceptions");
 *     if (log_enabled(int)) { log_printf(...); }
 * "-d ITEM" refuses names nobody defined, so an item exists only once
 * its feature does.
 */
typedef struct LogItem LogItem;
struct LogItem {
    const char *name;
    const char *help;
    bool enabled;
    LogItem *next;
};

/** log_item_register: add @item to the -d registry (constructors). */
void log_item_register(LogItem *item);

/**
 * log_enable_items: enable each item of the comma-separated @list.
 * Returns 0, or -EINVAL with @errp naming the first unknown item.
 */
int log_enable_items(const char *list, GError **errp);

/** log_list_items: print "name  help" per -d item (for "-d help"). */
void log_list_items(FILE *out);

#define LOG_ITEM_DEFINE(item, helptext)                                 \
    LogItem log_item_##item = { .name = #item, .help = helptext };      \
    static void __attribute__((constructor)) log_item_register_##item(void) \
    {                                                                   \
        log_item_register(&log_item_##item);                            \
    }

#define LOG_ITEM_DECLARE(item) extern LogItem log_item_##item

#define log_enabled(item) unlikely(log_item_##item.enabled)

#define TRACE_EVENT_DEFINE(ev)                                          \
    TraceEvent trace_ev_##ev = { .name = #ev };                         \
    static void __attribute__((constructor)) trace_ev_register_##ev(void) \
    {                                                                   \
        trace_event_register(&trace_ev_##ev);                           \
    }

#define TRACE_EVENT_DECLARE(ev) extern TraceEvent trace_ev_##ev

#define trace_enabled(ev) unlikely(trace_ev_##ev.enabled)

#define trace(ev, ...)                                                  \
    do {                                                                \
        if (trace_enabled(ev)) {                                        \
            trace_emit(#ev, __VA_ARGS__);                               \
        }                                                               \
    } while (0)

#endif
