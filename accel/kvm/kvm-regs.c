/*
 * kvm-regs.c: copying the CPU state between X86CPU and KVM.
 *
 * Only done outside the hot path: at vCPU creation, when a vCPU parks
 * (pause, reset, "info registers") and when it resumes.  A "full" put
 * follows an x86_cpu_reset() and also resets what KVM keeps beyond
 * X86CPU: the local APIC, pending events, the TSC and XCR0.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include "accel/kvm/kvm-int.h"

#define MSR_IA32_TSC            0x10
#define MSR_IA32_SYSENTER_CS    0x174
#define MSR_IA32_SYSENTER_ESP   0x175
#define MSR_IA32_SYSENTER_EIP   0x176
#define MSR_IA32_MISC_ENABLE    0x1a0
#define MSR_IA32_PAT            0x277
#define MSR_STAR                0xc0000081
#define MSR_LSTAR               0xc0000082
#define MSR_CSTAR               0xc0000083
#define MSR_FMASK               0xc0000084
#define MSR_KERNEL_GS_BASE      0xc0000102
#define MSR_TSC_AUX             0xc0000103

/* Local APIC register offsets used for the power-on state. */
#define APIC_ID     0x20
#define APIC_DFR    0xe0
#define APIC_SVR    0xf0
#define APIC_LVT_FIRST 0x2f0    /* CMCI */
#define APIC_LVT_LAST  0x370    /* error */
#define APIC_LVT_MASKED 0x10000

static int vcpu_ioctl(KVMVcpu *v, unsigned long req, void *arg,
                      const char *what, GError **errp)
{
    if (ioctl(v->fd, req, arg) < 0) {
        int e = errno;

        g_set_error(errp, JANUS_ERROR, 0, "vCPU %u: %s: %s", v->cpu->index,
                    what, strerror(e));
        return -e;
    }
    return 0;
}

static void seg_to_kvm(const SegmentCache *sc, struct kvm_segment *k)
{
    k->base = sc->base;
    k->limit = sc->limit;
    k->selector = sc->selector;
    k->type = sc->attr & SEG_ATTR_TYPE_MASK;
    k->s = !!(sc->attr & SEG_ATTR_S);
    k->dpl = (sc->attr >> SEG_ATTR_DPL_SHIFT) & 3;
    k->present = !!(sc->attr & SEG_ATTR_P);
    k->avl = !!(sc->attr & SEG_ATTR_AVL);
    k->l = !!(sc->attr & SEG_ATTR_L);
    k->db = !!(sc->attr & SEG_ATTR_DB);
    k->g = !!(sc->attr & SEG_ATTR_G);
    k->unusable = !k->present;
    k->padding = 0;
}

static void seg_from_kvm(const struct kvm_segment *k, SegmentCache *sc)
{
    sc->base = k->base;
    sc->limit = k->limit;
    sc->selector = k->selector;
    sc->attr = (k->type & SEG_ATTR_TYPE_MASK) |
               (k->s ? SEG_ATTR_S : 0) |
               ((k->dpl & 3) << SEG_ATTR_DPL_SHIFT) |
               (k->present && !k->unusable ? SEG_ATTR_P : 0) |
               (k->avl ? SEG_ATTR_AVL : 0) |
               (k->l ? SEG_ATTR_L : 0) |
               (k->db ? SEG_ATTR_DB : 0) |
               (k->g ? SEG_ATTR_G : 0);
}

static bool kvm_has_msr(uint32_t index)
{
    for (unsigned i = 0; i < kvm_state.nr_msrs; i++) {
        if (kvm_state.msrs[i] == index) {
            return true;
        }
    }
    return false;
}

/* The MSRs X86CPU keeps, in one table for both directions. */
static uint64_t *msr_field(X86CPU *cpu, uint32_t index)
{
    switch (index) {
    case MSR_IA32_SYSENTER_CS: return &cpu->sysenter_cs;
    case MSR_IA32_SYSENTER_ESP: return &cpu->sysenter_esp;
    case MSR_IA32_SYSENTER_EIP: return &cpu->sysenter_eip;
    case MSR_IA32_MISC_ENABLE: return &cpu->misc_enable;
    case MSR_IA32_PAT: return &cpu->pat;
    case MSR_STAR: return &cpu->star;
    case MSR_LSTAR: return &cpu->lstar;
    case MSR_CSTAR: return &cpu->cstar;
    case MSR_FMASK: return &cpu->fmask;
    case MSR_KERNEL_GS_BASE: return &cpu->kernel_gs_base;
    case MSR_TSC_AUX: return &cpu->tsc_aux;
    case MSR_IA32_TSC: return &cpu->tsc;
    default: return NULL;
    }
}

static const uint32_t synced_msrs[] = {
    MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
    MSR_IA32_MISC_ENABLE, MSR_IA32_PAT, MSR_STAR, MSR_LSTAR, MSR_CSTAR,
    MSR_FMASK, MSR_KERNEL_GS_BASE, MSR_TSC_AUX,
    MSR_IA32_TSC,               /* last: only written on a full put */
};

typedef struct MSRBuf {
    struct kvm_msrs hdr;
    struct kvm_msr_entry e[G_N_ELEMENTS(synced_msrs)];
} MSRBuf;

static unsigned msr_buf_fill(MSRBuf *b, X86CPU *cpu, bool with_tsc)
{
    unsigned n = 0;

    memset(b, 0, sizeof(*b));
    for (size_t i = 0; i < G_N_ELEMENTS(synced_msrs); i++) {
        uint32_t idx = synced_msrs[i];

        if ((idx == MSR_IA32_TSC && !with_tsc) || !kvm_has_msr(idx)) {
            continue;
        }
        b->e[n].index = idx;
        b->e[n].data = cpu ? *msr_field(cpu, idx) : 0;
        n++;
    }
    b->hdr.nmsrs = n;
    return n;
}

/*
 * MXCSR through the XSAVE area's legacy (FXSAVE-layout) part, offset 24:
 * the software KVM on the development machines ignores kvm_fpu.mxcsr in
 * both KVM_GET_FPU and KVM_SET_FPU.  Returns false without XSAVE.
 */
#define XSAVE_MXCSR_OFFSET 24

static bool kvm_xsave_mxcsr(KVMVcpu *v, uint32_t *mxcsr, bool set)
{
    g_autofree struct kvm_xsave *xs = NULL;

    if (!kvm_check_capability(&kvm_state, KVM_CAP_XSAVE)) {
        return false;
    }
    xs = g_new0(struct kvm_xsave, 1);
    if (ioctl(v->fd, KVM_GET_XSAVE, xs) < 0) {
        return false;
    }
    if (!set) {
        memcpy(mxcsr, (uint8_t *)xs->region + XSAVE_MXCSR_OFFSET, 4);
        return true;
    }
    memcpy((uint8_t *)xs->region + XSAVE_MXCSR_OFFSET, mxcsr, 4);
    return ioctl(v->fd, KVM_SET_XSAVE, xs) == 0;
}

/* Power-on local APIC: ID = APIC ID, every LVT masked, software-disabled. */
static int kvm_reset_lapic(KVMVcpu *v, GError **errp)
{
    struct kvm_lapic_state la;
    uint32_t version;
    int r;

    r = vcpu_ioctl(v, KVM_GET_LAPIC, &la, "KVM_GET_LAPIC", errp);
    if (r < 0) {
        return r;
    }
    memcpy(&version, la.regs + 0x30, 4);    /* read-only, keep KVM's */
    memset(la.regs, 0, sizeof(la.regs));
    memcpy(la.regs + 0x30, &version, 4);
    *(uint32_t *)(la.regs + APIC_ID) = v->cpu->apic_id << 24;
    *(uint32_t *)(la.regs + APIC_DFR) = 0xffffffff;
    *(uint32_t *)(la.regs + APIC_SVR) = 0xff;
    for (unsigned off = APIC_LVT_FIRST; off <= APIC_LVT_LAST; off += 0x10) {
        if (off == 0x300 || off == 0x310) {
            continue;           /* ICR, not an LVT */
        }
        *(uint32_t *)(la.regs + off) = APIC_LVT_MASKED;
    }
    /*
     * The boot CPU's LINT0 is left in ExtINT mode, unmasked, as a PC BIOS
     * (SeaBIOS under QEMU) leaves it: otherwise KVM refuses the PIC's
     * interrupts (KVM_INTERRUPT needs LINT0 to accept ExtINT) and a
     * multiboot kernel that only programs the PIC never sees IRQ 0.
     */
    if (v->cpu->index == 0) {
        *(uint32_t *)(la.regs + 0x350) = 0x700;
    }
    return vcpu_ioctl(v, KVM_SET_LAPIC, &la, "KVM_SET_LAPIC", errp);
}

static int kvm_put_mp_state(KVMVcpu *v, GError **errp)
{
    X86CPU *cpu = v->cpu;
    struct kvm_mp_state mp = { KVM_MP_STATE_RUNNABLE };

    if (!kvm_state.split_irqchip) {
        return 0;       /* only RUNNABLE exists; HLT waits in userspace */
    }
    if (cpu->sipi_wait && cpu->index != 0) {
        mp.mp_state = KVM_MP_STATE_INIT_RECEIVED;
    } else if (cpu->halted) {
        mp.mp_state = KVM_MP_STATE_HALTED;
    }
    return vcpu_ioctl(v, KVM_SET_MP_STATE, &mp, "KVM_SET_MP_STATE", errp);
}

int kvm_put_state(KVMVcpu *v, bool full, GError **errp)
{
    X86CPU *cpu = v->cpu;
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_fpu fpu;
    struct kvm_debugregs dbg;
    MSRBuf msrs;
    int r;

    memset(&regs, 0, sizeof(regs));
    regs.rax = cpu->regs[R_EAX];
    regs.rbx = cpu->regs[R_EBX];
    regs.rcx = cpu->regs[R_ECX];
    regs.rdx = cpu->regs[R_EDX];
    regs.rsi = cpu->regs[R_ESI];
    regs.rdi = cpu->regs[R_EDI];
    regs.rsp = cpu->regs[R_ESP];
    regs.rbp = cpu->regs[R_EBP];
    regs.r8 = cpu->regs[R_R8];
    regs.r9 = cpu->regs[R_R9];
    regs.r10 = cpu->regs[R_R10];
    regs.r11 = cpu->regs[R_R11];
    regs.r12 = cpu->regs[R_R12];
    regs.r13 = cpu->regs[R_R13];
    regs.r14 = cpu->regs[R_R14];
    regs.r15 = cpu->regs[R_R15];
    regs.rip = cpu->rip;
    regs.rflags = cpu->rflags;
    r = vcpu_ioctl(v, KVM_SET_REGS, &regs, "KVM_SET_REGS", errp);
    if (r < 0) {
        return r;
    }

    /* Start from KVM's sregs so a pending interrupt in interrupt_bitmap
     * survives a pause; a reset drops it. */
    r = vcpu_ioctl(v, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS", errp);
    if (r < 0) {
        return r;
    }
    if (full) {
        memset(sregs.interrupt_bitmap, 0, sizeof(sregs.interrupt_bitmap));
    }
    seg_to_kvm(&cpu->segs[R_CS], &sregs.cs);
    seg_to_kvm(&cpu->segs[R_DS], &sregs.ds);
    seg_to_kvm(&cpu->segs[R_ES], &sregs.es);
    seg_to_kvm(&cpu->segs[R_FS], &sregs.fs);
    seg_to_kvm(&cpu->segs[R_GS], &sregs.gs);
    seg_to_kvm(&cpu->segs[R_SS], &sregs.ss);
    seg_to_kvm(&cpu->tr, &sregs.tr);
    seg_to_kvm(&cpu->ldt, &sregs.ldt);
    sregs.gdt.base = cpu->gdt.base;
    sregs.gdt.limit = cpu->gdt.limit;
    sregs.idt.base = cpu->idt.base;
    sregs.idt.limit = cpu->idt.limit;
    sregs.cr0 = cpu->cr0;
    sregs.cr2 = cpu->cr2;
    sregs.cr3 = cpu->cr3;
    sregs.cr4 = cpu->cr4;
    sregs.cr8 = cpu->cr8;
    sregs.efer = cpu->efer;
    if (cpu->apic_base) {
        sregs.apic_base = cpu->apic_base;
    }
    r = vcpu_ioctl(v, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS", errp);
    if (r < 0) {
        return r;
    }

    memset(&fpu, 0, sizeof(fpu));
    memcpy(fpu.fpr, cpu->fpu.st, sizeof(fpu.fpr));
    fpu.fcw = cpu->fpu.fcw;
    fpu.fsw = cpu->fpu.fsw;
    fpu.ftwx = cpu->fpu.ftw;
    fpu.last_opcode = cpu->fpu.fop;
    fpu.last_ip = cpu->fpu.fip;
    fpu.last_dp = cpu->fpu.fdp;
    memcpy(fpu.xmm, cpu->fpu.xmm, sizeof(fpu.xmm));
    fpu.mxcsr = cpu->fpu.mxcsr;
    r = vcpu_ioctl(v, KVM_SET_FPU, &fpu, "KVM_SET_FPU", errp);
    if (r < 0) {
        return r;
    }
    kvm_xsave_mxcsr(v, &cpu->fpu.mxcsr, true);

    memset(&dbg, 0, sizeof(dbg));
    memcpy(dbg.db, cpu->dr, sizeof(dbg.db));
    dbg.dr6 = cpu->dr[6] ? cpu->dr[6] : 0xffff0ff0;
    dbg.dr7 = cpu->dr[7] ? cpu->dr[7] : 0x400;
    r = vcpu_ioctl(v, KVM_SET_DEBUGREGS, &dbg, "KVM_SET_DEBUGREGS", errp);
    if (r < 0) {
        return r;
    }

    /* The TSC is written only after a reset: rewriting the value saved at
     * a pause would make it jump backwards for the guest. */
    if (msr_buf_fill(&msrs, cpu, full)) {
        r = ioctl(v->fd, KVM_SET_MSRS, &msrs);
        if (r != (int)msrs.hdr.nmsrs) {
            g_set_error(errp, JANUS_ERROR, 0, "vCPU %u: KVM_SET_MSRS: "
                        "MSR 0x%x refused", cpu->index,
                        r >= 0 ? msrs.e[r].index : 0);
            return -EINVAL;
        }
    }

    if (full) {
        struct kvm_vcpu_events ev;

        /* Drop any exception/interrupt/NMI KVM had queued before reset. */
        memset(&ev, 0, sizeof(ev));
        ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING |
                   KVM_VCPUEVENT_VALID_SHADOW;
        r = vcpu_ioctl(v, KVM_SET_VCPU_EVENTS, &ev, "KVM_SET_VCPU_EVENTS",
                       errp);
        if (r < 0) {
            return r;
        }
        if (kvm_check_capability(&kvm_state, KVM_CAP_XCRS)) {
            struct kvm_xcrs xcrs = { .nr_xcrs = 1 };

            xcrs.xcrs[0].xcr = 0;
            xcrs.xcrs[0].value = 1;     /* x87 only, as at power-on */
            r = vcpu_ioctl(v, KVM_SET_XCRS, &xcrs, "KVM_SET_XCRS", errp);
            if (r < 0) {
                return r;
            }
        }
        if (kvm_state.split_irqchip) {
            r = kvm_reset_lapic(v, errp);
            if (r < 0) {
                return r;
            }
        }
        v->reset_count_synced = cpu->reset_count;
    }
    r = kvm_put_mp_state(v, errp);
    if (r < 0) {
        return r;
    }
    cpu->regs_dirty = false;
    return 0;
}

int kvm_get_state(KVMVcpu *v, GError **errp)
{
    X86CPU *cpu = v->cpu;
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_fpu fpu;
    struct kvm_debugregs dbg;
    struct kvm_mp_state mp;
    MSRBuf msrs;
    int r;

    r = vcpu_ioctl(v, KVM_GET_REGS, &regs, "KVM_GET_REGS", errp);
    if (r < 0) {
        return r;
    }
    cpu->regs[R_EAX] = regs.rax;
    cpu->regs[R_EBX] = regs.rbx;
    cpu->regs[R_ECX] = regs.rcx;
    cpu->regs[R_EDX] = regs.rdx;
    cpu->regs[R_ESI] = regs.rsi;
    cpu->regs[R_EDI] = regs.rdi;
    cpu->regs[R_ESP] = regs.rsp;
    cpu->regs[R_EBP] = regs.rbp;
    cpu->regs[R_R8] = regs.r8;
    cpu->regs[R_R9] = regs.r9;
    cpu->regs[R_R10] = regs.r10;
    cpu->regs[R_R11] = regs.r11;
    cpu->regs[R_R12] = regs.r12;
    cpu->regs[R_R13] = regs.r13;
    cpu->regs[R_R14] = regs.r14;
    cpu->regs[R_R15] = regs.r15;
    cpu->rip = regs.rip;
    cpu->rflags = regs.rflags;

    r = vcpu_ioctl(v, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS", errp);
    if (r < 0) {
        return r;
    }
    seg_from_kvm(&sregs.cs, &cpu->segs[R_CS]);
    seg_from_kvm(&sregs.ds, &cpu->segs[R_DS]);
    seg_from_kvm(&sregs.es, &cpu->segs[R_ES]);
    seg_from_kvm(&sregs.fs, &cpu->segs[R_FS]);
    seg_from_kvm(&sregs.gs, &cpu->segs[R_GS]);
    seg_from_kvm(&sregs.ss, &cpu->segs[R_SS]);
    seg_from_kvm(&sregs.tr, &cpu->tr);
    seg_from_kvm(&sregs.ldt, &cpu->ldt);
    cpu->gdt.base = sregs.gdt.base;
    cpu->gdt.limit = sregs.gdt.limit;
    cpu->idt.base = sregs.idt.base;
    cpu->idt.limit = sregs.idt.limit;
    cpu->cr0 = sregs.cr0;
    cpu->cr2 = sregs.cr2;
    cpu->cr3 = sregs.cr3;
    cpu->cr4 = sregs.cr4;
    cpu->cr8 = sregs.cr8;
    cpu->efer = sregs.efer;
    cpu->apic_base = sregs.apic_base;

    r = vcpu_ioctl(v, KVM_GET_FPU, &fpu, "KVM_GET_FPU", errp);
    if (r < 0) {
        return r;
    }
    memcpy(cpu->fpu.st, fpu.fpr, sizeof(fpu.fpr));
    cpu->fpu.fcw = fpu.fcw;
    cpu->fpu.fsw = fpu.fsw;
    cpu->fpu.ftw = fpu.ftwx;
    cpu->fpu.fop = fpu.last_opcode;
    cpu->fpu.fip = fpu.last_ip;
    cpu->fpu.fdp = fpu.last_dp;
    memcpy(cpu->fpu.xmm, fpu.xmm, sizeof(fpu.xmm));
    cpu->fpu.mxcsr = fpu.mxcsr;
    kvm_xsave_mxcsr(v, &cpu->fpu.mxcsr, false);

    if (vcpu_ioctl(v, KVM_GET_DEBUGREGS, &dbg, "KVM_GET_DEBUGREGS",
                   NULL) == 0) {
        memcpy(cpu->dr, dbg.db, sizeof(dbg.db));
        cpu->dr[6] = dbg.dr6;
        cpu->dr[7] = dbg.dr7;
    }

    if (msr_buf_fill(&msrs, NULL, true)) {
        r = ioctl(v->fd, KVM_GET_MSRS, &msrs);
        for (int i = 0; i < r; i++) {
            *msr_field(cpu, msrs.e[i].index) = msrs.e[i].data;
        }
    }

    if (kvm_state.split_irqchip &&
        vcpu_ioctl(v, KVM_GET_MP_STATE, &mp, "KVM_GET_MP_STATE", NULL) == 0) {
        cpu->sipi_wait = mp.mp_state == KVM_MP_STATE_INIT_RECEIVED;
        cpu->halted = cpu->sipi_wait || mp.mp_state == KVM_MP_STATE_HALTED;
    }
    return 0;
}
