/*
 * i8259.c: two cascaded 8259A PICs, master at 0x20, slave at 0xa0, with
 * the PIIX edge/level control registers (ELCR) at 0x4d0-0x4d1.
 *
 * The slave's INT output feeds the master's IR2.  That input follows the
 * slave's output as a level instead of latching an edge: the master then
 * sees a request again whenever the slave still has one after an INTA
 * (auto-EOI on the slave, two requests queued), which an edge latch fed
 * by a line that never dropped would lose.
 *
 * Priority is kept as "top", the IR number that currently has the highest
 * priority (0 until a rotate command moves it).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include "hw/intc/i8259.h"
#include "hw/machine.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(pic_ioport_write);
TRACE_EVENT_DEFINE(pic_ioport_read);
TRACE_EVENT_DEFINE(pic_set_irq);
TRACE_EVENT_DEFINE(pic_intack);
TRACE_EVENT_DEFINE(pic_spurious);
TRACE_EVENT_DEFINE(pic_update_intr);
TRACE_EVENT_DEFINE(pic_elcr_write);
TRACE_EVENT_DEFINE(pic_unsupported);

#define PIC_CASCADE_IRQ 2

typedef struct PicChip {
    PICState *s;
    bool is_master;
    uint8_t irr;            /* requests latched (edge) or present (level) */
    uint8_t imr;
    uint8_t isr;
    uint8_t line;           /* current input levels, for edge detection */
    uint8_t elcr;           /* 1 = level triggered */
    uint8_t elcr_mask;      /* which ELCR bits the board lets change */
    uint8_t top;            /* IR with the highest priority */
    uint8_t base;           /* ICW2: vector of IR0 */
    uint8_t init_step;      /* 0 ready, 1 want ICW2, 2 want ICW3, 3 ICW4 */
    bool need_icw4;
    bool single;
    bool read_isr;          /* OCW3 RR/RIS: command port reads ISR */
    bool poll;              /* OCW3 P: next read is a poll */
    bool special_mask;
    bool auto_eoi;
    bool rotate_aeoi;
    bool sfnm;              /* special fully nested mode (master only) */
    MemoryRegion io;
} PicChip;

struct PICState {
    Machine *m;
    PicChip chip[2];
    int intr;               /* last level given to machine_set_extint */
    MemoryRegion elcr_io;
};

/* Priority rank (0 = highest) of the best IR set in @mask; 8 if none. */
static int pic_rank(PicChip *c, uint8_t mask)
{
    for (int i = 0; i < 8; i++) {
        if (mask & (1u << ((c->top + i) & 7))) {
            return i;
        }
    }
    return 8;
}

/* The IR this chip would hand out on INTA now, or -1. */
static int pic_chip_pending(PicChip *c)
{
    uint8_t req = c->irr & ~c->imr;
    uint8_t in_service = c->isr;
    int rank, cur, irq;

    if (!req) {
        return -1;
    }
    rank = pic_rank(c, req);
    irq = (c->top + rank) & 7;
    /* Special mask mode: a masked in-service level no longer holds back
     * lower priorities, which is the whole point of the mode. */
    if (c->special_mask) {
        in_service &= ~c->imr;
    }
    cur = pic_rank(c, in_service);
    if (rank < cur) {
        return irq;
    }
    /* Special fully nested: the slave may interrupt its own service
     * routine with a higher-priority slave request. */
    if (c->is_master && c->sfnm && rank == cur && irq == PIC_CASCADE_IRQ) {
        return irq;
    }
    return -1;
}

static void pic_update(PICState *s)
{
    PicChip *master = &s->chip[0];
    int intr;

    if (pic_chip_pending(&s->chip[1]) >= 0) {
        master->irr |= 1u << PIC_CASCADE_IRQ;
    } else {
        master->irr &= ~(1u << PIC_CASCADE_IRQ);
    }
    intr = pic_chip_pending(master) >= 0;
    if (intr != s->intr) {
        /* Record first: the accelerator may run the INTA cycle from
         * inside machine_set_extint and re-enter pic_update. */
        s->intr = intr;
        trace(pic_update_intr, "level=%d", intr);
        machine_set_extint(s->m, intr);
    }
}

/* Move @irq from IRR to ISR, as the second INTA pulse does. */
static void pic_ack(PicChip *c, int irq)
{
    uint8_t bit = 1u << irq;

    /* A level request stays in IRR while the line is high; it comes back
     * after EOI if the device did not lower it. */
    if (!(c->elcr & bit)) {
        c->irr &= ~bit;
    }
    if (c->auto_eoi) {
        if (c->rotate_aeoi) {
            c->top = (irq + 1) & 7;
        }
    } else {
        c->isr |= bit;
    }
}

static void pic_chip_set_line(PicChip *c, int irq, int level)
{
    uint8_t bit = 1u << irq;

    if (c->elcr & bit) {
        if (level) {
            c->irr |= bit;
            c->line |= bit;
        } else {
            c->irr &= ~bit;
            c->line &= ~bit;
        }
    } else if (level) {
        if (!(c->line & bit)) {
            c->irr |= bit;
        }
        c->line |= bit;
    } else {
        c->line &= ~bit;
    }
}

void pic_set_irq(void *opaque, int irq, int level)
{
    PICState *s = opaque;

    if (!s) {
        return;
    }
    trace(pic_set_irq, "irq=%d level=%d", irq, level);
    if (irq < 0 || irq > 15 || irq == PIC_CASCADE_IRQ) {
        /* IR2 of the master is the cascade; nothing else drives it. */
        trace(pic_unsupported, "set_irq irq=%d ignored", irq);
        return;
    }
    pic_chip_set_line(&s->chip[irq >> 3], irq & 7, level);
    pic_update(s);
}

int pic_read_irq(void *opaque)
{
    PICState *s = opaque;
    PicChip *master = &s->chip[0], *slave = &s->chip[1];
    int irq, sirq, vector;

    irq = pic_chip_pending(master);
    if (irq < 0) {
        /* The request went away between INTR and INTA: the 8259 answers
         * with IR7's vector and sets no ISR bit. */
        vector = master->base + 7;
        trace(pic_spurious, "irq=7 vector=0x%x", vector);
        return vector;
    }
    pic_ack(master, irq);
    if (irq == PIC_CASCADE_IRQ) {
        sirq = pic_chip_pending(slave);
        if (sirq < 0) {
            vector = slave->base + 7;
            trace(pic_spurious, "irq=15 vector=0x%x", vector);
        } else {
            pic_ack(slave, sirq);
            vector = slave->base + sirq;
            irq = sirq + 8;
        }
    } else {
        vector = master->base + irq;
    }
    trace(pic_intack, "irq=%d vector=0x%x", irq, vector);
    pic_update(s);
    return vector;
}

bool pic_intr_pending(void *opaque)
{
    PICState *s = opaque;

    return s && pic_chip_pending(&s->chip[0]) >= 0;
}

static uint8_t pic_poll(PicChip *c)
{
    int irq = pic_chip_pending(c);

    c->poll = false;
    if (irq < 0) {
        return 0;
    }
    pic_ack(c, irq);
    pic_update(c->s);
    return 0x80 | irq;
}

static void pic_icw1(PicChip *c, uint8_t val)
{
    if (val & 0x08) {
        /* LTIM: a PIIX ignores it, the ELCR decides per IR. */
        trace(pic_unsupported, "icw1 LTIM ignored val=0x%x", val);
    }
    c->init_step = 1;
    c->need_icw4 = val & 0x01;
    c->single = val & 0x02;
    c->imr = 0;
    c->isr = 0;
    /* The edge-sense latches reset: an edge request needs a new rising
     * edge; a level request is simply still there. */
    c->irr = c->line & c->elcr;
    c->top = 0;
    c->read_isr = false;
    c->poll = false;
    c->special_mask = false;
    c->auto_eoi = false;
    c->rotate_aeoi = false;
    c->sfnm = false;
}

static void pic_ocw2(PicChip *c, uint8_t val)
{
    int cmd = val >> 5;
    int irq = val & 7;
    uint8_t candidates;
    int rank;

    switch (cmd) {
    case 0:     /* clear rotate in auto-EOI */
        c->rotate_aeoi = false;
        break;
    case 4:     /* set rotate in auto-EOI */
        c->rotate_aeoi = true;
        break;
    case 1:     /* non-specific EOI */
    case 5:     /* rotate on non-specific EOI */
        candidates = c->isr;
        if (c->special_mask) {
            candidates &= ~c->imr;
        }
        rank = pic_rank(c, candidates);
        if (rank < 8) {
            irq = (c->top + rank) & 7;
            c->isr &= ~(1u << irq);
            if (cmd == 5) {
                c->top = (irq + 1) & 7;
            }
        }
        break;
    case 3:     /* specific EOI */
        c->isr &= ~(1u << irq);
        break;
    case 7:     /* rotate on specific EOI */
        c->isr &= ~(1u << irq);
        c->top = (irq + 1) & 7;
        break;
    case 6:     /* set priority: @irq becomes the lowest */
        c->top = (irq + 1) & 7;
        break;
    default:    /* 2: no operation */
        break;
    }
}

static void pic_ioport_write(void *opaque, hwaddr addr, uint64_t data,
                             unsigned size G_GNUC_UNUSED)
{
    PicChip *c = opaque;
    uint8_t val = data;

    trace(pic_ioport_write, "chip=%d addr=0x%x val=0x%x", !c->is_master,
          (unsigned)addr, val);
    if (addr == 0) {
        if (val & 0x10) {
            pic_icw1(c, val);
        } else if (val & 0x08) {
            if (val & 0x04) {
                c->poll = true;
            }
            if (val & 0x02) {
                c->read_isr = val & 0x01;
            }
            if (val & 0x40) {
                c->special_mask = (val >> 5) & 1;
            }
        } else {
            pic_ocw2(c, val);
        }
    } else {
        switch (c->init_step) {
        case 0:
            c->imr = val;
            break;
        case 1:
            c->base = val & 0xf8;
            c->init_step = !c->single ? 2 : c->need_icw4 ? 3 : 0;
            break;
        case 2:
            /* ICW3: the cascade wiring is fixed on a PC. */
            c->init_step = c->need_icw4 ? 3 : 0;
            break;
        default:
            if (!(val & 0x01)) {
                trace(pic_unsupported, "icw4 8080 mode val=0x%x", val);
            }
            c->auto_eoi = val & 0x02;
            c->sfnm = c->is_master && (val & 0x10);
            c->init_step = 0;
            break;
        }
    }
    pic_update(c->s);
}

static uint64_t pic_ioport_read(void *opaque, hwaddr addr,
                                unsigned size G_GNUC_UNUSED)
{
    PicChip *c = opaque;
    uint8_t val;

    if (c->poll) {
        val = pic_poll(c);
    } else if (addr == 0) {
        val = c->read_isr ? c->isr : c->irr;
    } else {
        val = c->imr;
    }
    trace(pic_ioport_read, "chip=%d addr=0x%x val=0x%x", !c->is_master,
          (unsigned)addr, val);
    return val;
}

static const MemoryRegionOps pic_ops = {
    .read = pic_ioport_read,
    .write = pic_ioport_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static void pic_elcr_write(void *opaque, hwaddr addr, uint64_t data,
                           unsigned size G_GNUC_UNUSED)
{
    PICState *s = opaque;
    PicChip *c = &s->chip[addr & 1];

    trace(pic_elcr_write, "chip=%d val=0x%x", (int)(addr & 1),
          (unsigned)(data & 0xff));
    c->elcr = data & c->elcr_mask;
    /* Inputs now level-triggered report their current level. */
    c->irr = (c->irr & ~c->elcr) | (c->line & c->elcr);
    pic_update(s);
}

static uint64_t pic_elcr_read(void *opaque, hwaddr addr,
                              unsigned size G_GNUC_UNUSED)
{
    PICState *s = opaque;

    return s->chip[addr & 1].elcr;
}

static const MemoryRegionOps pic_elcr_ops = {
    .read = pic_elcr_read,
    .write = pic_elcr_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static void pic_reset(void *opaque)
{
    PICState *s = opaque;

    for (int i = 0; i < 2; i++) {
        PicChip *c = &s->chip[i];

        c->elcr = 0;
        pic_icw1(c, 0);
        c->init_step = 0;
        c->base = 0;
    }
    pic_update(s);
}

static int pic_create(Machine *m, Opts *opts, GError **errp)
{
    PICState *s;

    if (opts && opts_check_unused(opts, "-device i8259", errp) < 0) {
        return -EINVAL;
    }
    if (m->pic) {
        g_set_error(errp, JANUS_ERROR, 0, "i8259: the machine has a PIC");
        return -EEXIST;
    }
    s = g_new0(PICState, 1);
    s->m = m;
    for (int i = 0; i < 2; i++) {
        s->chip[i].s = s;
        s->chip[i].is_master = i == 0;
        memory_region_init_io(&s->chip[i].io, &pic_ops, &s->chip[i], "pic",
                              2);
    }
    /* IRQ 0, 1, 2 (master) and 8, 13 (slave) are edge-only on a PIIX. */
    s->chip[0].elcr_mask = 0xf8;
    s->chip[1].elcr_mask = 0xde;
    memory_region_init_io(&s->elcr_io, &pic_elcr_ops, s, "elcr", 2);
    memory_region_add_subregion(m->system_io, 0x20, &s->chip[0].io);
    memory_region_add_subregion(m->system_io, 0xa0, &s->chip[1].io);
    memory_region_add_subregion(m->system_io, 0x4d0, &s->elcr_io);
    pic_reset(s);
    m->pic = s;
    machine_register_reset(m, pic_reset, s);
    return 0;
}

static DeviceInfo i8259_info = {
    .name = "i8259",
    .desc = "two cascaded 8259A interrupt controllers (built in)",
    .user_creatable = false,
    .create = pic_create,
};
DEVICE_REGISTER(i8259_info)
