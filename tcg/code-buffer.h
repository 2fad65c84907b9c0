/*
 * code-buffer.h: the executable memory generated code lives in.
 *
 * One buffer per process (default 64 MiB).  W^X by a dual mapping: the
 * same memfd pages are mapped twice, read+write and read+execute, at
 * different addresses.  Code is written through the RW view and run from
 * the RX view, so no page is ever writable and executable in the same
 * mapping and no mprotect flips are needed while other threads execute.
 * (When memfd_create or the second mapping is refused the buffer falls
 * back to one RWX mapping and says so once on stderr.)
 *
 * Layout: [prologue/epilogue | TB code + its insn tables | ... free ...].
 * The prologue is generated once, at init, by the backend and survives
 * resets.  Space is handed out linearly under a mutex (translation may
 * run on several vCPU threads at once; the TB cache lock is the exec
 * code's business, this lock only protects the allocation pointer).  When
 * the buffer is full, tcg_gen_code() returns -1 and the caller flushes
 * every TB and calls tcg_code_buffer_reset() while no vCPU runs generated
 * code or translates.
 *
 * All pointers handed out are RX-view addresses (what tb->tc_ptr holds);
 * tcg_code_buffer_rw() gives the writable alias of one.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCG_CODE_BUFFER_H
#define TCG_CODE_BUFFER_H

#include "main/janus.h"

#define TCG_CODE_BUFFER_DEFAULT_SIZE (64 * MiB)

/**
 * tcg_code_buffer_init: map the code buffer and generate the prologue.
 * @size: bytes (0: TCG_CODE_BUFFER_DEFAULT_SIZE).  Only the first call
 *   maps anything; later calls return 0 (thread-safe).
 * @errp: set on failure.
 * Returns 0 or -errno.  tcg_context_new() calls it with size 0 when
 * nobody did before.
 */
int tcg_code_buffer_init(size_t size, GError **errp);

/**
 * tcg_code_buffer_alloc: reserve @size bytes aligned to @align (a power of
 * two).  Returns the RX address, or NULL when the buffer is full.
 * Thread-safe.
 */
void *tcg_code_buffer_alloc(size_t size, size_t align);

/** tcg_code_buffer_rw: the writable alias of RX address @rx. */
void *tcg_code_buffer_rw(const void *rx);

/**
 * tcg_code_buffer_contains: whether host address @p (e.g. a helper's
 * GETPC()) lies in generated code.
 */
bool tcg_code_buffer_contains(const void *p);

/**
 * tcg_code_buffer_reset: forget every TB: allocation restarts after the
 * prologue.  The caller guarantees that no thread executes generated
 * code or translates, and drops every pointer into the buffer.
 */
void tcg_code_buffer_reset(void);

/** tcg_code_buffer_used: bytes in use (prologue included). */
size_t tcg_code_buffer_used(void);
/** tcg_code_buffer_size: total bytes. */
size_t tcg_code_buffer_size(void);
/** tcg_code_buffer_resets: how many times the buffer was reset. */
unsigned tcg_code_buffer_resets(void);

#endif
