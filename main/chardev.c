/*
 * chardev.c: host ends of character devices: stdio (shared by every front
 * that opens it, like QEMU's mux), file:PATH and none/null.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>
#include "main/chardev.h"
#include "main/main-loop.h"

#define CTRL_A 0x01

typedef enum ChardevKind {
    CD_NULL,
    CD_FILE,
    CD_STDIO,
} ChardevKind;

struct Chardev {
    ChardevKind kind;
    char *spec;
    int fd;                     /* where output goes, -1 for none */
    ChardevReadFn *read_fn;
    void *read_opaque;
    ChardevEventFn *event_fn;
    void *event_opaque;
    bool line_mode;
    bool write_failed;          /* warned once already */
};

/* The process's stdin/stdout, shared by every stdio front (BQL). */
static struct {
    GPtrArray *fronts;          /* Chardev *, in open order */
    guint focus;                /* index of the front that gets input */
    bool escape;                /* the last input byte was Ctrl-A */
    bool reading;               /* stdin fd handler installed */
    bool eof;
    bool raw;
    bool have_saved;            /* saved holds the tty's original mode */
    struct termios saved;
} stdio_be;

/* Serializes writes so a guest line and a monitor line never mix. */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE,
                                     SIGABRT };
static struct sigaction old_fatal[G_N_ELEMENTS(fatal_signals)];

/* ---- Terminal mode ------------------------------------------------------ */

static void tty_restore(void)
{
    if (stdio_be.have_saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, &stdio_be.saved);
    }
}

/* A crash must not leave the user's shell in raw mode. */
static void on_fatal_signal(int sig)
{
    tty_restore();
    for (size_t i = 0; i < G_N_ELEMENTS(fatal_signals); i++) {
        if (fatal_signals[i] == sig) {
            sigaction(sig, &old_fatal[i], NULL);
        }
    }
    raise(sig);
}

static void tty_save(void)
{
    struct sigaction sa = { .sa_handler = on_fatal_signal };

    if (stdio_be.have_saved ||
        tcgetattr(STDIN_FILENO, &stdio_be.saved) < 0) {
        return;
    }
    stdio_be.have_saved = true;
    atexit(tty_restore);
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < G_N_ELEMENTS(fatal_signals); i++) {
        sigaction(fatal_signals[i], &sa, &old_fatal[i]);
    }
}

/*
 * Raw when a byte-oriented front (a serial port) reads the terminal; the
 * monitor alone keeps cooked mode so the terminal edits its lines.  A mux
 * passes Ctrl-C to the guest (Ctrl-A x quits), as QEMU's -nographic does.
 */
static void stdio_update_tty(void)
{
    bool need_raw = false;
    struct termios t;

    if (!isatty(STDIN_FILENO)) {
        return;
    }
    for (guint i = 0; i < stdio_be.fronts->len; i++) {
        Chardev *cd = g_ptr_array_index(stdio_be.fronts, i);

        need_raw |= !cd->line_mode;
    }
    if (!need_raw) {
        if (stdio_be.raw) {
            tty_restore();
            stdio_be.raw = false;
        }
        return;
    }
    tty_save();
    if (!stdio_be.have_saved) {
        return;
    }
    t = stdio_be.saved;
    t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL |
                   IXON);
    t.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    if (stdio_be.fronts->len > 1) {
        t.c_lflag &= ~ISIG;
    } else {
        t.c_lflag |= ISIG;
    }
    t.c_cflag &= ~(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    /* OPOST stays: "\n" from the monitor still starts a new line */
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
    stdio_be.raw = true;
}

/* ---- Input ---------------------------------------------------------------- */

static Chardev *stdio_focus(void)
{
    if (stdio_be.focus >= stdio_be.fronts->len) {
        return NULL;
    }
    return g_ptr_array_index(stdio_be.fronts, stdio_be.focus);
}

static void stdio_deliver(const uint8_t *buf, size_t len)
{
    Chardev *cd = stdio_focus();

    if (len && cd && cd->read_fn) {
        cd->read_fn(cd->read_opaque, buf, len);
    }
}

static void stdio_puts(const char *s)
{
    Chardev *cd = stdio_focus();

    if (cd) {
        chardev_write(cd, (const uint8_t *)s, strlen(s));
    }
}

/* Ctrl-A followed by @c; returns false when the rest must be dropped. */
static bool stdio_escape(uint8_t c)
{
    static const uint8_t ctrl_a = CTRL_A;
    Chardev *cd;

    switch (c) {
    case 'x':
        stdio_puts("janus: terminated by Ctrl-A x\n");
        vm_request_shutdown(0);
        return false;
    case 'c':
        stdio_be.focus = (stdio_be.focus + 1) % stdio_be.fronts->len;
        cd = stdio_focus();
        if (cd->event_fn) {
            cd->event_fn(cd->event_opaque, CHARDEV_EVENT_FOCUS);
        }
        break;
    case 'h':
    case '?':
        stdio_puts("\nC-a h    print this help\n"
                   "C-a x    exit janus\n"
                   "C-a c    switch between console and monitor\n"
                   "C-a C-a  send C-a\n");
        break;
    case CTRL_A:
        stdio_deliver(&ctrl_a, 1);
        break;
    default:
        break;                  /* unknown escapes are dropped, as QEMU does */
    }
    return true;
}

static void stdio_input(const uint8_t *buf, size_t len)
{
    size_t start = 0;

    if (stdio_be.fronts->len < 2) {
        stdio_deliver(buf, len);
        return;
    }
    for (size_t i = 0; i < len; i++) {
        if (stdio_be.escape) {
            stdio_be.escape = false;
            start = i + 1;
            if (!stdio_escape(buf[i])) {
                return;
            }
        } else if (buf[i] == CTRL_A) {
            stdio_deliver(buf + start, i - start);
            stdio_be.escape = true;
            start = i + 1;
        }
    }
    stdio_deliver(buf + start, len - start);
}

static void stdio_read(void *opaque)
{
    g_autoptr(GPtrArray) fronts = NULL;
    uint8_t buf[4096];
    ssize_t n;

    (void)opaque;
    n = read(STDIN_FILENO, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return;
    }
    if (n > 0) {
        stdio_input(buf, n);
        return;
    }
    /* end of input (or an error, which ends it as well) */
    main_loop_set_fd_handler(STDIN_FILENO, NULL, NULL);
    stdio_be.reading = false;
    stdio_be.eof = true;
    /* a handler may close its front: walk a copy */
    fronts = g_ptr_array_copy(stdio_be.fronts, NULL, NULL);
    for (guint i = 0; i < fronts->len; i++) {
        Chardev *cd = g_ptr_array_index(fronts, i);

        if (cd->event_fn) {
            cd->event_fn(cd->event_opaque, CHARDEV_EVENT_EOF);
        }
    }
}

/* ---- Public API ----------------------------------------------------------- */

Chardev *chardev_open(const char *spec, GError **errp)
{
    Chardev *cd;

    if (!strcmp(spec, "stdio")) {
        cd = g_new0(Chardev, 1);
        cd->kind = CD_STDIO;
        cd->fd = STDOUT_FILENO;
        if (!stdio_be.fronts) {
            stdio_be.fronts = g_ptr_array_new();
        }
        g_ptr_array_add(stdio_be.fronts, cd);
        stdio_update_tty();
    } else if (!strcmp(spec, "none") || !strcmp(spec, "null")) {
        cd = g_new0(Chardev, 1);
        cd->kind = CD_NULL;
        cd->fd = -1;
    } else if (g_str_has_prefix(spec, "file:") && spec[5]) {
        const char *path = spec + 5;
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

        if (fd < 0) {
            g_set_error(errp, JANUS_ERROR, 0, "file:%s: cannot open: %s",
                        path, g_strerror(errno));
            return NULL;
        }
        cd = g_new0(Chardev, 1);
        cd->kind = CD_FILE;
        cd->fd = fd;
    } else {
        g_set_error(errp, JANUS_ERROR, 0, "'%s': unknown character device "
                    "(stdio, none, null or file:PATH)", spec);
        return NULL;
    }
    cd->spec = g_strdup(spec);
    return cd;
}

void chardev_write(Chardev *cd, const uint8_t *buf, size_t len)
{
    if (cd->fd < 0) {
        return;
    }
    pthread_mutex_lock(&write_lock);
    while (len > 0) {
        ssize_t n = write(cd->fd, buf, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            /* someone made the fd non-blocking: wait, output matters */
            struct pollfd pfd = { .fd = cd->fd, .events = POLLOUT };

            poll(&pfd, 1, -1);
            continue;
        }
        if (n <= 0) {
            if (!cd->write_failed) {
                warn_report("%s: write failed: %s", cd->spec,
                            n < 0 ? g_strerror(errno) : "no progress");
                cd->write_failed = true;
            }
            break;
        }
        buf += n;
        len -= n;
    }
    pthread_mutex_unlock(&write_lock);
}

void chardev_set_read_handler(Chardev *cd, ChardevReadFn *fn, void *opaque)
{
    cd->read_fn = fn;
    cd->read_opaque = opaque;
    if (cd->kind == CD_STDIO && fn && !stdio_be.reading && !stdio_be.eof) {
        main_loop_set_fd_handler(STDIN_FILENO, stdio_read, NULL);
        stdio_be.reading = true;
    }
}

void chardev_set_event_handler(Chardev *cd, ChardevEventFn *fn, void *opaque)
{
    cd->event_fn = fn;
    cd->event_opaque = opaque;
}

void chardev_set_line_mode(Chardev *cd, bool line_mode)
{
    cd->line_mode = line_mode;
    if (cd->kind == CD_STDIO) {
        stdio_update_tty();
    }
}

void chardev_take_focus(Chardev *cd)
{
    if (cd->kind != CD_STDIO) {
        return;
    }
    for (guint i = 0; i < stdio_be.fronts->len; i++) {
        if (g_ptr_array_index(stdio_be.fronts, i) == cd) {
            stdio_be.focus = i;
        }
    }
}

bool chardev_echo_needed(Chardev *cd)
{
    return cd->kind == CD_STDIO && stdio_be.raw;
}

void chardev_close(Chardev *cd)
{
    if (!cd) {
        return;
    }
    if (cd->kind == CD_STDIO) {
        Chardev *focus = stdio_focus();

        g_ptr_array_remove(stdio_be.fronts, cd);
        stdio_be.focus = 0;
        if (focus && focus != cd) {
            chardev_take_focus(focus);
        }
        if (stdio_be.fronts->len == 0 && stdio_be.reading) {
            main_loop_set_fd_handler(STDIN_FILENO, NULL, NULL);
            stdio_be.reading = false;
        }
        stdio_update_tty();
    } else if (cd->kind == CD_FILE) {
        close(cd->fd);
    }
    g_free(cd->spec);
    g_free(cd);
}
