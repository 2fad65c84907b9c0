/*
 * mc146818.c: the CMOS RTC at ports 0x70-0x71, IRQ 8.
 *
 * Time is not ticked: the clock is the host's wall clock plus an offset
 * the guest changes by writing the time registers, so reading the time
 * costs nothing and never drifts.  Time registers are refreshed from that
 * clock when read, except while register B's SET bit freezes them for the
 * guest to write a new time; clearing SET starts the clock from the
 * written values at a whole second.
 *
 * Interrupt sources: the periodic interrupt (register A's rate, timer on
 * the virtual clock, coalesced like the PIT), the update-ended interrupt
 * and the alarm (a timer at each second boundary).  The IRQ line is IRQF:
 * it stays high until the guest reads register C, as on the chip.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <time.h>
#include "hw/rtc/mc146818.h"
#include "hw/machine.h"
#include "main/main-loop.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(rtc_ioport_write);
TRACE_EVENT_DEFINE(rtc_ioport_read);
TRACE_EVENT_DEFINE(rtc_irq);
TRACE_EVENT_DEFINE(rtc_set_time);
TRACE_EVENT_DEFINE(rtc_guest_error);

#define RTC_SECONDS         0x00
#define RTC_SECONDS_ALARM   0x01
#define RTC_MINUTES         0x02
#define RTC_MINUTES_ALARM   0x03
#define RTC_HOURS           0x04
#define RTC_HOURS_ALARM     0x05
#define RTC_DAY_OF_WEEK     0x06
#define RTC_DAY_OF_MONTH    0x07
#define RTC_MONTH           0x08
#define RTC_YEAR            0x09
#define RTC_REG_A           0x0a
#define RTC_REG_B           0x0b
#define RTC_REG_C           0x0c
#define RTC_REG_D           0x0d
#define RTC_CENTURY         0x32

#define REG_A_UIP           0x80
#define REG_A_DV_MASK       0x70
#define REG_A_DV_32K        0x20    /* the normal 32.768 kHz time base */
#define REG_A_RS_MASK       0x0f
#define REG_B_SET           0x80
#define REG_B_PIE           0x40
#define REG_B_AIE           0x20
#define REG_B_UIE           0x10
#define REG_B_SQWE          0x08
#define REG_B_DM_BINARY     0x04
#define REG_B_24H           0x02
#define REG_C_IRQF          0x80
#define REG_C_PF            0x40
#define REG_C_AF            0x20
#define REG_C_UF            0x10
#define REG_D_VRT           0x80

#define NS_PER_SEC          1000000000LL
/* UIP is set this long before each update, as the chip warns. */
#define RTC_UIP_NS          244000LL
#define RTC_CMOS_SIZE       128

struct RTCState {
    Machine *m;
    IRQLine *irq;
    MemoryRegion io;
    uint8_t cmos[RTC_CMOS_SIZE];
    uint8_t index;
    bool nmi_masked;
    /* RTC time = host realtime + offset, kept as seconds plus ns in
     * [0, 1e9) so that any year a guest writes (BCD garbage included)
     * stays representable. */
    int64_t offset_sec;
    int64_t offset_subns;
    int64_t last_update_sec;    /* RTC second of the last update event */
    int64_t periodic_base_ns;   /* virtual time the periodic rate began */
    int64_t pf_checked_ns;      /* virtual time PF was last brought up to date */
    Timer *periodic_timer;
    Timer *update_timer;
};

static RTCState *rtc_of_machine;

RTCState *rtc_from_machine(Machine *m)
{
    return rtc_of_machine && rtc_of_machine->m == m ? rtc_of_machine : NULL;
}

bool rtc_nmi_masked(RTCState *s)
{
    return s && s->nmi_masked;
}

int rtc_set_cmos_data(RTCState *s, unsigned index, uint8_t val)
{
    if (index <= RTC_REG_D || index >= RTC_CMOS_SIZE) {
        return -EINVAL;
    }
    s->cmos[index] = val;
    return 0;
}

/* The RTC's time now: seconds since the epoch and ns into the second. */
static void rtc_now(RTCState *s, int64_t *sec, int64_t *subsec)
{
    int64_t real = clock_realtime_ns();
    int64_t sub = real % NS_PER_SEC + s->offset_subns;

    *sec = real / NS_PER_SEC + s->offset_sec + sub / NS_PER_SEC;
    *subsec = sub % NS_PER_SEC;
}

static bool rtc_running(RTCState *s)
{
    return !(s->cmos[RTC_REG_B] & REG_B_SET) &&
           (s->cmos[RTC_REG_A] & REG_A_DV_MASK) == REG_A_DV_32K;
}

static uint8_t rtc_to_reg(RTCState *s, int v)
{
    if (s->cmos[RTC_REG_B] & REG_B_DM_BINARY) {
        return v;
    }
    return ((v / 10) << 4) | (v % 10);
}

static int rtc_from_reg(RTCState *s, uint8_t r)
{
    if (s->cmos[RTC_REG_B] & REG_B_DM_BINARY) {
        return r;
    }
    return (r >> 4) * 10 + (r & 0x0f);
}

/* Write the time @secs (since the epoch, UTC) into the time registers. */
static void rtc_store_time(RTCState *s, int64_t secs)
{
    time_t t = secs;
    struct tm tm;
    int hour;

    if (!gmtime_r(&t, &tm)) {
        return;
    }
    s->cmos[RTC_SECONDS] = rtc_to_reg(s, tm.tm_sec);
    s->cmos[RTC_MINUTES] = rtc_to_reg(s, tm.tm_min);
    if (s->cmos[RTC_REG_B] & REG_B_24H) {
        s->cmos[RTC_HOURS] = rtc_to_reg(s, tm.tm_hour);
    } else {
        hour = tm.tm_hour % 12;
        s->cmos[RTC_HOURS] = rtc_to_reg(s, hour ? hour : 12) |
                             (tm.tm_hour >= 12 ? 0x80 : 0);
    }
    s->cmos[RTC_DAY_OF_WEEK] = rtc_to_reg(s, tm.tm_wday + 1);
    s->cmos[RTC_DAY_OF_MONTH] = rtc_to_reg(s, tm.tm_mday);
    s->cmos[RTC_MONTH] = rtc_to_reg(s, tm.tm_mon + 1);
    s->cmos[RTC_YEAR] = rtc_to_reg(s, (tm.tm_year + 1900) % 100);
    s->cmos[RTC_CENTURY] = rtc_to_reg(s, (tm.tm_year + 1900) / 100);
}

/* The time the registers hold, in seconds since the epoch. */
static int64_t rtc_load_time(RTCState *s)
{
    struct tm tm = { 0 };
    uint8_t h = s->cmos[RTC_HOURS];

    tm.tm_sec = rtc_from_reg(s, s->cmos[RTC_SECONDS]);
    tm.tm_min = rtc_from_reg(s, s->cmos[RTC_MINUTES]);
    if (s->cmos[RTC_REG_B] & REG_B_24H) {
        tm.tm_hour = rtc_from_reg(s, h);
    } else {
        tm.tm_hour = rtc_from_reg(s, h & 0x7f) % 12 + ((h & 0x80) ? 12 : 0);
    }
    tm.tm_mday = rtc_from_reg(s, s->cmos[RTC_DAY_OF_MONTH]);
    tm.tm_mon = rtc_from_reg(s, s->cmos[RTC_MONTH]) - 1;
    tm.tm_year = rtc_from_reg(s, s->cmos[RTC_CENTURY]) * 100 +
                 rtc_from_reg(s, s->cmos[RTC_YEAR]) - 1900;
    if (tm.tm_sec > 59 || tm.tm_min > 59 || tm.tm_hour > 23 ||
        tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_mon < 0 ||
        tm.tm_mon > 11) {
        /* timegm() normalizes whatever the guest wrote; say so. */
        trace(rtc_guest_error, "time out of range %d-%d-%d %d:%d:%d",
              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
              tm.tm_min, tm.tm_sec);
    }
    return timegm(&tm);
}

static void rtc_refresh_time(RTCState *s)
{
    int64_t sec, subsec;

    if (!(s->cmos[RTC_REG_B] & REG_B_SET)) {
        rtc_now(s, &sec, &subsec);
        rtc_store_time(s, sec);
    }
}

/* Start the clock from the registers, @subsec ns into that second. */
static void rtc_set_from_regs(RTCState *s, int64_t subsec)
{
    int64_t secs = rtc_load_time(s);
    int64_t real = clock_realtime_ns();

    trace(rtc_set_time, "secs=%" PRId64, secs);
    s->offset_sec = secs - real / NS_PER_SEC;
    s->offset_subns = subsec - real % NS_PER_SEC;
    if (s->offset_subns < 0) {
        s->offset_subns += NS_PER_SEC;
        s->offset_sec--;
    }
    s->last_update_sec = secs;
}

static void rtc_update_irq(RTCState *s)
{
    uint8_t c = s->cmos[RTC_REG_C] & (REG_C_PF | REG_C_AF | REG_C_UF);
    uint8_t b = s->cmos[RTC_REG_B];
    bool irqf;

    irqf = ((c & REG_C_PF) && (b & REG_B_PIE)) ||
           ((c & REG_C_AF) && (b & REG_B_AIE)) ||
           ((c & REG_C_UF) && (b & REG_B_UIE));
    if (irqf) {
        c |= REG_C_IRQF;
    }
    if (irqf != !!(s->cmos[RTC_REG_C] & REG_C_IRQF)) {
        trace(rtc_irq, "level=%d", irqf);
    }
    s->cmos[RTC_REG_C] = c;
    irq_set_level(s->irq, irqf);
}

/* ---- Periodic interrupt ------------------------------------------------ */

static int64_t rtc_period_ns(RTCState *s)
{
    int rs = s->cmos[RTC_REG_A] & REG_A_RS_MASK;

    if (!rs || (s->cmos[RTC_REG_A] & REG_A_DV_MASK) != REG_A_DV_32K) {
        return 0;
    }
    /* Rates 1 and 2 repeat 8 and 9 (256 and 128 Hz) on a 32 kHz base. */
    if (rs <= 2) {
        rs += 7;
    }
    return ((int64_t)1 << (rs - 1)) * NS_PER_SEC / 32768;
}

/* Set PF if a period ended since the last check. */
static void rtc_catch_up_pf(RTCState *s, int64_t now)
{
    int64_t period = rtc_period_ns(s);

    if (period) {
        if ((now - s->periodic_base_ns) / period !=
            (s->pf_checked_ns - s->periodic_base_ns) / period) {
            s->cmos[RTC_REG_C] |= REG_C_PF;
        }
    }
    s->pf_checked_ns = now;
}

static void rtc_arm_periodic(RTCState *s, int64_t now)
{
    int64_t period = rtc_period_ns(s);
    int64_t k;

    /* Without PIE nobody waits for the edge: PF is computed on read. */
    if (!period || !(s->cmos[RTC_REG_B] & REG_B_PIE)) {
        timer_del(s->periodic_timer);
        return;
    }
    k = (now - s->periodic_base_ns) / period + 1;
    timer_mod(s->periodic_timer, s->periodic_base_ns + k * period);
}

static void rtc_periodic_cb(void *opaque)
{
    RTCState *s = opaque;
    int64_t now = clock_virtual_ns();

    rtc_catch_up_pf(s, now);
    rtc_update_irq(s);
    rtc_arm_periodic(s, now);
}

/* A rate change restarts the divider chain's periodic tap. */
static void rtc_restart_periodic(RTCState *s)
{
    int64_t now = clock_virtual_ns();

    s->periodic_base_ns = now;
    s->pf_checked_ns = now;
    rtc_arm_periodic(s, now);
}

/* ---- Update-ended and alarm -------------------------------------------- */

static bool rtc_alarm_matches(RTCState *s)
{
    static const uint8_t pairs[3][2] = {
        { RTC_SECONDS, RTC_SECONDS_ALARM },
        { RTC_MINUTES, RTC_MINUTES_ALARM },
        { RTC_HOURS, RTC_HOURS_ALARM },
    };

    for (int i = 0; i < 3; i++) {
        uint8_t alarm = s->cmos[pairs[i][1]];

        /* 11xxxxxx is "don't care". */
        if ((alarm & 0xc0) != 0xc0 && alarm != s->cmos[pairs[i][0]]) {
            return false;
        }
    }
    return true;
}

static void rtc_arm_update(RTCState *s)
{
    int64_t sec, subsec;

    if (!rtc_running(s)) {
        timer_del(s->update_timer);
        return;
    }
    rtc_now(s, &sec, &subsec);
    timer_mod(s->update_timer, clock_virtual_ns() + NS_PER_SEC - subsec);
}

static void rtc_update_cb(void *opaque)
{
    RTCState *s = opaque;
    /* The timer runs on the virtual clock and the time on the host's wall
     * clock: allow the two to disagree by a little at the boundary. */
    int64_t sec, subsec;

    rtc_now(s, &sec, &subsec);
    if (subsec >= NS_PER_SEC - 2000000) {
        sec++;
    }
    if (rtc_running(s) && sec > s->last_update_sec) {
        s->last_update_sec = sec;
        rtc_store_time(s, sec);
        s->cmos[RTC_REG_C] |= REG_C_UF;
        if (rtc_alarm_matches(s)) {
            s->cmos[RTC_REG_C] |= REG_C_AF;
        }
        rtc_update_irq(s);
    }
    rtc_arm_update(s);
}

/* ---- Registers --------------------------------------------------------- */

static bool rtc_is_time_reg(unsigned index)
{
    return index == RTC_SECONDS || index == RTC_MINUTES ||
           index == RTC_HOURS || (index >= RTC_DAY_OF_WEEK &&
           index <= RTC_YEAR) || index == RTC_CENTURY;
}

static void rtc_write_reg_b(RTCState *s, uint8_t val)
{
    uint8_t old = s->cmos[RTC_REG_B];

    if (val & REG_B_SET) {
        /* Setting SET aborts any update and clears UIE (datasheet). */
        val &= ~REG_B_UIE;
        if (!(old & REG_B_SET)) {
            rtc_refresh_time(s);
        }
    }
    if ((old & REG_B_SET) && !(val & REG_B_SET)) {
        /* The registers were written in the format in force while SET
         * was on; read them that way (QEMU does too). */
        rtc_set_from_regs(s, 0);
    }
    s->cmos[RTC_REG_B] = val;
    rtc_update_irq(s);
    rtc_arm_periodic(s, clock_virtual_ns());
    rtc_arm_update(s);
}

static void rtc_write_data(RTCState *s, uint8_t val)
{
    unsigned index = s->index;
    int64_t sec, subsec;

    switch (index) {
    case RTC_REG_A:
        /* UIP is read-only. */
        if ((val ^ s->cmos[RTC_REG_A]) & (REG_A_DV_MASK | REG_A_RS_MASK)) {
            s->cmos[RTC_REG_A] = val & ~REG_A_UIP;
            rtc_restart_periodic(s);
            rtc_arm_update(s);
        }
        return;
    case RTC_REG_B:
        rtc_write_reg_b(s, val);
        return;
    case RTC_REG_C:
    case RTC_REG_D:
        trace(rtc_guest_error, "write to read-only register 0x%x val=0x%x",
              index, val);
        return;
    }
    if (rtc_is_time_reg(index) && !(s->cmos[RTC_REG_B] & REG_B_SET)) {
        /* Change one field of the running clock, keeping the others and
         * the position within the second. */
        rtc_now(s, &sec, &subsec);
        rtc_refresh_time(s);
        s->cmos[index] = val;
        rtc_set_from_regs(s, subsec);
        rtc_arm_update(s);
        return;
    }
    s->cmos[index] = val;
}

static uint8_t rtc_read_data(RTCState *s)
{
    unsigned index = s->index;
    int64_t sec, subsec;
    uint8_t val;

    switch (index) {
    case RTC_REG_A:
        val = s->cmos[RTC_REG_A] & ~REG_A_UIP;
        rtc_now(s, &sec, &subsec);
        if (rtc_running(s) && subsec >= NS_PER_SEC - RTC_UIP_NS) {
            val |= REG_A_UIP;
        }
        return val;
    case RTC_REG_C:
        rtc_catch_up_pf(s, clock_virtual_ns());
        rtc_update_irq(s);
        val = s->cmos[RTC_REG_C];
        /* Reading C acknowledges everything and drops the line. */
        s->cmos[RTC_REG_C] = 0;
        rtc_update_irq(s);
        return val;
    case RTC_REG_D:
        return REG_D_VRT;
    }
    if (rtc_is_time_reg(index)) {
        rtc_refresh_time(s);
    }
    return s->cmos[index];
}

static void rtc_ioport_write(void *opaque, hwaddr addr, uint64_t data,
                             unsigned size G_GNUC_UNUSED)
{
    RTCState *s = opaque;
    uint8_t val = data;

    trace(rtc_ioport_write, "addr=0x%x val=0x%x", (unsigned)addr, val);
    if (addr == 0) {
        /* Bit 7 is the PC's NMI mask, not part of the index. */
        s->index = val & 0x7f;
        s->nmi_masked = val & 0x80;
    } else {
        rtc_write_data(s, val);
    }
}

static uint64_t rtc_ioport_read(void *opaque, hwaddr addr,
                                unsigned size G_GNUC_UNUSED)
{
    RTCState *s = opaque;
    /* The index port is write-only and floats high. */
    uint8_t val = addr == 0 ? 0xff : rtc_read_data(s);

    trace(rtc_ioport_read, "addr=0x%x index=0x%x val=0x%x", (unsigned)addr,
          s->index, val);
    return val;
}

static const MemoryRegionOps rtc_ops = {
    .read = rtc_ioport_read,
    .write = rtc_ioport_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- Memory size bytes, as BIOSes and bootloaders read them ------------ */

static void rtc_set_word(RTCState *s, unsigned index, unsigned val)
{
    s->cmos[index] = val;
    s->cmos[index + 1] = val >> 8;
}

static void rtc_init_memory_bytes(RTCState *s)
{
    Machine *m = s->m;
    uint64_t below = m->below_4g_mem_size;
    uint64_t val;

    rtc_set_word(s, 0x15, MIN(below / KiB, 640));
    /* Extended memory above 1 MiB, in KiB, saturating at 64 MiB. */
    val = below > MiB ? (below - MiB) / KiB : 0;
    val = MIN(val, 65535);
    rtc_set_word(s, 0x17, val);
    rtc_set_word(s, 0x30, val);
    /* Memory between 16 MiB and 4 GiB in 64 KiB blocks. */
    val = below > 16 * MiB ? (below - 16 * MiB) / (64 * KiB) : 0;
    rtc_set_word(s, 0x34, MIN(val, 65535));
    /* Memory above 4 GiB in 64 KiB blocks, 24 bits. */
    val = MIN(m->above_4g_mem_size / (64 * KiB), 0xffffff);
    rtc_set_word(s, 0x5b, val);
    s->cmos[0x5d] = val >> 16;
    s->cmos[0x5f] = m->ncpus ? m->ncpus - 1 : 0;
}

static void rtc_reset(void *opaque)
{
    RTCState *s = opaque;

    /* The clock and CMOS RAM are battery backed: a reset only disables
     * the interrupt sources and clears their flags. */
    s->cmos[RTC_REG_B] &= ~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE);
    s->cmos[RTC_REG_C] = 0;
    s->nmi_masked = false;
    rtc_init_memory_bytes(s);
    rtc_update_irq(s);
    rtc_restart_periodic(s);
    rtc_arm_update(s);
}

static int rtc_create(Machine *m, Opts *opts, GError **errp)
{
    RTCState *s;
    int64_t subsec;

    if (opts && opts_check_unused(opts, "-device mc146818rtc", errp) < 0) {
        return -EINVAL;
    }
    if (rtc_from_machine(m)) {
        g_set_error(errp, JANUS_ERROR, 0, "mc146818rtc: the machine has one");
        return -EEXIST;
    }
    s = g_new0(RTCState, 1);
    s->m = m;
    s->irq = m->gsi[8];
    s->cmos[RTC_REG_A] = 0x26;  /* 32.768 kHz, 1024 Hz rate, as a BIOS */
    s->cmos[RTC_REG_B] = REG_B_24H;
    s->cmos[RTC_REG_D] = REG_D_VRT;
    rtc_now(s, &s->last_update_sec, &subsec);
    rtc_refresh_time(s);
    s->periodic_timer = timer_new(rtc_periodic_cb, s);
    s->update_timer = timer_new(rtc_update_cb, s);
    memory_region_init_io(&s->io, &rtc_ops, s, "rtc", 2);
    memory_region_add_subregion(m->system_io, 0x70, &s->io);
    rtc_of_machine = s;
    rtc_reset(s);
    machine_register_reset(m, rtc_reset, s);
    return 0;
}

static DeviceInfo rtc_info = {
    .name = "mc146818rtc",
    .desc = "CMOS real-time clock at 0x70 (built in)",
    .user_creatable = false,
    .create = rtc_create,
};
DEVICE_REGISTER(rtc_info)
