/*
 * monitor.h: the human monitor (HMP style) on -monitor stdio.
 *
 * A command is one MonitorCommand and one function.  Commands outside
 * main/ register themselves next to their code:
 *
 *     static void hmp_info_pci(Monitor *mon, int argc, char **argv) { ... }
 *     static const MonitorCommand info_pci = {
 *         .name = "pci", .help = "show PCI devices", .fn = hmp_info_pci,
 *     };
 *     MONITOR_INFO_REGISTER(info_pci);
 *
 * Commands run in the main thread with the BQL held; the vCPUs keep running
 * unless the command parks them (vcpus_pause() in main/runstate.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MAIN_MONITOR_H
#define MAIN_MONITOR_H

#include "main/janus.h"

typedef struct Monitor Monitor;
/* argv[0] is the command (for "info X": "X"); words split on blanks. */
typedef void MonitorCmdFn(Monitor *mon, int argc, char **argv);

typedef struct MonitorCommand {
    const char *name;           /* "cont|c": aliases follow '|' */
    const char *args;           /* e.g. "[-f]" or "/fmt addr", or NULL */
    const char *help;           /* one line for "help" */
    MonitorCmdFn *fn;
} MonitorCommand;

/** monitor_register_command: add a top-level command (any time). */
void monitor_register_command(const MonitorCommand *cmd);
/** monitor_register_info: add an "info" subcommand (any time). */
void monitor_register_info(const MonitorCommand *cmd);

#define MONITOR_COMMAND_REGISTER(cmd)                                   \
    static void __attribute__((constructor)) monitor_register_##cmd(void) \
    {                                                                   \
        monitor_register_command(&(cmd));                               \
    }
#define MONITOR_INFO_REGISTER(cmd)                                      \
    static void __attribute__((constructor)) monitor_info_register_##cmd(void) \
    {                                                                   \
        monitor_register_info(&(cmd));                                  \
    }

/** monitor_printf: output for the command being run. */
void monitor_printf(Monitor *mon, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/**
 * monitor_start: open the monitor on @spec ("stdio"; "none" opens none),
 * print the banner and the prompt.  @take_focus: input goes to the monitor
 * first (-monitor stdio) rather than to the serial port (-nographic).
 * Returns 0 or -1 with @errp set.  Main thread, after main_loop_init().
 */
int monitor_start(const char *spec, bool take_focus, GError **errp);

/**
 * monitor_new_buffered: a monitor with no chardev whose output collects in
 * @out (tests, scripted use).
 */
Monitor *monitor_new_buffered(GString *out);
void monitor_free(Monitor *mon);
/** monitor_execute: run one command line on @mon. */
void monitor_execute(Monitor *mon, const char *line);

#endif
