/*
 * hitb.c: the "hitb" PCI device (1234:2333) of the HITB GSEC 2017
 * BabyQEMU challenge, a variant of QEMU's edu device, with the challenge's
 * guest-visible behaviour and without its bug.
 *
 *     -device hitb[,addr=04.0][,id=ID]
 *
 * BAR0 is 1 MiB of registers (hw/misc/hitb.h, docs/babyqemu.md).  The
 * challenge's DMA engine indexed its 4 KiB buffer with the guest's source
 * or destination minus 0x40000, unchecked, and kept the encode function's
 * pointer right behind the buffer: a guest read it (leaking the QEMU
 * binary's address) and overwrote it (running system("cat flag")).  Here
 * the buffer window is checked with 64-bit arithmetic that cannot wrap
 * before anything is copied, a refused transfer changes nothing, and the
 * encoder is called directly: the device state holds no code pointer.
 *
 * Locking: every field below is protected by the BQL (MMIO callbacks and
 * the DMA timer run under it), except the job hand-off to the factorial
 * worker, which has its own mutex.  The worker computes without any lock
 * and publishes its result under the BQL; it never holds its mutex while
 * it waits for the BQL, so the two locks cannot deadlock.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <pthread.h>
#include "hw/misc/hitb.h"
#include "hw/pci/msi.h"
#include "main/main-loop.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(hitb_mmio_read);
TRACE_EVENT_DEFINE(hitb_mmio_write);
TRACE_EVENT_DEFINE(hitb_fact_start);
TRACE_EVENT_DEFINE(hitb_fact_done);
TRACE_EVENT_DEFINE(hitb_irq_raise);
TRACE_EVENT_DEFINE(hitb_irq_lower);
TRACE_EVENT_DEFINE(hitb_dma_busy);
TRACE_EVENT_DEFINE(hitb_dma_start);
TRACE_EVENT_DEFINE(hitb_dma_done);
TRACE_EVENT_DEFINE(hitb_guest_error);

typedef struct HitbDMA {
    uint64_t src;
    uint64_t dst;
    uint64_t cnt;
    uint64_t cmd;
} HitbDMA;

struct HitbState {
    PCIDevice pci;              /* first: the PCI core hands us back */
    MemoryRegion mmio;

    uint32_t liveness;          /* ~ the last value written */
    uint32_t fact;              /* factorial input, then result */
    uint32_t status;            /* HITB_STATUS_* */
    uint32_t irq_status;
    unsigned fact_gen;          /* bumped at reset: drops stale results */

    HitbDMA dma;
    Timer *dma_timer;
    unsigned dma_rejected;
    uint8_t dma_buf[HITB_DMA_SIZE];

    /* Job hand-off to the worker, under job_lock. */
    pthread_t worker;
    pthread_mutex_t job_lock;
    pthread_cond_t job_cond;
    bool job_pending;
    uint32_t job_n;
    unsigned job_gen;
};

/* ---- Interrupts ------------------------------------------------------------ */

static void hitb_raise_irq(HitbState *s, uint32_t val)
{
    s->irq_status |= val;
    trace(hitb_irq_raise, "val=0x%x irq_status=0x%x %s", val, s->irq_status,
          msi_enabled(&s->pci) ? "msi" : "intx");
    if (!s->irq_status) {
        return;
    }
    if (msi_enabled(&s->pci)) {
        msi_notify(&s->pci, 0);
    } else {
        pci_set_irq(&s->pci, 1);
    }
}

static void hitb_lower_irq(HitbState *s, uint32_t val)
{
    s->irq_status &= ~val;
    trace(hitb_irq_lower, "val=0x%x irq_status=0x%x", val, s->irq_status);
    /* With MSI each raise is a message; there is no line to deassert. */
    if (!s->irq_status && !msi_enabled(&s->pci)) {
        pci_set_irq(&s->pci, 0);
    }
}

/* ---- Factorial worker ------------------------------------------------------- */

static uint32_t hitb_factorial(uint32_t n)
{
    uint32_t r = 1;

    /*
     * From 34 on, n! has at least 32 factors of two, so the wrapping 32-bit
     * product is 0; the challenge's loop spent seconds getting there for a
     * large n.  Same result, without a guest-controlled CPU burner.
     */
    if (n >= 34) {
        return 0;
    }
    for (; n > 1; n--) {
        r *= n;
    }
    return r;
}

static void *hitb_fact_thread(void *opaque)
{
    HitbState *s = opaque;

    for (;;) {
        uint32_t n, result;
        unsigned gen;

        pthread_mutex_lock(&s->job_lock);
        while (!s->job_pending) {
            pthread_cond_wait(&s->job_cond, &s->job_lock);
        }
        s->job_pending = false;
        n = s->job_n;
        gen = s->job_gen;
        pthread_mutex_unlock(&s->job_lock);

        result = hitb_factorial(n);

        bql_lock();
        /* A reset since the job started owns the state now. */
        if (gen == s->fact_gen) {
            s->fact = result;
            s->status &= ~HITB_STATUS_COMPUTING;
            trace(hitb_fact_done, "n=%u result=0x%x irq=%s", n, result,
                  (s->status & HITB_STATUS_IRQFACT) ? "yes" : "no");
            if (s->status & HITB_STATUS_IRQFACT) {
                hitb_raise_irq(s, HITB_IRQ_FACT);
            }
        }
        bql_unlock();
    }
    return NULL;
}

static void hitb_fact_start(HitbState *s, uint32_t n)
{
    if (s->status & HITB_STATUS_COMPUTING) {
        trace(hitb_fact_start, "n=%u ignored: busy", n);
        return;
    }
    s->fact = n;
    s->status |= HITB_STATUS_COMPUTING;
    trace(hitb_fact_start, "n=%u", n);
    pthread_mutex_lock(&s->job_lock);
    s->job_n = n;
    s->job_gen = s->fact_gen;
    s->job_pending = true;
    pthread_cond_signal(&s->job_cond);
    pthread_mutex_unlock(&s->job_lock);
}

/* ---- DMA engine --------------------------------------------------------------- */

/* The challenge called this through a pointer stored behind the buffer. */
static void hitb_encode(uint8_t *p, uint64_t len)
{
    for (uint64_t i = 0; i < len; i++) {
        p[i] ^= HITB_DMA_ENCODE_KEY;
    }
}

/*
 * Check a transfer of @cnt bytes between buffer address @buf_addr and
 * guest address @ram_addr.  Every step is 64-bit and ordered so that
 * nothing can wrap: @cnt is bounded first, so HITB_DMA_SIZE - cnt cannot
 * underflow, and buf_addr - HITB_DMA_BASE is only formed once buf_addr is
 * known to be above the base.  Returns NULL and the buffer offset in @off,
 * or why the transfer is refused.
 */
static const char *hitb_dma_check(uint64_t buf_addr, uint64_t ram_addr,
                                  uint64_t cnt, uint64_t *off)
{
    if (cnt > HITB_DMA_SIZE) {
        return "count is larger than the 4096-byte buffer";
    }
    if (buf_addr < HITB_DMA_BASE) {
        return "buffer address is below the window 0x40000-0x40fff";
    }
    if (buf_addr - HITB_DMA_BASE > HITB_DMA_SIZE - cnt) {
        return "buffer range leaves the window 0x40000-0x40fff";
    }
    if (cnt && ram_addr > UINT64_MAX - (cnt - 1)) {
        return "guest address range wraps past 2^64";
    }
    *off = buf_addr - HITB_DMA_BASE;
    return NULL;
}

static void hitb_dma_run(HitbState *s)
{
    MemTxAttrs attrs = { .from_device = 1 };
    bool to_ram = s->dma.cmd & HITB_DMA_TO_RAM;
    bool encode = s->dma.cmd & HITB_DMA_ENCODE;
    uint64_t buf_addr = to_ram ? s->dma.src : s->dma.dst;
    uint64_t ram_addr = to_ram ? s->dma.dst : s->dma.src;
    uint64_t cnt = s->dma.cnt, off = 0;
    const char *why;
    MemTxResult res;

    if (!(s->dma.cmd & HITB_DMA_RUN)) {
        return;
    }
    why = hitb_dma_check(buf_addr, ram_addr, cnt, &off);
    if (why) {
        s->dma_rejected++;
        trace(hitb_guest_error, "DMA refused: src=0x%" PRIx64 " dst=0x%"
              PRIx64 " cnt=0x%" PRIx64 " %s: %s; nothing copied",
              s->dma.src, s->dma.dst, cnt,
              to_ram ? "buffer->RAM" : "RAM->buffer", why);
        /* Clear RUN anyway: a guest polling it must not hang. */
        s->dma.cmd &= ~(uint64_t)HITB_DMA_RUN;
        return;
    }

    trace(hitb_dma_start, "src=0x%" PRIx64 " dst=0x%" PRIx64 " cnt=0x%"
          PRIx64 " %s%s", s->dma.src, s->dma.dst, cnt,
          to_ram ? "buffer->RAM" : "RAM->buffer", encode ? " encode" : "");
    /*
     * The RAM side may be hitb's own BAR.  Its callbacks only touch the
     * registers, never dma_buf, and ignore DMA register writes while RUN
     * is set, so the window checked above stays the one we copy.
     */
    if (to_ram) {
        if (encode) {
            hitb_encode(s->dma_buf + off, cnt);
        }
        res = address_space_rw(&address_space_memory, ram_addr, attrs,
                               s->dma_buf + off, cnt, true);
    } else {
        res = address_space_rw(&address_space_memory, ram_addr, attrs,
                               s->dma_buf + off, cnt, false);
        if (encode) {
            hitb_encode(s->dma_buf + off, cnt);
        }
    }
    s->dma.cmd &= ~(uint64_t)HITB_DMA_RUN;
    trace(hitb_dma_done, "cnt=0x%" PRIx64 " memtx=0x%x", cnt, res);
    if (encode) {
        hitb_raise_irq(s, HITB_IRQ_DMA);
    }
}

static void hitb_dma_timer(void *opaque)
{
    hitb_dma_run(opaque);
}

/* Source, destination and count: frozen while a transfer is pending. */
static void hitb_dma_set(HitbState *s, uint64_t *reg, const char *name,
                         uint64_t val)
{
    if (s->dma.cmd & HITB_DMA_RUN) {
        trace(hitb_dma_busy, "%s=0x%" PRIx64 " ignored: transfer pending",
              name, val);
        return;
    }
    *reg = val;
}

static void hitb_dma_command(HitbState *s, uint64_t val)
{
    if (!(val & HITB_DMA_RUN)) {
        return;
    }
    if (s->dma.cmd & HITB_DMA_RUN) {
        trace(hitb_dma_busy, "cmd=0x%" PRIx64 " ignored: transfer pending",
              val);
        return;
    }
    s->dma.cmd = val;
    timer_mod(s->dma_timer, clock_virtual_ns() + HITB_DMA_DELAY_NS);
}

/* ---- BAR0 --------------------------------------------------------------------- */

static uint64_t hitb_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    HitbState *s = opaque;
    uint64_t val = ~0ULL;

    if (size == 4) {
        switch (addr) {
        case HITB_REG_ID:
            val = HITB_ID_VALUE;
            break;
        case HITB_REG_LIVENESS:
            val = s->liveness;
            break;
        case HITB_REG_FACT:
            val = s->fact;
            break;
        case HITB_REG_STATUS:
            val = s->status;
            break;
        case HITB_REG_IRQ_STATUS:
            val = s->irq_status;
            break;
        /* 4-byte reads see the low half, as in the challenge. */
        case HITB_REG_DMA_SRC:
            val = (uint32_t)s->dma.src;
            break;
        case HITB_REG_DMA_DST:
            val = (uint32_t)s->dma.dst;
            break;
        case HITB_REG_DMA_CNT:
            val = (uint32_t)s->dma.cnt;
            break;
        case HITB_REG_DMA_CMD:
            val = (uint32_t)s->dma.cmd;
            break;
        }
    }
    trace(hitb_mmio_read, "addr=0x%" HWADDR_PRIx " size=%u val=0x%" PRIx64,
          addr, size, val);
    return val;
}

static void hitb_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                            unsigned size)
{
    HitbState *s = opaque;

    trace(hitb_mmio_write, "addr=0x%" HWADDR_PRIx " size=%u val=0x%" PRIx64,
          addr, size, val);
    if (addr < HITB_REG_DMA_SRC ? size != 4 : (size != 4 && size != 8)) {
        return;
    }
    if (size == 4) {
        val = (uint32_t)val;
    }

    switch (addr) {
    case HITB_REG_LIVENESS:
        s->liveness = ~(uint32_t)val;
        break;
    case HITB_REG_FACT:
        hitb_fact_start(s, val);
        break;
    case HITB_REG_STATUS:
        /* Only the interrupt enable is writable; COMPUTING is ours. */
        s->status = (s->status & ~HITB_STATUS_IRQFACT) |
                    (val & HITB_STATUS_IRQFACT);
        break;
    case HITB_REG_IRQ_RAISE:
        hitb_raise_irq(s, val);
        break;
    case HITB_REG_IRQ_ACK:
        hitb_lower_irq(s, val);
        break;
    case HITB_REG_DMA_SRC:
        hitb_dma_set(s, &s->dma.src, "src", val);
        break;
    case HITB_REG_DMA_DST:
        hitb_dma_set(s, &s->dma.dst, "dst", val);
        break;
    case HITB_REG_DMA_CNT:
        hitb_dma_set(s, &s->dma.cnt, "cnt", val);
        break;
    case HITB_REG_DMA_CMD:
        hitb_dma_command(s, val);
        break;
    }
}

/*
 * The challenge's ops declared neither valid nor impl sizes.  QEMU lets
 * any access through then (valid max 0 means "anything") and calls the
 * callbacks at most 4 bytes wide, so an 8-byte access arrives as two
 * 4-byte calls at addr and addr + 4.  janus reads a 0 valid.max as 4, so
 * valid says 8 explicitly; impl stays unset (1 to 4), as in the original.
 */
static const MemoryRegionOps hitb_mmio_ops = {
    .read = hitb_mmio_read,
    .write = hitb_mmio_write,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
};

/* ---- Lifecycle ---------------------------------------------------------------- */

static void hitb_reset(void *opaque)
{
    HitbState *s = opaque;

    /* The PCI core's reset (registered first) deasserted INTx already. */
    timer_del(s->dma_timer);
    memset(&s->dma, 0, sizeof(s->dma));
    memset(s->dma_buf, 0, sizeof(s->dma_buf));
    s->liveness = 0;
    s->fact = 0;
    s->status = 0;
    s->irq_status = 0;
    s->fact_gen++;
    pthread_mutex_lock(&s->job_lock);
    s->job_pending = false;
    pthread_mutex_unlock(&s->job_lock);
}

/*
 * The challenge's guest found BAR0 at 0xfea00000, so the first hitb gets it
 * there; a second one would overlap it, so it is left for the guest to
 * program, as a BIOS-less PC leaves every BAR.
 */
static bool hitb_bar0_window_free(PCIBus *bus)
{
    for (int devfn = 0; devfn < PCI_DEVFN_MAX; devfn++) {
        PCIDevice *d = pci_find_device(bus, devfn);

        if (!d) {
            continue;
        }
        for (int n = 0; n < PCI_NUM_BARS; n++) {
            const PCIBar *b = &d->bars[n];

            if (b->mr && b->preset != PCI_BAR_UNMAPPED &&
                b->preset < HITB_BAR0_ADDR + HITB_MMIO_SIZE &&
                HITB_BAR0_ADDR < b->preset + b->size) {
                return false;
            }
        }
    }
    return true;
}

HitbState *hitb_new(Machine *m, int devfn, GError **errp)
{
    HitbState *s = g_new0(HitbState, 1);
    int ret;

    if (pci_device_init(&s->pci, m->pci_bus, devfn, "hitb", HITB_VENDOR_ID,
                        HITB_DEVICE_ID, PCI_CLASS_OTHERS << 16 |
                        HITB_REVISION, errp) < 0) {
        g_free(s);
        return NULL;
    }
    pci_config_set_interrupt_pin(&s->pci, 1);
    if (msi_init(&s->pci, 0, 1, true, errp) < 0) {
        return NULL;    /* the function stays on the bus: no unplug */
    }
    memory_region_init_io(&s->mmio, &hitb_mmio_ops, s, "hitb-mmio",
                          HITB_MMIO_SIZE);
    pci_register_bar(&s->pci, 0, PCI_BAR_MEM32, &s->mmio);
    if (hitb_bar0_window_free(m->pci_bus)) {
        pci_dev_assign_bar_address(&s->pci, 0, HITB_BAR0_ADDR);
    } else {
        warn_report("hitb at %02x.%x: BAR0 left unassigned, 0x%llx is "
                    "taken by another device", PCI_SLOT(s->pci.devfn),
                    PCI_FUNC(s->pci.devfn), HITB_BAR0_ADDR);
    }

    s->dma_timer = timer_new(hitb_dma_timer, s);
    pthread_mutex_init(&s->job_lock, NULL);
    pthread_cond_init(&s->job_cond, NULL);
    ret = pthread_create(&s->worker, NULL, hitb_fact_thread, s);
    if (ret) {
        g_set_error(errp, JANUS_ERROR, 0,
                    "hitb: cannot start the factorial thread: %s",
                    g_strerror(ret));
        return NULL;
    }
    pthread_setname_np(s->worker, "hitb-fact");
    machine_register_reset(m, hitb_reset, s);
    return s;
}

PCIDevice *hitb_pci(HitbState *s)
{
    return &s->pci;
}

MemoryRegion *hitb_mmio_region(HitbState *s)
{
    return &s->mmio;
}

bool hitb_dma_fire(HitbState *s)
{
    if (!timer_pending(s->dma_timer)) {
        return false;
    }
    timer_del(s->dma_timer);
    hitb_dma_run(s);
    return true;
}

const uint8_t *hitb_dma_buffer(HitbState *s)
{
    return s->dma_buf;
}

unsigned hitb_dma_rejected(HitbState *s)
{
    return s->dma_rejected;
}

static int hitb_create(Machine *m, Opts *opts, GError **errp)
{
    const char *id = opts_get(opts, "id");
    HitbState *s;
    int devfn;

    if (pci_opts_get_devfn(opts, &devfn, errp) < 0) {
        return -EINVAL;
    }
    if (opts_check_unused(opts, "-device hitb", errp) < 0) {
        return -EINVAL;
    }
    s = hitb_new(m, devfn < 0 ? HITB_DEFAULT_DEVFN : devfn, errp);
    if (!s) {
        return -EINVAL;
    }
    s->pci.id = g_strdup(id);
    return 0;
}

static DeviceInfo hitb_info = {
    .name = "hitb",
    .desc = "HITB GSEC 2017 BabyQEMU device (1234:2333), memory-safe DMA",
    .user_creatable = true,
    .create = hitb_create,
};
DEVICE_REGISTER(hitb_info)
