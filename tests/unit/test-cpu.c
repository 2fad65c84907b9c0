/*
 * test-cpu.c: the shared x86 CPU state: power-on reset, the flat 32-bit
 * boot state, the "info registers" layout, and the CPUID model.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <string.h>
#include "hw/cpu.h"

static void test_reset_bsp(void)
{
    X86CPU *cpu = x86_cpu_new(NULL, 0);

    g_test_message("BSP power-on: CS f000 base ffff0000, IP fff0, CR0 "
                   "60000010, RFLAGS 2, running, APIC base fee00900");
    g_assert_cmpuint(cpu->segs[R_CS].selector, ==, 0xf000);
    g_assert_cmphex(cpu->segs[R_CS].base, ==, 0xffff0000);
    g_assert_cmphex(cpu->segs[R_CS].limit, ==, 0xffff);
    g_assert_cmphex(cpu->segs[R_CS].attr, ==, 0x9b);
    g_assert_cmphex(cpu->segs[R_DS].attr, ==, 0x93);
    g_assert_cmphex(cpu->rip, ==, 0xfff0);
    g_assert_cmphex(cpu->cr0, ==, 0x60000010);
    g_assert_cmphex(cpu->rflags, ==, 0x2);
    g_assert_cmphex(cpu->tr.attr, ==, 0x8b);
    g_assert_cmphex(cpu->dr[6], ==, 0xffff0ff0);
    g_assert_cmphex(cpu->dr[7], ==, 0x400);
    g_assert_cmphex(cpu->apic_base, ==, 0xfee00900);
    g_assert_cmphex(cpu->fpu.fcw, ==, 0x37f);
    g_assert_cmphex(cpu->fpu.mxcsr, ==, 0x1f80);
    g_assert_cmphex(cpu->regs[R_EDX], !=, 0);
    g_assert_false(cpu->halted);
    g_assert_false(cpu->sipi_wait);
    g_assert_true(cpu->regs_dirty);

    g_test_message("reset after changes restores power-on state and "
                   "bumps reset_count");
    unsigned count = cpu->reset_count;
    cpu->regs[R_EAX] = 0x1234;
    cpu->cr0 = 0x80000011;
    cpu->efer = EFER_LME | EFER_LMA;
    cpu->regs_dirty = false;
    cpu->accel = &count;
    cpu->tcg = &count;
    cpu->tlb_table[1] = (void *)&count;
    cpu->exception_index = 6;
    x86_cpu_reset(cpu);
    g_test_message("reset keeps accelerator resources (accel, tcg, TLB "
                   "tables) and clears the pending exception");
    g_assert_true(cpu->accel == &count);
    g_assert_true(cpu->tcg == &count);
    g_assert_true(cpu->tlb_table[1] == (void *)&count);
    g_assert_cmpint(cpu->exception_index, ==, -1);
    cpu->accel = cpu->tcg = NULL;
    g_assert_cmphex(cpu->regs[R_EAX], ==, 0);
    g_assert_cmphex(cpu->cr0, ==, 0x60000010);
    g_assert_cmphex(cpu->efer, ==, 0);
    g_assert_cmpuint(cpu->reset_count, ==, count + 1);
    g_assert_true(cpu->regs_dirty);
    g_assert_cmpuint(cpu->index, ==, 0);
    x86_cpu_free(cpu);
}

static void test_reset_ap(void)
{
    X86CPU *cpu = x86_cpu_new(NULL, 3);

    g_test_message("AP 3 power-on: waiting for SIPI, APIC ID 3, no BSP "
                   "flag in APIC base");
    g_assert_true(cpu->halted);
    g_assert_true(cpu->sipi_wait);
    g_assert_cmpuint(cpu->apic_id, ==, 3);
    g_assert_cmphex(cpu->apic_base, ==, 0xfee00800);
    x86_cpu_free(cpu);
}

static void test_flat32(void)
{
    X86CPU *cpu = x86_cpu_new(NULL, 0);

    cpu->rflags |= RFLAGS_IF;
    cpu->regs_dirty = false;
    x86_cpu_set_flat32(cpu);
    g_test_message("flat32: PE on, PG off, 4 GiB CS (0xc09b) and data "
                   "(0xc093), IF clear");
    g_assert_true(cpu->cr0 & CR0_PE);
    g_assert_false(cpu->cr0 & CR0_PG);
    g_assert_cmphex(cpu->segs[R_CS].base, ==, 0);
    g_assert_cmphex(cpu->segs[R_CS].limit, ==, 0xffffffff);
    g_assert_cmphex(cpu->segs[R_CS].attr, ==, 0xc09b);
    for (int i = 0; i < 6; i++) {
        if (i != R_CS) {
            g_assert_cmphex(cpu->segs[i].attr, ==, 0xc093);
            g_assert_cmphex(cpu->segs[i].limit, ==, 0xffffffff);
            g_assert_cmphex(cpu->segs[i].base, ==, 0);
        }
    }
    g_assert_false(cpu->rflags & RFLAGS_IF);
    g_assert_true(cpu->regs_dirty);
    x86_cpu_free(cpu);
}

static void assert_has_line(const char *dump, const char *line)
{
    g_autofree char *needle = g_strdup_printf("%s\n", line);

    g_test_message("dump has: %s", line);
    if (!strstr(dump, needle)) {
        g_test_message("in:\n%s", dump);
        g_test_fail();
    }
}

static void test_dump_real(void)
{
    X86CPU *cpu = x86_cpu_new(NULL, 0);
    g_autoptr(GString) out = g_string_new(NULL);

    cpu->regs[R_EDX] = 0x60fb1;
    x86_cpu_dump_state(cpu, out);
    /* The lines QEMU 7.2 prints for its power-on CPU. */
    assert_has_line(out->str,
                    "EAX=00000000 EBX=00000000 ECX=00000000 EDX=00060fb1");
    assert_has_line(out->str,
                    "EIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 "
                    "SMM=0 HLT=0");
    assert_has_line(out->str, "ES =0000 00000000 0000ffff 00009300");
    assert_has_line(out->str, "CS =f000 ffff0000 0000ffff 00009b00");
    assert_has_line(out->str, "LDT=0000 00000000 0000ffff 00008200");
    assert_has_line(out->str, "TR =0000 00000000 0000ffff 00008b00");
    assert_has_line(out->str, "GDT=     00000000 0000ffff");
    assert_has_line(out->str,
                    "CR0=60000010 CR2=00000000 CR3=00000000 CR4=00000000");
    assert_has_line(out->str, "DR6=00000000ffff0ff0 DR7=0000000000000400");
    assert_has_line(out->str, "EFER=0000000000000000");
    assert_has_line(out->str,
                    "FCW=037f FSW=0000 [ST=0] FTW=00 MXCSR=00001f80");
    assert_has_line(out->str, "XMM06=0000000000000000 0000000000000000 "
                    "XMM07=0000000000000000 0000000000000000");
    x86_cpu_free(cpu);
}

static void test_dump_long(void)
{
    X86CPU *cpu = x86_cpu_new(NULL, 0);
    g_autoptr(GString) out = g_string_new(NULL);

    x86_cpu_set_flat32(cpu);
    cpu->segs[R_CS].attr = SEG_ATTR_G | SEG_ATTR_L | SEG_ATTR_P |
                           SEG_ATTR_S | 0xb;
    cpu->segs[R_CS].selector = 0x08;
    cpu->cr0 |= CR0_PG;
    cpu->cr3 = 0x1000;
    cpu->cr4 = CR4_PAE;
    cpu->efer = EFER_LME | EFER_LMA;
    cpu->regs[R_EAX] = 0x1122334455667788ULL;
    cpu->regs[R_EDX] = 0;
    cpu->regs[R_R15] = 0xf;
    cpu->rip = 0xffffffff81000000ULL;
    cpu->rflags = 0x246;
    x86_cpu_dump_state(cpu, out);
    assert_has_line(out->str, "RAX=1122334455667788 RBX=0000000000000000 "
                    "RCX=0000000000000000 RDX=0000000000000000");
    assert_has_line(out->str, "R12=0000000000000000 R13=0000000000000000 "
                    "R14=0000000000000000 R15=000000000000000f");
    assert_has_line(out->str, "RIP=ffffffff81000000 RFL=00000246 [---Z-P-] "
                    "CPL=0 II=0 A20=1 SMM=0 HLT=0");
    assert_has_line(out->str, "ES =0018 0000000000000000 ffffffff 00c09300 "
                    "DPL=0 DS   [-WA]");
    assert_has_line(out->str, "CS =0008 0000000000000000 ffffffff 00a09b00 "
                    "DPL=0 CS64 [-RA]");
    assert_has_line(out->str, "TR =0000 0000000000000000 0000ffff 00008b00 "
                    "DPL=0 TSS64-busy");
    assert_has_line(out->str, "GDT=     0000000000000000 0000ffff");
    assert_has_line(out->str, "CR0=e0000011 CR2=0000000000000000 "
                    "CR3=0000000000001000 CR4=00000020");
    assert_has_line(out->str, "EFER=0000000000000500");
    x86_cpu_free(cpu);
}

/* A small host table in the shape KVM_GET_SUPPORTED_CPUID returns. */
static const CPUIDEntry host_table[] = {
    { 0, 0, false, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69 },
    { 1, 0, false, 0x000a0671, 0x00000800, 0x01202029, 0x1f8bfbff },
    { 4, 0, true, 0x04000121, 0x02c0003f, 0x3f, 0 },
    { 4, 1, true, 0x04000163, 0x03c0003f, 0x7fff, 0 },
    { 0xa, 0, false, 0x07300402, 0, 0, 0x603 },
    { 0xb, 0, true, 0, 1, 0x100, 0 },
    { 0x80000000, 0, false, 0x80000008, 0, 0, 0 },
    { 0x80000001, 0, false, 0, 0, 0x121, 0x2c100800 },
};

static const CPUIDEntry *find(const CPUIDEntry *e, int n, uint32_t fn,
                              uint32_t idx)
{
    for (int i = 0; i < n; i++) {
        if (e[i].function == fn && e[i].index == idx) {
            return &e[i];
        }
    }
    return NULL;
}

static void test_cpuid(void)
{
    X86CPU *cpu = x86_cpu_new(NULL, 2);
    CPUIDEntry out[64];
    const CPUIDEntry *e;
    GError *err = NULL;
    int n;

    n = x86_cpuid_filter(NULL, host_table, G_N_ELEMENTS(host_table), cpu, 4,
                         out, G_N_ELEMENTS(out), &err);
    g_assert_no_error(err);
    g_assert_cmpint(n, >, 0);

    g_test_message("leaf 1: APIC ID 2, 4 logical CPUs, HTT, hypervisor, "
                   "no x2APIC/TSC-deadline/MONITOR/PDCM in the default");
    e = find(out, n, 1, 0);
    g_assert_nonnull(e);
    g_assert_cmphex(e->ebx >> 24, ==, 2);
    g_assert_cmphex((e->ebx >> 16) & 0xff, ==, 4);
    g_assert_cmphex(e->ebx & 0xffff, ==, 0x0800);
    g_assert_true(e->edx & (1u << 28));
    g_assert_true(e->ecx & (1u << 31));
    g_assert_false(e->ecx & ((1u << 21) | (1u << 24) | (1u << 3) |
                             (1u << 15)));
    g_assert_cmphex(e->eax, ==, 0x000a0671);

    g_test_message("leaf 0xa (PMU) zeroed in the default model");
    e = find(out, n, 0xa, 0);
    g_assert_nonnull(e);
    g_assert_cmphex(e->eax | e->ebx | e->ecx | e->edx, ==, 0);

    g_test_message("leaf 0xb: SMT level 1 thread, core level 4 CPUs with "
                   "a 2-bit shift, x2APIC ID 2, level 2 invalid");
    e = find(out, n, 0xb, 0);
    g_assert_nonnull(e);
    g_assert_true(e->significant_index);
    g_assert_cmphex(e->eax, ==, 0);
    g_assert_cmphex(e->ebx, ==, 1);
    g_assert_cmphex(e->ecx, ==, 0x100);
    g_assert_cmphex(e->edx, ==, 2);
    e = find(out, n, 0xb, 1);
    g_assert_nonnull(e);
    g_assert_cmphex(e->eax, ==, 2);
    g_assert_cmphex(e->ebx, ==, 4);
    g_assert_cmphex(e->ecx, ==, 0x201);
    e = find(out, n, 0xb, 2);
    g_assert_nonnull(e);
    g_assert_cmphex(e->ebx, ==, 0);
    g_assert_cmphex(e->ecx & 0xff00, ==, 0);

    g_test_message("leaf 4: 4 cores per package; L3 shared, L1 not");
    e = find(out, n, 4, 0);
    g_assert_cmphex(e->eax >> 26, ==, 3);
    g_assert_cmphex((e->eax >> 14) & 0xfff, ==, 0);
    e = find(out, n, 4, 1);
    g_assert_cmphex((e->eax >> 14) & 0xfff, ==, 3);

    g_test_message("-cpu host keeps x2APIC and the PMU leaf");
    n = x86_cpuid_filter("host", host_table, G_N_ELEMENTS(host_table), cpu,
                         1, out, G_N_ELEMENTS(out), &err);
    g_assert_no_error(err);
    e = find(out, n, 1, 0);
    g_assert_true(e->ecx & (1u << 21));
    g_assert_false(e->edx & (1u << 28));
    e = find(out, n, 0xa, 0);
    g_assert_cmphex(e->eax, ==, 0x07300402);

    g_test_message("-cpu max is -cpu host; unknown names are refused");
    n = x86_cpuid_filter("max", host_table, G_N_ELEMENTS(host_table), cpu,
                         1, out, G_N_ELEMENTS(out), &err);
    g_assert_no_error(err);
    n = x86_cpuid_filter("pentium9", host_table, G_N_ELEMENTS(host_table),
                         cpu, 1, out, G_N_ELEMENTS(out), &err);
    g_assert_cmpint(n, <, 0);
    g_assert_nonnull(err);
    g_test_message("error: %s", err->message);
    g_assert_nonnull(strstr(err->message, "'pentium9'"));
    g_clear_error(&err);

    g_test_message("a too small output table is an error, not an overrun");
    n = x86_cpuid_filter(NULL, host_table, G_N_ELEMENTS(host_table), cpu, 1,
                         out, 3, &err);
    g_assert_cmpint(n, <, 0);
    g_assert_nonnull(err);
    g_clear_error(&err);
    x86_cpu_free(cpu);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cpu/reset/bsp", test_reset_bsp);
    g_test_add_func("/cpu/reset/ap", test_reset_ap);
    g_test_add_func("/cpu/flat32", test_flat32);
    g_test_add_func("/cpu/dump/real", test_dump_real);
    g_test_add_func("/cpu/dump/long", test_dump_long);
    g_test_add_func("/cpu/cpuid", test_cpuid);
    return g_test_run();
}
