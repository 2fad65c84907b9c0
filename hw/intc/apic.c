/*
 * apic.c: the local APIC model for TCG (Intel SDM vol. 3, chapter 11
 * "Advanced Programmable Interrupt Controller"; x2APIC specification).
 *
 * One APICState per CPU.  Register state is plain C under the BQL; the
 * only field read without it is @pending, a summary the vCPU's exec loop
 * polls between translated blocks (see apic_update()).
 *
 * Choices where the hardware leaves room, made to match what janus's KVM
 * path (the in-kernel LAPIC) shows a guest, so both accelerators print the
 * same: version 0x50014 (6 LVTs, no CMCI, no EOI-broadcast suppression);
 * the timer counts at 1 GHz (1 ns per bus tick before the divider);
 * periodic timers fire at most every 200 us, as KVM's default
 * min_timer_period_us; fixed and lowest-priority interrupts to a
 * software-disabled APIC are dropped; lowest priority goes to the target
 * with the lowest APIC ID; the PIC's INTR reaches the boot CPU only.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>
#include "hw/intc/apic.h"
#include "hw/intc/i8259.h"
#include "hw/intc/ioapic.h"
#include "hw/machine.h"
#include "accel/accel.h"
#include "main/main-loop.h"
#include "main/trace.h"
#include "memory/memory.h"

TRACE_EVENT_DEFINE(apic_mmio_read);
TRACE_EVENT_DEFINE(apic_mmio_write);
TRACE_EVENT_DEFINE(apic_msr);
TRACE_EVENT_DEFINE(apic_msi);
TRACE_EVENT_DEFINE(apic_ipi);
TRACE_EVENT_DEFINE(apic_accept);
TRACE_EVENT_DEFINE(apic_ack);
TRACE_EVENT_DEFINE(apic_eoi);
TRACE_EVENT_DEFINE(apic_timer);
TRACE_EVENT_DEFINE(apic_init_sipi);
TRACE_EVENT_DEFINE(apic_set_base);
TRACE_EVENT_DEFINE(apic_guest_error);

/*
 * current_cpu belongs to the exec loop; this weak copy lets the model
 * (and its tests) link alone.  A strong definition elsewhere wins.
 */
__attribute__((weak)) __thread X86CPU *current_cpu;

#define APIC_MAX            256             /* indexed by cpu->index */
#define APIC_VERSION        0x00050014      /* max LVT 5, version 0x14 */
#define APIC_REG_PAGE       0x1000

/* Register indexes: MMIO offset >> 4, x2APIC MSR - 0x800. */
enum {
    R_ID = 0x02, R_VERSION = 0x03, R_TPR = 0x08, R_APR = 0x09,
    R_PPR = 0x0a, R_EOI = 0x0b, R_RRD = 0x0c, R_LDR = 0x0d, R_DFR = 0x0e,
    R_SVR = 0x0f, R_ISR = 0x10, R_TMR = 0x18, R_IRR = 0x20, R_ESR = 0x28,
    R_CMCI = 0x2f, R_ICR_LO = 0x30, R_ICR_HI = 0x31, R_LVT = 0x32,
    R_INITIAL = 0x38, R_CURRENT = 0x39, R_DCR = 0x3e, R_SELF_IPI = 0x3f,
};

/* LVT slots, in register order from 0x320. */
enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR,
       LVT_NUM };

#define LVT_MASKED          (1u << 16)
#define LVT_TIMER_MODE(v)   (((v) >> 17) & 3)
enum { TIMER_ONESHOT, TIMER_PERIODIC, TIMER_TSC_DEADLINE };
/* What a write may set in each LVT (delivery status, remote IRR: RO). */
static const uint32_t lvt_writable[LVT_NUM] = {
    [LVT_TIMER] = 0x700ff, [LVT_THERMAL] = 0x107ff, [LVT_PERF] = 0x107ff,
    [LVT_LINT0] = 0x1a7ff, [LVT_LINT1] = 0x1a7ff, [LVT_ERROR] = 0x100ff,
};

#define SVR_ENABLE          (1u << 8)
#define SVR_WRITABLE        0x3ffu          /* vector, enable, focus */

/* ICR low / MSI data fields */
#define ICR_VECTOR(v)       ((v) & 0xff)
#define ICR_MODE(v)         (((v) >> 8) & 7)
#define ICR_LOGICAL         (1u << 11)
#define ICR_BUSY            (1u << 12)
#define ICR_LEVEL_ASSERT    (1u << 14)
#define ICR_TRIGGER_LEVEL   (1u << 15)
#define ICR_SHORTHAND(v)    (((v) >> 18) & 3)
#define ICR_LO_WRITABLE     0x000ccfffu
enum { SH_NONE, SH_SELF, SH_ALL, SH_OTHERS };
enum { DM_FIXED = 0, DM_LOWEST = 1, DM_SMI = 2, DM_NMI = 4, DM_INIT = 5,
       DM_SIPI = 6, DM_EXTINT = 7 };

/* ESR bits */
#define ESR_SEND_ILLEGAL_VECTOR     (1u << 5)
#define ESR_RECV_ILLEGAL_VECTOR     (1u << 6)
#define ESR_ILLEGAL_REGISTER        (1u << 7)

#define MSI_ADDR_DEST(a)    (((a) >> 12) & 0xff)
#define MSI_ADDR_LOGICAL    (1u << 2)

/* KVM's default min_timer_period_us: the fastest a periodic timer runs. */
#define TIMER_MIN_PERIOD_NS 200000

#define NS_PER_SEC          1000000000ULL

struct APICState {
    X86CPU *cpu;
    Machine *m;
    Timer *timer;

    uint32_t xapic_id;          /* bits 24-31 of the ID register */
    uint32_t tpr;
    uint32_t ldr, dfr, svr;
    uint32_t esr, esr_latched;  /* visible / collected since last write */
    uint32_t irr[8], isr[8], tmr[8];
    uint32_t icr_lo, icr_hi;
    uint32_t lvt[LVT_NUM];
    uint32_t dcr;

    /* timer: count loaded at @load_ns; @next_ns = next expiry, -1 none */
    uint32_t initial_count;
    int64_t load_ns;
    int64_t next_ns;
    uint64_t tsc_deadline;

    bool lint0_level;           /* PIC INTR (boot CPU only) */
    bool extint_msi;            /* an ExtINT message: INTA the PIC */
    bool nmi_pending;
    bool init_pending;
    int sipi_vector;            /* -1: none */

    unsigned pending;           /* APIC_EV_*, atomic; see apic_update */
};

static struct {
    Machine *m;
    MemoryRegion window;
    APICState *apic[APIC_MAX];  /* by cpu->index; set before vCPUs run */
} apics;

static void (*apic_kick_fn)(X86CPU *cpu);
static uint64_t (*apic_read_tsc)(X86CPU *cpu);
static uint64_t apic_tsc_hz = NS_PER_SEC;

/* ---- Helpers ------------------------------------------------------------ */

/* Take the BQL unless the caller holds it; returns whether we took it. */
static bool apic_lock(void)
{
    if (bql_locked()) {
        return false;
    }
    bql_lock();
    return true;
}

static void apic_unlock(bool taken)
{
    if (taken) {
        bql_unlock();
    }
}

static APICState *apic_of(X86CPU *cpu)
{
    APICState *s;

    if (!cpu || cpu->index >= APIC_MAX) {
        return NULL;
    }
    s = __atomic_load_n(&apics.apic[cpu->index], __ATOMIC_ACQUIRE);
    return s && s->cpu == cpu ? s : NULL;
}

static bool apic_hw_enabled(APICState *s)
{
    return s->cpu->apic_base & APIC_BASE_ENABLE;
}

static bool apic_x2(APICState *s)
{
    return s->cpu->apic_base & APIC_BASE_EXTD;
}

static bool apic_sw_enabled(APICState *s)
{
    return s->svr & SVR_ENABLE;
}

static void bit_set(uint32_t *tab, int v)
{
    tab[v >> 5] |= 1u << (v & 31);
}

static void bit_clear(uint32_t *tab, int v)
{
    tab[v >> 5] &= ~(1u << (v & 31));
}

static bool bit_test(const uint32_t *tab, int v)
{
    return tab[v >> 5] & (1u << (v & 31));
}

/* Highest set vector of a 256-bit register, -1 when empty. */
static int bit_highest(const uint32_t *tab)
{
    for (int i = 7; i >= 0; i--) {
        if (tab[i]) {
            return i * 32 + 31 - __builtin_clz(tab[i]);
        }
    }
    return -1;
}

static uint32_t apic_ppr(APICState *s)
{
    int isrv = bit_highest(s->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

    return (s->tpr & 0xf0) >= isr_class ? s->tpr : isr_class;
}

/* SDM "Arbitration Priority Register": TPR or the highest class pending. */
static uint32_t apic_apr(APICState *s)
{
    int irrv = bit_highest(s->irr), isrv = bit_highest(s->isr);
    int top = MAX(MAX(irrv, isrv), 0) & 0xf0;

    return (s->tpr & 0xf0) >= (uint32_t)top ? s->tpr : (uint32_t)top;
}

static uint32_t apic_x2_id(APICState *s)
{
    return s->cpu->apic_id;
}

/* x2APIC logical ID: cluster in 31-16, one bit of 16 in 15-0. */
static uint32_t apic_x2_ldr(APICState *s)
{
    uint32_t id = apic_x2_id(s);

    return ((id >> 4) << 16) | (1u << (id & 15));
}

static bool apic_extint_ready(APICState *s)
{
    uint32_t lint0 = s->lvt[LVT_LINT0];

    if (!s->m->pic) {
        return false;
    }
    if (s->extint_msi) {
        return true;
    }
    if (!s->lint0_level) {
        return false;
    }
    return !apic_hw_enabled(s) ||
           (!(lint0 & LVT_MASKED) && ICR_MODE(lint0) == DM_EXTINT);
}

static bool apic_irq_ready(APICState *s)
{
    int irrv;

    if (apic_extint_ready(s)) {
        return true;
    }
    if (!apic_hw_enabled(s) || !apic_sw_enabled(s)) {
        return false;
    }
    irrv = bit_highest(s->irr);
    return irrv >= 0 && ((uint32_t)irrv & 0xf0) > (apic_ppr(s) & 0xf0);
}

static void apic_kick(APICState *s)
{
    if (apic_kick_fn) {
        apic_kick_fn(s->cpu);
    } else if (s->m->accel && s->m->accel->vcpu_kick) {
        s->m->accel->vcpu_kick(s->cpu);
    }
}

/*
 * Recompute the lock-free summary after any change.  Every change happens
 * under the BQL, so the summary is exact when the BQL is dropped; a vCPU
 * that polled just before is kicked when a new event appears.
 */
static void apic_update(APICState *s)
{
    unsigned ev = 0, old;

    if (apic_irq_ready(s)) {
        ev |= APIC_EV_INTR;
    }
    if (s->nmi_pending) {
        ev |= APIC_EV_NMI;
    }
    if (s->init_pending || s->sipi_vector >= 0) {
        ev |= APIC_EV_INIT_SIPI;
    }
    old = __atomic_exchange_n(&s->pending, ev, __ATOMIC_SEQ_CST);
    if (ev & ~old) {
        apic_kick(s);
    }
}

/* ---- Accepting interrupts ------------------------------------------------ */

static void apic_error(APICState *s, uint32_t bits);

static void apic_set_irr(APICState *s, int vector, bool level)
{
    if (vector < 16) {
        apic_error(s, ESR_RECV_ILLEGAL_VECTOR);
        return;
    }
    bit_set(s->irr, vector);
    if (level) {
        bit_set(s->tmr, vector);
    } else {
        bit_clear(s->tmr, vector);
    }
}

/* The error LVT fires once per new error; an illegal error vector is
 * latched but not delivered, so errors cannot recurse. */
static void apic_error(APICState *s, uint32_t bits)
{
    uint32_t lvt = s->lvt[LVT_ERROR];
    bool fresh = bits & ~s->esr_latched;

    s->esr_latched |= bits;
    trace(apic_guest_error, "cpu=%u esr |= 0x%x", s->cpu->index, bits);
    if (fresh && !(lvt & LVT_MASKED) && ICR_VECTOR(lvt) >= 16) {
        bit_set(s->irr, ICR_VECTOR(lvt));
        bit_clear(s->tmr, ICR_VECTOR(lvt));
    }
}

/* One APIC receives one message; apic_update() is the caller's job. */
static void apic_accept(APICState *s, unsigned mode, int vector, bool level)
{
    trace(apic_accept, "cpu=%u mode=%u vector=0x%x level=%d", s->cpu->index,
          mode, vector, level);
    if (!apic_hw_enabled(s)) {
        return;                 /* off the bus */
    }
    switch (mode) {
    case DM_FIXED:
    case DM_LOWEST:
        if (apic_sw_enabled(s)) {
            apic_set_irr(s, vector, level);
        }
        break;
    case DM_NMI:
        s->nmi_pending = true;
        break;
    case DM_INIT:
        s->init_pending = true;
        s->sipi_vector = -1;
        break;
    case DM_SIPI:
        /* Only a CPU waiting for SIPI (or about to, after a queued INIT)
         * listens; the second SIPI of INIT-SIPI-SIPI is dropped here. */
        if ((s->cpu->sipi_wait || s->init_pending) && s->sipi_vector < 0) {
            s->sipi_vector = vector;
        }
        break;
    case DM_EXTINT:
        s->extint_msi = true;
        break;
    default:                    /* SMI (no SMM), reserved */
        trace(apic_guest_error, "cpu=%u delivery mode %u ignored",
              s->cpu->index, mode);
        break;
    }
}

/*
 * Does @s answer destination @dest?  @x2_format: the message carries a
 * 32-bit x2APIC destination (sender in x2APIC mode), else 8 bits.
 */
static bool apic_match(APICState *s, uint32_t dest, bool logical,
                       bool x2_format)
{
    uint32_t bcast = x2_format ? 0xffffffffu : 0xffu;

    if (dest == bcast) {
        return true;
    }
    if (!logical) {
        return apic_x2(s) ? dest == apic_x2_id(s)
                          : dest == (s->xapic_id & 0xff);
    }
    if (apic_x2(s)) {
        uint32_t ldr = apic_x2_ldr(s);

        if (!x2_format) {
            return false;       /* 8-bit logical IDs mean nothing here */
        }
        return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
    }
    dest &= 0xff;
    if ((s->dfr >> 28) == 0xf) {                /* flat */
        return dest & (s->ldr >> 24);
    }
    /* cluster: high nibble cluster (15 = broadcast), low nibble members */
    return ((dest >> 4) == (s->ldr >> 28) || (dest >> 4) == 0xf) &&
           (dest & (s->ldr >> 24) & 0xf);
}

/*
 * Put a message on the APIC bus.  @sender is NULL for MSIs; @shorthand
 * SH_NONE uses @dest.  Lowest priority picks the matching APIC with the
 * lowest APIC ID (janus's simplification, documented).
 */
static void apic_bus_send(Machine *m, APICState *sender, unsigned shorthand,
                          uint32_t dest, bool logical, bool x2_format,
                          unsigned mode, int vector, bool level)
{
    APICState *targets[APIC_MAX];
    unsigned n = 0;

    for (unsigned i = 0; i < m->ncpus && i < APIC_MAX; i++) {
        APICState *t = apics.apic[i];
        bool hit;

        if (!t || t->m != m) {
            continue;
        }
        switch (shorthand) {
        case SH_SELF:
            hit = t == sender;
            break;
        case SH_ALL:
            hit = true;
            break;
        case SH_OTHERS:
            hit = t != sender;
            break;
        default:
            hit = apic_match(t, dest, logical, x2_format);
            break;
        }
        if (hit) {
            targets[n++] = t;
        }
    }
    if (mode == DM_LOWEST && n > 1) {
        APICState *best = NULL;

        for (unsigned i = 0; i < n; i++) {
            if (apic_hw_enabled(targets[i]) && apic_sw_enabled(targets[i]) &&
                (!best || targets[i]->cpu->apic_id < best->cpu->apic_id)) {
                best = targets[i];
            }
        }
        targets[0] = best ? best : targets[0];
        n = 1;
    }
    for (unsigned i = 0; i < n; i++) {
        apic_accept(targets[i], mode, vector, level);
    }
    for (unsigned i = 0; i < n; i++) {
        apic_update(targets[i]);
    }
}

/* Level-triggered fixed or lowest-priority messages set TMR, so their EOI
 * reaches the IOAPIC (older Linux routes IOAPIC pins as lowest priority). */
static bool apic_level_message(uint32_t lo)
{
    unsigned mode = ICR_MODE(lo);

    return (lo & ICR_TRIGGER_LEVEL) && (mode == DM_FIXED || mode == DM_LOWEST);
}

/* A write of ICR low (xAPIC) or of the ICR MSR (x2APIC). */
static void apic_send_ipi(APICState *s, uint32_t lo, uint32_t dest)
{
    unsigned mode = ICR_MODE(lo), sh = ICR_SHORTHAND(lo);
    int vector = ICR_VECTOR(lo);

    trace(apic_ipi, "cpu=%u icr=0x%x dest=0x%x", s->cpu->index, lo, dest);
    if ((mode == DM_FIXED || mode == DM_LOWEST) && vector < 16) {
        apic_error(s, ESR_SEND_ILLEGAL_VECTOR);
        apic_update(s);
        return;
    }
    if (mode == DM_INIT && !(lo & ICR_LEVEL_ASSERT) &&
        (lo & ICR_TRIGGER_LEVEL)) {
        return;                 /* INIT level de-assert: arbitration only */
    }
    if (mode == 3 || mode == DM_EXTINT ||
        (sh == SH_SELF && mode != DM_FIXED)) {
        trace(apic_guest_error, "cpu=%u ICR 0x%x: invalid combination",
              s->cpu->index, lo);
        return;
    }
    apic_bus_send(s->m, s, sh, dest, lo & ICR_LOGICAL, apic_x2(s), mode,
                  vector, apic_level_message(lo));
}

void apic_deliver_msi(Machine *m, uint64_t addr, uint32_t data)
{
    bool taken = apic_lock();
    unsigned mode = ICR_MODE(data);
    int vector = ICR_VECTOR(data);

    trace(apic_msi, "addr=0x%" PRIx64 " data=0x%x", addr, data);
    if ((addr & ~(APIC_MSI_WINDOW_SIZE - 1)) != APIC_DEFAULT_ADDRESS ||
        mode == 3) {
        trace(apic_guest_error, "MSI addr=0x%" PRIx64 " data=0x%x dropped",
              addr, data);
    } else {
        apic_bus_send(m, NULL, SH_NONE, MSI_ADDR_DEST(addr),
                      addr & MSI_ADDR_LOGICAL, false, mode, vector,
                      apic_level_message(data));
    }
    apic_unlock(taken);
}

/* ---- Timer ---------------------------------------------------------------- */

static unsigned apic_divisor(APICState *s)
{
    unsigned v = (s->dcr & 3) | ((s->dcr >> 1) & 4);

    return v == 7 ? 1 : 2u << v;
}

static unsigned apic_timer_mode(APICState *s)
{
    unsigned mode = LVT_TIMER_MODE(s->lvt[LVT_TIMER]);

    return mode == 3 ? TIMER_ONESHOT : mode;   /* reserved: as one-shot */
}

static uint64_t apic_tsc_now(APICState *s)
{
    return apic_read_tsc ? apic_read_tsc(s->cpu)
                         : (uint64_t)clock_virtual_ns();
}

static uint32_t apic_current_count(APICState *s)
{
    uint64_t ticks, initial = s->initial_count;

    if (apic_timer_mode(s) == TIMER_TSC_DEADLINE || !initial) {
        return 0;
    }
    ticks = (uint64_t)MAX(clock_virtual_ns() - s->load_ns, 0) /
            apic_divisor(s);
    if (apic_timer_mode(s) == TIMER_PERIODIC) {
        return initial - ticks % initial;
    }
    return ticks >= initial ? 0 : initial - ticks;
}

static void apic_timer_stop(APICState *s)
{
    s->next_ns = -1;
    timer_del(s->timer);
}

/* (Re)arm the count-down modes from @load_ns; one-shot already past its
 * end stays idle. */
static void apic_timer_arm(APICState *s)
{
    int64_t period = (int64_t)s->initial_count * apic_divisor(s);
    int64_t now = clock_virtual_ns();

    if (!s->initial_count || apic_timer_mode(s) == TIMER_TSC_DEADLINE) {
        apic_timer_stop(s);
        return;
    }
    s->next_ns = s->load_ns + period;
    if (apic_timer_mode(s) == TIMER_PERIODIC) {
        period = MAX(period, TIMER_MIN_PERIOD_NS);
        if (s->next_ns <= now) {
            s->next_ns += ((now - s->next_ns) / period + 1) * period;
        }
    } else if (s->next_ns <= now) {
        apic_timer_stop(s);
        return;
    }
    timer_mod(s->timer, s->next_ns);
}

static void apic_timer_arm_deadline(APICState *s)
{
    uint64_t tsc, delta;
    unsigned __int128 ns;
    int64_t now = clock_virtual_ns();

    if (!s->tsc_deadline) {
        apic_timer_stop(s);
        return;
    }
    tsc = apic_tsc_now(s);
    delta = s->tsc_deadline > tsc ? s->tsc_deadline - tsc : 0;
    /* ns = ticks * 1e9 / hz, in 128 bits: deadlines may be far away */
    ns = (unsigned __int128)delta * NS_PER_SEC / apic_tsc_hz;
    s->next_ns = ns > (unsigned __int128)(INT64_MAX - now) ? INT64_MAX
                                                           : now + (int64_t)ns;
    timer_mod(s->timer, s->next_ns);
}

static void apic_timer_cb(void *opaque)
{
    APICState *s = opaque;
    uint32_t lvt = s->lvt[LVT_TIMER];
    int64_t now = clock_virtual_ns();

    if (s->next_ns < 0 || now < s->next_ns) {
        return;                 /* re-armed or stopped meanwhile */
    }
    trace(apic_timer, "cpu=%u lvt=0x%x mode=%u", s->cpu->index, lvt,
          apic_timer_mode(s));
    switch (apic_timer_mode(s)) {
    case TIMER_PERIODIC:
        apic_timer_arm(s);      /* next period, from the original load */
        break;
    case TIMER_TSC_DEADLINE:
        s->tsc_deadline = 0;
        apic_timer_stop(s);
        break;
    default:
        s->next_ns = -1;
        break;
    }
    if (!(lvt & LVT_MASKED)) {
        apic_set_irr(s, ICR_VECTOR(lvt), false);
    }
    apic_update(s);
}

/* ---- Register file ------------------------------------------------------- */

/* Read register @idx; false when it does not exist in the current mode. */
static bool apic_reg_read(APICState *s, unsigned idx, uint64_t *val)
{
    bool x2 = apic_x2(s);

    switch (idx) {
    case R_ID:
        *val = x2 ? apic_x2_id(s) : s->xapic_id << 24;
        return true;
    case R_VERSION:
        *val = APIC_VERSION;
        return true;
    case R_TPR:
        *val = s->tpr;
        return true;
    case R_APR:
        *val = apic_apr(s);
        return !x2;
    case R_PPR:
        *val = apic_ppr(s);
        return true;
    case R_LDR:
        *val = x2 ? apic_x2_ldr(s) : s->ldr;
        return true;
    case R_DFR:
        *val = s->dfr;
        return !x2;
    case R_SVR:
        *val = s->svr;
        return true;
    case R_ISR ... R_ISR + 7:
        *val = s->isr[idx - R_ISR];
        return true;
    case R_TMR ... R_TMR + 7:
        *val = s->tmr[idx - R_TMR];
        return true;
    case R_IRR ... R_IRR + 7:
        *val = s->irr[idx - R_IRR];
        return true;
    case R_ESR:
        *val = s->esr;
        return true;
    case R_ICR_LO:
        *val = x2 ? (uint64_t)s->icr_hi << 32 | s->icr_lo : s->icr_lo;
        return true;
    case R_ICR_HI:
        *val = s->icr_hi;
        return !x2;
    case R_LVT ... R_LVT + LVT_NUM - 1:
        *val = s->lvt[idx - R_LVT];
        return true;
    case R_INITIAL:
        *val = s->initial_count;
        return true;
    case R_CURRENT:
        *val = apic_current_count(s);
        return true;
    case R_DCR:
        *val = s->dcr;
        return true;
    default:                    /* EOI, SELF IPI: write-only; reserved */
        return false;
    }
}

static void apic_set_svr(APICState *s, uint32_t val)
{
    s->svr = val & SVR_WRITABLE;
    if (!apic_sw_enabled(s)) {
        /* Software disable masks every LVT and keeps them masked. */
        for (int i = 0; i < LVT_NUM; i++) {
            s->lvt[i] |= LVT_MASKED;
        }
    }
}

static void apic_set_lvt(APICState *s, unsigned n, uint32_t val)
{
    unsigned old_mode = apic_timer_mode(s);

    s->lvt[n] = (s->lvt[n] & ~lvt_writable[n]) | (val & lvt_writable[n]);
    if (!apic_sw_enabled(s)) {
        s->lvt[n] |= LVT_MASKED;
    }
    if (n != LVT_TIMER || apic_timer_mode(s) == old_mode) {
        return;
    }
    /* Entering or leaving TSC-deadline mode disarms the timer; between
     * one-shot and periodic the running count continues. */
    if (old_mode == TIMER_TSC_DEADLINE ||
        apic_timer_mode(s) == TIMER_TSC_DEADLINE) {
        s->initial_count = 0;
        s->tsc_deadline = 0;
        apic_timer_stop(s);
    } else {
        apic_timer_arm(s);
    }
}

static void apic_set_dcr(APICState *s, uint32_t val)
{
    uint32_t count = apic_current_count(s);

    s->dcr = val & 0xb;
    if (s->initial_count && count) {
        /* keep the current count; it runs on at the new rate */
        s->load_ns = clock_virtual_ns() -
                     (int64_t)(s->initial_count - count) * apic_divisor(s);
        apic_timer_arm(s);
    }
}

static void apic_eoi(APICState *s)
{
    int v = bit_highest(s->isr);

    if (v < 0) {
        return;
    }
    bit_clear(s->isr, v);
    trace(apic_eoi, "cpu=%u vector=0x%x level=%d", s->cpu->index, v,
          bit_test(s->tmr, v));
    if (bit_test(s->tmr, v)) {
        bit_clear(s->tmr, v);
        if (s->m->ioapic) {
            ioapic_eoi_broadcast(s->m->ioapic, v);
        }
    }
}

/*
 * Write register @idx; false when the register cannot be written in the
 * current mode (x2APIC turns that into #GP).  Updates the summary.
 */
static bool apic_reg_write(APICState *s, unsigned idx, uint64_t val)
{
    bool x2 = apic_x2(s), ok = true;
    uint32_t v = (uint32_t)val;

    switch (idx) {
    case R_ID:
        /* writable in xAPIC mode (as on P6 and QEMU); RO in x2APIC */
        if (x2) {
            return false;
        }
        s->xapic_id = v >> 24;
        break;
    case R_TPR:
        s->tpr = v & 0xff;
        break;
    case R_EOI:
        if (x2 && v) {
            return false;
        }
        apic_eoi(s);
        break;
    case R_LDR:
        if (x2) {
            return false;
        }
        s->ldr = v & 0xff000000;
        break;
    case R_DFR:
        if (x2) {
            return false;
        }
        s->dfr = v | 0x0fffffff;
        break;
    case R_SVR:
        apic_set_svr(s, v);
        break;
    case R_ESR:
        if (x2 && v) {
            return false;
        }
        s->esr = s->esr_latched;
        s->esr_latched = 0;
        break;
    case R_ICR_LO:
        s->icr_lo = v & ICR_LO_WRITABLE;
        if (x2) {
            s->icr_hi = val >> 32;
            apic_send_ipi(s, s->icr_lo, s->icr_hi);
        } else {
            apic_send_ipi(s, s->icr_lo, s->icr_hi >> 24);
        }
        break;
    case R_ICR_HI:
        if (x2) {
            return false;
        }
        s->icr_hi = v & 0xff000000;
        break;
    case R_LVT ... R_LVT + LVT_NUM - 1:
        apic_set_lvt(s, idx - R_LVT, v);
        break;
    case R_INITIAL:
        if (apic_timer_mode(s) == TIMER_TSC_DEADLINE) {
            break;              /* ignored in TSC-deadline mode */
        }
        s->initial_count = v;
        s->load_ns = clock_virtual_ns();
        apic_timer_arm(s);
        break;
    case R_DCR:
        apic_set_dcr(s, v);
        break;
    case R_SELF_IPI:
        if (!x2) {
            return false;
        }
        apic_send_ipi(s, (v & 0xff) | SH_SELF << 18, 0);
        break;
    default:
        ok = false;
        break;
    }
    apic_update(s);
    return ok;
}

/* ---- The 0xfee00000 window ------------------------------------------------ */

/* The APIC a CPU access reaches, NULL when the page is not there for it
 * (no current vCPU, globally disabled, or x2APIC mode). */
static APICState *apic_mmio_target(void)
{
    APICState *s = apic_of(current_cpu);

    if (!s || !apic_hw_enabled(s) || apic_x2(s)) {
        return NULL;
    }
    return s;
}

/* Narrow reads inside a register return its bytes; KVM allows them too. */
static uint64_t apic_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    APICState *s = apic_mmio_target();
    unsigned off = addr & 0xf;
    uint64_t val = 0;

    (void)opaque;
    if (!s || addr >= APIC_REG_PAGE || off + size > 4) {
        return 0;
    }
    if (!apic_reg_read(s, addr >> 4, &val)) {
        val = 0;
    }
    trace(apic_mmio_read, "cpu=%u off=0x%03" HWADDR_PRIx " val=0x%" PRIx64,
          s->cpu->index, addr, val);
    return (uint32_t)val >> (8 * off);
}

/*
 * MSIs and the register page share the window, as in QEMU: on real
 * hardware MSIs travel on PCI and the page sits inside the CPU, but each
 * is reserved space for the other.  A write from a device (no current
 * vCPU), past the page, or to offset 0 (reserved; 0xfee00000 is the usual
 * MSI address for APIC 0) is a message.
 */
static void apic_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                            unsigned size)
{
    APICState *s;

    if (!current_cpu || addr >= APIC_REG_PAGE || addr < 0x10) {
        apic_deliver_msi(opaque, APIC_DEFAULT_ADDRESS + addr, (uint32_t)val);
        return;
    }
    s = apic_mmio_target();
    if (!s || (addr & 0xf) || size != 4) {
        trace(apic_guest_error, "mmio write off=0x%" HWADDR_PRIx
              " size=%u ignored", addr, size);
        return;             /* registers are written as whole dwords */
    }
    trace(apic_mmio_write, "cpu=%u off=0x%03" HWADDR_PRIx " val=0x%" PRIx64,
          s->cpu->index, addr, val);
    if (!apic_reg_write(s, addr >> 4, (uint32_t)val)) {
        /* Read-only registers ignore writes; holes flag an error. */
        uint64_t dummy;

        if (!apic_reg_read(s, addr >> 4, &dummy) && (addr >> 4) != R_EOI) {
            apic_error(s, ESR_ILLEGAL_REGISTER);
            apic_update(s);
        }
    }
}

static const MemoryRegionOps apic_mmio_ops = {
    .read = apic_mmio_read,
    .write = apic_mmio_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* ---- MSRs ---------------------------------------------------------------- */

int apic_msr_read(X86CPU *cpu, uint32_t msr, uint64_t *val)
{
    bool taken = apic_lock();
    APICState *s = apic_of(cpu);
    int ret = -1;

    *val = 0;
    if (!s) {
        /* no APIC model: #GP */
    } else if (msr == MSR_IA32_TSC_DEADLINE) {
        *val = apic_timer_mode(s) == TIMER_TSC_DEADLINE ? s->tsc_deadline : 0;
        ret = 0;
    } else if (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST &&
               apic_hw_enabled(s) && apic_x2(s) &&
               apic_reg_read(s, msr - MSR_X2APIC_FIRST, val)) {
        ret = 0;
    }
    trace(apic_msr, "cpu=%u rdmsr 0x%x -> 0x%" PRIx64 " ret=%d",
          cpu ? cpu->index : 0, msr, *val, ret);
    apic_unlock(taken);
    return ret;
}

int apic_msr_write(X86CPU *cpu, uint32_t msr, uint64_t val)
{
    bool taken = apic_lock();
    APICState *s = apic_of(cpu);
    unsigned idx = msr - MSR_X2APIC_FIRST;
    int ret = -1;

    if (!s) {
        /* no APIC model: #GP */
    } else if (msr == MSR_IA32_TSC_DEADLINE) {
        /* Writes outside TSC-deadline mode are ignored, not faults. */
        if (apic_timer_mode(s) == TIMER_TSC_DEADLINE) {
            s->tsc_deadline = val;
            apic_timer_arm_deadline(s);
        }
        ret = 0;
    } else if (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST &&
               apic_hw_enabled(s) && apic_x2(s) &&
               ((val >> 32) == 0 || idx == R_ICR_LO)) {
        ret = apic_reg_write(s, idx, val) ? 0 : -1;
    }
    trace(apic_msr, "cpu=%u wrmsr 0x%x <- 0x%" PRIx64 " ret=%d",
          cpu ? cpu->index : 0, msr, val, ret);
    apic_unlock(taken);
    return ret;
}

uint64_t apic_get_base(X86CPU *cpu)
{
    return cpu->apic_base;
}

int apic_set_base(X86CPU *cpu, uint64_t val)
{
    bool taken = apic_lock();
    APICState *s = apic_of(cpu);
    uint64_t old = cpu->apic_base;
    uint64_t reserved = ~(APIC_BASE_BSP | APIC_BASE_EXTD | APIC_BASE_ENABLE |
                          APIC_BASE_ADDR_MASK);
    bool en = val & APIC_BASE_ENABLE, x2 = val & APIC_BASE_EXTD;
    bool old_en = old & APIC_BASE_ENABLE, old_x2 = old & APIC_BASE_EXTD;
    int ret = 0;

    /* Legal moves: disabled <-> xAPIC <-> x2APIC, x2APIC -> disabled. */
    if ((val & reserved) || (x2 && !en) ||
        (old_en && old_x2 && en && !x2) || (!old_en && x2)) {
        trace(apic_set_base, "cpu=%u 0x%" PRIx64 " -> 0x%" PRIx64 ": #GP",
              cpu->index, old, val);
        ret = -1;
        goto out;
    }
    if ((val & APIC_BASE_ADDR_MASK) != APIC_DEFAULT_ADDRESS &&
        (val & APIC_BASE_ADDR_MASK) != (old & APIC_BASE_ADDR_MASK)) {
        warn_report("cpu %u: moving the local APIC to 0x%" PRIx64
                    " is not supported; it stays at 0x%" PRIx64, cpu->index,
                    val & APIC_BASE_ADDR_MASK, (uint64_t)APIC_DEFAULT_ADDRESS);
    }
    /* The BSP flag is the hardware's to set. */
    cpu->apic_base = (val & ~APIC_BASE_BSP) | (old & APIC_BASE_BSP);
    trace(apic_set_base, "cpu=%u 0x%" PRIx64 " -> 0x%" PRIx64, cpu->index,
          old, cpu->apic_base);
    if (s && old_en && !en) {
        /* Disabled: as from reset once re-enabled (SDM 11.4.3). */
        apic_reset(cpu);
    } else if (s) {
        apic_update(s);
    }
out:
    apic_unlock(taken);
    return ret;
}

uint64_t apic_get_cr8(X86CPU *cpu)
{
    bool taken = apic_lock();
    APICState *s = apic_of(cpu);
    uint64_t v = s ? s->tpr >> 4 : 0;

    apic_unlock(taken);
    return v;
}

void apic_set_cr8(X86CPU *cpu, uint64_t val)
{
    bool taken = apic_lock();
    APICState *s = apic_of(cpu);

    if (s) {
        s->tpr = (val & 15) << 4;
        apic_update(s);
    }
    apic_unlock(taken);
}

/* ---- The exec loop's side -------------------------------------------------- */

unsigned apic_pending(X86CPU *cpu)
{
    APICState *s = apic_of(cpu);

    return s ? __atomic_load_n(&s->pending, __ATOMIC_ACQUIRE) : 0;
}

bool apic_has_interrupt(X86CPU *cpu)
{
    bool taken = apic_lock();
    APICState *s = apic_of(cpu);
    bool r = s && apic_irq_ready(s);

    apic_unlock(taken);
    return r;
}

int apic_get_interrupt(X86CPU *cpu)
{
    bool taken = apic_lock();
    APICState *s = apic_of(cpu);
    int v = -1;

    if (!s) {
        goto out;
    }
    /* ExtINT first, as KVM does: the PIC is not behind the IRR. */
    if (apic_extint_ready(s)) {
        s->extint_msi = false;
        v = pic_read_irq(s->m->pic);
        trace(apic_ack, "cpu=%u extint vector=0x%x", cpu->index, v);
    } else if (apic_irq_ready(s)) {
        v = bit_highest(s->irr);
        bit_clear(s->irr, v);
        bit_set(s->isr, v);
        trace(apic_ack, "cpu=%u vector=0x%x", cpu->index, v);
    }
    apic_update(s);
out:
    apic_unlock(taken);
    return v;
}

bool apic_take_nmi(X86CPU *cpu)
{
    bool taken = apic_lock();
    APICState *s = apic_of(cpu);
    bool r = s && s->nmi_pending;

    if (r) {
        s->nmi_pending = false;
        apic_update(s);
    }
    apic_unlock(taken);
    return r;
}

/* INIT: x86_cpu_reset() minus what INIT leaves alone (SDM table 10-1
 * "INIT": MSRs, x87/SSE state, the APIC base). */
static void apic_cpu_init_state(X86CPU *cpu)
{
    X86CPU keep = *cpu;

    x86_cpu_reset(cpu);
    cpu->fpu = keep.fpu;
    cpu->star = keep.star;
    cpu->lstar = keep.lstar;
    cpu->cstar = keep.cstar;
    cpu->fmask = keep.fmask;
    cpu->kernel_gs_base = keep.kernel_gs_base;
    cpu->sysenter_cs = keep.sysenter_cs;
    cpu->sysenter_esp = keep.sysenter_esp;
    cpu->sysenter_eip = keep.sysenter_eip;
    cpu->pat = keep.pat;
    cpu->tsc = keep.tsc;
    cpu->apic_base = keep.apic_base;
    cpu->misc_enable = keep.misc_enable;
    cpu->tsc_aux = keep.tsc_aux;
    /* Only the BSP restarts at the reset vector; APs wait for SIPI. */
    cpu->halted = cpu->sipi_wait = !(cpu->apic_base & APIC_BASE_BSP);
}

bool apic_handle_init_sipi(X86CPU *cpu)
{
    bool taken = apic_lock();
    APICState *s = apic_of(cpu);
    bool changed = false;

    if (!s) {
        goto out;
    }
    if (s->init_pending) {
        int sipi = s->sipi_vector;

        trace(apic_init_sipi, "cpu=%u INIT", cpu->index);
        apic_cpu_init_state(cpu);
        apic_reset(cpu);        /* clears init_pending and sipi_vector */
        s->sipi_vector = sipi;  /* a SIPI queued behind the INIT stays */
        changed = true;
    }
    if (s->sipi_vector >= 0) {
        int v = s->sipi_vector;

        s->sipi_vector = -1;
        if (cpu->sipi_wait) {
            SegmentCache *cs = &cpu->segs[R_CS];

            trace(apic_init_sipi, "cpu=%u SIPI vector=0x%02x", cpu->index,
                  v);
            cs->selector = v << 8;
            cs->base = (uint64_t)v << 12;
            cs->limit = 0xffff;
            cs->attr = SEG_ATTR_P | SEG_ATTR_S | 0xb;
            cpu->rip = 0;
            cpu->halted = cpu->sipi_wait = false;
            cpu->regs_dirty = true;
            changed = true;
        }
    }
    apic_update(s);
out:
    apic_unlock(taken);
    return changed;
}

void apic_set_extint(Machine *m, int level)
{
    bool taken = apic_lock();
    APICState *s = m->ncpus ? apic_of(m->cpus[0]) : NULL;

    if (s) {
        uint32_t lint0 = s->lvt[LVT_LINT0];
        bool rising = level && !s->lint0_level;

        s->lint0_level = level != 0;
        /* LINT0 in fixed or NMI mode sees the line as an edge source. */
        if (rising && apic_hw_enabled(s) && !(lint0 & LVT_MASKED)) {
            unsigned mode = ICR_MODE(lint0);

            if (mode == DM_FIXED || mode == DM_NMI) {
                apic_accept(s, mode, ICR_VECTOR(lint0), false);
            }
        }
        apic_update(s);
    }
    apic_unlock(taken);
}

/* ---- Setup and reset -------------------------------------------------------- */

void apic_set_kick_fn(void (*kick)(X86CPU *cpu))
{
    apic_kick_fn = kick;
}

void apic_set_tsc_fn(uint64_t (*read_tsc)(X86CPU *cpu), uint64_t tsc_hz)
{
    apic_read_tsc = read_tsc;
    apic_tsc_hz = read_tsc && tsc_hz ? tsc_hz : NS_PER_SEC;
}

void apic_reset(X86CPU *cpu)
{
    bool taken = apic_lock();
    APICState *s = apic_of(cpu);

    if (s) {
        bool lint0_level = s->lint0_level;

        apic_timer_stop(s);
        s->xapic_id = cpu->apic_id & 0xff;
        s->tpr = s->ldr = s->esr = s->esr_latched = 0;
        s->dfr = 0xffffffff;
        s->svr = 0xff;
        memset(s->irr, 0, sizeof(s->irr));
        memset(s->isr, 0, sizeof(s->isr));
        memset(s->tmr, 0, sizeof(s->tmr));
        s->icr_lo = s->icr_hi = 0;
        for (int i = 0; i < LVT_NUM; i++) {
            s->lvt[i] = LVT_MASKED;
        }
        s->dcr = 0;
        s->initial_count = 0;
        s->load_ns = 0;
        s->tsc_deadline = 0;
        s->lint0_level = lint0_level;   /* a wire, not APIC state */
        s->extint_msi = s->nmi_pending = s->init_pending = false;
        s->sipi_vector = -1;
        apic_update(s);
    }
    apic_unlock(taken);
}

static void apic_machine_reset(void *opaque)
{
    Machine *m = opaque;

    for (unsigned i = 0; i < m->ncpus; i++) {
        apic_reset(m->cpus[i]);
    }
    /*
     * janus boots kernels without firmware, so it leaves what the BIOS
     * (SeaBIOS under QEMU) leaves: the boot CPU's LINT0 unmasked in ExtINT
     * mode, so PIC interrupts reach it.  accel/kvm does the same for the
     * in-kernel APIC.
     */
    if (m->ncpus) {
        APICState *bsp = apic_of(m->cpus[0]);

        if (bsp) {
            bool taken = apic_lock();

            bsp->lvt[LVT_LINT0] = DM_EXTINT << 8;
            apic_update(bsp);
            apic_unlock(taken);
        }
    }
}

int apic_init_machine(Machine *m, GError **errp)
{
    bool taken = apic_lock();
    int ret = 0;

    if (apics.m && apics.m != m) {
        g_set_error(errp, JANUS_ERROR, 0,
                    "local APIC: already set up for another machine");
        ret = -EBUSY;
        goto out;
    }
    if (!apics.m) {
        apics.m = m;
        memory_region_init_io(&apics.window, &apic_mmio_ops, m, "apic-msi",
                              APIC_MSI_WINDOW_SIZE);
        /* above the PCI hole and anything a guest maps there */
        memory_region_add_subregion_overlap(m->system_memory,
                                            APIC_DEFAULT_ADDRESS,
                                            &apics.window, 0x1000);
        machine_register_reset(m, apic_machine_reset, m);
    }
    for (unsigned i = 0; m->cpus && i < m->ncpus; i++) {
        X86CPU *cpu = m->cpus[i];
        APICState *s;

        if (!cpu || apic_of(cpu)) {
            continue;
        }
        if (cpu->index >= APIC_MAX) {
            g_set_error(errp, JANUS_ERROR, 0,
                        "local APIC: CPU index %u out of range (max %d)",
                        cpu->index, APIC_MAX - 1);
            ret = -EINVAL;
            goto out;
        }
        s = g_new0(APICState, 1);
        s->cpu = cpu;
        s->m = m;
        s->timer = timer_new(apic_timer_cb, s);
        s->next_ns = -1;
        s->sipi_vector = -1;
        __atomic_store_n(&apics.apic[cpu->index], s, __ATOMIC_RELEASE);
        apic_reset(cpu);
    }
out:
    apic_unlock(taken);
    return ret;
}
