/*
 * code-buffer.c: executable memory for generated code, W^X by a dual
 * mapping of one memfd (see code-buffer.h).
 *
 * The RX view is placed near the janus binary when the kernel lets us, so
 * generated code reaches helpers (all in the binary) with a 5-byte
 * call rel32 instead of a 12-byte movabs + indirect call.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tcg/code-buffer.h"
#include "tcg/tcg-internal.h"
#include "tcg/exec.h"

static struct {
    pthread_mutex_t lock;
    uint8_t *rx, *rw;       /* equal when the fallback RWX mapping is used */
    size_t size;
    size_t used;            /* allocation pointer (bytes from rx) */
    size_t prologue_end;
    unsigned resets;
    bool ready;
} cb = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Try to map @size bytes of @fd as RX within +-1 GiB of the binary. */
static void *map_rx_near_binary(int fd, size_t size)
{
    uintptr_t text = (uintptr_t)&tcg_code_buffer_init;
    static const intptr_t deltas[] = {
        -(intptr_t)(512 * MiB), -(intptr_t)(768 * MiB), 256 * MiB,
    };

    for (size_t i = 0; i < G_N_ELEMENTS(deltas); i++) {
        uintptr_t hint = (text + deltas[i]) & ~(uintptr_t)(2 * MiB - 1);
        void *p = mmap((void *)hint, size, PROT_READ | PROT_EXEC,
                       MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);

        if (p != MAP_FAILED) {
            return p;
        }
    }
    return mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
}

static int map_dual(size_t size)
{
    int fd = memfd_create("janus-jit", MFD_CLOEXEC);
    void *rx, *rw;

    if (fd < 0) {
        return -errno;
    }
    if (ftruncate(fd, size) < 0) {
        int err = -errno;

        close(fd);
        return err;
    }
    rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (rw == MAP_FAILED) {
        int err = -errno;

        close(fd);
        return err;
    }
    rx = map_rx_near_binary(fd, size);
    close(fd);          /* the mappings keep the memory */
    if (rx == MAP_FAILED) {
        int err = -errno;

        munmap(rw, size);
        return err;
    }
    cb.rx = rx;
    cb.rw = rw;
    return 0;
}

static int map_rwx(size_t size, GError **errp)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED) {
        int err = -errno;

        g_set_error(errp, JANUS_ERROR, 0,
                    "tcg: cannot map a %zu-byte code buffer: %s", size,
                    g_strerror(-err));
        return err;
    }
    cb.rx = cb.rw = p;
    return 0;
}

/* Generate the prologue/epilogue into the start of the buffer. */
static void gen_prologue(void)
{
    TCGContext *s = g_new0(TCGContext, 1);
    uint32_t ret0_off, ret_off;

    s->ext_relocs = g_array_new(false, false, sizeof(TCGExtReloc));
    tcg_target_prologue(s, &ret0_off, &ret_off);
    g_assert(s->ext_relocs->len == 0);
    memcpy(cb.rw, s->code, s->code_size);
    cb.prologue_end = (s->code_size + 63) & ~(size_t)63;
    cb.used = cb.prologue_end;
    tcg_target_set_prologue(cb.rx, cb.rx + ret0_off, cb.rx + ret_off);
    tcg_code_gen_epilogue = cb.rx + ret0_off;
    g_array_free(s->ext_relocs, true);
    g_free(s->code);
    g_free(s);
}

int tcg_code_buffer_init(size_t size, GError **errp)
{
    int ret = 0;

    pthread_mutex_lock(&cb.lock);
    if (cb.ready) {
        goto out;
    }
    if (!size) {
        size = TCG_CODE_BUFFER_DEFAULT_SIZE;
    }
    size = (size + 2 * MiB - 1) & ~(size_t)(2 * MiB - 1);
    tcg_target_init();
    if (map_dual(size) < 0) {
        warn_report("tcg: no dual-mapped code buffer, using one RWX mapping");
        ret = map_rwx(size, errp);
        if (ret < 0) {
            goto out;
        }
    }
    cb.size = size;
    gen_prologue();
    /* publish only once the prologue is there */
    __atomic_store_n(&cb.ready, true, __ATOMIC_RELEASE);
out:
    pthread_mutex_unlock(&cb.lock);
    return ret;
}

void *tcg_code_buffer_alloc(size_t size, size_t align)
{
    void *p = NULL;
    size_t start;

    pthread_mutex_lock(&cb.lock);
    start = (cb.used + align - 1) & ~(align - 1);
    if (start + size <= cb.size) {
        cb.used = start + size;
        p = cb.rx + start;
    }
    pthread_mutex_unlock(&cb.lock);
    return p;
}

void *tcg_code_buffer_rw(const void *rx)
{
    return cb.rw + ((const uint8_t *)rx - cb.rx);
}

bool tcg_code_buffer_contains(const void *p)
{
    const uint8_t *q = p;

    return cb.rx && q >= cb.rx && q < cb.rx + cb.size;
}

void tcg_code_buffer_range(uintptr_t *start, uintptr_t *end)
{
    *start = (uintptr_t)cb.rx;
    *end = (uintptr_t)cb.rx + cb.size;
}

void tcg_code_buffer_reset(void)
{
    pthread_mutex_lock(&cb.lock);
    cb.used = cb.prologue_end;
    cb.resets++;
    pthread_mutex_unlock(&cb.lock);
}

size_t tcg_code_buffer_used(void)
{
    return __atomic_load_n(&cb.used, __ATOMIC_RELAXED);
}

size_t tcg_code_buffer_size(void)
{
    return cb.size;
}

unsigned tcg_code_buffer_resets(void)
{
    return __atomic_load_n(&cb.resets, __ATOMIC_RELAXED);
}
