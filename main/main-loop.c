/*
 * main-loop.c: the big lock, the virtual clock, timers, fd handlers and the
 * event loop that runs them.
 *
 * The loop sleeps in io_uring: every fd handler is a one-shot
 * IORING_OP_POLL_ADD, an eventfd carries main_loop_wakeup(), and the wait's
 * timeout is the next timer deadline (io_uring_wait_cqe_timeout).  When the
 * kernel refuses io_uring (seccomp in containers) or JANUS_MAIN_LOOP=poll
 * is set, the same loop sleeps in ppoll() instead.  docs/architecture.md
 * says why.
 *
 * Only the main thread touches the ring: other threads change the fd table
 * under fd_lock and wake the loop, which (re)arms polls on its next round.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include "main/main-loop.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(main_loop_backend);
TRACE_EVENT_DEFINE(main_loop_fd_ready);
TRACE_EVENT_DEFINE(main_loop_timer_fire);
TRACE_EVENT_DEFINE(vm_request_shutdown);
TRACE_EVENT_DEFINE(vm_request_reset);

/* ---- Big lock ---------------------------------------------------------- */

static pthread_mutex_t bql = PTHREAD_MUTEX_INITIALIZER;
static __thread bool bql_held;

void bql_lock(void)
{
    pthread_mutex_lock(&bql);
    bql_held = true;
}

void bql_unlock(void)
{
    bql_held = false;
    pthread_mutex_unlock(&bql);
}

bool bql_locked(void)
{
    return bql_held;
}

/* ---- Clocks ------------------------------------------------------------ */

/*
 * virtual = host + offset while running; frozen at stop.  A mutex, not a
 * seqlock: readers are device models and the loop, a few per exit at most.
 */
static pthread_mutex_t clock_lock = PTHREAD_MUTEX_INITIALIZER;
static bool clock_running;
static int64_t clock_offset;
static int64_t clock_frozen;

int64_t clock_host_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t clock_realtime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t clock_virtual_ns(void)
{
    int64_t now;

    pthread_mutex_lock(&clock_lock);
    now = clock_running ? clock_host_ns() + clock_offset : clock_frozen;
    pthread_mutex_unlock(&clock_lock);
    return now;
}

void vm_clock_set_running(bool running)
{
    pthread_mutex_lock(&clock_lock);
    if (running && !clock_running) {
        /* resume exactly where it stopped: no jump over the stopped time */
        clock_offset = clock_frozen - clock_host_ns();
    } else if (!running && clock_running) {
        clock_frozen = clock_host_ns() + clock_offset;
    }
    clock_running = running;
    pthread_mutex_unlock(&clock_lock);
    main_loop_wakeup();         /* deadlines moved to or from "never" */
}

/* ---- Timers ------------------------------------------------------------ */

struct Timer {
    TimerCb *cb;
    void *opaque;
    int64_t expire;
    bool pending;
    uint64_t seq;               /* timer_mod generation, see timers_run */
    Timer *prev, *next;         /* the pending list, sorted by expire */
};

/* Guards the list; taken for microseconds, never across a callback. */
static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static Timer *timer_head;
static uint64_t timer_seq;
static pthread_t loop_thread;

static bool in_loop_thread(void)
{
    return pthread_equal(pthread_self(), loop_thread);
}

static void timer_unlink_locked(Timer *t)
{
    if (t->prev) {
        t->prev->next = t->next;
    } else {
        timer_head = t->next;
    }
    if (t->next) {
        t->next->prev = t->prev;
    }
    t->prev = t->next = NULL;
    t->pending = false;
}

Timer *timer_new(TimerCb *cb, void *opaque)
{
    Timer *t = g_new0(Timer, 1);

    t->cb = cb;
    t->opaque = opaque;
    t->expire = -1;
    return t;
}

void timer_mod(Timer *t, int64_t expire_ns)
{
    Timer **link, *prev = NULL;
    bool new_head;

    pthread_mutex_lock(&timer_lock);
    if (t->pending) {
        timer_unlink_locked(t);
    }
    t->expire = expire_ns;
    t->seq = ++timer_seq;
    /* after the timers with the same deadline: they fire in arming order */
    for (link = &timer_head; *link && (*link)->expire <= expire_ns;
         link = &(*link)->next) {
        prev = *link;
    }
    t->next = *link;
    t->prev = prev;
    if (t->next) {
        t->next->prev = t;
    }
    *link = t;
    t->pending = true;
    new_head = timer_head == t;
    pthread_mutex_unlock(&timer_lock);

    /* the loop may be asleep with a later deadline (a vCPU arming a timer) */
    if (new_head && !in_loop_thread()) {
        main_loop_wakeup();
    }
}

void timer_del(Timer *t)
{
    pthread_mutex_lock(&timer_lock);
    if (t->pending) {
        timer_unlink_locked(t);
    }
    pthread_mutex_unlock(&timer_lock);
}

bool timer_pending(Timer *t)
{
    bool pending;

    pthread_mutex_lock(&timer_lock);
    pending = t->pending;
    pthread_mutex_unlock(&timer_lock);
    return pending;
}

int64_t timer_expire_time(Timer *t)
{
    int64_t expire;

    pthread_mutex_lock(&timer_lock);
    expire = t->pending ? t->expire : -1;
    pthread_mutex_unlock(&timer_lock);
    return expire;
}

void timer_free(Timer *t)
{
    if (t) {
        timer_del(t);
        g_free(t);
    }
}

/* ns until the first deadline on the host clock, or -1 for none. */
static int64_t timers_timeout_ns(void)
{
    int64_t now, expire = 0;
    bool running, any;

    pthread_mutex_lock(&clock_lock);
    running = clock_running;
    pthread_mutex_unlock(&clock_lock);
    if (!running) {
        return -1;              /* a stopped clock reaches no deadline */
    }
    pthread_mutex_lock(&timer_lock);
    any = timer_head != NULL;
    if (any) {
        expire = timer_head->expire;
    }
    pthread_mutex_unlock(&timer_lock);
    if (!any) {
        return -1;
    }
    now = clock_virtual_ns();
    return expire > now ? expire - now : 0;
}

/*
 * Fire every timer due now.  A callback that re-arms its timer at or before
 * "now" must not make this pass spin: only timers armed before the pass
 * began (seq <= start) fire; the others wait for the next round, after the
 * fds had their turn.
 */
static void timers_run(void)
{
    int64_t now;
    uint64_t start;
    bool running;
    Timer *t;

    pthread_mutex_lock(&clock_lock);
    running = clock_running;
    pthread_mutex_unlock(&clock_lock);
    if (!running) {
        return;                 /* a stopped VM sees no timer at all */
    }
    now = clock_virtual_ns();
    pthread_mutex_lock(&timer_lock);
    start = timer_seq;
    for (;;) {
        for (t = timer_head; t && t->expire <= now && t->seq > start;
             t = t->next) {
        }
        if (!t || t->expire > now) {
            break;
        }
        timer_unlink_locked(t);
        pthread_mutex_unlock(&timer_lock);
        trace(main_loop_timer_fire, "cb=%p expire=%" PRId64 " now=%" PRId64,
              (void *)t->cb, t->expire, now);
        t->cb(t->opaque);       /* may free t */
        pthread_mutex_lock(&timer_lock);
    }
    pthread_mutex_unlock(&timer_lock);
}

/* ---- File descriptors -------------------------------------------------- */

typedef struct FdEntry {
    int fd;
    FdHandler *cb;
    void *opaque;
    bool removed;               /* no handler: free once not armed */
    bool armed;                 /* io_uring: a POLL_ADD is in flight */
    bool cancel_sent;
} FdEntry;

/* user_data values that are not FdEntry pointers (those are aligned) */
#define TAG_WAKE    1
#define TAG_REMOVE  2

static pthread_mutex_t fd_lock = PTHREAD_MUTEX_INITIALIZER;
static GPtrArray *fd_entries;   /* FdEntry *, guarded by fd_lock */

static struct io_uring ring;
static bool use_uring;
static int wake_fd = -1;
static bool wake_armed;
static gint wake_pending;

void main_loop_set_fd_handler(int fd, FdHandler *read_cb, void *opaque)
{
    FdEntry *e = NULL;

    pthread_mutex_lock(&fd_lock);
    for (guint i = 0; i < fd_entries->len; i++) {
        FdEntry *cur = g_ptr_array_index(fd_entries, i);

        if (cur->fd == fd && !cur->removed) {
            e = cur;
            break;
        }
    }
    if (!read_cb) {
        if (e) {
            e->removed = true;
        }
    } else {
        if (!e) {
            e = g_new0(FdEntry, 1);
            e->fd = fd;
            g_ptr_array_add(fd_entries, e);
        }
        e->cb = read_cb;
        e->opaque = opaque;
    }
    pthread_mutex_unlock(&fd_lock);
    if (!in_loop_thread()) {
        main_loop_wakeup();
    }
}

static struct io_uring_sqe *get_sqe(void)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

    if (!sqe) {                 /* queue full: flush it and retry */
        io_uring_submit(&ring);
        sqe = io_uring_get_sqe(&ring);
        g_assert(sqe);
    }
    return sqe;
}

/* Free dead entries; with io_uring, arm new ones and cancel removed ones. */
static void fd_entries_update(void)
{
    struct io_uring_sqe *sqe;

    pthread_mutex_lock(&fd_lock);
    for (guint i = fd_entries->len; i-- > 0;) {
        FdEntry *e = g_ptr_array_index(fd_entries, i);

        if (e->removed && !e->armed) {
            g_ptr_array_remove_index(fd_entries, i);
            g_free(e);
        } else if (use_uring && e->removed && !e->cancel_sent) {
            sqe = get_sqe();
            io_uring_prep_poll_remove(sqe, (uintptr_t)e);
            io_uring_sqe_set_data64(sqe, TAG_REMOVE);
            e->cancel_sent = true;
        } else if (use_uring && !e->removed && !e->armed) {
            sqe = get_sqe();
            io_uring_prep_poll_add(sqe, e->fd, POLLIN);
            io_uring_sqe_set_data(sqe, e);
            e->armed = true;
        }
    }
    pthread_mutex_unlock(&fd_lock);
    if (use_uring && !wake_armed) {
        sqe = get_sqe();
        io_uring_prep_poll_add(sqe, wake_fd, POLLIN);
        io_uring_sqe_set_data64(sqe, TAG_WAKE);
        wake_armed = true;
    }
}

static void wake_drain(void)
{
    uint64_t v;

    /* drain, then clear: a wakeup in between is seen by this round */
    if (read(wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
        warn_report("main loop eventfd: %s", g_strerror(errno));
    }
    g_atomic_int_set(&wake_pending, 0);
}

/* An fd is ready: queue its entry for dispatch, or drop it if closed. */
static void fd_ready_locked(FdEntry *e, unsigned revents, GPtrArray *ready)
{
    if (e->removed) {
        return;
    }
    if (revents & POLLNVAL) {
        /* closed under us: a handler bug, but not worth dying for */
        warn_report("main loop: fd %d was closed with a handler set", e->fd);
        e->removed = true;
        return;
    }
    g_ptr_array_add(ready, e);
}

static void wait_uring(int64_t timeout_ns, GPtrArray *ready)
{
    struct __kernel_timespec ts = {
        .tv_sec = timeout_ns / 1000000000,
        .tv_nsec = timeout_ns % 1000000000,
    };
    struct io_uring_cqe *cqe;
    unsigned head, n = 0;
    int ret;

    io_uring_submit(&ring);
    bql_unlock();
    ret = io_uring_wait_cqe_timeout(&ring, &cqe, timeout_ns < 0 ? NULL : &ts);
    bql_lock();
    if (ret < 0 && ret != -ETIME && ret != -EINTR) {
        warn_report("main loop: io_uring wait failed: %s", g_strerror(-ret));
    }

    pthread_mutex_lock(&fd_lock);
    io_uring_for_each_cqe(&ring, head, cqe) {
        uint64_t ud = io_uring_cqe_get_data64(cqe);

        n++;
        if (ud == TAG_WAKE) {
            wake_armed = false;
            wake_drain();
        } else if (ud != TAG_REMOVE && ud != LIBURING_UDATA_TIMEOUT) {
            FdEntry *e = (FdEntry *)(uintptr_t)ud;

            e->armed = false;
            if (cqe->res >= 0) {
                fd_ready_locked(e, cqe->res, ready);
            } else if (cqe->res != -ECANCELED) {
                warn_report("main loop: poll on fd %d failed: %s", e->fd,
                          g_strerror(-cqe->res));
                e->removed = true;
            }
        }
    }
    io_uring_cq_advance(&ring, n);
    pthread_mutex_unlock(&fd_lock);
}

static void wait_poll(int64_t timeout_ns, GPtrArray *ready)
{
    g_autoptr(GPtrArray) polled = g_ptr_array_new();
    g_autofree struct pollfd *pfd = NULL;
    struct timespec ts = {
        .tv_sec = timeout_ns / 1000000000,
        .tv_nsec = timeout_ns % 1000000000,
    };
    guint n;
    int ret;

    pthread_mutex_lock(&fd_lock);
    pfd = g_new0(struct pollfd, fd_entries->len + 1);
    pfd[0] = (struct pollfd) { .fd = wake_fd, .events = POLLIN };
    for (guint i = 0; i < fd_entries->len; i++) {
        FdEntry *e = g_ptr_array_index(fd_entries, i);

        if (!e->removed) {
            pfd[polled->len + 1] = (struct pollfd) { .fd = e->fd,
                                                     .events = POLLIN };
            g_ptr_array_add(polled, e);
        }
    }
    n = polled->len + 1;
    pthread_mutex_unlock(&fd_lock);

    /* entries are freed only by this thread, so they outlive the wait */
    bql_unlock();
    ret = ppoll(pfd, n, timeout_ns < 0 ? NULL : &ts, NULL);
    bql_lock();
    if (ret < 0 && errno != EINTR) {
        warn_report("main loop: ppoll failed: %s", g_strerror(errno));
    }
    if (ret <= 0) {
        return;
    }
    if (pfd[0].revents) {
        wake_drain();
    }
    pthread_mutex_lock(&fd_lock);
    for (guint i = 1; i < n; i++) {
        if (pfd[i].revents) {
            fd_ready_locked(g_ptr_array_index(polled, i - 1), pfd[i].revents,
                            ready);
        }
    }
    pthread_mutex_unlock(&fd_lock);
}

/* ---- Requests ---------------------------------------------------------- */

static pthread_mutex_t request_lock = PTHREAD_MUTEX_INITIALIZER;
static bool shutdown_requested;
static int shutdown_code;
static gint reset_requested;
static volatile sig_atomic_t signal_received;
static void (*reset_handler)(void);
static void (*shutdown_handler)(void);

void vm_request_shutdown(int exit_code)
{
    bool first;

    pthread_mutex_lock(&request_lock);
    first = !shutdown_requested;
    if (first) {
        shutdown_requested = true;
        shutdown_code = exit_code;
    }
    pthread_mutex_unlock(&request_lock);
    if (first) {
        trace(vm_request_shutdown, "code=%d", exit_code);
        main_loop_wakeup();
    }
}

void vm_request_reset(void)
{
    trace(vm_request_reset, "%s", "");
    g_atomic_int_set(&reset_requested, 1);
    main_loop_wakeup();
}

bool vm_shutdown_requested(void)
{
    bool ret;

    pthread_mutex_lock(&request_lock);
    ret = shutdown_requested;
    pthread_mutex_unlock(&request_lock);
    return ret;
}

void main_loop_set_reset_handler(void (*fn)(void))
{
    reset_handler = fn;
}

void main_loop_set_shutdown_handler(void (*fn)(void))
{
    shutdown_handler = fn;
}

static void on_terminate_signal(int sig)
{
    signal_received = sig;
    main_loop_wakeup();
}

static bool requests_pending(void)
{
    return signal_received || g_atomic_int_get(&reset_requested) ||
           vm_shutdown_requested();
}

/* ---- The loop ---------------------------------------------------------- */

void main_loop_wakeup(void)
{
    uint64_t one = 1;

    if (wake_fd >= 0 && g_atomic_int_compare_and_exchange(&wake_pending, 0,
                                                          1)) {
        /* can only fail if the counter is about to overflow: still awake */
        if (write(wake_fd, &one, sizeof(one)) < 0) {
            g_atomic_int_set(&wake_pending, 0);
        }
    }
}

void main_loop_init(void)
{
    struct sigaction sa = { .sa_handler = on_terminate_signal };
    const char *backend = g_getenv("JANUS_MAIN_LOOP");
    int ret = -1;

    g_assert(wake_fd < 0);
    loop_thread = pthread_self();
    fd_entries = g_ptr_array_new();
    wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd < 0) {
        error_report("main loop: eventfd: %s", g_strerror(errno));
        exit(1);
    }
    if (!backend || strcmp(backend, "poll")) {
        ret = io_uring_queue_init(64, &ring, 0);
    }
    use_uring = ret == 0;
    trace(main_loop_backend, "%s%s%s", use_uring ? "io_uring" : "ppoll",
          ret < 0 && ret != -1 ? " io_uring_queue_init: " : "",
          ret < 0 && ret != -1 ? g_strerror(-ret) : "");

    /* SIGINT/SIGTERM/SIGHUP end the VM cleanly, as QEMU's do */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* a closed stdout must give EPIPE to the writer, not kill the VM */
    signal(SIGPIPE, SIG_IGN);
}

void main_loop_iterate(int64_t timeout_ns)
{
    g_autoptr(GPtrArray) ready = g_ptr_array_new();
    int64_t timer_ns = timers_timeout_ns();

    g_assert(bql_held && in_loop_thread());
    if (timer_ns >= 0 && (timeout_ns < 0 || timer_ns < timeout_ns)) {
        timeout_ns = timer_ns;
    }
    if (requests_pending()) {
        timeout_ns = 0;
    }
    fd_entries_update();
    if (use_uring) {
        wait_uring(timeout_ns, ready);
    } else {
        wait_poll(timeout_ns, ready);
    }

    for (guint i = 0; i < ready->len; i++) {
        FdEntry *e = g_ptr_array_index(ready, i);
        FdHandler *cb;
        void *opaque;

        pthread_mutex_lock(&fd_lock);
        cb = e->removed ? NULL : e->cb;     /* an earlier handler may have */
        opaque = e->opaque;                 /* removed this one            */
        pthread_mutex_unlock(&fd_lock);
        if (cb) {
            trace(main_loop_fd_ready, "fd=%d", e->fd);
            cb(opaque);
        }
    }
    timers_run();
}

int main_loop_run(void)
{
    int code;

    g_assert(bql_held);
    for (;;) {
        if (signal_received) {
            fprintf(stderr, "janus: terminating on signal %d\n",
                    (int)signal_received);
            signal_received = 0;
            vm_request_shutdown(0);
        }
        if (vm_shutdown_requested()) {
            break;
        }
        if (g_atomic_int_compare_and_exchange(&reset_requested, 1, 0) &&
            reset_handler) {
            reset_handler();
        }
        main_loop_iterate(-1);
    }
    if (shutdown_handler) {
        shutdown_handler();
    }
    pthread_mutex_lock(&request_lock);
    code = shutdown_code;
    pthread_mutex_unlock(&request_lock);
    return code;
}
