/*
 * cpuid.c: the CPUID model.  The accelerator hands in what it can offer
 * (KVM_GET_SUPPORTED_CPUID) and gets back what the guest sees.
 *
 * Models: "host" and "max" (synonyms) offer everything the accelerator
 * supports; the default "janus" model takes the host's vendor, family and
 * features but hides what janus does not model in userspace or what would
 * make KVM and TCG guests take different paths: performance monitoring,
 * x2APIC and the TSC-deadline timer (guests use the xAPIC MMIO page and
 * the LAPIC timer both accelerators provide), MONITOR/MWAIT, VMX/SVM/SMX,
 * thermal and power management leaves.  Both fix the per-CPU fields: APIC
 * ID = CPU index, one package of ncpus single-thread cores, and the
 * hypervisor bit.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "hw/cpu.h"

/* CPUID.1:ECX */
#define CPUID_1_ECX_DTES64      (1u << 2)
#define CPUID_1_ECX_MONITOR     (1u << 3)
#define CPUID_1_ECX_DSCPL       (1u << 4)
#define CPUID_1_ECX_VMX         (1u << 5)
#define CPUID_1_ECX_SMX         (1u << 6)
#define CPUID_1_ECX_EST         (1u << 7)
#define CPUID_1_ECX_TM2         (1u << 8)
#define CPUID_1_ECX_XTPR        (1u << 14)
#define CPUID_1_ECX_PDCM        (1u << 15)
#define CPUID_1_ECX_X2APIC      (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_HYPERVISOR  (1u << 31)
/* CPUID.1:EDX */
#define CPUID_1_EDX_DS          (1u << 21)
#define CPUID_1_EDX_ACPI        (1u << 22)
#define CPUID_1_EDX_HTT         (1u << 28)
#define CPUID_1_EDX_TM          (1u << 29)
#define CPUID_1_EDX_PBE         (1u << 31)
/* CPUID.80000001:ECX */
#define CPUID_8001_ECX_SVM      (1u << 2)
/* KVM paravirtual features (CPUID.40000001:EAX) kept by "janus":
 * kvmclock (old and new MSRs), no-op port 0x80 delay, stable clock. */
#define KVM_PV_KEPT             ((1u << 0) | (1u << 1) | (1u << 3) | \
                                 (1u << 24))

#define JANUS_1_ECX_HIDDEN (CPUID_1_ECX_DTES64 | CPUID_1_ECX_MONITOR | \
    CPUID_1_ECX_DSCPL | CPUID_1_ECX_VMX | CPUID_1_ECX_SMX |             \
    CPUID_1_ECX_EST | CPUID_1_ECX_TM2 | CPUID_1_ECX_XTPR |              \
    CPUID_1_ECX_PDCM | CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE)
#define JANUS_1_EDX_HIDDEN (CPUID_1_EDX_DS | CPUID_1_EDX_ACPI |        \
    CPUID_1_EDX_TM | CPUID_1_EDX_PBE)

typedef struct CPUIDBuild {
    CPUIDEntry *out;
    int n, max;
} CPUIDBuild;

static bool cpuid_push(CPUIDBuild *b, CPUIDEntry e)
{
    if (b->n >= b->max) {
        return false;
    }
    b->out[b->n++] = e;
    return true;
}

/* Bits of APIC ID that number the cores of the package. */
static unsigned core_bits(unsigned ncpus)
{
    unsigned bits = 0;

    while ((1u << bits) < ncpus) {
        bits++;
    }
    return bits;
}

static bool vendor_is_amd(const CPUIDEntry *host, int n)
{
    for (int i = 0; i < n; i++) {
        if (host[i].function == 0) {
            /* "AuthenticAMD" / "HygonGenuine": EBX "Auth" / "Hygo" */
            return host[i].ebx == 0x68747541 || host[i].ebx == 0x6f677948;
        }
    }
    return false;
}

static uint32_t max_leaf(const CPUIDEntry *host, int n, uint32_t base)
{
    for (int i = 0; i < n; i++) {
        if (host[i].function == base) {
            return host[i].eax;
        }
    }
    return 0;
}

/* Leaf 0xb / 0x1f: level 0 = SMT (1 thread per core), 1 = core. */
static bool push_topology(CPUIDBuild *b, uint32_t leaf, uint32_t apic_id,
                          unsigned ncpus)
{
    CPUIDEntry smt = { leaf, 0, true, 0, 1, 0 | (1u << 8), apic_id };
    CPUIDEntry core = { leaf, 1, true, core_bits(ncpus), ncpus,
                        1 | (2u << 8), apic_id };
    CPUIDEntry end = { leaf, 2, true, 0, 0, 2, apic_id };

    return cpuid_push(b, smt) && cpuid_push(b, core) && cpuid_push(b, end);
}

int x86_cpuid_filter(const char *model, const CPUIDEntry *host, int n,
                     X86CPU *cpu, unsigned ncpus, CPUIDEntry *out, int max,
                     GError **errp)
{
    CPUIDBuild b = { out, 0, max };
    bool full;
    bool amd = vendor_is_amd(host, n);
    uint32_t max_basic = max_leaf(host, n, 0);
    unsigned bits;
    bool has_1f = false;

    if (!model || !strcmp(model, "janus")) {
        full = false;
    } else if (!strcmp(model, "host") || !strcmp(model, "max")) {
        full = true;
    } else {
        g_set_error(errp, JANUS_ERROR, 0,
                    "unknown CPU model '%s' (known: janus, host, max)",
                    model);
        return -EINVAL;
    }
    if (ncpus == 0) {
        ncpus = 1;
    }
    bits = core_bits(ncpus);

    for (int i = 0; i < n; i++) {
        CPUIDEntry e = host[i];

        switch (e.function) {
        case 1:
            e.ebx = (e.ebx & 0x0000ffff) | (cpu->apic_id << 24) |
                    ((ncpus > 255 ? 255 : ncpus) << 16);
            e.edx = ncpus > 1 ? e.edx | CPUID_1_EDX_HTT
                              : e.edx & ~CPUID_1_EDX_HTT;
            e.ecx |= CPUID_1_ECX_HYPERVISOR;
            if (!full) {
                e.ecx &= ~JANUS_1_ECX_HIDDEN;
                e.edx &= ~JANUS_1_EDX_HIDDEN;
            }
            break;
        case 4: {
            /* Deterministic cache parameters: cores per package, and
             * which caches the cores share (level 3 and up). */
            unsigned level = (e.eax >> 5) & 7;
            uint32_t sharing = level >= 3 ? (1u << bits) - 1 : 0;

            if ((e.eax & 0x1f) != 0) {
                e.eax = (e.eax & 0x3fff) | (sharing << 14) |
                        (((1u << bits) - 1) << 26);
            }
            break;
        }
        case 6:
        case 0xa:
            if (!full) {
                e.eax = e.ebx = e.ecx = e.edx = 0;
            }
            break;
        case 0xb:
            continue;               /* rebuilt below */
        case 0x1f:
            has_1f = true;
            continue;
        case 0x40000001:
            if (!full) {
                e.eax &= KVM_PV_KEPT;
            }
            break;
        case 0x80000001:
            if (!full) {
                e.ecx &= ~CPUID_8001_ECX_SVM;
            }
            break;
        case 0x80000008:
            if (amd) {
                e.ecx = (e.ecx & ~0xf0ffu) | (bits << 12) | (ncpus - 1);
            }
            break;
        default:
            break;
        }
        if (!cpuid_push(&b, e)) {
            goto full;
        }
    }
    if (max_basic >= 0xb && !push_topology(&b, 0xb, cpu->apic_id, ncpus)) {
        goto full;
    }
    if (has_1f && max_basic >= 0x1f &&
        !push_topology(&b, 0x1f, cpu->apic_id, ncpus)) {
        goto full;
    }
    return b.n;

full:
    g_set_error(errp, JANUS_ERROR, 0, "CPUID table needs more than %d "
                "entries", max);
    return -ENOSPC;
}
