/*
 * monitor.c: the human monitor: line input, the command tables, and the
 * commands that belong to main/.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdarg.h>
#include "main/monitor.h"
#include "main/chardev.h"
#include "main/main-loop.h"
#include "main/runstate.h"
#include "main/version.h"
#include "memory/memory.h"
#include "hw/machine.h"
#include "hw/cpu.h"
#include "accel/accel.h"

#define PROMPT          "(janus) "
#define MAX_LINE        4096

struct Monitor {
    Chardev *cd;                /* NULL: output goes to @out */
    GString *out;
    GString *line;              /* input being typed */
    bool last_cr;               /* swallow the '\n' of a "\r\n" */
    int esc;                    /* 0, or position in an ESC [ x sequence */
    bool owns_input;            /* -monitor stdio: end of input = quit */
    bool greeted;               /* banner printed */
};

static GPtrArray *extra_commands;   /* const MonitorCommand *, registered */
static GPtrArray *extra_infos;

void monitor_printf(Monitor *mon, const char *fmt, ...)
{
    g_autofree char *s = NULL;
    va_list ap;

    va_start(ap, fmt);
    s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (mon->cd) {
        chardev_write(mon->cd, (const uint8_t *)s, strlen(s));
    } else {
        g_string_append(mon->out, s);
    }
}

/* ---- Commands ------------------------------------------------------------- */

static const MonitorCommand *find_in(const MonitorCommand *table, size_t n,
                                     GPtrArray *extra, const char *word)
{
    for (size_t i = 0; i < n + (extra ? extra->len : 0); i++) {
        const MonitorCommand *cmd = i < n ? &table[i]
                                          : g_ptr_array_index(extra, i - n);
        g_auto(GStrv) names = g_strsplit(cmd->name, "|", -1);

        for (char **p = names; *p; p++) {
            if (!strcmp(*p, word)) {
                return cmd;
            }
        }
    }
    return NULL;
}

static void list_commands(Monitor *mon, const char *prefix,
                          const MonitorCommand *table, size_t n,
                          GPtrArray *extra)
{
    for (size_t i = 0; i < n + (extra ? extra->len : 0); i++) {
        const MonitorCommand *cmd = i < n ? &table[i]
                                          : g_ptr_array_index(extra, i - n);
        g_autofree char *usage = g_strdup_printf("%s%s%s%s", prefix,
                                                 cmd->name,
                                                 cmd->args ? " " : "",
                                                 cmd->args ? cmd->args : "");

        monitor_printf(mon, "%-28s -- %s\n", usage, cmd->help);
    }
}

static void hmp_info_version(Monitor *mon, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    monitor_printf(mon, "%s\n", JANUS_VERSION);
}

static void hmp_info_mtree(Monitor *mon, int argc, char **argv)
{
    g_autoptr(GString) s = g_string_new(NULL);
    bool flat = false;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-f")) {
            flat = true;
        } else {
            monitor_printf(mon, "info mtree: unknown option '%s'\n", argv[i]);
            return;
        }
    }
    mtree_info(s, flat);
    monitor_printf(mon, "%s", s->str);
}

static void hmp_info_registers(Monitor *mon, int argc, char **argv)
{
    Machine *m = current_machine;

    (void)argc;
    (void)argv;
    if (!m || !m->ncpus) {
        monitor_printf(mon, "no CPUs\n");
        return;
    }
    /* the accelerator's copy is only stable while its thread is parked */
    vcpus_pause();
    for (unsigned i = 0; i < m->ncpus; i++) {
        X86CPU *cpu = m->cpus[i];
        g_autoptr(GString) s = g_string_new(NULL);

        if (m->accel && m->accel->sync_from_accel && cpu->accel) {
            m->accel->sync_from_accel(cpu);
        }
        x86_cpu_dump_state(cpu, s);
        monitor_printf(mon, "CPU#%u\n%s", i, s->str);
    }
    vcpus_resume();
}

static const MonitorCommand info_table[] = {
    { "mtree", "[-f]", "show the memory tree (-f: flattened views)",
      hmp_info_mtree },
    { "registers", NULL, "show the CPU registers", hmp_info_registers },
    { "version", NULL, "show the janus version", hmp_info_version },
};

static void hmp_info(Monitor *mon, int argc, char **argv)
{
    const MonitorCommand *cmd;

    if (argc < 2) {
        list_commands(mon, "info ", info_table, G_N_ELEMENTS(info_table),
                      extra_infos);
        return;
    }
    cmd = find_in(info_table, G_N_ELEMENTS(info_table), extra_infos, argv[1]);
    if (!cmd) {
        monitor_printf(mon, "unknown command: 'info %s'\n", argv[1]);
        return;
    }
    cmd->fn(mon, argc - 1, argv + 1);
}

static void hmp_help(Monitor *mon, int argc, char **argv);

static void hmp_stop(Monitor *mon, int argc, char **argv)
{
    (void)mon;
    (void)argc;
    (void)argv;
    vm_stop();
}

static void hmp_cont(Monitor *mon, int argc, char **argv)
{
    g_autoptr(GError) err = NULL;

    (void)argc;
    (void)argv;
    if (vm_start(&err) < 0) {
        monitor_printf(mon, "%s\n", err->message);
    }
}

static void hmp_system_reset(Monitor *mon, int argc, char **argv)
{
    (void)mon;
    (void)argc;
    (void)argv;
    vm_request_reset();
}

static void hmp_quit(Monitor *mon, int argc, char **argv)
{
    (void)mon;
    (void)argc;
    (void)argv;
    vm_request_shutdown(0);
}

static const MonitorCommand cmd_table[] = {
    { "help|?", "[command]", "show help", hmp_help },
    { "info", "subcommand", "show machine state ('info' lists them)",
      hmp_info },
    { "stop", NULL, "stop the VM (vCPUs and virtual clock)", hmp_stop },
    { "cont|c", NULL, "start or resume the VM", hmp_cont },
    { "system_reset", NULL, "reset the machine", hmp_system_reset },
    { "quit|q", NULL, "quit janus", hmp_quit },
};

static void hmp_help(Monitor *mon, int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "info")) {
        list_commands(mon, "info ", info_table, G_N_ELEMENTS(info_table),
                      extra_infos);
        return;
    }
    list_commands(mon, "", cmd_table, G_N_ELEMENTS(cmd_table),
                  extra_commands);
}

void monitor_register_command(const MonitorCommand *cmd)
{
    if (!extra_commands) {
        extra_commands = g_ptr_array_new();
    }
    g_ptr_array_add(extra_commands, (gpointer)cmd);
}

void monitor_register_info(const MonitorCommand *cmd)
{
    if (!extra_infos) {
        extra_infos = g_ptr_array_new();
    }
    g_ptr_array_add(extra_infos, (gpointer)cmd);
}

void monitor_execute(Monitor *mon, const char *line)
{
    g_auto(GStrv) words = g_strsplit_set(line, " \t", -1);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    const MonitorCommand *cmd;

    for (char **p = words; *p; p++) {
        if (**p) {
            g_ptr_array_add(argv, *p);
        }
    }
    if (argv->len == 0) {
        return;
    }
    cmd = find_in(cmd_table, G_N_ELEMENTS(cmd_table), extra_commands,
                  argv->pdata[0]);
    if (!cmd) {
        monitor_printf(mon, "unknown command: '%s'\n",
                       (char *)argv->pdata[0]);
        return;
    }
    g_ptr_array_add(argv, NULL);
    cmd->fn(mon, argv->len - 1, (char **)argv->pdata);
}

/* ---- Line input ----------------------------------------------------------- */

static void monitor_echo(Monitor *mon, const char *s)
{
    if (chardev_echo_needed(mon->cd)) {
        chardev_write(mon->cd, (const uint8_t *)s, strlen(s));
    }
}

static void monitor_end_line(Monitor *mon)
{
    g_autofree char *line = g_strdup(mon->line->str);

    monitor_echo(mon, "\n");
    g_string_truncate(mon->line, 0);
    monitor_execute(mon, line);
    if (!vm_shutdown_requested()) {
        monitor_printf(mon, PROMPT);
    }
}

static void monitor_read(void *opaque, const uint8_t *buf, size_t len)
{
    Monitor *mon = opaque;

    for (size_t i = 0; i < len && !vm_shutdown_requested(); i++) {
        uint8_t c = buf[i];
        bool was_cr = mon->last_cr;

        mon->last_cr = c == '\r';
        if (mon->esc) {
            /* ESC [ ... final byte: cursor keys and friends, ignored */
            if (mon->esc == 1 && c != '[' && c != 'O') {
                mon->esc = 0;
            } else if (mon->esc == 1 || c < 0x40 || c > 0x7e) {
                mon->esc = 2;
            } else {
                mon->esc = 0;
            }
            continue;
        }
        switch (c) {
        case '\n':
            if (!was_cr) {
                monitor_end_line(mon);
            }
            break;
        case '\r':
            monitor_end_line(mon);
            break;
        case 0x7f:
        case '\b':
            if (mon->line->len) {
                g_string_truncate(mon->line, mon->line->len - 1);
                monitor_echo(mon, "\b \b");
            }
            break;
        case 0x1b:
            mon->esc = 1;
            break;
        case 0x03:              /* Ctrl-C in a raw terminal: drop the line */
            g_string_truncate(mon->line, 0);
            monitor_echo(mon, "^C\n" PROMPT);
            break;
        default:
            if (c >= 0x20 && mon->line->len < MAX_LINE) {
                char s[2] = { c, 0 };

                g_string_append_c(mon->line, c);
                monitor_echo(mon, s);
            }
            break;
        }
    }
}

static void monitor_greet(Monitor *mon)
{
    monitor_printf(mon, "janus %s monitor - type 'help' for more "
                   "information\n" PROMPT, JANUS_VERSION);
    mon->greeted = true;
}

static void monitor_event(void *opaque, ChardevEvent event)
{
    Monitor *mon = opaque;

    switch (event) {
    case CHARDEV_EVENT_EOF:
        /* a script piped into -monitor stdio ended: like "quit"; but the
         * stdin of -nographic belongs to the guest, which keeps running */
        if (mon->owns_input) {
            vm_request_shutdown(0);
        }
        break;
    case CHARDEV_EVENT_FOCUS:
        if (!mon->greeted) {
            monitor_greet(mon);
        } else {
            monitor_printf(mon, "\n" PROMPT "%s", mon->line->str);
        }
        break;
    }
}

Monitor *monitor_new_buffered(GString *out)
{
    Monitor *mon = g_new0(Monitor, 1);

    mon->out = out;
    mon->line = g_string_new(NULL);
    return mon;
}

void monitor_free(Monitor *mon)
{
    if (mon) {
        chardev_close(mon->cd);
        g_string_free(mon->line, true);
        g_free(mon);
    }
}

int monitor_start(const char *spec, bool take_focus, GError **errp)
{
    static Monitor *mon;        /* one monitor, alive until exit */
    Chardev *cd;

    if (!strcmp(spec, "none")) {
        return 0;
    }
    if (strcmp(spec, "stdio")) {
        g_set_error(errp, JANUS_ERROR, 0, "-monitor %s: not supported yet",
                    spec);
        return -1;
    }
    cd = chardev_open(spec, errp);
    if (!cd) {
        return -1;
    }
    mon = monitor_new_buffered(NULL);
    mon->cd = cd;
    chardev_set_line_mode(cd, true);
    chardev_set_event_handler(cd, monitor_event, mon);
    chardev_set_read_handler(cd, monitor_read, mon);
    /* behind the serial port (-nographic), greet on the first Ctrl-A c */
    if (take_focus) {
        chardev_take_focus(cd);
        mon->owns_input = true;
        monitor_greet(mon);
    }
    return 0;
}
