/*
 * dispatch.c: address_space_rw, the one road for every guest access.
 *
 * An access is cut at flat range boundaries.  RAM pieces are copied with
 * no lock at all (the view is held by RCU); I/O pieces go to the region's
 * callbacks under the BQL, after being cut and widened three times:
 *   1. into naturally aligned power-of-2 pieces of at most 8 bytes, when
 *      the length is not already a power of 2 up to 8;
 *   2. against ops->valid: a piece that is misaligned (unless
 *      valid.unaligned), smaller than valid.min or refused by
 *      valid.accepts fails with MEMTX_ERROR and never reaches the device;
 *      one wider than valid.max is cut into valid.max pieces, as a bus
 *      would (and as QEMU does);
 *   3. against ops->impl: cut into impl.max calls, or widened to an
 *      aligned impl.min call whose right bytes are returned (a widened
 *      write carries zeros in the other bytes: no read-modify-write).
 * Values are little endian: byte k of the buffer is bits 8k..8k+7.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#if !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
/* Inline rcu_read_lock/unlock (liburcu is LGPL, janus GPL): halves the
 * cost of a RAM access.  Not in sanitizer builds: liburcu-bp's reader
 * slots are less aligned than its struct declares (UBSan complains), and
 * TSan has no business inside liburcu. */
#define _LGPL_SOURCE
#endif
#include "memory/memory-internal.h"
#include "main/main-loop.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(address_space_rw);
TRACE_EVENT_DEFINE(memory_region_ops_read);
TRACE_EVENT_DEFINE(memory_region_ops_write);

/* The access size bounds of ops->valid and ops->impl: 0 means 1 (min)
 * or 4 (max), and nothing goes wider than 8 bytes. */
static unsigned access_min(unsigned v)
{
    return v ? v : 1;
}

static unsigned access_max(unsigned v)
{
    return MIN(v ? v : 4, 8);
}

/* One call into the device. */
static MemTxResult io_call(MemoryRegion *mr, hwaddr addr, uint64_t *val,
                           unsigned size, bool is_write)
{
    const MemoryRegionOps *ops = mr->ops;

    if (is_write) {
        if (!ops->write) {
            return MEMTX_ERROR;
        }
        trace(memory_region_ops_write, "region %s addr=0x%" PRIx64
              " value=0x%" PRIx64 " size=%u", mr->name, addr, *val, size);
        ops->write(mr->opaque, addr, *val, size);
    } else {
        if (!ops->read) {
            *val = ~0ULL;
            return MEMTX_ERROR;
        }
        *val = ops->read(mr->opaque, addr, size);
        trace(memory_region_ops_read, "region %s addr=0x%" PRIx64
              " value=0x%" PRIx64 " size=%u", mr->name, addr, *val, size);
    }
    return MEMTX_OK;
}

/* Step 3: fit a valid access of @size bytes at @off to ops->impl. */
static MemTxResult io_access_impl(MemoryRegion *mr, hwaddr off, uint8_t *buf,
                                  unsigned size, bool is_write)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned imin = access_min(ops->impl.min_access_size);
    unsigned imax = access_max(ops->impl.max_access_size);
    unsigned a = MIN(MAX(size, imin), imax);
    Int128 end = (Int128)off + size;
    Int128 w = off;
    MemTxResult res = MEMTX_OK;

    /* Calls are aligned to their size, unless the device takes unaligned
     * ones and nothing needs widening. */
    if (!ops->impl.unaligned || size < imin) {
        w = off & ~(hwaddr)(a - 1);
    }
    for (; w < end; w += a) {
        Int128 lo = MAX(w, (Int128)off), hi = MIN(w + a, end);
        uint64_t v = 0;

        if (is_write) {
            for (Int128 b = lo; b < hi; b++) {
                v |= (uint64_t)buf[(size_t)(b - off)]
                     << (8 * (unsigned)(b - w));
            }
            res |= io_call(mr, (hwaddr)w, &v, a, true);
        } else {
            res |= io_call(mr, (hwaddr)w, &v, a, false);
            for (Int128 b = lo; b < hi; b++) {
                buf[(size_t)(b - off)] = v >> (8 * (unsigned)(b - w));
            }
        }
    }
    return res;
}

static MemTxResult io_refuse(uint8_t *buf, unsigned size, bool is_write)
{
    if (!is_write) {
        memset(buf, 0xff, size);
    }
    return MEMTX_ERROR;
}

/* Step 2: what the guest may do (ops->valid). */
static MemTxResult io_access_valid(MemoryRegion *mr, hwaddr off, uint8_t *buf,
                                   unsigned size, bool is_write)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned vmin = access_min(ops->valid.min_access_size);
    unsigned vmax = access_max(ops->valid.max_access_size);
    unsigned n = MIN(size, vmax);
    MemTxResult res = MEMTX_OK;

    if ((!ops->valid.unaligned && (off & (size - 1))) || size < vmin) {
        return io_refuse(buf, size, is_write);
    }
    for (unsigned k = 0; k < size; k += n) {
        if (ops->valid.accepts &&
            !ops->valid.accepts(mr->opaque, off + k, n, is_write)) {
            res |= io_refuse(buf + k, n, is_write);
        } else {
            res |= io_access_impl(mr, off + k, buf + k, n, is_write);
        }
    }
    return res;
}

/* Step 1: any length into naturally aligned power-of-2 pieces. */
static MemTxResult io_access(MemoryRegion *mr, hwaddr off, uint8_t *buf,
                             uint64_t len, bool is_write)
{
    MemTxResult res = MEMTX_OK;

    while (len) {
        unsigned size = 8;

        if (len <= 8 && !(len & (len - 1))) {
            size = len;
        } else {
            while (size > len || (off & (size - 1))) {
                size >>= 1;
            }
        }
        if (!mr->ops) {
            res |= io_refuse(buf, size, is_write);
        } else {
            res |= io_access_valid(mr, off, buf, size, is_write);
        }
        off += size;
        buf += size;
        len -= size;
    }
    return res;
}

static RamWriteNotifier *ram_write_notifier;

void memory_set_ram_write_notifier(RamWriteNotifier *fn)
{
    __atomic_store_n(&ram_write_notifier, fn, __ATOMIC_RELEASE);
}

/*
 * The RAM case is the hot one: an RCU read lock (two TLS accesses), one
 * binary search, one memcpy.  The I/O case takes the BQL and then looks
 * the address up again in the view current under the BQL: only that view
 * guarantees that its regions are still mapped, hence alive.
 */
MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                             void *buf, hwaddr len, bool is_write)
{
    uint8_t *p = buf;
    bool have_bql = bql_locked(), took_bql = false;
    MemTxResult res = MEMTX_OK;
    FlatView *fv;

    (void)attrs;    /* the callbacks have no attrs parameter (yet) */
    trace(address_space_rw, "as=%s addr=0x%" PRIx64 " len=%" PRIu64 " %s",
          as->name, addr, len, is_write ? "write" : "read");
    memory_rcu_read_lock();
    fv = as_view(as);
    while (len) {
        long i;
        uint64_t l, off;
        const FlatRangeFast *f;

        if (have_bql) {
            fv = as_view(as);   /* a callback may have remapped things */
        }
        i = fv ? flatview_find(fv, addr) : -1;
        if (i < 0) {
            /* A hole, up to the next range. */
            long next = -1 - i;
            l = len;
            if (fv && next < (long)fv->nr) {
                l = MIN(len, fv->ranges[next].addr - addr);
            }
            if (!is_write) {
                memset(p, 0xff, l);
            }
            res |= MEMTX_DECODE_ERROR;
            goto advance;
        }
        f = &flatview_impl(fv)->fast[i];
        off = addr - fv->ranges[i].addr;
        l = MIN(len - 1, f->last - off) + 1;    /* no overflow at 2^64 */
        if (f->host) {
            if (!is_write) {
                memcpy(p, f->host + off, l);
            } else if (f->readonly) {
                res |= MEMTX_ERROR;             /* ROM: dropped */
            } else {
                memcpy(f->host + off, p, l);
                ram_block_set_dirty(f->rb, f->rb_offset + off, l);
                if (unlikely(ram_write_notifier) &&
                    as == &address_space_memory) {
                    ram_write_notifier(addr, l);
                }
            }
        } else {
            if (!have_bql) {
                bql_lock();
                have_bql = took_bql = true;
                continue;               /* look up again under the BQL */
            }
            res |= io_access(fv->ranges[i].mr,
                             fv->ranges[i].offset_in_region + off,
                             p, l, is_write);
        }
advance:
        addr += l;
        p += l;
        len -= l;
    }
    if (took_bql) {
        bql_unlock();
    }
    memory_rcu_read_unlock();
    return res;
}

MemTxResult address_space_read(AddressSpace *as, hwaddr addr,
                               MemTxAttrs attrs, void *buf, hwaddr len)
{
    return address_space_rw(as, addr, attrs, buf, len, false);
}

MemTxResult address_space_write(AddressSpace *as, hwaddr addr,
                                MemTxAttrs attrs, const void *buf,
                                hwaddr len)
{
    /* A write never stores into @buf. */
    return address_space_rw(as, addr, attrs, (void *)buf, len, true);
}

bool address_space_lookup(AddressSpace *as, hwaddr addr,
                          MemoryRegionSection *section)
{
    FlatView *fv;
    long i;

    memory_rcu_read_lock();
    fv = as_view(as);
    i = fv ? flatview_find(fv, addr) : -1;
    if (i >= 0) {
        section_from_range(section, as, &fv->ranges[i]);
    } else {
        *section = (MemoryRegionSection) { .as = as };
    }
    memory_rcu_read_unlock();
    return i >= 0;
}

uint8_t *address_space_ram_range(AddressSpace *as, hwaddr addr,
                                 hwaddr *start, hwaddr *last,
                                 bool *readonly)
{
    MemoryRegionSection sec;

    if (!address_space_lookup(as, addr, &sec) ||
        !memory_region_is_ram(sec.mr)) {
        return NULL;
    }
    *start = sec.offset_within_address_space;
    *last = *start + (sec.size ? sec.size : 0) - 1;     /* size 0 = 2^64 */
    if (readonly) {
        *readonly = sec.readonly || sec.mr->readonly ||
                    sec.mr->type == MR_ROM;
    }
    return (uint8_t *)memory_region_get_ram_ptr(sec.mr) +
           sec.offset_within_region;
}

FlatView *address_space_get_flatview(AddressSpace *as)
{
    return as_view(as);
}
