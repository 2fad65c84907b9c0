/*
 * main-loop.h: the event loop thread, the virtual clock, timers and the big
 * lock (BQL).
 *
 * Threads: the main thread runs main_loop_run(); it owns fd handlers and
 * fires timers.  vCPU threads run guest code without any lock and take the
 * BQL around device dispatch (address_space_rw on an I/O region takes it
 * for them).  Timer callbacks and fd handlers run in the main thread with
 * the BQL held, so a device model only ever runs under the BQL.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MAIN_MAIN_LOOP_H
#define MAIN_MAIN_LOOP_H

#include "main/janus.h"

/* ---- Big lock ---------------------------------------------------------- */
void bql_lock(void);
void bql_unlock(void);
/** bql_locked: true when the calling thread holds the BQL. */
bool bql_locked(void);

/* ---- Clocks ------------------------------------------------------------ */
/**
 * clock_virtual_ns: guest time in ns since the VM was created; monotonic,
 * stops while the VM is stopped (-S, monitor "stop").
 */
int64_t clock_virtual_ns(void);
/** clock_host_ns: host CLOCK_MONOTONIC in ns. */
int64_t clock_host_ns(void);
/** clock_realtime_ns: host wall-clock time (for the RTC). */
int64_t clock_realtime_ns(void);
/** vm_set_running: start or stop the virtual clock. */
void vm_clock_set_running(bool running);

/* ---- Timers on the virtual clock ---------------------------------------- */
typedef struct Timer Timer;
typedef void TimerCb(void *opaque);

/** timer_new: a disarmed timer; @cb runs in the main thread under the BQL. */
Timer *timer_new(TimerCb *cb, void *opaque);
/** timer_mod: (re)arm @t to fire when clock_virtual_ns() >= @expire_ns. */
void timer_mod(Timer *t, int64_t expire_ns);
void timer_del(Timer *t);
bool timer_pending(Timer *t);
int64_t timer_expire_time(Timer *t);
void timer_free(Timer *t);

/* ---- File descriptors -------------------------------------------------- */
typedef void FdHandler(void *opaque);
/** main_loop_set_fd_handler: call @read_cb (under the BQL) when @fd is
 * readable; NULL removes the handler. */
void main_loop_set_fd_handler(int fd, FdHandler *read_cb, void *opaque);

/* ---- Loop control ------------------------------------------------------ */
/** main_loop_init: create the loop; call once, before any timer_new(). */
void main_loop_init(void);
/** main_loop_run: run until a shutdown is requested; returns the exit
 * status for the process.  Called by main() with the BQL held. */
int main_loop_run(void);
/** main_loop_wakeup: make the loop re-check timers and requests (any
 * thread, no lock needed; async-signal-safe). */
void main_loop_wakeup(void);

/**
 * main_loop_iterate: one round of the loop: sleep (BQL released) until an
 * fd is readable, a timer is due, main_loop_wakeup() is called or
 * @timeout_ns passes (-1: no limit), then run the fd handlers and due
 * timers.  Caller holds the BQL.  main_loop_run() is a loop of these that
 * also serves requests; unit tests call it directly.
 */
void main_loop_iterate(int64_t timeout_ns);

/**
 * main_loop_set_reset_handler: what vm_request_reset() does; @fn runs in
 * the main thread with the BQL held (main/runstate.c installs one that
 * parks the vCPUs and calls machine_reset(), or shuts down on -no-reboot).
 * Without a handler a reset request does nothing.
 */
void main_loop_set_reset_handler(void (*fn)(void));
/**
 * main_loop_set_shutdown_handler: @fn runs once in the main thread, BQL
 * held, after a shutdown request and before main_loop_run() returns (it
 * stops the vCPU threads).
 */
void main_loop_set_shutdown_handler(void (*fn)(void));

/* ---- Run state ---------------------------------------------------------- */
/**
 * vm_request_shutdown: end the VM; the process exits with @exit_code.
 * Any thread; the first request wins.
 */
void vm_request_shutdown(int exit_code);
/** vm_request_reset: reset the machine (or shut down with -no-reboot). */
void vm_request_reset(void);
bool vm_shutdown_requested(void);

#endif
