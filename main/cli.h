/*
 * cli.h: the command line, QEMU's syntax, parsed from one option table.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MAIN_CLI_H
#define MAIN_CLI_H

#include "main/janus.h"
#include "hw/machine.h"

/* Guest RAM must stay below this (-m); see docs/architecture.md. */
#define CLI_RAM_LIMIT   (1024 * GiB)
#define CLI_MAX_CPUS    64

typedef struct JanusConfig {
    MachineConfig machine;      /* handed to machine_new() */
    GPtrArray *accel_opts;      /* Opts *, the fallback list in order */
    const char *monitor;        /* "stdio" or "none" */
    bool monitor_focus;         /* -monitor stdio given: input goes to it */
    const char *log_file;       /* -D, or -trace file= */
    GPtrArray *trace_lists;     /* char *: -trace globs, comma lists */
    GPtrArray *trace_files;     /* char *: -trace events=FILE */
} JanusConfig;

/**
 * cli_parse: fill @cfg from @argv.  Every value is checked here (sizes,
 * counts, names, that -kernel/-initrd files are readable) so that a bad
 * command line fails before anything starts.
 * Returns 0 to run, 1 when the command line only asked for information
 * that is printed already (--help, --version, -device help...), or -1 with
 * @errp set to one line naming the option and the bad value.
 */
int cli_parse(int argc, char **argv, JanusConfig *cfg, GError **errp);

/**
 * cli_setup_tracing: open the -D file and enable the -trace patterns of
 * @cfg; warns (one line each) about patterns that match no event.
 * Returns 0 or -1 with @errp set.
 */
int cli_setup_tracing(JanusConfig *cfg, GError **errp);

#endif
