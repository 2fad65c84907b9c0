/*
 * test-monitor-hw.c: the hardware monitor commands of hw/monitor-cmds.c
 * ("info pci", "xp", "x", "gva2gpa") on a machine with RAM, the i440FX
 * host bridge, a hitb device and one CPU in long mode whose page tables
 * the test builds.  No accelerator: the CPU state is the X86CPU.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/cpu.h"
#include "hw/misc/hitb.h"
#include "hw/x86-mmu.h"
#include "main/main-loop.h"
#include "main/monitor.h"
#include "main/runstate.h"
#include "guest-ram.h"
#include "hw-test.h"

#define RAM_SIZE (8 * MiB)

static Machine *m;
static MemoryRegion ram;
static X86CPU *cpu;

/* Run @line on a fresh buffered monitor; returns its output. */
static char *mon(const char *line)
{
    GString *out = g_string_new(NULL);
    Monitor *mn = monitor_new_buffered(out);

    bql_lock();
    monitor_execute(mn, line);
    bql_unlock();
    monitor_free(mn);
    g_test_message("(janus) %s\n%s", line, out->str);
    return g_string_free(out, false);
}

static void test_info_pci(void)
{
    g_autofree char *s = mon("info pci");

    g_assert_nonnull(strstr(s, "Bus  0, device   4, function 0:\n"
                               "    Class 0255: PCI device 1234:2333\n"));
    g_assert_nonnull(strstr(s, "      IRQ 11, pin A\n"
                               "      BAR0: 32 bit memory at 0xfea00000 "
                               "[0xfeafffff].\n"));
}

static void test_xp(void)
{
    g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;

    for (int i = 0; i < 32; i++) {
        guest_ram[0x5000 + i] = 0x10 + i;
    }
    a = mon("xp /4xw 0x5000");
    g_assert_cmpstr(a, ==, "0000000000005000: 0x13121110 0x17161514 "
                    "0x1b1a1918 0x1f1e1d1c\n");
    b = mon("xp /3xg 0x5000");
    g_assert_cmpstr(b, ==, "0000000000005000: 0x1716151413121110 "
                    "0x1f1e1d1c1b1a1918\n"
                    "0000000000005010: 0x2726252423222120\n");
    c = mon("xp /2xb 0x5001");
    g_assert_cmpstr(c, ==, "0000000000005001: 0x11 0x12\n");
    /* Through the memory API: a device reads like the guest reads it. */
    d = mon("xp /xw 0xfea00000");
    g_assert_cmpstr(d, ==, "00000000fea00000: 0x010000ed\n");
    e = mon("xp /2dh 0x5000");
    g_assert_cmpstr(e, ==, "0000000000005000:  4368  4882\n");
}

/* 4-level tables: PML4 0x100000, PDPT 0x101000, PD 0x102000, PT 0x103000;
 * va 0xffff800000201000 -> 0x5000 (4 KiB), va 0xffff800040000000 ->
 * hitb BAR0 (2 MiB page at 0xfea00000). */
static void build_tables(void)
{
    put64(0x100000 + 256 * 8, 0x101000 | X86_PTE_P | X86_PTE_W);
    put64(0x101000 + 0 * 8, 0x102000 | X86_PTE_P | X86_PTE_W);
    put64(0x102000 + 1 * 8, 0x103000 | X86_PTE_P | X86_PTE_W);
    put64(0x103000 + 1 * 8, 0x5000 | X86_PTE_P);
    put64(0x101000 + 1 * 8, 0x104000 | X86_PTE_P | X86_PTE_W);
    put64(0x104000 + 0 * 8, 0xfea00000 | X86_PTE_P | X86_PTE_W |
          X86_PTE_PS);
    cpu->cr0 = CR0_PE | CR0_PG | CR0_WP;
    cpu->cr4 = CR4_PAE;
    cpu->efer = EFER_LME | EFER_LMA;
    cpu->cr3 = 0x100000;
}

static void test_x_gva2gpa(void)
{
    g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;
    g_autofree char *hva = NULL;

    build_tables();
    a = mon("x /2xw 0xffff800000201004");
    g_assert_cmpstr(a, ==, "ffff800000201004: 0x17161514 0x1b1a1918\n");

    b = mon("gva2gpa 0xffff800000201008");
    hva = g_strdup_printf("-> hva %p (ram+0x5008)", (void *)(guest_ram + 0x5008));
    g_assert_true(g_str_has_prefix(b, "gpa: 0x5008\n"
                                      "gva 0xffff800000201008 -> gpa 0x5008 "));
    g_assert_nonnull(strstr(b, hva));
    g_assert_nonnull(strstr(b, "4-level walk from cr3 0x100000, 4 entries "
                               "read, 4 KiB page"));

    c = mon("gva2gpa 0xffff800040000080");
    g_assert_nonnull(strstr(c, "gpa: 0xfea00080\n"));
    g_assert_nonnull(strstr(c, "-> no hva: I/O region hitb-mmio+0x80"));
    g_assert_nonnull(strstr(c, "2048 KiB page"));

    d = mon("gva2gpa 0xffff800000400000");
    g_assert_true(g_str_has_prefix(d, "Unmapped\n"));
    e = mon("x /xw 0x1234");
    g_assert_cmpstr(e, ==, "Cannot access memory at 0x1234\n");
}

static void test_errors(void)
{
    g_autofree char *a = mon("xp /4q 0x0");
    g_autofree char *b = mon("xp /4x");
    g_autofree char *c = mon("gva2gpa 0xffff80000020100z");
    g_autofree char *d = mon("gva2gpa 0x0000800000000000");

    g_assert_nonnull(strstr(a, "unsupported format character 'q'"));
    g_assert_nonnull(strstr(b, "usage: xp /FMT ADDR"));
    g_assert_nonnull(strstr(c, "invalid address"));
    g_assert_nonnull(strstr(d, "not canonical"));
}

int main(int argc, char **argv)
{
    static MachineConfig cfg = { .ram_size = RAM_SIZE, .smp = 1 };
    static X86CPU *cpus[1];

    g_test_init(&argc, &argv, NULL);
    m = hw_test_machine_new(&cfg, NULL, NULL);
    guest_ram_add(&ram, "ram", RAM_SIZE);
    hw_test_create_or_die(m, "i440FX-pcihost");
    hw_test_create_or_die(m, "hitb");
    cpu = g_new0(X86CPU, 1);
    cpu->machine = m;
    cpus[0] = cpu;
    m->cpus = cpus;
    m->ncpus = 1;
    runstate_init(m, g_ptr_array_new());
    bql_unlock();

    g_test_add_func("/monitor-hw/info-pci", test_info_pci);
    g_test_add_func("/monitor-hw/xp", test_xp);
    g_test_add_func("/monitor-hw/x-gva2gpa", test_x_gva2gpa);
    g_test_add_func("/monitor-hw/errors", test_errors);
    return g_test_run();
}
