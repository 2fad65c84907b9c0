/*
 * ioapic.c: the I/O APIC, 24 pins, registers at 0xfec00000.
 *
 * Memory interface: IOREGSEL (0x00) selects a register, IOWIN (0x10)
 * reads or writes it; version 0x20 adds the EOI register (0x40) that
 * Linux uses instead of toggling the trigger mode.  Register 0 is the ID,
 * 1 the version (max redirection entry 23 in bits 16-23), 2 arbitration,
 * 0x10 + 2n / 0x11 + 2n the low / high half of redirection entry n.
 *
 * A delivery is an MSI write (address 0xfee00000 | dest << 12 | dest mode
 * << 2, data vector | delivery mode << 8 | assert << 14 | trigger << 15),
 * which is what the 82093AA's successors put on the bus too.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include "hw/intc/ioapic.h"
#include "hw/machine.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(ioapic_set_irq);
TRACE_EVENT_DEFINE(ioapic_deliver);
TRACE_EVENT_DEFINE(ioapic_mem_read);
TRACE_EVENT_DEFINE(ioapic_mem_write);
TRACE_EVENT_DEFINE(ioapic_eoi);
TRACE_EVENT_DEFINE(ioapic_guest_error);

#define IOAPIC_REG_SEL      0x00
#define IOAPIC_REG_WIN      0x10
#define IOAPIC_REG_EOI      0x40
#define IOAPIC_MMIO_SIZE    0x1000

#define IOAPIC_IDX_ID       0x00
#define IOAPIC_IDX_VERSION  0x01
#define IOAPIC_IDX_ARB      0x02
#define IOAPIC_IDX_REDIR    0x10

#define RTE_VECTOR_MASK     0xffULL
#define RTE_DELIV_SHIFT     8
#define RTE_DEST_MODE       (1ULL << 11)
#define RTE_DELIV_STATUS    (1ULL << 12)
#define RTE_POLARITY        (1ULL << 13)
#define RTE_REMOTE_IRR      (1ULL << 14)
#define RTE_TRIGGER_LEVEL   (1ULL << 15)
#define RTE_MASKED          (1ULL << 16)
#define RTE_DEST_SHIFT      56
/* What a write may change: all but delivery status and remote IRR.  The
 * reserved bits 17-55 keep what was written, as in QEMU. */
#define RTE_WRITABLE        (~(RTE_DELIV_STATUS | RTE_REMOTE_IRR))

enum {
    DELIV_FIXED = 0, DELIV_LOWEST = 1, DELIV_SMI = 2, DELIV_NMI = 4,
    DELIV_INIT = 5, DELIV_EXTINT = 7,
};

struct IOAPICState {
    Machine *m;
    MemoryRegion io;
    uint8_t id;
    uint8_t version;
    uint8_t ioregsel;
    uint32_t irr;           /* requests waiting to be delivered */
    uint32_t line;          /* input levels */
    uint64_t redir[IOAPIC_NUM_PINS];
};

static void ioapic_deliver(IOAPICState *s, int pin, uint64_t e)
{
    unsigned mode = (e >> RTE_DELIV_SHIFT) & 7;
    uint64_t addr;
    uint32_t data;

    if (mode == 3 || mode == 6) {
        trace(ioapic_guest_error, "pin=%d reserved delivery mode %u", pin,
              mode);
        return;
    }
    addr = 0xfee00000ULL | ((e >> RTE_DEST_SHIFT) << 12) |
           ((e & RTE_DEST_MODE) ? 1u << 2 : 0);
    data = (e & RTE_VECTOR_MASK) | (mode << 8) | (1u << 14) |
           ((e & RTE_TRIGGER_LEVEL) ? 1u << 15 : 0);
    trace(ioapic_deliver, "pin=%d addr=0x%" PRIx64 " data=0x%x", pin, addr,
          data);
    machine_deliver_msi(s->m, addr, data);
}

static void ioapic_service(IOAPICState *s)
{
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        uint32_t bit = 1u << pin;
        uint64_t *e = &s->redir[pin];

        /* A masked edge stays latched and goes out when unmasked, as
         * QEMU does; guests written against it unmask expecting that. */
        if (!(s->irr & bit) || (*e & RTE_MASKED)) {
            continue;
        }
        if (*e & RTE_TRIGGER_LEVEL) {
            /* One delivery per EOI: remote IRR holds the rest back. */
            if (*e & RTE_REMOTE_IRR) {
                continue;
            }
            *e |= RTE_REMOTE_IRR;
        } else {
            s->irr &= ~bit;
        }
        ioapic_deliver(s, pin, *e);
    }
}

void ioapic_set_irq(void *opaque, int pin, int level)
{
    IOAPICState *s = opaque;
    uint32_t bit;

    if (!s) {
        return;
    }
    if (pin < 0 || pin >= IOAPIC_NUM_PINS) {
        trace(ioapic_guest_error, "set_irq pin=%d out of range", pin);
        return;
    }
    trace(ioapic_set_irq, "pin=%d level=%d", pin, level);
    bit = 1u << pin;
    if (s->redir[pin] & RTE_TRIGGER_LEVEL) {
        if (level) {
            s->irr |= bit;
        } else {
            s->irr &= ~bit;
        }
    } else if (level && !(s->line & bit)) {
        s->irr |= bit;
    }
    if (level) {
        s->line |= bit;
    } else {
        s->line &= ~bit;
    }
    ioapic_service(s);
}

void ioapic_eoi_broadcast(void *opaque, int vector)
{
    IOAPICState *s = opaque;
    bool again = false;

    if (!s) {
        return;
    }
    trace(ioapic_eoi, "vector=0x%x", vector);
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        uint64_t *e = &s->redir[pin];

        if ((*e & RTE_VECTOR_MASK) == (uint64_t)(vector & 0xff) &&
            (*e & RTE_REMOTE_IRR)) {
            *e &= ~RTE_REMOTE_IRR;
            again = true;
        }
    }
    if (again) {
        ioapic_service(s);
    }
}

static uint32_t ioapic_reg_read(IOAPICState *s)
{
    unsigned idx = s->ioregsel;
    unsigned pin;

    switch (idx) {
    case IOAPIC_IDX_ID:
    case IOAPIC_IDX_ARB:
        return (uint32_t)s->id << 24;
    case IOAPIC_IDX_VERSION:
        return s->version | ((IOAPIC_NUM_PINS - 1) << 16);
    }
    if (idx >= IOAPIC_IDX_REDIR && idx < IOAPIC_IDX_REDIR + 2 * IOAPIC_NUM_PINS) {
        pin = (idx - IOAPIC_IDX_REDIR) / 2;
        return (idx & 1) ? s->redir[pin] >> 32 : (uint32_t)s->redir[pin];
    }
    trace(ioapic_guest_error, "read of register 0x%x", idx);
    return 0;
}

static void ioapic_reg_write(IOAPICState *s, uint32_t val)
{
    unsigned idx = s->ioregsel;
    unsigned pin;
    uint64_t e, bit;

    if (idx == IOAPIC_IDX_ID) {
        s->id = (val >> 24) & 0xf;
        return;
    }
    if (idx < IOAPIC_IDX_REDIR || idx >= IOAPIC_IDX_REDIR + 2 * IOAPIC_NUM_PINS) {
        trace(ioapic_guest_error, "write of register 0x%x val=0x%x", idx, val);
        return;
    }
    pin = (idx - IOAPIC_IDX_REDIR) / 2;
    bit = 1u << pin;
    e = s->redir[pin];
    if (idx & 1) {
        e = (e & 0xffffffffULL) | ((uint64_t)val << 32);
    } else {
        e = (e & ~0xffffffffULL) | val;
    }
    s->redir[pin] = (s->redir[pin] & ~RTE_WRITABLE) | (e & RTE_WRITABLE);
    if (s->redir[pin] & RTE_TRIGGER_LEVEL) {
        /* A level entry's request is simply the input's level. */
        s->irr = (s->irr & ~bit) | (s->line & bit);
    } else {
        s->redir[pin] &= ~RTE_REMOTE_IRR;
    }
    ioapic_service(s);
}

static uint64_t ioapic_mem_read(void *opaque, hwaddr addr,
                                unsigned size G_GNUC_UNUSED)
{
    IOAPICState *s = opaque;
    uint32_t val = 0;

    switch (addr) {
    case IOAPIC_REG_SEL:
        val = s->ioregsel;
        break;
    case IOAPIC_REG_WIN:
        val = ioapic_reg_read(s);
        break;
    default:
        trace(ioapic_guest_error, "read at offset 0x%" HWADDR_PRIx, addr);
        break;
    }
    trace(ioapic_mem_read, "addr=0x%" HWADDR_PRIx " regsel=0x%x val=0x%x",
          addr, s->ioregsel, val);
    return val;
}

static void ioapic_mem_write(void *opaque, hwaddr addr, uint64_t data,
                             unsigned size G_GNUC_UNUSED)
{
    IOAPICState *s = opaque;
    uint32_t val = data;

    trace(ioapic_mem_write, "addr=0x%" HWADDR_PRIx " regsel=0x%x val=0x%x",
          addr, s->ioregsel, val);
    switch (addr) {
    case IOAPIC_REG_SEL:
        s->ioregsel = val;
        break;
    case IOAPIC_REG_WIN:
        ioapic_reg_write(s, val);
        break;
    case IOAPIC_REG_EOI:
        /* Version 0x11 has no EOI register. */
        if (s->version >= 0x20) {
            ioapic_eoi_broadcast(s, val & 0xff);
        } else {
            trace(ioapic_guest_error, "EOI register write on version 0x%x",
                  s->version);
        }
        break;
    default:
        trace(ioapic_guest_error, "write at offset 0x%" HWADDR_PRIx, addr);
        break;
    }
}

static const MemoryRegionOps ioapic_ops = {
    .read = ioapic_mem_read,
    .write = ioapic_mem_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    /* Every register is 32 bits wide; narrower guest accesses are
     * widened by the memory core. */
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static void ioapic_reset(void *opaque)
{
    IOAPICState *s = opaque;

    s->id = 0;
    s->ioregsel = 0;
    s->irr = 0;
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        s->redir[i] = RTE_MASKED;
    }
}

static int ioapic_create(Machine *m, Opts *opts, GError **errp)
{
    IOAPICState *s;
    uint64_t version = 0x20;

    if (opts) {
        if (opts_get_uint(opts, "version", 0x20, &version, errp) < 0 ||
            opts_check_unused(opts, "-device ioapic", errp) < 0) {
            return -EINVAL;
        }
    }
    if (version != 0x11 && version != 0x20) {
        g_set_error(errp, JANUS_ERROR, 0,
                    "ioapic: version 0x%" PRIx64 " (use 0x11 or 0x20)",
                    version);
        return -EINVAL;
    }
    if (m->ioapic) {
        g_set_error(errp, JANUS_ERROR, 0, "ioapic: the machine has one");
        return -EEXIST;
    }
    s = g_new0(IOAPICState, 1);
    s->m = m;
    s->version = version;
    memory_region_init_io(&s->io, &ioapic_ops, s, "ioapic",
                          IOAPIC_MMIO_SIZE);
    memory_region_add_subregion(m->system_memory, IOAPIC_DEFAULT_BASE,
                                &s->io);
    ioapic_reset(s);
    m->ioapic = s;
    machine_register_reset(m, ioapic_reset, s);
    return 0;
}

static DeviceInfo ioapic_info = {
    .name = "ioapic",
    .desc = "I/O APIC, 24 pins at 0xfec00000 (built in)",
    .user_creatable = false,
    .create = ioapic_create,
};
DEVICE_REGISTER(ioapic_info)
