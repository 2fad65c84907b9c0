/*
 * kvm-all.c: opening /dev/kvm, creating the VM, and the interrupt paths
 * from janus's userspace interrupt controllers into KVM.
 *
 * irqchip "split": the local APICs live in the kernel; the PIC, IOAPIC and
 * PIT are janus's own models (shared with TCG).  The IOAPIC and PCI MSIs
 * arrive as MSI writes (KVM_SIGNAL_MSI); the PIC's INTR line is injected
 * into the boot CPU with KVM_INTERRUPT when it opens an interrupt window.
 * Without split irqchip support (or with -accel kvm,kernel-irqchip=off)
 * janus runs without an in-kernel irqchip: PIC only, no local APIC, so no
 * MSIs and no application processors; see docs/kvm.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "accel/kvm/kvm-int.h"
#include "hw/intc/i8259.h"
#include "hw/intc/ioapic.h"
#include "main/main-loop.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(kvm_msi);
TRACE_EVENT_DEFINE(kvm_set_extint);
TRACE_EVENT_DEFINE(kvm_ioapic_eoi);
TRACE_EVENT_DEFINE(kvm_level_route);

KVMState kvm_state = { .fd = -1, .vm_fd = -1 };

static const struct {
    int cap;
    const char *name;
} required_caps[] = {
    { KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
    { KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
    { KVM_CAP_SET_IDENTITY_MAP_ADDR, "KVM_CAP_SET_IDENTITY_MAP_ADDR" },
    { KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
    { KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
    { KVM_CAP_READONLY_MEM, "KVM_CAP_READONLY_MEM" },
    { KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE" },
    { KVM_CAP_NR_MEMSLOTS, "KVM_CAP_NR_MEMSLOTS" },
};

int kvm_check_capability(KVMState *s, int cap)
{
    int fd = s->vm_fd >= 0 ? s->vm_fd : s->fd;
    int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

    return r < 0 ? 0 : r;
}

static void kvm_cleanup(KVMState *s)
{
    if (s->vm_fd >= 0) {
        close(s->vm_fd);
    }
    if (s->fd >= 0) {
        close(s->fd);
    }
    g_free(s->supported_cpuid);
    g_free(s->msrs);
    g_free(s->slots);
    memset(s, 0, sizeof(*s));
    s->fd = s->vm_fd = -1;
}

/* KVM_GET_SUPPORTED_CPUID fails with E2BIG until the buffer is large
 * enough; grow it. */
static int kvm_get_supported_cpuid(KVMState *s, GError **errp)
{
    for (unsigned n = 64; n <= 4096; n *= 2) {
        struct kvm_cpuid2 *c = g_malloc0(sizeof(*c) +
                                         n * sizeof(c->entries[0]));
        c->nent = n;
        if (ioctl(s->fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
            s->supported_cpuid = c;
            return 0;
        }
        g_free(c);
        if (errno != E2BIG) {
            break;
        }
    }
    g_set_error(errp, JANUS_ERROR, 0, "KVM_GET_SUPPORTED_CPUID: %s",
                strerror(errno));
    return -errno;
}

static int kvm_get_msr_list(KVMState *s, GError **errp)
{
    struct kvm_msr_list probe = { .nmsrs = 0 };
    struct kvm_msr_list *l;

    /* The first call fails with E2BIG and tells the count. */
    if (ioctl(s->fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 && errno != E2BIG) {
        g_set_error(errp, JANUS_ERROR, 0, "KVM_GET_MSR_INDEX_LIST: %s",
                    strerror(errno));
        return -errno;
    }
    l = g_malloc0(sizeof(*l) + probe.nmsrs * sizeof(uint32_t));
    l->nmsrs = probe.nmsrs;
    if (ioctl(s->fd, KVM_GET_MSR_INDEX_LIST, l) < 0) {
        g_set_error(errp, JANUS_ERROR, 0, "KVM_GET_MSR_INDEX_LIST: %s",
                    strerror(errno));
        g_free(l);
        return -errno;
    }
    s->nr_msrs = l->nmsrs;
    s->msrs = g_memdup2(l->indices, l->nmsrs * sizeof(uint32_t));
    g_free(l);
    return 0;
}

static int kvm_enable_split_irqchip(KVMState *s)
{
    struct kvm_enable_cap cap = {
        .cap = KVM_CAP_SPLIT_IRQCHIP,
        .args[0] = KVM_IOAPIC_PINS,
    };

    if (!kvm_check_capability(s, KVM_CAP_SPLIT_IRQCHIP) ||
        !kvm_check_capability(s, KVM_CAP_SIGNAL_MSI) ||
        !kvm_check_capability(s, KVM_CAP_IRQ_ROUTING)) {
        return -ENOTSUP;
    }
    if (ioctl(s->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
        return -errno;
    }
    return 0;
}

static int kvm_init(Machine *m, Opts *opts, GError **errp)
{
    KVMState *s = &kvm_state;
    uint64_t identity = KVM_IDENTITY_ADDR;
    int r;

    const char *irqchip = opts ? opts_get(opts, "kernel-irqchip") : NULL;

    if (opts && opts_check_unused(opts, "-accel kvm", errp) < 0) {
        return -EINVAL;
    }
    if (!irqchip) {
        irqchip = "split";
    } else if (strcmp(irqchip, "split") && strcmp(irqchip, "off")) {
        /* "on" would put the PIC and IOAPIC in the kernel: janus's own
         * models are the ones both accelerators share. */
        g_set_error(errp, JANUS_ERROR, 0, "kernel-irqchip=%s: janus "
                    "supports split (default) and off", irqchip);
        return -EINVAL;
    }
    s->machine = m;
    s->fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (s->fd < 0) {
        r = -errno;
        g_set_error(errp, JANUS_ERROR, 0, "/dev/kvm: %s", strerror(errno));
        goto fail;
    }
    r = ioctl(s->fd, KVM_GET_API_VERSION, 0);
    if (r != KVM_API_VERSION) {
        g_set_error(errp, JANUS_ERROR, 0,
                    "/dev/kvm: API version %d, janus needs %d", r,
                    KVM_API_VERSION);
        r = -ENOTSUP;
        goto fail;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(required_caps); i++) {
        if (!kvm_check_capability(s, required_caps[i].cap)) {
            g_set_error(errp, JANUS_ERROR, 0, "/dev/kvm lacks %s",
                        required_caps[i].name);
            r = -ENOTSUP;
            goto fail;
        }
    }
    s->vcpu_mmap_size = ioctl(s->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (s->vcpu_mmap_size < (int)sizeof(struct kvm_run)) {
        g_set_error(errp, JANUS_ERROR, 0, "KVM_GET_VCPU_MMAP_SIZE: %s",
                    s->vcpu_mmap_size < 0 ? strerror(errno) : "too small");
        r = -ENOTSUP;
        goto fail;
    }
    s->vm_fd = ioctl(s->fd, KVM_CREATE_VM, 0);
    if (s->vm_fd < 0) {
        r = -errno;
        g_set_error(errp, JANUS_ERROR, 0, "KVM_CREATE_VM: %s",
                    strerror(errno));
        goto fail;
    }
    if (ioctl(s->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0 ||
        ioctl(s->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0) {
        r = -errno;
        g_set_error(errp, JANUS_ERROR, 0,
                    "KVM_SET_TSS_ADDR/IDENTITY_MAP_ADDR: %s",
                    strerror(errno));
        goto fail;
    }
    r = strcmp(irqchip, "off") ? kvm_enable_split_irqchip(s) : -ECANCELED;
    s->split_irqchip = r == 0;
    if (!s->split_irqchip && r != -ECANCELED) {
        fprintf(stderr, "janus: kvm: no split irqchip (%s): local APICs "
                "are not emulated, PIC interrupts only\n",
                r == -ENOTSUP ? "not supported" : strerror(-r));
    }
    if (kvm_get_supported_cpuid(s, errp) < 0 ||
        kvm_get_msr_list(s, errp) < 0) {
        r = -ENOTSUP;
        goto fail;
    }
    s->nr_slots = MIN(kvm_check_capability(s, KVM_CAP_NR_MEMSLOTS),
                      KVM_MAX_SLOTS_USED);
    s->slots = g_new0(KVMSlot, s->nr_slots);
    pthread_mutex_init(&s->halt_lock, NULL);
    pthread_cond_init(&s->halt_cond, NULL);
    kvm_memory_listener_register(s);
    return 0;

fail:
    kvm_cleanup(s);
    return r < 0 ? r : -ENOTSUP;
}

/* ---- Interrupts ------------------------------------------------------- */

/*
 * KVM only exits on the EOI of vectors it knows to belong to the IOAPIC,
 * and it learns them from MSI routes on GSIs below the IOAPIC pin count.
 * janus's IOAPIC talks to us in MSIs only, so keep one route per distinct
 * level-triggered (address, data) seen, least recently used replaced.
 */
static void kvm_note_level_msi(KVMState *s, uint64_t addr, uint32_t data)
{
    struct {
        struct kvm_irq_routing hdr;
        struct kvm_irq_routing_entry e[KVM_IOAPIC_PINS];
    } table;
    unsigned victim = 0;

    s->route_clock++;
    for (unsigned i = 0; i < s->nr_routes; i++) {
        if (s->routes[i].addr == addr && s->routes[i].data == data) {
            s->routes[i].last_use = s->route_clock;
            return;
        }
        if (s->routes[i].last_use < s->routes[victim].last_use) {
            victim = i;
        }
    }
    if (s->nr_routes < KVM_IOAPIC_PINS) {
        victim = s->nr_routes++;
    }
    s->routes[victim] = (KVMLevelRoute) { addr, data, s->route_clock };
    trace(kvm_level_route, "gsi=%u addr=0x%" PRIx64 " data=0x%x", victim,
          addr, data);

    memset(&table, 0, sizeof(table));
    table.hdr.nr = s->nr_routes;
    for (unsigned i = 0; i < s->nr_routes; i++) {
        table.e[i].gsi = i;
        table.e[i].type = KVM_IRQ_ROUTING_MSI;
        table.e[i].u.msi.address_lo = (uint32_t)s->routes[i].addr;
        table.e[i].u.msi.address_hi = s->routes[i].addr >> 32;
        table.e[i].u.msi.data = s->routes[i].data;
    }
    if (ioctl(s->vm_fd, KVM_SET_GSI_ROUTING, &table) < 0) {
        fprintf(stderr, "janus: kvm: KVM_SET_GSI_ROUTING: %s\n",
                strerror(errno));
    }
}

static void kvm_deliver_msi(Machine *m, uint64_t addr, uint32_t data)
{
    KVMState *s = &kvm_state;
    struct kvm_msi msi = {
        .address_lo = (uint32_t)addr,
        .address_hi = addr >> 32,
        .data = data,
    };
    int r;

    (void)m;
    if (!s->split_irqchip) {
        trace(kvm_msi, "addr=0x%" PRIx64 " data=0x%x dropped (no LAPIC)",
              addr, data);
        return;
    }
    if (data & (1u << 15)) {        /* level-triggered */
        kvm_note_level_msi(s, addr, data);
    }
    r = ioctl(s->vm_fd, KVM_SIGNAL_MSI, &msi);
    trace(kvm_msi, "addr=0x%" PRIx64 " data=0x%x r=%d", addr, data, r);
}

static void kvm_set_extint(Machine *m, int level)
{
    KVMState *s = &kvm_state;
    int old = s->extint_level;

    s->extint_level = level;
    trace(kvm_set_extint, "level=%d", level);
    /* The PIC is wired to the boot CPU's LINT0 only.  Kick on a rising
     * edge: the vCPU opens an interrupt window and acknowledges the PIC. */
    if (level && !old && m->cpus && m->ncpus && m->cpus[0]->accel) {
        if (!s->split_irqchip) {
            pthread_mutex_lock(&s->halt_lock);
            pthread_cond_broadcast(&s->halt_cond);
            pthread_mutex_unlock(&s->halt_lock);
        }
        kvm_vcpu_kick(m->cpus[0]);
    }
}

int kvm_pic_read_irq(KVMState *s)
{
    int vector;

    if (!s->machine->pic) {
        return -1;
    }
    bql_lock();
    vector = pic_read_irq(s->machine->pic);
    bql_unlock();
    return vector;
}

void kvm_ioapic_eoi(KVMState *s, int vector)
{
    trace(kvm_ioapic_eoi, "vector=%d", vector);
    if (!s->machine->ioapic) {
        return;
    }
    bql_lock();
    ioapic_eoi_broadcast(s->machine->ioapic, vector);
    bql_unlock();
}

const AccelOps accel_kvm_ops = {
    .name = "kvm",
    .init = kvm_init,
    .vcpu_init = kvm_vcpu_init,
    .vcpu_thread = kvm_vcpu_thread,
    .vcpu_kick = kvm_vcpu_kick,
    .sync_from_accel = kvm_sync_from_accel,
    .deliver_msi = kvm_deliver_msi,
    .set_extint = kvm_set_extint,
};
