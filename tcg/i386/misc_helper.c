/*
 * misc_helper.c: the remaining system instructions under TCG: control
 * and debug registers (with the TLB flushes they imply), CPUID, the TSC,
 * MSRs, port I/O with its permission checks, CLI/STI/PUSHF/POPF, HLT.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <cpuid.h>
#include <errno.h>
#include "hw/intc/apic.h"
#include "hw/machine.h"
#include "main/main-loop.h"
#include "memory/memory.h"
#include "tcg/i386/sys-internal.h"

LOG_ITEM_DECLARE(unimp);
TRACE_EVENT_DEFINE(tcg_msr_unknown);

#define CR4_TSD         (1ULL << 2)
#define CR4_DE          (1ULL << 3)
#define CR4_PCE         (1ULL << 8)
#define CR4_OSXSAVE     (1ULL << 18)
#define CR4_SMEP        (1ULL << 20)
#define CR4_SMAP        (1ULL << 21)

#define MSR_IA32_TSC            0x10
#define MSR_IA32_PLATFORM_ID    0x17
#define MSR_IA32_BIOS_SIGN_ID   0x8b
#define MSR_IA32_SYSENTER_CS    0x174
#define MSR_IA32_SYSENTER_ESP   0x175
#define MSR_IA32_SYSENTER_EIP   0x176
#define MSR_IA32_MISC_ENABLE    0x1a0
#define MSR_IA32_PAT            0x277
#define MSR_EFER                0xc0000080
#define MSR_STAR                0xc0000081
#define MSR_LSTAR               0xc0000082
#define MSR_CSTAR               0xc0000083
#define MSR_FMASK               0xc0000084
#define MSR_FS_BASE             0xc0000100
#define MSR_GS_BASE             0xc0000101
#define MSR_KERNEL_GS_BASE      0xc0000102
#define MSR_TSC_AUX             0xc0000103

/* ---- CPUID -------------------------------------------------------------------
 *
 * What TCG can offer, in the shape of KVM_GET_SUPPORTED_CPUID: the host's
 * vendor, signature, brand and cache leaves, with feature bits limited
 * to what the frontend and these helpers implement.  The machine's CPU
 * model (hw/cpuid.c) then filters it exactly as it filters KVM's table,
 * so -cpu means the same under both accelerators.
 *
 * Not advertised because not implemented: x87/MMX/SSE and everything
 * vector (the frontend is integer-only), XSAVE, MCE/MCA, MTRR, VME,
 * FSGSBASE, SMAP (no STAC/CLAC), PCID, BMI1/BMI2 (so no TZCNT), MOVBE, RDRAND,
 * performance counters.  Revisit this list when the frontend grows.
 */
#define F1_EDX_DE       (1u << 2)
#define F1_EDX_PSE      (1u << 3)
#define F1_EDX_TSC      (1u << 4)
#define F1_EDX_MSR      (1u << 5)
#define F1_EDX_PAE      (1u << 6)
#define F1_EDX_CX8      (1u << 8)
#define F1_EDX_APIC     (1u << 9)
#define F1_EDX_SEP      (1u << 11)
#define F1_EDX_PGE      (1u << 13)
#define F1_EDX_CMOV     (1u << 15)
#define F1_EDX_PAT      (1u << 16)
#define F1_EDX_PSE36    (1u << 17)
#define F1_ECX_CX16     (1u << 13)
#define F1_ECX_X2APIC   (1u << 21)
#define F1_ECX_POPCNT   (1u << 23)
#define F1_ECX_DEADLINE (1u << 24)
#define F7_EBX_SMEP     (1u << 7)
#define F81_EDX_SYSCALL (1u << 11)
#define F81_EDX_NX      (1u << 20)
#define F81_EDX_1GB     (1u << 26)
#define F81_EDX_RDTSCP  (1u << 27)
#define F81_EDX_LM      (1u << 29)
#define F81_ECX_LAHF    (1u << 0)
#define F81_ECX_ABM     (1u << 5)   /* lzcnt */
#define F87_EDX_INVTSC  (1u << 8)

#define TCG_1_EDX (F1_EDX_DE | F1_EDX_PSE | F1_EDX_TSC | F1_EDX_MSR |        \
                   F1_EDX_PAE | F1_EDX_CX8 | F1_EDX_APIC | F1_EDX_SEP |      \
                   F1_EDX_PGE | F1_EDX_CMOV | F1_EDX_PAT | F1_EDX_PSE36)
#define TCG_1_ECX (F1_ECX_CX16 | F1_ECX_X2APIC | F1_ECX_POPCNT |             \
                   F1_ECX_DEADLINE)
#define TCG_7_EBX (F7_EBX_SMEP)
#define TCG_81_EDX (F81_EDX_SYSCALL | F81_EDX_NX | F81_EDX_1GB |             \
                    F81_EDX_RDTSCP | F81_EDX_LM)
#define TCG_81_ECX (F81_ECX_LAHF | F81_ECX_ABM)

#define TCG_CPUID_MAX 64

static CPUIDEntry tcg_cpuid[TCG_CPUID_MAX];
static int tcg_cpuid_n;
static pthread_once_t tcg_cpuid_once = PTHREAD_ONCE_INIT;

static void host_leaf(uint32_t leaf, uint32_t index, CPUIDEntry *e)
{
    unsigned a, b, c, d;

    __cpuid_count(leaf, index, a, b, c, d);
    *e = (CPUIDEntry) { leaf, index, false, a, b, c, d };
}

static void tcg_cpuid_add(CPUIDEntry e)
{
    if (tcg_cpuid_n < TCG_CPUID_MAX) {
        tcg_cpuid[tcg_cpuid_n++] = e;
    }
}

static void tcg_cpuid_build(void)
{
    uint32_t max_basic, max_ext;
    CPUIDEntry e;

    host_leaf(0, 0, &e);
    /* leaves we offer: 0-2, 4 (caches), 7 and 0xb (topology, rebuilt by
     * the model); everything else in between reads as zeros */
    max_basic = e.eax >= 0xb ? 0xb : e.eax >= 7 ? 7 : e.eax;
    e.eax = max_basic;
    tcg_cpuid_add(e);
    host_leaf(1, 0, &e);
    e.ecx &= TCG_1_ECX;
    e.edx &= TCG_1_EDX;
    tcg_cpuid_add(e);
    if (max_basic >= 2) {
        host_leaf(2, 0, &e);
        tcg_cpuid_add(e);
    }
    if (max_basic >= 4) {
        for (uint32_t i = 0; i < 8; i++) {
            host_leaf(4, i, &e);
            e.significant_index = true;
            tcg_cpuid_add(e);
            if (!(e.eax & 0x1f)) {
                break;
            }
        }
    }
    if (max_basic >= 7) {
        host_leaf(7, 0, &e);
        e = (CPUIDEntry) { 7, 0, true, 0, e.ebx & TCG_7_EBX, 0, 0 };
        tcg_cpuid_add(e);
    }
    if (max_basic >= 0xb) {
        tcg_cpuid_add((CPUIDEntry) { 0xb, 0, true, 0, 0, 0, 0 });
    }

    host_leaf(0x80000000, 0, &e);
    max_ext = e.eax > 0x80000008 ? 0x80000008 : e.eax;
    e.eax = max_ext;
    tcg_cpuid_add(e);
    for (uint32_t l = 0x80000001; l <= max_ext; l++) {
        host_leaf(l, 0, &e);
        switch (l) {
        case 0x80000001:
            e.ecx &= TCG_81_ECX;
            /* AMD mirrors leaf 1's EDX bits here: same mask */
            e.edx &= TCG_81_EDX | TCG_1_EDX;
            break;
        case 0x80000007:
            e.eax = e.ebx = e.ecx = 0;
            e.edx = F87_EDX_INVTSC;     /* clock_virtual_ns: constant rate */
            break;
        case 0x80000008:
            /* physical bits from the host, 48 virtual bits (no LA57) */
            e.eax = (e.eax & 0xff) | (48 << 8);
            e.ebx = 0;
            break;
        default:
            break;
        }
        tcg_cpuid_add(e);
    }
}

static bool cpuid_lookup(const CPUIDEntry *t, int n, uint32_t leaf,
                         uint32_t index, CPUIDEntry *out)
{
    for (int i = 0; i < n; i++) {
        if (t[i].function == leaf &&
            (!t[i].significant_index || t[i].index == index)) {
            *out = t[i];
            return true;
        }
    }
    return false;
}

void helper_cpuid(X86CPU *cpu)
{
    uint32_t leaf = cpu->regs[R_EAX], index = cpu->regs[R_ECX];
    Machine *m = cpu->machine;
    const char *model = m && m->cfg ? m->cfg->cpu_model : NULL;
    CPUIDEntry t[TCG_CPUID_MAX + 8], e = { 0 };
    int n;

    pthread_once(&tcg_cpuid_once, tcg_cpuid_build);
    n = x86_cpuid_filter(model, tcg_cpuid, tcg_cpuid_n, cpu,
                         m ? m->ncpus : 1, t, G_N_ELEMENTS(t), NULL);
    if (n < 0) {
        /* the accelerator rejected a bad -cpu before the guest ran; keep
         * going with the default model rather than fail an instruction */
        n = x86_cpuid_filter(NULL, tcg_cpuid, tcg_cpuid_n, cpu,
                             m ? m->ncpus : 1, t, G_N_ELEMENTS(t), NULL);
        n = n < 0 ? 0 : n;
    }
    if (!cpuid_lookup(t, n, leaf, index, &e)) {
        CPUIDEntry max;

        /* Intel: a basic leaf above the maximum returns the highest
         * basic leaf */
        if (leaf < 0x40000000 && cpuid_lookup(t, n, 0, 0, &max) &&
            leaf > max.eax) {
            cpuid_lookup(t, n, max.eax, 0, &e);
        }
    }
    if (leaf == 1 && !(cpu->apic_base & APIC_BASE_ENABLE)) {
        e.edx &= ~F1_EDX_APIC;  /* CPUID.1:EDX.APIC follows the MSR */
    }
    cpu->regs[R_EAX] = e.eax;
    cpu->regs[R_EBX] = e.ebx;
    cpu->regs[R_ECX] = e.ecx;
    cpu->regs[R_EDX] = e.edx;
}

/* ---- TSC ------------------------------------------------------------------- */

uint64_t x86_tcg_read_tsc(X86CPU *cpu)
{
    return clock_virtual_ns() + cpu->tsc_offset;
}

static void set_edx_eax(X86CPU *cpu, uint64_t v)
{
    cpu->regs[R_EAX] = (uint32_t)v;
    cpu->regs[R_EDX] = v >> 32;
}

void helper_rdtsc(X86CPU *cpu)
{
    if ((cpu->cr4 & CR4_TSD) && x86_cpl(cpu) != 0) {
        raise_exception_err_ra(cpu, EXCP_GP, 0, GETPC());
    }
    set_edx_eax(cpu, x86_tcg_read_tsc(cpu));
}

void helper_rdtscp(X86CPU *cpu)
{
    if ((cpu->cr4 & CR4_TSD) && x86_cpl(cpu) != 0) {
        raise_exception_err_ra(cpu, EXCP_GP, 0, GETPC());
    }
    set_edx_eax(cpu, x86_tcg_read_tsc(cpu));
    cpu->regs[R_ECX] = (uint32_t)cpu->tsc_aux;
}

void helper_rdpmc(X86CPU *cpu)
{
    raise_exception_err_ra(cpu, EXCP_GP, 0, GETPC());
}

/* ---- Control and debug registers -------------------------------------------- */

static void require_cpl0(X86CPU *cpu, uintptr_t ra)
{
    if (x86_cpl(cpu) != 0) {
        raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
    }
}

static void write_cr0(X86CPU *cpu, uint64_t val, uintptr_t ra)
{
    const uint64_t defined = CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET |
                             CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD |
                             CR0_PG;
    uint64_t changed;

    if (val >> 32) {
        raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
    }
    val = (val & defined) | CR0_ET;
    if (((val & CR0_PG) && !(val & CR0_PE)) ||
        ((val & CR0_NW) && !(val & CR0_CD))) {
        raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
    }
    if ((val & CR0_PG) && !(cpu->cr0 & CR0_PG) && (cpu->efer & EFER_LME)) {
        /* entering long mode: needs PAE, and CS.L must be clear */
        if (!(cpu->cr4 & CR4_PAE) || (cpu->segs[R_CS].attr & SEG_ATTR_L)) {
            raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
        }
        cpu->efer |= EFER_LMA;
    } else if (!(val & CR0_PG) && (cpu->cr0 & CR0_PG) && x86_lma(cpu)) {
        if (x86_code64(cpu)) {
            raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
        }
        cpu->efer &= ~EFER_LMA;
    }
    changed = cpu->cr0 ^ val;
    cpu->cr0 = val;
    if (changed & (CR0_PG | CR0_WP | CR0_PE)) {
        tlb_flush(cpu);
    }
}

static void write_cr4(X86CPU *cpu, uint64_t val, uintptr_t ra)
{
    const uint64_t allowed = CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE |
                             CR4_PGE | CR4_PCE | CR4_OSFXSR |
                             CR4_OSXMMEXCPT | CR4_SMEP;
    uint64_t changed;

    if ((val & ~allowed) || (x86_lma(cpu) && !(val & CR4_PAE))) {
        raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
    }
    changed = cpu->cr4 ^ val;
    cpu->cr4 = val;
    if (changed & (CR4_PSE | CR4_PAE | CR4_PGE | CR4_SMEP | CR4_SMAP)) {
        tlb_flush(cpu);
    }
}

uint64_t helper_read_cr(X86CPU *cpu, int reg)
{
    uintptr_t ra = GETPC();

    require_cpl0(cpu, ra);
    switch (reg) {
    case 0: return cpu->cr0;
    case 2: return cpu->cr2;
    case 3: return cpu->cr3;
    case 4: return cpu->cr4;
    case 8: return apic_get_cr8(cpu);
    default:
        raise_exception_ra(cpu, EXCP_UD, ra);
    }
}

void helper_write_cr(X86CPU *cpu, int reg, uint64_t val)
{
    uintptr_t ra = GETPC();

    require_cpl0(cpu, ra);
    switch (reg) {
    case 0:
        write_cr0(cpu, val, ra);
        break;
    case 2:
        cpu->cr2 = val;
        break;
    case 3:
        if (x86_lma(cpu) && (val >> 52)) {
            raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
        }
        cpu->cr3 = x86_lma(cpu) ? val : (uint32_t)val;
        tlb_flush_nonglobal(cpu);
        break;
    case 4:
        write_cr4(cpu, val, ra);
        break;
    case 8:
        if (val & ~0xfULL) {
            raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
        }
        apic_set_cr8(cpu, val);
        break;
    default:
        raise_exception_ra(cpu, EXCP_UD, ra);
    }
}

/* DR4/DR5 alias DR6/DR7 unless CR4.DE makes them undefined (#UD). */
static int dr_index(X86CPU *cpu, int reg, uintptr_t ra)
{
    if (reg == 4 || reg == 5) {
        if (cpu->cr4 & CR4_DE) {
            raise_exception_ra(cpu, EXCP_UD, ra);
        }
        return reg + 2;
    }
    if (reg < 0 || reg > 7) {
        raise_exception_ra(cpu, EXCP_UD, ra);
    }
    return reg;
}

uint64_t helper_read_dr(X86CPU *cpu, int reg)
{
    uintptr_t ra = GETPC();

    require_cpl0(cpu, ra);
    return cpu->dr[dr_index(cpu, reg, ra)];
}

void helper_write_dr(X86CPU *cpu, int reg, uint64_t val)
{
    uintptr_t ra = GETPC();
    int i;

    require_cpl0(cpu, ra);
    i = dr_index(cpu, reg, ra);
    if (i == 6) {
        val = (uint32_t)val | 0xffff0ff0;
    } else if (i == 7) {
        if (val >> 32) {
            raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
        }
        val |= 0x400;
    }
    cpu->dr[i] = val;
}

uint64_t helper_smsw(X86CPU *cpu)
{
    return cpu->cr0;
}

void helper_lmsw(X86CPU *cpu, uint32_t val)
{
    uintptr_t ra = GETPC();

    require_cpl0(cpu, ra);
    /* PE, MP, EM, TS from the operand; LMSW can set PE but not clear it */
    write_cr0(cpu, (cpu->cr0 & ~0xeULL) | (val & 0xf) | (cpu->cr0 & CR0_PE),
              ra);
}

void helper_clts(X86CPU *cpu)
{
    require_cpl0(cpu, GETPC());
    cpu->cr0 &= ~CR0_TS;
}

void helper_invlpg(X86CPU *cpu, uint64_t addr)
{
    require_cpl0(cpu, GETPC());
    tlb_flush_page(cpu, sys_linear(cpu, addr));
}

void helper_wbinvd(X86CPU *cpu)
{
    require_cpl0(cpu, GETPC());
}

void helper_xgetbv(X86CPU *cpu)
{
    /* CR4.OSXSAVE cannot be set (XSAVE is not advertised): always #UD */
    raise_exception_ra(cpu, EXCP_UD, GETPC());
}

/* ---- MSRs ------------------------------------------------------------------- */

static bool pat_valid(uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        unsigned t = (v >> (i * 8)) & 0xff;

        if (t == 2 || t == 3 || t > 7) {
            return false;
        }
    }
    return true;
}

static int msr_read(X86CPU *cpu, uint32_t msr, uint64_t *val)
{
    switch (msr) {
    case MSR_IA32_TSC:          *val = x86_tcg_read_tsc(cpu); return 0;
    case MSR_IA32_PLATFORM_ID:  *val = 0; return 0;
    case MSR_IA32_BIOS_SIGN_ID: *val = 0; return 0;
    case MSR_IA32_APIC_BASE:    *val = apic_get_base(cpu); return 0;
    case MSR_IA32_SYSENTER_CS:  *val = cpu->sysenter_cs; return 0;
    case MSR_IA32_SYSENTER_ESP: *val = cpu->sysenter_esp; return 0;
    case MSR_IA32_SYSENTER_EIP: *val = cpu->sysenter_eip; return 0;
    case MSR_IA32_MISC_ENABLE:  *val = cpu->misc_enable; return 0;
    case MSR_IA32_PAT:          *val = cpu->pat; return 0;
    case MSR_EFER:              *val = cpu->efer; return 0;
    case MSR_STAR:              *val = cpu->star; return 0;
    case MSR_LSTAR:             *val = cpu->lstar; return 0;
    case MSR_CSTAR:             *val = cpu->cstar; return 0;
    case MSR_FMASK:             *val = cpu->fmask; return 0;
    case MSR_FS_BASE:           *val = cpu->segs[R_FS].base; return 0;
    case MSR_GS_BASE:           *val = cpu->segs[R_GS].base; return 0;
    case MSR_KERNEL_GS_BASE:    *val = cpu->kernel_gs_base; return 0;
    case MSR_TSC_AUX:           *val = cpu->tsc_aux; return 0;
    case MSR_IA32_TSC_DEADLINE:
        return apic_msr_read(cpu, msr, val);
    default:
        if (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST) {
            return apic_msr_read(cpu, msr, val);
        }
        return -ENOENT;
    }
}

static int write_efer(X86CPU *cpu, uint64_t val)
{
    const uint64_t writable = EFER_SCE | EFER_LME | EFER_NXE;
    uint64_t old = cpu->efer;

    if (val & ~(writable | EFER_LMA)) {
        return -EINVAL;
    }
    /* LME cannot change while paging is on; LMA is read-only */
    if ((cpu->cr0 & CR0_PG) && ((val ^ old) & EFER_LME)) {
        return -EINVAL;
    }
    cpu->efer = (val & writable) | (old & EFER_LMA);
    if ((old ^ cpu->efer) & EFER_NXE) {
        tlb_flush(cpu);
    }
    return 0;
}

static int msr_write(X86CPU *cpu, uint32_t msr, uint64_t val)
{
    switch (msr) {
    case MSR_IA32_TSC:
        cpu->tsc_offset = val - clock_virtual_ns();
        return 0;
    case MSR_IA32_BIOS_SIGN_ID:
        return 0;               /* the microcode-revision read protocol */
    case MSR_IA32_APIC_BASE:
        return apic_set_base(cpu, val) ? -EINVAL : 0;
    case MSR_IA32_SYSENTER_CS:
        cpu->sysenter_cs = (uint32_t)val;
        return 0;
    case MSR_IA32_MISC_ENABLE:
        cpu->misc_enable = val;
        return 0;
    case MSR_IA32_PAT:
        if (!pat_valid(val)) {
            return -EINVAL;
        }
        cpu->pat = val;
        return 0;
    case MSR_EFER:
        return write_efer(cpu, val);
    case MSR_STAR:
        cpu->star = val;
        return 0;
    case MSR_FMASK:
        cpu->fmask = (uint32_t)val;
        return 0;
    case MSR_TSC_AUX:
        if (val >> 32) {
            return -EINVAL;
        }
        cpu->tsc_aux = val;
        return 0;
    case MSR_IA32_TSC_DEADLINE:
        return apic_msr_write(cpu, msr, val) ? -EINVAL : 0;
    default:
        break;
    }
    /* the address-valued MSRs: #GP unless canonical */
    switch (msr) {
    case MSR_IA32_SYSENTER_ESP: case MSR_IA32_SYSENTER_EIP:
    case MSR_LSTAR: case MSR_CSTAR:
    case MSR_FS_BASE: case MSR_GS_BASE: case MSR_KERNEL_GS_BASE:
        if (!is_canonical(val)) {
            return -EINVAL;
        }
        break;
    default:
        if (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST) {
            return apic_msr_write(cpu, msr, val) ? -EINVAL : 0;
        }
        return -ENOENT;
    }
    switch (msr) {
    case MSR_IA32_SYSENTER_ESP: cpu->sysenter_esp = val; break;
    case MSR_IA32_SYSENTER_EIP: cpu->sysenter_eip = val; break;
    case MSR_LSTAR:             cpu->lstar = val; break;
    case MSR_CSTAR:             cpu->cstar = val; break;
    case MSR_FS_BASE:           cpu->segs[R_FS].base = val; break;
    case MSR_GS_BASE:           cpu->segs[R_GS].base = val; break;
    default:                    cpu->kernel_gs_base = val; break;
    }
    return 0;
}

static void msr_unknown(X86CPU *cpu, uint32_t msr, bool write, uint64_t val)
{
    trace(tcg_msr_unknown, "cpu=%u %s msr=0x%x val=0x%" PRIx64, cpu->index,
          write ? "wrmsr" : "rdmsr", msr, val);
    if (log_enabled(unimp)) {
        log_printf("janus: vCPU %u: %s of unknown MSR 0x%x: #GP\n",
                   cpu->index, write ? "wrmsr" : "rdmsr", msr);
    }
}

void helper_rdmsr(X86CPU *cpu)
{
    uintptr_t ra = GETPC();
    uint32_t msr = cpu->regs[R_ECX];
    uint64_t val = 0;
    int ret;

    require_cpl0(cpu, ra);
    ret = msr_read(cpu, msr, &val);
    if (ret) {
        if (ret == -ENOENT) {
            msr_unknown(cpu, msr, false, 0);
        }
        raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
    }
    set_edx_eax(cpu, val);
}

void helper_wrmsr(X86CPU *cpu)
{
    uintptr_t ra = GETPC();
    uint32_t msr = cpu->regs[R_ECX];
    uint64_t val = (uint32_t)cpu->regs[R_EAX] |
                   ((uint64_t)(uint32_t)cpu->regs[R_EDX] << 32);
    int ret;

    require_cpl0(cpu, ra);
    ret = msr_write(cpu, msr, val);
    if (ret) {
        if (ret == -ENOENT) {
            msr_unknown(cpu, msr, true, val);
        }
        raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
    }
}

/* ---- Port I/O ----------------------------------------------------------------- */

/*
 * The I/O permission check: in protected mode with CPL > IOPL, every
 * port of the access must be allowed by the TSS I/O bitmap (a clear bit);
 * a bitmap beyond the TSS limit means "not allowed".
 */
static void check_io(X86CPU *cpu, uint32_t port, uint32_t size, uintptr_t ra)
{
    uint64_t base, bits;
    uint32_t off;
    X86Fault f;

    if (!x86_pe(cpu) || x86_cpl(cpu) <= x86_iopl(cpu)) {
        return;
    }
    /* only a 32/64-bit TSS (type 9 or 11) has a bitmap */
    if (!(cpu->tr.attr & SEG_ATTR_P) || (attr_type(cpu->tr.attr) & 9) != 9 ||
        cpu->tr.limit < 0x67) {
        raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
    }
    if (!sys_read(cpu, cpu->tr.base + 0x66, 2, MMU_KERNEL_IDX, ra, &base,
                  &f)) {
        sys_raise(cpu, &f, ra);
    }
    off = base + port / 8;
    if (off + 1 > cpu->tr.limit) {
        raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
    }
    if (!sys_read(cpu, cpu->tr.base + off, 2, MMU_KERNEL_IDX, ra, &bits,
                  &f)) {
        sys_raise(cpu, &f, ra);
    }
    if ((bits >> (port & 7)) & ((1u << size) - 1)) {
        raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
    }
}

static MemTxAttrs cpu_attrs(X86CPU *cpu)
{
    MemTxAttrs attrs = MEMTXATTRS_UNSPECIFIED;

    attrs.cpu_index = cpu->index;
    return attrs;
}

uint32_t helper_in(X86CPU *cpu, uint32_t port, uint32_t size)
{
    uint32_t val = 0;

    port &= 0xffff;
    size = size >= 4 ? 4 : size >= 2 ? 2 : 1;
    check_io(cpu, port, size, GETPC());
    /* unassigned ports read as all-ones, which the memory API provides */
    address_space_rw(&address_space_io, port, cpu_attrs(cpu), &val, size,
                     false);
    return val;
}

void helper_out(X86CPU *cpu, uint32_t port, uint32_t val, uint32_t size)
{
    port &= 0xffff;
    size = size >= 4 ? 4 : size >= 2 ? 2 : 1;
    check_io(cpu, port, size, GETPC());
    address_space_rw(&address_space_io, port, cpu_attrs(cpu), &val, size,
                     true);
}

/* ---- Interrupt flag, RFLAGS, HLT ---------------------------------------------- */

static void check_iopl(X86CPU *cpu, uintptr_t ra)
{
    if (x86_pe(cpu) && x86_cpl(cpu) > x86_iopl(cpu)) {
        raise_exception_err_ra(cpu, EXCP_GP, 0, ra);
    }
}

void helper_cli(X86CPU *cpu)
{
    check_iopl(cpu, GETPC());
    cpu->rflags &= ~RFLAGS_IF;
}

void helper_sti(X86CPU *cpu)
{
    check_iopl(cpu, GETPC());
    cpu->rflags |= RFLAGS_IF;
}

uint64_t helper_pushf(X86CPU *cpu)
{
    return x86_compute_eflags(cpu) & ~(RFLAGS_VM | RFLAGS_RF);
}

void helper_popf(X86CPU *cpu, uint64_t val, int size)
{
    uint64_t mask = x86_flags_writable(x86_cpl(cpu), x86_iopl(cpu), size);

    x86_load_eflags(cpu, val & ~RFLAGS_RF, mask);
}

void helper_hlt(X86CPU *cpu, uint64_t next_rip)
{
    require_cpl0(cpu, GETPC());
    cpu->rip = next_rip;
    cpu->halted = true;
    cpu->exception_index = EXCP_HLT;
    cpu_loop_exit(cpu);
}

void helper_pause(X86CPU *cpu)
{
    (void)cpu;
    __builtin_ia32_pause();
}
