/*
 * test-timers.c: the virtual clock, timers and fd handlers of the main
 * loop.  Runs once per loop backend (io_uring, and JANUS_MAIN_LOOP=poll).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <unistd.h>
#include "main/main-loop.h"

#define MS ((int64_t)1000 * 1000)

static GString *fired;          /* names of fired timers, in order */

static void record(void *opaque)
{
    g_string_append(fired, opaque);
}

/* Iterate until @cond holds, at most 2 s of host time. */
static void iterate_until(bool (*cond)(void))
{
    int64_t deadline = clock_host_ns() + 2000 * MS;

    while (!cond() && clock_host_ns() < deadline) {
        main_loop_iterate(100 * MS);
    }
}

static bool four_fired(void)
{
    return fired->len >= 4;
}

static void test_clock(void)
{
    int64_t a, b, c;

    a = clock_virtual_ns();
    g_usleep(5000);
    g_assert_cmpint(clock_virtual_ns(), ==, a);
    g_test_message("a stopped virtual clock does not move (%" PRId64 ")", a);

    vm_clock_set_running(true);
    g_usleep(5000);
    b = clock_virtual_ns();
    g_assert_cmpint(b, >=, a + 5 * MS);
    vm_clock_set_running(false);
    c = clock_virtual_ns();
    g_usleep(10000);
    g_assert_cmpint(clock_virtual_ns(), ==, c);
    vm_clock_set_running(true);
    /* resumes where it stopped: the 10 ms stopped are not counted */
    g_assert_cmpint(clock_virtual_ns() - c, <, 5 * MS);
    g_assert_cmpint(clock_host_ns(), >, 0);
    g_assert_cmpint(clock_realtime_ns(), >, 1500000000LL * 1000000000LL);
    g_test_message("running: advances; stopped: frozen; resumes without a "
                   "jump");
}

static void test_order(void)
{
    int64_t now = clock_virtual_ns();
    Timer *a = timer_new(record, "A");
    Timer *b = timer_new(record, "B");
    Timer *c = timer_new(record, "C");
    Timer *d = timer_new(record, "D");
    int64_t start = clock_host_ns();

    fired = g_string_new(NULL);
    timer_mod(a, now + 30 * MS);
    timer_mod(b, now + 10 * MS);
    timer_mod(c, now + 20 * MS);
    timer_mod(d, now + 20 * MS);          /* same deadline: after C */
    g_assert_true(timer_pending(a));
    g_assert_cmpint(timer_expire_time(c), ==, now + 20 * MS);
    iterate_until(four_fired);
    g_assert_cmpstr(fired->str, ==, "BCDA");
    g_assert_cmpint(clock_host_ns() - start, >=, 30 * MS);
    g_assert_false(timer_pending(a));
    g_assert_cmpint(timer_expire_time(a), ==, -1);
    g_test_message("timers fire in deadline order (equal: arming order), not "
                   "early: %s", fired->str);
    timer_free(a);
    timer_free(b);
    timer_free(c);
    timer_free(d);
    g_string_free(fired, true);
}

static void test_del_and_mod(void)
{
    int64_t now = clock_virtual_ns();
    Timer *a = timer_new(record, "A");
    Timer *b = timer_new(record, "B");

    fired = g_string_new(NULL);
    timer_mod(a, now + 5 * MS);
    timer_mod(b, now + 10 * MS);
    timer_del(a);
    timer_mod(b, now + 1 * MS);         /* re-arming moves it */
    /* run past both deadlines */
    while (clock_virtual_ns() < now + 20 * MS) {
        main_loop_iterate(5 * MS);
    }
    g_assert_cmpstr(fired->str, ==, "B");
    g_test_message("a deleted timer does not fire; timer_mod re-arms");
    timer_free(a);
    timer_free(b);
    g_string_free(fired, true);
}

static bool any_fired(void)
{
    return fired->len > 0;
}

static void test_stopped_clock_holds_timers(void)
{
    Timer *a = timer_new(record, "A");

    fired = g_string_new(NULL);
    int64_t end = clock_host_ns() + 20 * MS;

    timer_mod(a, clock_virtual_ns() + 2 * MS);
    vm_clock_set_running(false);
    while (clock_host_ns() < end) {
        main_loop_iterate(5 * MS);
    }
    g_assert_cmpstr(fired->str, ==, "");
    vm_clock_set_running(true);
    iterate_until(any_fired);
    g_assert_cmpstr(fired->str, ==, "A");
    g_test_message("no timer fires while the VM is stopped");
    timer_free(a);
    g_string_free(fired, true);
}

static Timer *rearm_timer;
static int rearm_count;

static void rearm_now(void *opaque G_GNUC_UNUSED)
{
    rearm_count++;
    timer_mod(rearm_timer, clock_virtual_ns());
}

static void test_rearm_does_not_spin(void)
{
    rearm_timer = timer_new(rearm_now, NULL);
    timer_mod(rearm_timer, clock_virtual_ns());
    main_loop_iterate(0);
    g_assert_cmpint(rearm_count, ==, 1);
    main_loop_iterate(0);
    g_assert_cmpint(rearm_count, ==, 2);
    g_test_message("a callback re-arming at 'now' fires once per round");
    timer_free(rearm_timer);
}

static Timer *cross_timer;
static bool cross_fired;

static void cross_cb(void *opaque G_GNUC_UNUSED)
{
    cross_fired = true;
}

static gpointer arm_from_thread(gpointer opaque G_GNUC_UNUSED)
{
    g_usleep(20000);
    bql_lock();                 /* as a vCPU in device dispatch */
    timer_mod(cross_timer, clock_virtual_ns() + 1 * MS);
    bql_unlock();
    return NULL;
}

static bool cross_done(void)
{
    return cross_fired;
}

static void test_cross_thread_wakeup(void)
{
    GThread *t;
    int64_t start = clock_host_ns();
    int64_t deadline = start + 3000 * MS;

    cross_timer = timer_new(cross_cb, NULL);
    t = g_thread_new("arm", arm_from_thread, NULL);
    /* a long sleep: only the wakeup from timer_mod can end it early */
    while (!cross_done() && clock_host_ns() < deadline) {
        main_loop_iterate(2000 * MS);
    }
    g_thread_join(t);
    g_assert_true(cross_fired);
    g_assert_cmpint(clock_host_ns() - start, <, 1000 * MS);
    g_test_message("timer_mod from another thread wakes the loop (%" PRId64
                   " ms)", (clock_host_ns() - start) / MS);
    timer_free(cross_timer);
}

static int fd_calls;
static int pipe_fds[2];

static void on_readable(void *opaque G_GNUC_UNUSED)
{
    char c;

    g_assert_cmpint(read(pipe_fds[0], &c, 1), ==, 1);
    fd_calls++;
}

static gpointer write_later(gpointer opaque G_GNUC_UNUSED)
{
    g_usleep(10000);
    g_assert_cmpint(write(pipe_fds[1], "x", 1), ==, 1);
    return NULL;
}

static bool one_call(void)
{
    return fd_calls == 1;
}

static void test_fd_handler(void)
{
    GThread *t;

    g_assert_cmpint(pipe(pipe_fds), ==, 0);
    main_loop_set_fd_handler(pipe_fds[0], on_readable, NULL);
    t = g_thread_new("write", write_later, NULL);
    iterate_until(one_call);
    g_thread_join(t);
    g_assert_cmpint(fd_calls, ==, 1);
    main_loop_set_fd_handler(pipe_fds[0], NULL, NULL);
    g_assert_cmpint(write(pipe_fds[1], "y", 1), ==, 1);
    main_loop_iterate(20 * MS);
    main_loop_iterate(20 * MS);
    g_assert_cmpint(fd_calls, ==, 1);
    /* a new handler on the same fd sees the byte still waiting */
    main_loop_set_fd_handler(pipe_fds[0], on_readable, NULL);
    iterate_until(one_call);
    main_loop_iterate(20 * MS);
    g_assert_cmpint(fd_calls, ==, 2);
    main_loop_set_fd_handler(pipe_fds[0], NULL, NULL);
    main_loop_iterate(0);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    g_test_message("fd handlers run when readable and stop when removed");
}

static int resets;

static void on_reset(void)
{
    resets++;
    vm_request_shutdown(3);
}

static void test_requests(void)
{
    main_loop_set_reset_handler(on_reset);
    vm_request_reset();
    g_assert_cmpint(main_loop_run(), ==, 3);
    g_assert_cmpint(resets, ==, 1);
    vm_request_shutdown(5);
    g_assert_true(vm_shutdown_requested());
    g_assert_cmpint(main_loop_run(), ==, 3);
    g_test_message("reset runs the handler; the first shutdown code wins");
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    main_loop_init();
    bql_lock();
    g_test_message("main loop backend: %s",
                   g_getenv("JANUS_MAIN_LOOP") ? g_getenv("JANUS_MAIN_LOOP")
                                               : "default (io_uring)");
    g_test_add_func("/main-loop/clock", test_clock);
    g_test_add_func("/main-loop/timer-order", test_order);
    g_test_add_func("/main-loop/timer-del-mod", test_del_and_mod);
    g_test_add_func("/main-loop/stopped-clock", test_stopped_clock_holds_timers);
    g_test_add_func("/main-loop/rearm-no-spin", test_rearm_does_not_spin);
    g_test_add_func("/main-loop/cross-thread", test_cross_thread_wakeup);
    g_test_add_func("/main-loop/fd-handler", test_fd_handler);
    g_test_add_func("/main-loop/requests", test_requests);
    ret = g_test_run();
    bql_unlock();
    return ret;
}
