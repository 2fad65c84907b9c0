/*
 * excp_helper.c: raising guest exceptions from helpers and delivering
 * exceptions and interrupts through the IVT (real mode) or the IDT
 * (protected and long mode), with privilege change, IST stacks, error
 * codes, #DF escalation and the triple fault.
 *
 * Delivery is two-phase, as on the CPU: every table read, descriptor
 * check and stack probe happens first (x86_deliver returns the fault,
 * changing nothing), then the frame is written and the registers loaded.
 * x86_cpu_do_interrupt turns a fault during delivery into the next event
 * itself: the fault, #DF, or a triple fault, without leaving through the
 * exec loop in between.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include "hw/machine.h"
#include "main/main-loop.h"
#include "main/trace.h"
#include "tcg/i386/sys-internal.h"

LOG_ITEM_DEFINE(int, "show interrupts and exceptions (QEMU's format)");
TRACE_EVENT_DEFINE(tcg_triple_fault);

/* ---- Raising -------------------------------------------------------------- */

void raise_exception_err_ra(X86CPU *cpu, int vector, uint32_t error_code,
                            uintptr_t ra)
{
    cpu->exception_index = vector;
    cpu->exception_error_code = error_code;
    cpu->exception_has_error_code = true;
    cpu_loop_exit_restore(cpu, ra);
}

void raise_exception_ra(X86CPU *cpu, int vector, uintptr_t ra)
{
    cpu->exception_index = vector;
    cpu->exception_error_code = 0;
    cpu->exception_has_error_code = false;
    cpu_loop_exit_restore(cpu, ra);
}

void helper_raise_exception(X86CPU *cpu, int vector)
{
    raise_exception_ra(cpu, vector, GETPC());
}

void helper_raise_exception_err(X86CPU *cpu, int vector, uint32_t error_code)
{
    raise_exception_err_ra(cpu, vector, error_code, GETPC());
}

/* ---- Delivery ---------------------------------------------------------------- */

/*
 * The frame an event pushes and where it goes, decided before any state
 * changes.
 */
typedef struct Delivery {
    SegmentCache cs;        /* handler's CS (selector with the new CPL) */
    uint64_t rip;
    bool new_ss;            /* a stack switch: load ss */
    SegmentCache ss;
    SysStack st;            /* the stack the frame goes to */
    unsigned size;          /* push size */
    uint64_t clear;         /* RFLAGS bits the gate clears */
} Delivery;

static bool deliver_real(X86CPU *cpu, int vector, uint64_t ret_rip,
                         X86Fault *f)
{
    uint64_t ent, fl;
    SysStack st;

    if ((uint32_t)vector * 4 + 3 > cpu->idt.limit) {
        return sys_fault(f, EXCP_GP, vector * 8 + ERR_IDT);
    }
    if (!sys_read(cpu, cpu->idt.base + vector * 4, 4, MMU_KERNEL_IDX, 0, &ent,
                  f)) {
        return false;
    }
    stack_init(&st, cpu, &cpu->segs[R_SS], cpu->regs[R_ESP],
               (cpu->segs[R_SS].attr & SEG_ATTR_DB) ? 4 : 2, MMU_KERNEL_IDX,
               0, 0);
    if (!stack_check_push(&st, 3, 2, f)) {
        return false;
    }
    fl = x86_compute_eflags(cpu);
    stack_push(&st, fl, 2);
    stack_push(&st, cpu->segs[R_CS].selector, 2);
    stack_push(&st, ret_rip, 2);
    stack_set_sp(&st);
    cpu->segs[R_CS].selector = ent >> 16;
    cpu->segs[R_CS].base = (ent >> 16) << 4;
    cpu->rip = ent & 0xffff;
    x86_load_eflags(cpu, 0, RFLAGS_IF | RFLAGS_TF | RFLAGS_AC | RFLAGS_RF);
    return true;
}

/* Read and check the IDT gate; decode the handler's code segment. */
static bool read_gate(X86CPU *cpu, int vector, bool is_sw, uint32_t ext,
                      Delivery *d, int *gate_type, unsigned *ist,
                      X86Fault *f)
{
    bool lm = x86_lma(cpu);
    unsigned gsize = lm ? 16 : 8;
    uint32_t idt_err = vector * 8 + ERR_IDT + ext;
    uint64_t g0, g1 = 0;
    uint32_t lo, hi, cerr;
    uint16_t sel, attr;
    int type, cpl = x86_cpl(cpu);

    if ((uint64_t)vector * gsize + gsize - 1 > cpu->idt.limit) {
        return sys_fault(f, EXCP_GP, idt_err);
    }
    if (!sys_read(cpu, cpu->idt.base + vector * gsize, 8, MMU_KERNEL_IDX, 0,
                  &g0, f) ||
        (lm && !sys_read(cpu, cpu->idt.base + vector * gsize + 8, 8,
                         MMU_KERNEL_IDX, 0, &g1, f))) {
        return false;
    }
    type = (g0 >> 40) & 0x1f;       /* S bit included: must be 0 */
    if (lm ? (type != DESC_INT && type != DESC_TRAP)
           : (type != DESC_INT && type != DESC_TRAP && type != DESC_INT16 &&
              type != DESC_TRAP16)) {
        if (type == DESC_TASK_GATE && !lm && log_enabled(int)) {
            log_printf("janus: task gate for vector 0x%x: task switches are "
                       "not modelled\n", vector);
        }
        return sys_fault(f, EXCP_GP, idt_err);
    }
    if (is_sw && (int)((g0 >> 45) & 3) < cpl) {
        return sys_fault(f, EXCP_GP, idt_err);
    }
    if (!(g0 & (1ULL << 47))) {
        return sys_fault(f, EXCP_NP, idt_err);
    }
    d->rip = (g0 & 0xffff) | ((g0 >> 32) & 0xffff0000u);
    if (lm) {
        d->rip |= g1 << 32;
    } else if (type == DESC_INT16 || type == DESC_TRAP16) {
        d->rip &= 0xffff;
    }
    *ist = lm ? (g0 >> 32) & 7 : 0;
    *gate_type = type;

    sel = (g0 >> 16) & 0xffff;
    if (!(sel & 0xfffc)) {
        return sys_fault(f, EXCP_GP, ext);
    }
    if (!load_desc(cpu, sel, false, &lo, &hi, NULL, EXCP_GP, ext, 0, f)) {
        return false;
    }
    cerr = (sel & 0xfffc) | ext;
    attr = desc_attr(hi);
    if (!(attr & SEG_ATTR_S) || !(attr_type(attr) & DESC_CODE) ||
        attr_dpl(attr) > cpl ||
        (lm && (!(attr & SEG_ATTR_L) || (attr & SEG_ATTR_DB)))) {
        return sys_fault(f, EXCP_GP, cerr);
    }
    if (!(attr & SEG_ATTR_P)) {
        return sys_fault(f, EXCP_NP, cerr);
    }
    if (!set_desc_bits(cpu, sel, hi, DESC_ACCESSED << 8, 0, f)) {
        return false;
    }
    seg_cache_set(&d->cs, sel, lo, hi);
    return true;
}

bool x86_deliver(X86CPU *cpu, int vector, bool is_sw, uint32_t error_code,
                 bool has_error, uint64_t ret_rip, X86Fault *f)
{
    uint32_t ext = is_sw ? 0 : ERR_EXT;
    int cpl = x86_cpl(cpu), new_cpl, gate_type;
    bool lm = x86_lma(cpu), inner;
    unsigned ist, n;
    uint64_t fl;
    Delivery d;

    if (!x86_pe(cpu)) {
        return deliver_real(cpu, vector, ret_rip, f);
    }
    if (!read_gate(cpu, vector, is_sw, ext, &d, &gate_type, &ist, f)) {
        return false;
    }
    inner = !(attr_type(d.cs.attr) & DESC_C) && attr_dpl(d.cs.attr) < cpl;
    new_cpl = inner ? attr_dpl(d.cs.attr) : cpl;
    d.cs.selector = (d.cs.selector & 0xfffc) | new_cpl;
    d.new_ss = inner;

    if (lm) {
        uint64_t sp = cpu->regs[R_ESP];

        if (inner || ist) {
            if (!tss_read(cpu, ist ? 0x24 + (ist - 1) * 8 : 4u + new_cpl * 8,
                          8, ext, 0, &sp, f)) {
                return false;
            }
        }
        if (inner) {
            /* SDM: SS is loaded with a null selector whose RPL is the
             * new CPL */
            d.ss.selector = new_cpl;
            d.ss.base = 0;
            d.ss.limit = 0;
            d.ss.attr = new_cpl << SEG_ATTR_DPL_SHIFT;
        }
        stack_init(&d.st, cpu, inner ? &d.ss : &cpu->segs[R_SS],
                   sp & ~0xfULL, 8,
                   new_cpl == 3 ? MMU_USER_IDX : MMU_KERNEL_IDX, ext, 0);
        d.size = 8;
        n = 5;
    } else {
        int gate32 = gate_type == DESC_INT || gate_type == DESC_TRAP;

        d.size = gate32 ? 4 : 2;
        if (inner) {
            uint64_t sp;

            if (!load_inner_stack(cpu, new_cpl, ext, 0, &d.ss, &sp, f)) {
                return false;
            }
            stack_init(&d.st, cpu, &d.ss, sp,
                       (d.ss.attr & SEG_ATTR_DB) ? 4 : 2, MMU_KERNEL_IDX,
                       (d.ss.selector & 0xfffc) | ext, 0);
            n = 5;
        } else {
            const SegmentCache *ss = &cpu->segs[R_SS];

            stack_init(&d.st, cpu, ss, cpu->regs[R_ESP],
                       (ss->attr & SEG_ATTR_DB) ? 4 : 2,
                       new_cpl == 3 ? MMU_USER_IDX : MMU_KERNEL_IDX, ext, 0);
            n = 3;
        }
        if (d.rip > d.cs.limit) {
            return sys_fault(f, EXCP_GP, ext);
        }
    }
    if (lm && !is_canonical(d.rip)) {
        return sys_fault(f, EXCP_GP, ext);
    }
    if (!stack_check_push(&d.st, n + has_error, d.size, f)) {
        return false;
    }

    /* Nothing can fail from here on. */
    fl = x86_compute_eflags(cpu);
    if (n == 5) {
        stack_push(&d.st, cpu->segs[R_SS].selector, d.size);
        stack_push(&d.st, cpu->regs[R_ESP], d.size);
    }
    stack_push(&d.st, fl, d.size);
    stack_push(&d.st, cpu->segs[R_CS].selector, d.size);
    stack_push(&d.st, ret_rip, d.size);
    if (has_error) {
        stack_push(&d.st, error_code, d.size);
    }
    if (d.new_ss) {
        cpu->segs[R_SS] = d.ss;
    }
    stack_set_sp(&d.st);
    cpu->segs[R_CS] = d.cs;
    cpu->rip = d.rip;
    d.clear = RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM;
    if (!(gate_type & 1)) {
        d.clear |= RFLAGS_IF;           /* interrupt gate, not trap gate */
    }
    x86_load_eflags(cpu, 0, d.clear);
    return true;
}

/* ---- Escalation, triple fault, logging ----------------------------------------- */

static bool is_contributory(int v)
{
    return v == EXCP_DE || (v >= EXCP_TS && v <= EXCP_GP);
}

/*
 * SDM vol. 3 table "Conditions for Generating a Double Fault": a
 * contributory fault while delivering a contributory one, or a
 * contributory fault or #PF while delivering a #PF.
 */
static bool makes_double_fault(int first, int second)
{
    if (is_contributory(first)) {
        return is_contributory(second);
    }
    return first == EXCP_PF && (second == EXCP_PF || is_contributory(second));
}

/* Mirrors the KVM accelerator's report (docs/kvm.md "Failures") so the
 * functional tests see the same lines under either accelerator. */
static void triple_fault(X86CPU *cpu)
{
    Machine *m = cpu->machine;
    bool no_reboot = m && m->cfg && m->cfg->no_reboot;
    g_autoptr(GString) dump = g_string_new(NULL);

    x86_cpu_sync_eflags(cpu);
    x86_cpu_dump_state(cpu, dump);
    trace(tcg_triple_fault, "cpu=%u", cpu->index);
    fprintf(stderr, "janus: vCPU %u: triple fault, %s\n%s", cpu->index,
            no_reboot ? "shutting down (-no-reboot)" : "resetting the VM",
            dump->str);
    if (log_enabled(int)) {
        log_printf("triple fault\n");
    }
    /* Park the vCPU until the main loop resets (or ends) the machine:
     * halted with IF clear, only a reset or INIT gets it going again. */
    cpu->rflags &= ~RFLAGS_IF;
    cpu->halted = true;
    vm_request_reset();
}

/* QEMU's -d int lines, so logs of both can be compared. */
static void log_interrupt(X86CPU *cpu, int vector, bool is_sw,
                          uint32_t error_code)
{
    static unsigned count;
    unsigned n = __atomic_fetch_add(&count, 1, __ATOMIC_RELAXED);
    g_autoptr(GString) dump = g_string_new(NULL);
    /* the instruction that raised the event, INT n included: the frontend
     * stores the INT's own rip before calling helper_raise_interrupt */
    uint64_t rip = cpu->rip;

    x86_cpu_sync_eflags(cpu);
    x86_cpu_dump_state(cpu, dump);
    log_printf("%6u: v=%02x e=%04x i=%d cpl=%d IP=%04x:%016" PRIx64
               " pc=%016" PRIx64 " SP=%04x:%016" PRIx64 " %s=%016" PRIx64
               "\n%s", n, vector, error_code, is_sw, x86_cpl(cpu),
               cpu->segs[R_CS].selector, rip, cpu->segs[R_CS].base + rip,
               cpu->segs[R_SS].selector, cpu->regs[R_ESP],
               vector == EXCP_PF ? "CR2" : "env->regs[R_EAX]",
               vector == EXCP_PF ? cpu->cr2 : cpu->regs[R_EAX], dump->str);
}

void x86_cpu_do_interrupt(X86CPU *cpu, int vector, bool is_sw,
                          uint32_t error_code, bool has_error,
                          uint64_t next_rip)
{
    uint64_t ret_rip = is_sw ? next_rip : cpu->rip;
    /* exceptions (not hardware interrupts) take part in escalation */
    bool exception = !is_sw && vector < 32 && vector != EXCP_NMI;
    X86Fault f;

    if (!x86_pe(cpu) || !exception) {
        has_error = false;      /* real mode pushes no error code */
    }
    if (log_enabled(int) && exception) {
        log_printf("check_exception old: 0xffffffff new 0x%x\n", vector);
    }
    cpu->halted = false;
    for (;;) {
        if (log_enabled(int)) {
            log_interrupt(cpu, vector, is_sw, error_code);
        }
        if (x86_deliver(cpu, vector, is_sw, error_code, has_error, ret_rip,
                        &f)) {
            return;
        }
        if (log_enabled(int)) {
            /* QEMU's line: "old" only names an event that escalates */
            bool escalates = exception && (is_contributory(vector) ||
                                           vector == EXCP_PF ||
                                           vector == EXCP_DF);

            log_printf("check_exception old: 0x%x new 0x%x\n",
                       escalates ? (unsigned)vector : 0xffffffffu,
                       f.vector);
        }
        if (f.vector == EXCP_PF) {
            cpu->cr2 = f.cr2;   /* CR2 is written even if #DF follows */
        }
        if (exception && vector == EXCP_DF) {
            triple_fault(cpu);
            return;
        }
        if (exception && makes_double_fault(vector, f.vector)) {
            vector = EXCP_DF;
            error_code = 0;
        } else {
            vector = f.vector;
            error_code = f.error;
        }
        has_error = f.has_error && x86_pe(cpu);
        is_sw = false;
        exception = true;
        ret_rip = cpu->rip;     /* faults during delivery return to the
                                   instruction that raised the event */
    }
}

/* ---- Software interrupts ---------------------------------------------------- */

static void deliver_now(X86CPU *cpu, int vector, bool is_sw,
                        uint64_t next_rip, uintptr_t ra)
{
    X86Fault f;

    if (log_enabled(int)) {
        log_interrupt(cpu, vector, is_sw, 0);
    }
    if (!x86_deliver(cpu, vector, is_sw, 0, false, next_rip, &f)) {
        /* A fault delivering INT n is an ordinary fault of the INT
         * instruction, not a double fault. */
        sys_raise(cpu, &f, ra);
    }
}

void helper_raise_interrupt(X86CPU *cpu, int vector, uint64_t next_rip)
{
    deliver_now(cpu, vector & 0xff, true, next_rip, GETPC());
}

void helper_into(X86CPU *cpu, uint64_t next_rip)
{
    if (x86_compute_eflags(cpu) & CC_O) {
        deliver_now(cpu, EXCP_OF, true, next_rip, GETPC());
    } else {
        cpu->rip = next_rip;    /* nothing delivered: go on after INTO */
    }
}

void helper_icebp(X86CPU *cpu, uint64_t next_rip)
{
    /* INT1 is delivered like a hardware #DB: no gate DPL check */
    deliver_now(cpu, EXCP_DB, false, next_rip, GETPC());
}
