/*
 * serial.c: a 16550A UART, COM1 at 0x3f8 on IRQ 4.
 *
 * Transmission takes no time: a byte written to THR goes to the backend
 * at once, so THRE and TEMT are always set and a THRE interrupt follows
 * every write.  Reception uses the real 16-byte FIFO with its trigger
 * levels and the character timeout interrupt (four character times at
 * the programmed baud rate, on the virtual clock), because Linux sets a
 * trigger of 8 bytes and relies on the timeout to see a single keystroke.
 *
 * The interrupt output reaches the ISA bus only while MCR.OUT2 is set, as
 * on a PC's serial card.  Unlike the real card, OUT2 keeps gating the line
 * in loopback mode too (see docs/devices.md).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include "hw/char/serial.h"
#include "hw/machine.h"
#include "main/chardev.h"
#include "main/main-loop.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(serial_ioport_write);
TRACE_EVENT_DEFINE(serial_ioport_read);
TRACE_EVENT_DEFINE(serial_irq);
TRACE_EVENT_DEFINE(serial_rx_drop);

/* Register offsets */
#define UART_RBR_THR    0   /* DLAB: DLL */
#define UART_IER        1   /* DLAB: DLM */
#define UART_IIR_FCR    2
#define UART_LCR        3
#define UART_MCR        4
#define UART_LSR        5
#define UART_MSR        6
#define UART_SCR        7

#define IER_RDI         0x01
#define IER_THRI        0x02
#define IER_RLSI        0x04
#define IER_MSI         0x08

#define IIR_NO_INT      0x01
#define IIR_MSI         0x00
#define IIR_THRI        0x02
#define IIR_RDI         0x04
#define IIR_RLSI        0x06
#define IIR_CTI         0x0c
#define IIR_FIFO_ON     0xc0

#define FCR_ENABLE      0x01
#define FCR_CLEAR_RX    0x02
#define FCR_CLEAR_TX    0x04
#define FCR_KEEP        0xc9    /* enable, DMA mode, trigger level */

#define LCR_DLAB        0x80

#define MCR_DTR         0x01
#define MCR_RTS         0x02
#define MCR_OUT1        0x04
#define MCR_OUT2        0x08
#define MCR_LOOP        0x10

#define LSR_DR          0x01
#define LSR_OE          0x02
#define LSR_ERRORS      0x1e    /* OE, PE, FE, BI: cleared by reading */
#define LSR_THRE        0x20
#define LSR_TEMT        0x40

#define MSR_DCTS        0x01
#define MSR_DDSR        0x02
#define MSR_TERI        0x04
#define MSR_DDCD        0x08
#define MSR_CTS         0x10
#define MSR_DSR         0x20
#define MSR_RI          0x40
#define MSR_DCD         0x80

/* The 1.8432 MHz crystal divided by 16. */
#define UART_BASE_BAUD  115200

struct SerialState {
    Machine *m;
    IRQLine *irq;
    Chardev *chr;
    MemoryRegion io;
    uint16_t divisor;
    uint8_t ier;
    uint8_t fcr;
    uint8_t lcr;
    uint8_t mcr;
    uint8_t lsr_errors;     /* LSR bits 1-4 */
    uint8_t msr;
    uint8_t scr;
    bool thr_ipending;
    bool timeout_ipending;
    uint8_t rx_fifo[SERIAL_RX_FIFO_SIZE];
    unsigned rx_head;
    unsigned rx_count;
    GByteArray *input;      /* host bytes waiting for FIFO space */
    Timer *timeout_timer;
    int irq_level;
};

static GSList *serial_ports;    /* every port, in creation order */

SerialState *serial_from_machine(Machine *m)
{
    for (GSList *l = serial_ports; l; l = l->next) {
        SerialState *s = l->data;

        if (s->m == m) {
            return s;
        }
    }
    return NULL;
}

static bool serial_fifo_on(SerialState *s)
{
    return s->fcr & FCR_ENABLE;
}

static unsigned serial_rx_capacity(SerialState *s)
{
    /* With the FIFO off the 16450 holding register holds one byte. */
    return serial_fifo_on(s) ? SERIAL_RX_FIFO_SIZE : 1;
}

static unsigned serial_rx_trigger(SerialState *s)
{
    static const unsigned levels[4] = { 1, 4, 8, 14 };

    return serial_fifo_on(s) ? levels[s->fcr >> 6] : 1;
}

/* The pending interrupt with the highest priority, as IIR bits 0-3. */
static uint8_t serial_iir_id(SerialState *s)
{
    if ((s->ier & IER_RLSI) && s->lsr_errors) {
        return IIR_RLSI;
    }
    if (s->ier & IER_RDI) {
        if (s->rx_count >= serial_rx_trigger(s)) {
            return IIR_RDI;
        }
        if (s->timeout_ipending) {
            return IIR_CTI;
        }
    }
    if ((s->ier & IER_THRI) && s->thr_ipending) {
        return IIR_THRI;
    }
    if ((s->ier & IER_MSI) && (s->msr & 0x0f)) {
        return IIR_MSI;
    }
    return IIR_NO_INT;
}

static void serial_update_irq(SerialState *s)
{
    int level = serial_iir_id(s) != IIR_NO_INT && (s->mcr & MCR_OUT2);

    if (level != s->irq_level) {
        s->irq_level = level;
        trace(serial_irq, "level=%d", level);
        irq_set_level(s->irq, level);
    }
}

/* Four character times at the current line settings. */
static int64_t serial_timeout_ns(SerialState *s)
{
    unsigned divisor = s->divisor ? s->divisor : 0x10000;
    unsigned bits = 1 + 5 + (s->lcr & 3) + ((s->lcr & 0x08) ? 1 : 0) +
                    ((s->lcr & 0x04) ? 2 : 1);

    return 4 * (int64_t)bits * 1000000000 * divisor / UART_BASE_BAUD;
}

static void serial_arm_timeout(SerialState *s)
{
    s->timeout_ipending = false;
    if (serial_fifo_on(s) && s->rx_count) {
        timer_mod(s->timeout_timer,
                  clock_virtual_ns() + serial_timeout_ns(s));
    } else {
        timer_del(s->timeout_timer);
    }
}

static void serial_timeout_cb(void *opaque)
{
    SerialState *s = opaque;

    if (serial_fifo_on(s) && s->rx_count) {
        s->timeout_ipending = true;
        serial_update_irq(s);
    }
}

/* One byte off the line into the FIFO; false when there is no room. */
static bool serial_rx_push(SerialState *s, uint8_t byte)
{
    if (s->rx_count >= serial_rx_capacity(s)) {
        return false;
    }
    s->rx_fifo[(s->rx_head + s->rx_count) % SERIAL_RX_FIFO_SIZE] = byte;
    s->rx_count++;
    return true;
}

static void serial_rx_clear(SerialState *s)
{
    s->rx_head = 0;
    s->rx_count = 0;
    s->timeout_ipending = false;
    timer_del(s->timeout_timer);
}

/* Move queued host input into the FIFO (the line is idle in loopback). */
static void serial_drain_input(SerialState *s)
{
    guint n = 0;

    if (s->mcr & MCR_LOOP) {
        return;
    }
    while (n < s->input->len && serial_rx_push(s, s->input->data[n])) {
        n++;
    }
    if (n) {
        g_byte_array_remove_range(s->input, 0, n);
        serial_arm_timeout(s);
    }
}

void serial_receive(SerialState *s, const uint8_t *buf, size_t len)
{
    size_t room = SERIAL_INPUT_QUEUE_MAX - s->input->len;

    if (len > room) {
        trace(serial_rx_drop, "dropped=%zu queued=%u", len - room,
              s->input->len);
        len = room;
    }
    g_byte_array_append(s->input, buf, len);
    serial_drain_input(s);
    serial_update_irq(s);
}

static void serial_chr_read(void *opaque, const uint8_t *buf, size_t len)
{
    serial_receive(opaque, buf, len);
}

static uint8_t serial_modem_lines(SerialState *s)
{
    uint8_t mcr = s->mcr;

    if (!(mcr & MCR_LOOP)) {
        /* Nothing drives the inputs: report a ready modem, as QEMU does. */
        return MSR_DCD | MSR_DSR | MSR_CTS;
    }
    return ((mcr & MCR_RTS) ? MSR_CTS : 0) | ((mcr & MCR_DTR) ? MSR_DSR : 0) |
           ((mcr & MCR_OUT1) ? MSR_RI : 0) | ((mcr & MCR_OUT2) ? MSR_DCD : 0);
}

/*
 * MSR after an MCR write.  In loopback the MCR outputs drive the inputs and
 * changes set the delta bits, as on the chip.  Entering or leaving
 * loopback reconnects the inputs without deltas (QEMU sets none either),
 * so a driver probing with loopback gets no spurious modem interrupt.
 */
static void serial_update_msr(SerialState *s, bool loop_switched)
{
    uint8_t old = s->msr & 0xf0, now = serial_modem_lines(s);
    uint8_t delta = 0;

    if (!loop_switched) {
        delta |= ((old ^ now) & MSR_CTS) ? MSR_DCTS : 0;
        delta |= ((old ^ now) & MSR_DSR) ? MSR_DDSR : 0;
        delta |= ((old & MSR_RI) && !(now & MSR_RI)) ? MSR_TERI : 0;
        delta |= ((old ^ now) & MSR_DCD) ? MSR_DDCD : 0;
    }
    s->msr = now | (s->msr & 0x0f) | delta;
}

static void serial_write_thr(SerialState *s, uint8_t val)
{
    if (s->mcr & MCR_LOOP) {
        if (!serial_rx_push(s, val)) {
            /* Overrun: a 16450-style holding register takes the new
             * character; a full FIFO keeps its contents and loses it. */
            s->lsr_errors |= LSR_OE;
            if (!serial_fifo_on(s)) {
                s->rx_fifo[s->rx_head] = val;
            }
        }
        serial_arm_timeout(s);
    } else if (s->chr) {
        chardev_write(s->chr, &val, 1);
    }
    /* The byte left THR at once: THR is empty again, which is itself a
     * new THRE interrupt. */
    s->thr_ipending = true;
}

static void serial_write_fcr(SerialState *s, uint8_t val)
{
    if ((val ^ s->fcr) & FCR_ENABLE) {
        /* Switching the FIFOs on or off empties them. */
        serial_rx_clear(s);
    }
    if (!(val & FCR_ENABLE)) {
        s->fcr = 0;
    } else {
        if (val & FCR_CLEAR_RX) {
            serial_rx_clear(s);
        }
        s->fcr = val & FCR_KEEP;
    }
    serial_drain_input(s);
}

static void serial_ioport_write(void *opaque, hwaddr addr, uint64_t data,
                                unsigned size G_GNUC_UNUSED)
{
    SerialState *s = opaque;
    uint8_t val = data;
    uint8_t old;

    trace(serial_ioport_write, "addr=0x%x val=0x%x", (unsigned)addr, val);
    switch (addr) {
    case UART_RBR_THR:
        if (s->lcr & LCR_DLAB) {
            s->divisor = (s->divisor & 0xff00) | val;
        } else {
            serial_write_thr(s, val);
        }
        break;
    case UART_IER:
        if (s->lcr & LCR_DLAB) {
            s->divisor = (s->divisor & 0x00ff) | (val << 8);
            break;
        }
        old = s->ier;
        s->ier = val & 0x0f;
        /* Enabling ETBEI with THR empty interrupts at once; Linux tests
         * for exactly this (UART_BUG_TXEN). */
        if ((s->ier & IER_THRI) && !(old & IER_THRI)) {
            s->thr_ipending = true;
        } else if (!(s->ier & IER_THRI)) {
            s->thr_ipending = false;
        }
        break;
    case UART_IIR_FCR:
        serial_write_fcr(s, val);
        break;
    case UART_LCR:
        s->lcr = val;
        break;
    case UART_MCR:
        old = s->mcr;
        s->mcr = val & 0x1f;
        serial_update_msr(s, (old ^ s->mcr) & MCR_LOOP);
        if ((old & MCR_LOOP) && !(s->mcr & MCR_LOOP)) {
            serial_drain_input(s);
        }
        break;
    case UART_LSR:
    case UART_MSR:
        /* Factory-test writes on real parts; nothing to do here. */
        break;
    default:
        s->scr = val;
        break;
    }
    serial_update_irq(s);
}

static uint8_t serial_read_rbr(SerialState *s)
{
    uint8_t val = 0;

    if (s->rx_count) {
        val = s->rx_fifo[s->rx_head];
        s->rx_head = (s->rx_head + 1) % SERIAL_RX_FIFO_SIZE;
        s->rx_count--;
    }
    serial_drain_input(s);
    serial_arm_timeout(s);
    return val;
}

static uint64_t serial_ioport_read(void *opaque, hwaddr addr,
                                   unsigned size G_GNUC_UNUSED)
{
    SerialState *s = opaque;
    uint8_t val;

    switch (addr) {
    case UART_RBR_THR:
        val = (s->lcr & LCR_DLAB) ? s->divisor & 0xff : serial_read_rbr(s);
        break;
    case UART_IER:
        val = (s->lcr & LCR_DLAB) ? s->divisor >> 8 : s->ier;
        break;
    case UART_IIR_FCR:
        val = serial_iir_id(s);
        /* Reading IIR acknowledges a THRE interrupt it reports. */
        if (val == IIR_THRI) {
            s->thr_ipending = false;
        }
        if (serial_fifo_on(s)) {
            val |= IIR_FIFO_ON;
        }
        break;
    case UART_LCR:
        val = s->lcr;
        break;
    case UART_MCR:
        val = s->mcr;
        break;
    case UART_LSR:
        val = LSR_THRE | LSR_TEMT | s->lsr_errors |
              (s->rx_count ? LSR_DR : 0);
        s->lsr_errors = 0;
        break;
    case UART_MSR:
        val = s->msr;
        s->msr &= 0xf0;
        break;
    default:
        val = s->scr;
        break;
    }
    serial_update_irq(s);
    trace(serial_ioport_read, "addr=0x%x val=0x%x", (unsigned)addr, val);
    return val;
}

static const MemoryRegionOps serial_ops = {
    .read = serial_ioport_read,
    .write = serial_ioport_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static void serial_reset(void *opaque)
{
    SerialState *s = opaque;

    s->divisor = 12;    /* 9600 baud */
    s->ier = 0;
    s->fcr = 0;
    s->lcr = 0;
    /* OUT2 on, as a BIOS leaves COM1 and QEMU resets it, so a guest that
     * only sets IER still gets interrupts. */
    s->mcr = MCR_OUT2;
    s->lsr_errors = 0;
    s->msr = MSR_DCD | MSR_DSR | MSR_CTS;
    s->scr = 0;
    s->thr_ipending = false;
    serial_rx_clear(s);
    serial_drain_input(s);
    serial_update_irq(s);
}

static int serial_create(Machine *m, Opts *opts, GError **errp)
{
    SerialState *s;
    uint64_t iobase = 0x3f8, irq = 4;
    const char *spec = m->cfg ? m->cfg->serial : NULL;
    Chardev *chr = NULL;

    if (opts) {
        if (opts_get_uint(opts, "iobase", 0x3f8, &iobase, errp) < 0 ||
            opts_get_uint(opts, "irq", 4, &irq, errp) < 0 ||
            opts_check_unused(opts, "-device isa-serial", errp) < 0) {
            return -EINVAL;
        }
    }
    if (iobase > 0x10000 - 8 || irq >= 16) {
        g_set_error(errp, JANUS_ERROR, 0,
                    "isa-serial: iobase 0x%" PRIx64 " irq %" PRIu64
                    " out of range", iobase, irq);
        return -EINVAL;
    }
    /* Only the first port gets the -serial backend. */
    if (!serial_from_machine(m) && spec && strcmp(spec, "none") != 0) {
        chr = chardev_open(spec, errp);
        if (!chr) {
            return -EINVAL;
        }
    }
    s = g_new0(SerialState, 1);
    s->m = m;
    s->irq = m->gsi[irq];
    s->chr = chr;
    s->input = g_byte_array_new();
    s->timeout_timer = timer_new(serial_timeout_cb, s);
    memory_region_init_io(&s->io, &serial_ops, s, "serial", 8);
    memory_region_add_subregion(m->system_io, iobase, &s->io);
    if (chr) {
        chardev_set_read_handler(chr, serial_chr_read, s);
    }
    serial_ports = g_slist_append(serial_ports, s);
    serial_reset(s);
    machine_register_reset(m, serial_reset, s);
    return 0;
}

static DeviceInfo serial_info = {
    .name = "isa-serial",
    .desc = "16550A UART, COM1 at 0x3f8 IRQ 4 (built in)",
    .user_creatable = false,
    .create = serial_create,
};
DEVICE_REGISTER(serial_info)
