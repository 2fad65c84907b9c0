/*
 * cli.c: the command line.  One table lists every option with its argument
 * and handler; single and double dashes are accepted, as QEMU does.
 * Options QEMU has and janus does not yet are listed too, so that they
 * fail with "not supported yet" rather than "invalid option".
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "main/cli.h"
#include "main/opts.h"
#include "main/trace.h"
#include "main/version.h"

#define DEFAULT_RAM_SIZE    (128 * MiB)

/* Parser state that does not belong in the config. */
typedef struct Cli {
    JanusConfig *cfg;
    const char *opt;            /* the option being handled, for messages */
    bool serial_given;
    bool monitor_given;
    bool nographic;
    bool nodefaults;
} Cli;

/* 0: go on; CLI_DONE: information printed, exit 0; -1: error. */
#define CLI_DONE 1
typedef int CliHandler(Cli *cli, const char *arg, GError **errp);

typedef struct CliOption {
    const char *name;           /* without the dash */
    const char *arg;            /* argument name for --help; NULL: none */
    CliHandler *handler;
    const char *help;           /* NULL: accepted, not listed in --help */
} CliOption;

static const CliOption *cli_options(size_t *n);

static int cli_error(GError **errp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int cli_error(GError **errp, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(errp, JANUS_ERROR, 0, msg);
    return -1;
}

/* "-opt ARG: MESSAGE" from an inner error that says what was wrong. */
static int cli_wrap(Cli *cli, const char *arg, GError *inner, GError **errp)
{
    g_set_error(errp, JANUS_ERROR, 0, "-%s %s: %s", cli->opt, arg,
                inner->message);
    g_error_free(inner);
    return -1;
}

static Opts *cli_opts(Cli *cli, const char *arg, bool implied_name,
                      GError **errp)
{
    GError *err = NULL;
    Opts *o = opts_parse(arg, implied_name, &err);

    if (!o) {
        cli_wrap(cli, arg, err, errp);
    }
    return o;
}

/* ---- Machine ------------------------------------------------------------ */

static const char *const accel_names[] = { "kvm", "tcg" };

static int add_accel(Cli *cli, const char *arg, Opts *o, GError **errp)
{
    g_auto(GStrv) names = g_strsplit(o->name, ":", -1);
    guint n = g_strv_length(names);

    if (n > 1 && o->keys->len) {
        opts_free(o);
        return cli_error(errp, "-%s %s: properties need a single "
                         "accelerator", cli->opt, arg);
    }
    for (char **p = names; *p; p++) {
        bool known = false;

        for (size_t i = 0; i < G_N_ELEMENTS(accel_names); i++) {
            known |= !strcmp(*p, accel_names[i]);
        }
        if (!known) {
            opts_free(o);
            return cli_error(errp, "-%s %s: unknown accelerator '%s' "
                             "(kvm, tcg)", cli->opt, arg, *p);
        }
    }
    if (n == 1) {
        g_ptr_array_add(cli->cfg->accel_opts, o);
        return 0;
    }
    for (char **p = names; *p; p++) {
        Opts *one = opts_parse(*p, true, NULL);

        g_ptr_array_add(cli->cfg->accel_opts, one);
    }
    opts_free(o);
    return 0;
}

static int opt_accel(Cli *cli, const char *arg, GError **errp)
{
    Opts *o;

    if (!strcmp(arg, "help")) {
        printf("Accelerators:\n");
        for (size_t i = 0; i < G_N_ELEMENTS(accel_names); i++) {
            printf("%s\n", accel_names[i]);
        }
        return CLI_DONE;
    }
    o = cli_opts(cli, arg, true, errp);
    if (!o) {
        return -1;
    }
    if (!o->name[0]) {
        opts_free(o);
        return cli_error(errp, "-accel %s: missing the accelerator name",
                         arg);
    }
    return add_accel(cli, arg, o, errp);
}

static int opt_enable_kvm(Cli *cli, const char *arg, GError **errp)
{
    (void)arg;
    (void)errp;
    g_ptr_array_add(cli->cfg->accel_opts, opts_parse("kvm", true, NULL));
    return 0;
}

/* -machine properties janus knows; hw code may read more once listed. */
static const char *const machine_props[] = { "type", "accel" };

static int opt_machine(Cli *cli, const char *arg, GError **errp)
{
    MachineConfig *mc = &cli->cfg->machine;
    Opts *o;
    const char *type, *accel;

    if (!strcmp(arg, "help")) {
        printf("Supported machines are:\n"
               "pc                   Standard PC (the only janus machine)\n");
        return CLI_DONE;
    }
    o = cli_opts(cli, arg, true, errp);
    if (!o) {
        return -1;
    }
    for (guint i = 0; i < o->keys->len; i++) {
        const char *key = g_ptr_array_index(o->keys, i);
        bool known = false;

        for (size_t j = 0; j < G_N_ELEMENTS(machine_props); j++) {
            known |= !strcmp(key, machine_props[j]);
        }
        if (!known) {
            cli_error(errp, "-%s %s: unknown property '%s'", cli->opt, arg,
                      key);
            opts_free(o);
            return -1;
        }
    }
    type = opts_get(o, "type") ? opts_get(o, "type") : o->name;
    if (type[0] && strcmp(type, "pc")) {
        cli_error(errp, "-%s %s: unknown machine type '%s' (only 'pc'; "
                  "-machine help)", cli->opt, arg, type);
        opts_free(o);
        return -1;
    }
    accel = opts_get(o, "accel");
    if (accel) {
        Opts *ao = opts_parse(accel, true, NULL);

        if (!ao || !ao->name[0]) {
            opts_free(ao);
            opts_free(o);
            return cli_error(errp, "-%s %s: missing the accelerator name",
                             cli->opt, arg);
        }
        if (add_accel(cli, arg, ao, errp) < 0) {
            opts_free(o);
            return -1;
        }
    }
    /* type and accel are consumed here: hw/ sees a plain "pc" */
    if (!mc->machine_opts) {
        mc->machine_opts = opts_parse("pc", true, NULL);
    }
    opts_free(o);
    return 0;
}

static int opt_m(Cli *cli, const char *arg, GError **errp)
{
    g_autofree char *what = g_strdup_printf("-m %s", arg);
    const char *size;
    uint64_t bytes = 0;
    Opts *o = cli_opts(cli, arg, true, errp);
    int r;

    if (!o) {
        return -1;
    }
    size = opts_get(o, "size") ? opts_get(o, "size") : o->name;
    r = parse_size(size, true, &bytes, NULL);
    if (opts_check_unused(o, what, errp) < 0) {
        r = -1;
    } else if (r == -ERANGE || (r == 0 && bytes >= CLI_RAM_LIMIT)) {
        r = cli_error(errp, "%s: too large for this host (the limit is "
                      "below 1T)", what);
    } else if (r < 0) {
        r = cli_error(errp, "%s: invalid size (use e.g. 256M or 2G)", what);
    } else if (bytes < MiB) {
        r = cli_error(errp, "%s: too small (the minimum is 1M)", what);
    } else {
        /* whole pages: every accelerator maps RAM in 4 KiB units */
        cli->cfg->machine.ram_size = (bytes + 4 * KiB - 1) & ~(4 * KiB - 1);
    }
    opts_free(o);
    return r < 0 ? -1 : 0;
}

static int opt_smp(Cli *cli, const char *arg, GError **errp)
{
    g_autofree char *what = g_strdup_printf("-smp %s", arg);
    const char *cpus;
    uint64_t n;
    Opts *o = cli_opts(cli, arg, true, errp);
    int ret = -1;

    if (!o) {
        return -1;
    }
    cpus = opts_get(o, "cpus") ? opts_get(o, "cpus") : o->name;
    if (opts_check_unused(o, what, errp) < 0) {
        /* errp says which property */
    } else if (parse_uint(cpus, &n) < 0 || n < 1 || n > CLI_MAX_CPUS) {
        cli_error(errp, "%s: the CPU count must be 1 to %d", what,
                  CLI_MAX_CPUS);
    } else {
        cli->cfg->machine.smp = n;
        ret = 0;
    }
    opts_free(o);
    return ret;
}

static int opt_cpu(Cli *cli, const char *arg, GError **errp)
{
    if (!strcmp(arg, "help")) {
        return cli_error(errp, "-cpu help: not supported yet");
    }
    if (!arg[0]) {
        return cli_error(errp, "-cpu: empty CPU model");
    }
    cli->cfg->machine.cpu_model = arg;
    return 0;
}

/* The file must be there and readable now, not when the loader runs. */
static int check_readable(Cli *cli, const char *path, GError **errp)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int err;

    if (fd < 0) {
        return cli_error(errp, "-%s %s: %s", cli->opt, path,
                         g_strerror(errno));
    }
    err = fstat(fd, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    close(fd);
    if (err) {
        return cli_error(errp, "-%s %s: %s", cli->opt, path,
                         g_strerror(err));
    }
    return 0;
}

static int opt_kernel(Cli *cli, const char *arg, GError **errp)
{
    if (check_readable(cli, arg, errp) < 0) {
        return -1;
    }
    cli->cfg->machine.kernel = arg;
    return 0;
}

/*
 * No file check here: for a multiboot kernel the argument is QEMU's module
 * list ("file args,file2"), which the loader parses and checks, naming the
 * module that is missing.
 */
static int opt_initrd(Cli *cli, const char *arg, GError **errp)
{
    (void)errp;
    cli->cfg->machine.initrd = arg;
    return 0;
}

static int opt_append(Cli *cli, const char *arg, GError **errp)
{
    (void)errp;
    cli->cfg->machine.append = arg;
    return 0;
}

static int opt_device(Cli *cli, const char *arg, GError **errp)
{
    const DeviceInfo *info;
    Opts *o;

    if (!strcmp(arg, "help")) {
        device_list(stdout);
        return CLI_DONE;
    }
    o = cli_opts(cli, arg, true, errp);
    if (!o) {
        return -1;
    }
    info = o->name[0] ? device_find(o->name) : NULL;
    if (!info || !info->user_creatable) {
        cli_error(errp, "-device %s: %s '%s' (-device help lists them)", arg,
                  info ? "not a user-creatable device" : "unknown device",
                  o->name);
        opts_free(o);
        return -1;
    }
    g_ptr_array_add(cli->cfg->machine.devices, o);
    return 0;
}

/* ---- Host side: chardevs, display, logging --------------------------------- */

static int opt_serial(Cli *cli, const char *arg, GError **errp)
{
    if (cli->serial_given) {
        return cli_error(errp, "-serial %s: a second serial port is not "
                         "supported yet", arg);
    }
    if (!strcmp(arg, "mon:stdio")) {
        /* serial and monitor share stdio; the serial port has the focus */
        arg = "stdio";
        if (!cli->monitor_given) {
            cli->cfg->monitor = "stdio";
        }
    } else if (!strcmp(arg, "null")) {
        arg = "none";
    } else if (strcmp(arg, "stdio") && strcmp(arg, "none") &&
               !(g_str_has_prefix(arg, "file:") && arg[5])) {
        return cli_error(errp, "-serial %s: unknown character device "
                         "(stdio, mon:stdio, file:PATH, none, null)", arg);
    }
    if (g_str_has_prefix(arg, "file:")) {
        /* fail now, naming the path, rather than deep in machine setup */
        int fd = open(arg + 5, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);

        if (fd < 0) {
            return cli_error(errp, "-serial %s: %s", arg, g_strerror(errno));
        }
        close(fd);
    }
    cli->serial_given = true;
    cli->cfg->machine.serial = arg;
    return 0;
}

static int opt_monitor(Cli *cli, const char *arg, GError **errp)
{
    if (strcmp(arg, "stdio") && strcmp(arg, "none")) {
        return cli_error(errp, "-monitor %s: not supported yet (stdio, "
                         "none)", arg);
    }
    cli->monitor_given = true;
    cli->cfg->monitor = arg;
    cli->cfg->monitor_focus = !strcmp(arg, "stdio");
    return 0;
}

static int opt_nographic(Cli *cli, const char *arg, GError **errp)
{
    (void)arg;
    (void)errp;
    cli->nographic = true;
    return 0;
}

static int opt_nodefaults(Cli *cli, const char *arg, GError **errp)
{
    (void)arg;
    (void)errp;
    cli->nodefaults = true;
    return 0;
}

static int opt_display(Cli *cli, const char *arg, GError **errp)
{
    (void)cli;
    if (!strcmp(arg, "help")) {
        printf("Available display backend types:\nnone\n");
        return CLI_DONE;
    }
    if (strcmp(arg, "none")) {
        return cli_error(errp, "-display %s: not supported yet (only none)",
                         arg);
    }
    return 0;
}

static int opt_d(Cli *cli, const char *arg, GError **errp)
{
    (void)cli;
    if (!strcmp(arg, "help")) {
        log_list_items(stdout);
        return CLI_DONE;
    }
    if (!arg[0]) {
        return cli_error(errp, "-d: empty item list");
    }
    return log_enable_items(arg, errp) < 0 ? -1 : 0;
}

static int opt_D(Cli *cli, const char *arg, GError **errp)
{
    if (!arg[0]) {
        return cli_error(errp, "-D: empty file name");
    }
    cli->cfg->log_file = arg;
    return 0;
}

static int opt_trace(Cli *cli, const char *arg, GError **errp)
{
    g_autofree char *what = g_strdup_printf("-trace %s", arg);
    const char *val;
    Opts *o;

    if (!strcmp(arg, "help")) {
        trace_list_events(stdout);
        return CLI_DONE;
    }
    o = cli_opts(cli, arg, true, errp);
    if (!o) {
        return -1;
    }
    if (o->name[0]) {
        g_ptr_array_add(cli->cfg->trace_lists, g_strdup(o->name));
    }
    if ((val = opts_get(o, "enable"))) {
        g_ptr_array_add(cli->cfg->trace_lists, g_strdup(val));
    }
    if ((val = opts_get(o, "events"))) {
        g_ptr_array_add(cli->cfg->trace_files, g_strdup(val));
    }
    if ((val = opts_get(o, "file"))) {
        cli->cfg->log_file = g_intern_string(val);
    }
    if (opts_check_unused(o, what, errp) < 0) {
        opts_free(o);
        return -1;
    }
    opts_free(o);
    return 0;
}

/* ---- Flags and information --------------------------------------------------- */

static int opt_S(Cli *cli, const char *arg, GError **errp)
{
    (void)arg;
    (void)errp;
    cli->cfg->machine.start_stopped = true;
    return 0;
}

static int opt_no_reboot(Cli *cli, const char *arg, GError **errp)
{
    (void)arg;
    (void)errp;
    cli->cfg->machine.no_reboot = true;
    return 0;
}

static int opt_version(Cli *cli, const char *arg, GError **errp)
{
    (void)cli;
    (void)arg;
    (void)errp;
    printf("janus version %s\n", JANUS_VERSION);
    return CLI_DONE;
}

static int opt_help(Cli *cli, const char *arg, GError **errp)
{
    size_t n;
    const CliOption *opts = cli_options(&n);

    (void)cli;
    (void)arg;
    (void)errp;
    printf("usage: janus [options]\n"
           "janus runs an x86 PC guest under KVM or TCG; options follow "
           "QEMU's syntax.\n\n");
    for (size_t i = 0; i < n; i++) {
        g_autofree char *usage = NULL;

        if (!opts[i].help) {
            continue;
        }
        usage = g_strdup_printf("-%s%s%s", opts[i].name,
                                opts[i].arg ? " " : "",
                                opts[i].arg ? opts[i].arg : "");
        printf("  %-30s %s\n", usage, opts[i].help);
    }
    printf("\nDuring -nographic: Ctrl-A h lists the console escapes.\n");
    return CLI_DONE;
}

static int opt_not_yet(Cli *cli, const char *arg, GError **errp)
{
    (void)arg;
    return cli_error(errp, "-%s: not supported yet", cli->opt);
}

#define NOT_YET(name)       { name, "", opt_not_yet, NULL }
#define NOT_YET_FLAG(name)  { name, NULL, opt_not_yet, NULL }

static const CliOption option_table[] = {
    { "accel", "NAME[,prop=val]", opt_accel,
      "accelerator: kvm or tcg; repeat or use kvm:tcg for a fallback list "
      "(default kvm:tcg)" },
    { "enable-kvm", NULL, opt_enable_kvm, "same as -accel kvm" },
    { "machine", "pc[,accel=A]", opt_machine, "the machine (only pc)" },
    { "M", "pc[,accel=A]", opt_machine, NULL },
    { "cpu", "NAME", opt_cpu, "CPU model" },
    { "m", "SIZE[M|G]", opt_m,
      "guest RAM (no suffix: MiB; default 128M, below 1T)" },
    { "smp", "N", opt_smp, "number of CPUs (1 to 64; also cpus=N)" },
    { "kernel", "FILE", opt_kernel,
      "boot FILE: Linux bzImage, multiboot or ELF" },
    { "initrd", "FILE", opt_initrd, "initial ram disk for -kernel" },
    { "append", "STR", opt_append, "kernel command line for -kernel" },
    { "device", "NAME[,prop=val]", opt_device,
      "add a device (-device help lists them)" },
    { "serial", "DEV", opt_serial,
      "COM1 to stdio (default), mon:stdio, file:PATH, none or null" },
    { "monitor", "DEV", opt_monitor, "monitor on stdio or none" },
    { "nographic", NULL, opt_nographic,
      "no display; serial and monitor share stdio (Ctrl-A c switches)" },
    { "display", "none", opt_display, "display backend (only none)" },
    { "nodefaults", NULL, opt_nodefaults, "no default serial port" },
    { "d", "ITEM,...", opt_d, "enable log items (-d help lists them)" },
    { "D", "FILE", opt_D, "write log and trace output to FILE" },
    { "trace", "PATTERN", opt_trace,
      "enable trace events matching PATTERN (glob; also enable=, "
      "events=FILE, file=FILE; -trace help lists events)" },
    { "S", NULL, opt_S, "do not start the CPUs (monitor 'cont' starts them)" },
    { "no-reboot", NULL, opt_no_reboot, "exit instead of rebooting" },
    { "h", NULL, opt_help, "print this help" },
    { "help", NULL, opt_help, NULL },
    { "version", NULL, opt_version, "print the version" },

    /* QEMU options that janus does not implement yet */
    NOT_YET("drive"), NOT_YET("hda"), NOT_YET("hdb"), NOT_YET("hdc"),
    NOT_YET("hdd"), NOT_YET("cdrom"), NOT_YET("fda"), NOT_YET("blockdev"),
    NOT_YET("bios"), NOT_YET("boot"), NOT_YET("vga"), NOT_YET("netdev"),
    NOT_YET("net"), NOT_YET("nic"), NOT_YET("chardev"), NOT_YET("object"),
    NOT_YET("global"), NOT_YET("name"), NOT_YET("uuid"), NOT_YET("pidfile"),
    NOT_YET("rtc"), NOT_YET("icount"), NOT_YET("gdb"), NOT_YET("vnc"),
    NOT_YET("k"), NOT_YET("audiodev"), NOT_YET("fw_cfg"), NOT_YET("numa"),
    NOT_YET("mem-path"), NOT_YET("L"), NOT_YET("qmp"), NOT_YET("incoming"),
    NOT_YET("loadvm"), NOT_YET("usbdevice"), NOT_YET("sandbox"),
    NOT_YET("msg"), NOT_YET("overcommit"), NOT_YET("smbios"),
    NOT_YET("acpitable"), NOT_YET("plugin"), NOT_YET("action"),
    NOT_YET("fsdev"), NOT_YET("virtfs"), NOT_YET("tpmdev"), NOT_YET("mon"),
    NOT_YET("parallel"), NOT_YET("debugcon"), NOT_YET("readconfig"),
    NOT_YET("add-fd"), NOT_YET("run-with"), NOT_YET("option-rom"),
    NOT_YET_FLAG("s"), NOT_YET_FLAG("daemonize"), NOT_YET_FLAG("no-shutdown"),
    NOT_YET_FLAG("snapshot"), NOT_YET_FLAG("usb"), NOT_YET_FLAG("full-screen"),
    NOT_YET_FLAG("mem-prealloc"), NOT_YET_FLAG("no-user-config"),
    NOT_YET_FLAG("no-hpet"), NOT_YET_FLAG("no-acpi"), NOT_YET_FLAG("preconfig"),
    NOT_YET_FLAG("singlestep"), NOT_YET_FLAG("only-migratable"),
};

static const CliOption *cli_options(size_t *n)
{
    *n = G_N_ELEMENTS(option_table);
    return option_table;
}

static const CliOption *cli_find(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(option_table); i++) {
        if (!strcmp(option_table[i].name, name)) {
            return &option_table[i];
        }
    }
    return NULL;
}

/* Defaults that depend on several options, as QEMU resolves them. */
static int cli_finish(Cli *cli, GError **errp)
{
    JanusConfig *cfg = cli->cfg;
    MachineConfig *mc = &cfg->machine;

    if (mc->initrd && !mc->kernel) {
        return cli_error(errp, "-initrd only allowed with -kernel option");
    }
    if (mc->append && !mc->kernel) {
        return cli_error(errp, "-append: needs -kernel");
    }
    if (!cli->serial_given) {
        mc->serial = cli->nodefaults && !cli->nographic ? "none" : "stdio";
    }
    /* -nographic muxes the monitor onto stdio behind the serial port */
    if (cli->nographic && !cli->monitor_given && !cli->nodefaults) {
        cfg->monitor = "stdio";
        /* ... unless the serial port is elsewhere: then stdin is its */
        cfg->monitor_focus = strcmp(mc->serial, "stdio") != 0;
    }
    if (!mc->machine_opts) {
        mc->machine_opts = opts_parse("pc", true, NULL);
    }
    if (cfg->accel_opts->len == 0) {
        add_accel(cli, "kvm:tcg", opts_parse("kvm:tcg", true, NULL), NULL);
    }
    return 0;
}

int cli_parse(int argc, char **argv, JanusConfig *cfg, GError **errp)
{
    Cli cli = { .cfg = cfg };

    memset(cfg, 0, sizeof(*cfg));
    cfg->machine.ram_size = DEFAULT_RAM_SIZE;
    cfg->machine.smp = 1;
    cfg->machine.devices = g_ptr_array_new_with_free_func(
        (GDestroyNotify)opts_free);
    cfg->accel_opts = g_ptr_array_new_with_free_func(
        (GDestroyNotify)opts_free);
    cfg->trace_lists = g_ptr_array_new_with_free_func(g_free);
    cfg->trace_files = g_ptr_array_new_with_free_func(g_free);
    cfg->monitor = "none";

    for (int i = 1; i < argc; i++) {
        const char *word = argv[i];
        const char *arg = NULL;
        const CliOption *opt;
        int ret;

        if (word[0] != '-' || word[1] == '\0') {
            return cli_error(errp, "%s: not an option (disk images are not "
                             "supported yet)", word);
        }
        /* "-m" and "--m" are the same option */
        cli.opt = word[1] == '-' ? word + 2 : word + 1;
        opt = cli_find(cli.opt);
        if (!opt) {
            return cli_error(errp, "%s: invalid option (see --help)", word);
        }
        if (opt->arg) {
            if (i + 1 >= argc) {
                return cli_error(errp, "-%s: requires an argument",
                                 cli.opt);
            }
            arg = argv[++i];
        }
        ret = opt->handler(&cli, arg, errp);
        if (ret != 0) {
            return ret;
        }
    }
    return cli_finish(&cli, errp);
}

static int enable_traces(const char *what, const char *list)
{
    if (trace_enable_list(list) == 0) {
        warn_report("%s %s: no trace event matches", what, list);
    }
    return 0;
}

int cli_setup_tracing(JanusConfig *cfg, GError **errp)
{
    GError *err = NULL;

    if (cfg->log_file && trace_set_output(cfg->log_file, &err) < 0) {
        g_set_error(errp, JANUS_ERROR, 0, "-D %s: %s", cfg->log_file,
                    err->message);
        g_error_free(err);
        return -1;
    }
    for (guint i = 0; i < cfg->trace_lists->len; i++) {
        enable_traces("-trace", g_ptr_array_index(cfg->trace_lists, i));
    }
    for (guint i = 0; i < cfg->trace_files->len; i++) {
        const char *path = g_ptr_array_index(cfg->trace_files, i);
        g_autofree char *text = NULL;
        g_auto(GStrv) lines = NULL;

        if (!g_file_get_contents(path, &text, NULL, &err)) {
            g_set_error(errp, JANUS_ERROR, 0, "-trace events=%s: %s", path,
                        err->message);
            g_error_free(err);
            return -1;
        }
        lines = g_strsplit(text, "\n", -1);
        for (char **l = lines; *l; l++) {
            g_strstrip(*l);
            if (**l && **l != '#') {
                enable_traces("-trace events=", *l);
            }
        }
    }
    return 0;
}
