/*
 * i8254.c: the 8254 PIT (ports 0x40-0x43) and port 0x61.
 *
 * Counters are not ticked: a channel remembers when its count was loaded
 * (virtual clock ns) and derives the current count and OUT level from the
 * elapsed input clocks.  Channel 0's interrupt edges are computed the same
 * way, each from the load time rather than from the previous edge, so a
 * periodic mode never drifts; a timer that fires late (host busy, VM
 * paused) raises one edge and re-arms for the next edge in the future, so
 * the guest sees the missed periods coalesced, never a burst.
 *
 * In the periodic modes (2 and 3) the IRQ line is held high and pulsed
 * low-high at each period's rising edge: one host timer per period rather
 * than two, and edge-triggered receivers (PIC, IOAPIC) see the same thing.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include "hw/timer/i8254.h"
#include "hw/machine.h"
#include "main/main-loop.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(pit_ioport_write);
TRACE_EVENT_DEFINE(pit_ioport_read);
TRACE_EVENT_DEFINE(pit_load);
TRACE_EVENT_DEFINE(pit_irq);
TRACE_EVENT_DEFINE(pit_guest_error);
TRACE_EVENT_DEFINE(pit_port61_write);

#define PIT_NUM_CHANNELS 3
/* The DRAM refresh request bit (port 0x61 bit 4) toggles every 15.085 us;
 * BIOS-era delay loops count its toggles. */
#define PIT_REFRESH_NS 15085

enum { RW_LATCH = 0, RW_LSB = 1, RW_MSB = 2, RW_WORD = 3 };

typedef struct PITState PITState;

typedef struct PitChannel {
    PITState *s;
    int index;
    uint32_t count;         /* reload value: 1-65536 (BCD: 1-10000) */
    uint8_t mode;           /* 0-5 */
    uint8_t mode_bits;      /* M2-M0 as written (6 and 7 alias 2 and 3) */
    uint8_t rw_mode;        /* RW_LSB, RW_MSB, RW_WORD */
    bool bcd;
    bool gate;
    bool loaded;            /* counting since load_ns */
    bool null_count;        /* count written, not yet in the counter */
    int64_t load_ns;
    bool write_msb_next;    /* RW_WORD: the next write is the MSB */
    uint8_t write_lsb;
    bool read_msb_next;     /* RW_WORD: the next unlatched read is MSB */
    uint8_t count_latched;  /* RW_* bytes still to read from latch */
    uint16_t latched_count;
    bool status_latched;
    uint8_t status;
    int irq_level;          /* channel 0: level of the IRQ line */
    Timer *timer;           /* channel 0 only */
} PitChannel;

struct PITState {
    Machine *m;
    PitChannel ch[PIT_NUM_CHANNELS];
    IRQLine *irq;
    uint8_t port61;         /* bits 0-3 as written */
    MemoryRegion io;
    MemoryRegion port61_io;
};

static uint64_t pit_ticks(int64_t ns)
{
    if (ns <= 0) {
        return 0;
    }
    return (unsigned __int128)ns * PIT_FREQ_HZ / 1000000000u;
}

/* The first ns at which pit_ticks() reaches @ticks. */
static int64_t pit_ns(uint64_t ticks)
{
    unsigned __int128 n = (unsigned __int128)ticks * 1000000000u;

    return (n + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ;
}

static uint64_t pit_elapsed(PitChannel *c, int64_t now)
{
    return pit_ticks(now - c->load_ns);
}

/* The counting element's value now, binary (0 stands for 65536/10000). */
static uint32_t pit_get_count(PitChannel *c, int64_t now)
{
    uint32_t modulus = c->bcd ? 10000 : 65536;
    uint64_t d;

    if (!c->loaded) {
        return c->count % modulus;
    }
    d = pit_elapsed(c, now);
    switch (c->mode) {
    case 2:
        return (c->count - d % c->count) % modulus;
    case 3:
        return (c->count - (2 * d) % c->count) % modulus;
    default:
        /* One-shot modes keep counting down through 0 and wrap. */
        return (c->count + modulus - d % modulus) % modulus;
    }
}

static int pit_get_out(PitChannel *c, int64_t now)
{
    uint64_t d;

    if (!c->loaded) {
        return c->mode != 0;
    }
    if ((c->mode == 2 || c->mode == 3) && !c->gate) {
        return 1;
    }
    d = pit_elapsed(c, now);
    switch (c->mode) {
    case 0:
    case 1:
        return d >= c->count;
    case 2:
        return d % c->count != c->count - 1;
    case 3:
        return d % c->count < (c->count + 1) / 2;
    default:    /* 4, 5: low for the one clock at terminal count */
        return d != c->count;
    }
}

/* Elapsed clocks at OUT's next rising edge after @d, or 0 for none. */
static uint64_t pit_next_rise(PitChannel *c, uint64_t d)
{
    switch (c->mode) {
    case 0:
    case 1:
        return d < c->count ? c->count : 0;
    case 2:
    case 3:
        return (d / c->count + 1) * c->count;
    default:
        return d < c->count + 1 ? c->count + 1 : 0;
    }
}

static void pit_set_irq_level(PitChannel *c, int level)
{
    if (c->irq_level != level) {
        c->irq_level = level;
        trace(pit_irq, "level=%d", level);
        irq_set_level(c->s->irq, level);
    }
}

static void pit_arm(PitChannel *c, int64_t now)
{
    uint64_t rise;
    int64_t when;

    if (!c->timer) {
        return;
    }
    if (!c->loaded || ((c->mode == 2 || c->mode == 3) && !c->gate)) {
        timer_del(c->timer);
        return;
    }
    rise = pit_next_rise(c, pit_elapsed(c, now));
    if (!rise) {
        timer_del(c->timer);
        return;
    }
    when = c->load_ns + pit_ns(rise);
    if (when < now + PIT_MIN_IRQ_INTERVAL_NS &&
        (c->mode == 2 || c->mode == 3)) {
        when = now + PIT_MIN_IRQ_INTERVAL_NS;
    }
    timer_mod(c->timer, when);
}

static void pit_timer_cb(void *opaque)
{
    PitChannel *c = opaque;
    int64_t now = clock_virtual_ns();

    if (c->mode == 2 || c->mode == 3 || c->mode >= 4) {
        /* The line rests high; make the edge. */
        c->irq_level = 0;
        irq_lower(c->s->irq);
        c->irq_level = 1;
        trace(pit_irq, "pulse mode=%d", c->mode);
        irq_raise(c->s->irq);
    } else {
        pit_set_irq_level(c, pit_get_out(c, now));
    }
    pit_arm(c, now);
}

/* OUT changed by the guest (control word, load, gate): follow it. */
static void pit_out_changed(PitChannel *c, int64_t now)
{
    if (c->timer) {
        pit_set_irq_level(c, pit_get_out(c, now));
        pit_arm(c, now);
    }
}

static uint32_t pit_from_bcd(PitChannel *c, uint32_t v)
{
    uint32_t r = 0, mul = 1;

    for (int i = 0; i < 4; i++, v >>= 4, mul *= 10) {
        uint32_t digit = v & 0xf;

        if (digit > 9) {
            trace(pit_guest_error, "ch=%d bad BCD digit 0x%x", c->index,
                  digit);
            digit = 9;
        }
        r += digit * mul;
    }
    return r;
}

static uint16_t pit_to_bcd(uint32_t v)
{
    uint16_t r = 0;

    for (int i = 0; i < 4; i++, v /= 10) {
        r |= (v % 10) << (4 * i);
    }
    return r;
}

static void pit_load(PitChannel *c, uint32_t val)
{
    int64_t now = clock_virtual_ns();

    if (c->bcd) {
        val = pit_from_bcd(c, val);
    }
    if (val == 0) {
        val = c->bcd ? 10000 : 65536;
    }
    if (val == 1 && (c->mode == 2 || c->mode == 3)) {
        /* Illegal in the periodic modes (the datasheet says so). */
        trace(pit_guest_error, "ch=%d count 1 in mode %d, using 2",
              c->index, c->mode);
        val = 2;
    }
    trace(pit_load, "ch=%d mode=%d count=%u", c->index, c->mode, val);
    c->count = val;
    c->load_ns = now;
    c->loaded = true;
    c->null_count = false;
    pit_out_changed(c, now);
}

static void pit_latch_count(PitChannel *c, int64_t now)
{
    uint32_t v;

    if (c->count_latched) {
        return;     /* a second latch before the read is ignored */
    }
    v = pit_get_count(c, now);
    c->latched_count = c->bcd ? pit_to_bcd(v) : v;
    c->count_latched = c->rw_mode;
}

static void pit_latch_status(PitChannel *c, int64_t now)
{
    if (c->status_latched) {
        return;
    }
    c->status = (pit_get_out(c, now) << 7) | (c->null_count << 6) |
                (c->rw_mode << 4) | (c->mode_bits << 1) | c->bcd;
    c->status_latched = true;
}

static void pit_control(PITState *s, uint8_t val)
{
    int sel = val >> 6;
    int rw = (val >> 4) & 3;
    int64_t now = clock_virtual_ns();
    PitChannel *c;

    if (sel == 3) {
        /* Read-back: bit 5 clear latches counts, bit 4 clear statuses. */
        for (int i = 0; i < PIT_NUM_CHANNELS; i++) {
            if (!(val & (2 << i))) {
                continue;
            }
            if (!(val & 0x20)) {
                pit_latch_count(&s->ch[i], now);
            }
            if (!(val & 0x10)) {
                pit_latch_status(&s->ch[i], now);
            }
        }
        return;
    }
    c = &s->ch[sel];
    if (rw == RW_LATCH) {
        pit_latch_count(c, now);
        return;
    }
    c->rw_mode = rw;
    c->mode_bits = (val >> 1) & 7;
    /* 6 and 7 are aliases of 2 and 3 (the status shows what was written) */
    c->mode = c->mode_bits > 5 ? c->mode_bits - 4 : c->mode_bits;
    c->bcd = val & 1;
    c->write_msb_next = false;
    c->read_msb_next = false;
    c->count_latched = 0;
    c->status_latched = false;
    c->null_count = true;
    c->loaded = false;
    pit_out_changed(c, now);
}

static void pit_write_count(PitChannel *c, uint8_t val)
{
    switch (c->rw_mode) {
    case RW_LSB:
        pit_load(c, val);
        break;
    case RW_MSB:
        pit_load(c, (uint32_t)val << 8);
        break;
    default:
        if (!c->write_msb_next) {
            c->write_lsb = val;
            c->write_msb_next = true;
        } else {
            c->write_msb_next = false;
            pit_load(c, c->write_lsb | ((uint32_t)val << 8));
        }
        break;
    }
}

static uint8_t pit_read_count(PitChannel *c)
{
    int64_t now = clock_virtual_ns();
    uint32_t v;

    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    if (c->count_latched) {
        switch (c->count_latched) {
        case RW_LSB:
            c->count_latched = 0;
            return c->latched_count & 0xff;
        case RW_MSB:
            c->count_latched = 0;
            return c->latched_count >> 8;
        default:
            c->count_latched = RW_MSB;
            return c->latched_count & 0xff;
        }
    }
    v = pit_get_count(c, now);
    if (c->bcd) {
        v = pit_to_bcd(v);
    }
    switch (c->rw_mode) {
    case RW_LSB:
        return v & 0xff;
    case RW_MSB:
        return (v >> 8) & 0xff;
    default:
        c->read_msb_next = !c->read_msb_next;
        return c->read_msb_next ? v & 0xff : (v >> 8) & 0xff;
    }
}

static void pit_ioport_write(void *opaque, hwaddr addr, uint64_t data,
                             unsigned size G_GNUC_UNUSED)
{
    PITState *s = opaque;

    trace(pit_ioport_write, "addr=0x%x val=0x%x", (unsigned)addr,
          (unsigned)(data & 0xff));
    if (addr == 3) {
        pit_control(s, data);
    } else if (addr < 3) {
        pit_write_count(&s->ch[addr], data);
    }
}

static uint64_t pit_ioport_read(void *opaque, hwaddr addr,
                                unsigned size G_GNUC_UNUSED)
{
    PITState *s = opaque;
    uint8_t val = 0;

    /* The control register (0x43) is write-only; it reads as 0. */
    if (addr < 3) {
        val = pit_read_count(&s->ch[addr]);
    }
    trace(pit_ioport_read, "addr=0x%x val=0x%x", (unsigned)addr, val);
    return val;
}

static const MemoryRegionOps pit_ops = {
    .read = pit_ioport_read,
    .write = pit_ioport_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static void pit_set_gate(PitChannel *c, bool gate)
{
    int64_t now = clock_virtual_ns();

    if (gate && !c->gate && c->loaded && c->mode != 0 && c->mode != 4) {
        /* A rising gate (re)triggers modes 1 and 5 and restarts 2 and 3.
         * Modes 0 and 4 would pause while the gate is low; they keep
         * counting here (see docs/devices.md). */
        c->load_ns = now;
    }
    c->gate = gate;
    pit_out_changed(c, now);
}

static uint64_t pit_port61_read(void *opaque, hwaddr addr G_GNUC_UNUSED,
                                unsigned size G_GNUC_UNUSED)
{
    PITState *s = opaque;
    int64_t now = clock_virtual_ns();

    return (s->port61 & 0x0f) |
           (((now / PIT_REFRESH_NS) & 1) << 4) |
           (pit_get_out(&s->ch[2], now) << 5);
}

static void pit_port61_write(void *opaque, hwaddr addr G_GNUC_UNUSED,
                             uint64_t data, unsigned size G_GNUC_UNUSED)
{
    PITState *s = opaque;

    trace(pit_port61_write, "val=0x%x", (unsigned)(data & 0xff));
    /* Bit 0 gates channel 2, bit 1 lets its OUT reach the speaker (not
     * modelled), bits 2-3 enable parity/IOCHK NMIs (never raised). */
    s->port61 = data & 0x0f;
    pit_set_gate(&s->ch[2], data & 1);
}

static const MemoryRegionOps pit_port61_ops = {
    .read = pit_port61_read,
    .write = pit_port61_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static void pit_reset(void *opaque)
{
    PITState *s = opaque;

    s->port61 = 0;
    for (int i = 0; i < PIT_NUM_CHANNELS; i++) {
        PitChannel *c = &s->ch[i];

        c->mode = 3;
        c->mode_bits = 3;
        c->rw_mode = RW_WORD;
        c->bcd = false;
        c->gate = i != 2;
        c->write_msb_next = false;
        c->read_msb_next = false;
        c->count_latched = 0;
        c->status_latched = false;
        /* As a BIOS leaves it (and QEMU resets it): 65536, i.e. 18.2 Hz
         * on channel 0. */
        pit_load(c, 0);
    }
}

static int pit_create(Machine *m, Opts *opts, GError **errp)
{
    PITState *s;

    if (opts && opts_check_unused(opts, "-device i8254", errp) < 0) {
        return -EINVAL;
    }
    s = g_new0(PITState, 1);
    s->m = m;
    s->irq = m->gsi[0];
    for (int i = 0; i < PIT_NUM_CHANNELS; i++) {
        s->ch[i].s = s;
        s->ch[i].index = i;
    }
    s->ch[0].timer = timer_new(pit_timer_cb, &s->ch[0]);
    memory_region_init_io(&s->io, &pit_ops, s, "pit", 4);
    memory_region_init_io(&s->port61_io, &pit_port61_ops, s, "pcspk", 1);
    memory_region_add_subregion(m->system_io, 0x40, &s->io);
    memory_region_add_subregion(m->system_io, 0x61, &s->port61_io);
    pit_reset(s);
    machine_register_reset(m, pit_reset, s);
    return 0;
}

static DeviceInfo i8254_info = {
    .name = "i8254",
    .desc = "8254 interval timer at 0x40 and port 0x61 (built in)",
    .user_creatable = false,
    .create = pit_create,
};
DEVICE_REGISTER(i8254_info)
