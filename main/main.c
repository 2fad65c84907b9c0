/*
 * main.c: janus starts here: parse the command line, build the machine,
 * pick the accelerator, start the vCPUs and run the main loop.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdlib.h>
#include "main/cli.h"
#include "main/main-loop.h"
#include "main/monitor.h"
#include "main/runstate.h"
#include "memory/memory.h"
#include "hw/machine.h"
#include "accel/accel.h"

/* Static, so that what it points to is still reachable at exit(). */
static JanusConfig config;

static void G_GNUC_NORETURN die(GError *err)
{
    error_report("%s", err->message);
    g_error_free(err);
    exit(1);
}

int main(int argc, char **argv)
{
    GError *err = NULL;
    MachineConfig *mc = &config.machine;
    Machine *m;
    int ret;

    ret = cli_parse(argc, argv, &config, &err);
    if (ret < 0) {
        die(err);
    }
    if (ret > 0) {
        return 0;               /* --help, --version, -device help, ... */
    }
    if (cli_setup_tracing(&config, &err) < 0) {
        die(err);
    }

    memory_init();
    main_loop_init();
    m = machine_new(mc);
    runstate_init(m, config.accel_opts);
    bql_lock();

    /* A bad -kernel (or -initrd without one) fails the same way whether
     * or not an accelerator works on this host (hw/pc.c keeps the image). */
    if (pc_machine_check(mc, &err) < 0) {
        die(err);
    }

    /*
     * -S without -kernel waits for "cont" to choose the accelerator, so
     * the monitor works (info mtree, ...) on a host where none does.
     */
    if (mc->kernel || !mc->start_stopped) {
        if (!accel_select(m, config.accel_opts, &err)) {
            die(err);
        }
    }
    if (pc_machine_init(m, &err) < 0) {
        die(err);
    }
    if (monitor_start(config.monitor, config.monitor_focus, &err) < 0) {
        die(err);
    }
    if (!mc->start_stopped && vm_start(&err) < 0) {
        die(err);
    }
    exit(main_loop_run());
}
