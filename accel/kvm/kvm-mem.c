/*
 * kvm-mem.c: KVM memory slots from address_space_memory's flat view.
 *
 * Every RAM or ROM flat range becomes one slot (ROM read-only, so a guest
 * write exits as MMIO and address_space_rw refuses it).  Everything
 * without a slot exits as MMIO and goes through address_space_rw, so a
 * range we cannot map (unaligned edges, no free slot) stays correct, only
 * slower.  Called under the BQL during memory transactions; vCPUs keep
 * running meanwhile (KVM handles slot changes under its own SRCU).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "accel/kvm/kvm-int.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(kvm_set_user_memory);

#define KVM_PAGE_SIZE 4096ULL

static int kvm_set_slot(KVMState *s, KVMSlot *sl, bool remove)
{
    struct kvm_userspace_memory_region r = {
        .slot = sl->slot,
        .flags = sl->flags,
        .guest_phys_addr = sl->gpa,
        .memory_size = remove ? 0 : sl->size,
        .userspace_addr = (uintptr_t)sl->host,
    };

    trace(kvm_set_user_memory, "slot=%u gpa=0x%" HWADDR_PRIx " size=0x%"
          PRIx64 " flags=0x%x host=%p%s", sl->slot, sl->gpa, sl->size,
          sl->flags, sl->host, remove ? " (remove)" : "");
    if (ioctl(s->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
        int e = errno;

        fprintf(stderr, "janus: kvm: KVM_SET_USER_MEMORY_REGION slot %u "
                "gpa 0x%" HWADDR_PRIx " size 0x%" PRIx64 ": %s\n", sl->slot,
                sl->gpa, sl->size, strerror(e));
        return -e;
    }
    return 0;
}

/*
 * The slot @section's RAM would fill, clipped to whole pages (KVM needs
 * page-aligned gpa, size and host address) into @want's gpa, size and
 * host.  Returns false for MMIO (the exits handle it) or if nothing
 * mappable remains: adding and deleting must agree on both.
 */
static bool kvm_section_pages(MemoryRegionSection *section, KVMSlot *want)
{
    uint8_t *base;
    hwaddr start = section->offset_within_address_space;
    hwaddr end = start + section->size;     /* size 0 (2^64) is never RAM */
    hwaddr astart = (start + KVM_PAGE_SIZE - 1) & ~(KVM_PAGE_SIZE - 1);
    hwaddr aend = end & ~(KVM_PAGE_SIZE - 1);
    uint8_t *h;

    if (!memory_region_is_ram(section->mr)) {
        return false;
    }
    base = memory_region_get_ram_ptr(section->mr);
    if (!base || section->size == 0 || aend <= astart) {
        return false;
    }
    h = base + section->offset_within_region + (astart - start);
    if ((uintptr_t)h & (KVM_PAGE_SIZE - 1)) {
        return false;       /* gpa and host disagree modulo a page */
    }
    want->gpa = astart;
    want->size = aend - astart;
    want->host = h;
    return true;
}

static void kvm_region_add(MemoryListener *l, MemoryRegionSection *section)
{
    KVMState *s = &kvm_state;      /* one VM per process */
    KVMSlot *sl = NULL;
    KVMSlot want;

    (void)l;

    if (!kvm_section_pages(section, &want)) {
        return;             /* MMIO, or a sliver: exits handle it */
    }
    for (unsigned i = 0; i < s->nr_slots; i++) {
        if (!s->slots[i].used) {
            sl = &s->slots[i];
            sl->slot = i;
            break;
        }
    }
    if (!sl) {
        if (!s->slots_exhausted_warned) {
            fprintf(stderr, "janus: kvm: all %u memory slots used; RAM at "
                    "0x%" HWADDR_PRIx " runs through MMIO exits\n",
                    s->nr_slots, want.gpa);
            s->slots_exhausted_warned = true;
        }
        return;
    }
    sl->gpa = want.gpa;
    sl->size = want.size;
    sl->host = want.host;
    sl->flags = (section->readonly || section->mr->type == MR_ROM)
                ? KVM_MEM_READONLY : 0;
    if (kvm_set_slot(s, sl, false) == 0) {
        sl->used = true;
    }
}

static void kvm_region_del(MemoryListener *l, MemoryRegionSection *section)
{
    KVMState *s = &kvm_state;      /* one VM per process */
    KVMSlot want;

    (void)l;

    if (!kvm_section_pages(section, &want)) {
        return;
    }
    for (unsigned i = 0; i < s->nr_slots; i++) {
        KVMSlot *sl = &s->slots[i];

        if (sl->used && sl->gpa == want.gpa && sl->size == want.size) {
            kvm_set_slot(s, sl, true);
            sl->used = false;
            return;
        }
    }
}

void kvm_memory_listener_register(KVMState *s)
{
    s->listener = (MemoryListener) {
        .region_add = kvm_region_add,
        .region_del = kvm_region_del,
        .priority = 10,
    };
    memory_listener_register(&s->listener, &address_space_memory);
}
