/*
 * test-x86-mmu.c: the software page walker against page tables built in a
 * RAM region: every paging mode and page size, the fault error codes,
 * U/S, R/W with CR0.WP, NX, SMEP/SMAP, reserved bits and A/D updates.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include "hw/cpu.h"
#include "hw/x86-mmu.h"
#include "memory/memory.h"
#include "guest-ram.h"

#define P       X86_PTE_P
#define W       X86_PTE_W
#define U       X86_PTE_U
#define A       X86_PTE_A
#define D       X86_PTE_D
#define PS      X86_PTE_PS
#define NX      X86_PTE_NX

#define RAM_SIZE (16 * MiB)

static MemoryRegion ram;
static X86CPU cpu;

static void reset_state(void)
{
    memset(guest_ram, 0, RAM_SIZE);
    memset(&cpu, 0, sizeof(cpu));
}

/* Translate or fail the test; returns the physical address. */
static uint64_t xlate_ok(uint64_t va, unsigned access)
{
    uint64_t pa = 0;
    uint32_t err = 0;
    int ret = x86_mmu_translate(&cpu, va, access, true, &pa, &err);

    if (ret) {
        g_error("va 0x%" PRIx64 " access %u: ret %d error 0x%x", va, access,
                ret, err);
    }
    return pa;
}

/* Expect a page fault with error code @want. */
static void xlate_fault(uint64_t va, unsigned access, uint32_t want)
{
    uint64_t pa = 0xdead;
    uint32_t err = 0;
    int ret = x86_mmu_translate(&cpu, va, access, true, &pa, &err);

    g_assert_cmpint(ret, ==, -EFAULT);
    g_assert_cmphex(err, ==, want);
    g_assert_cmphex(pa, ==, 0xdead);
}

static void test_no_paging(void)
{
    reset_state();
    cpu.cr0 = CR0_PE;
    g_assert_cmphex(xlate_ok(0x12345678, X86_MMU_WRITE), ==, 0x12345678);
    g_assert_cmphex(xlate_ok(0x100001000ULL, X86_MMU_READ), ==, 0x1000);
    g_test_message("paging off: linear = physical, 32 bits");
}

/* 32-bit paging: PD at 0x10000, PT at 0x11000. */
static void test_legacy(void)
{
    X86MMUResult r;

    reset_state();
    cpu.cr0 = CR0_PE | CR0_PG;
    cpu.cr3 = 0x10000 | 0x18;           /* PWT/PCD bits are not address */
    put32(0x10000 + (0x004 << 2), 0x11000 | P | W | U);     /* 0x01000000 */
    put32(0x11000 + (0x005 << 2), 0x200000 | P | W | U);    /* 0x01005000 */
    put32(0x11000 + (0x006 << 2), 0x201000 | P | U);        /* read-only */
    put32(0x11000 + (0x007 << 2), 0x202000 | P | W);        /* supervisor */

    g_assert_cmphex(xlate_ok(0x01005abc, X86_MMU_READ | X86_MMU_USER), ==,
                    0x200abc);
    g_assert_cmphex(get32(0x10000 + (4 << 2)) & (A | D), ==, A);
    g_assert_cmphex(get32(0x11000 + (5 << 2)) & (A | D), ==, A);
    xlate_ok(0x01005000, X86_MMU_WRITE | X86_MMU_USER);
    g_assert_cmphex(get32(0x11000 + (5 << 2)) & (A | D), ==, A | D);
    g_assert_cmphex(get32(0x10000 + (4 << 2)) & D, ==, 0);
    g_test_message("4 KiB page: translated, A on both levels, D on the "
                   "leaf after a write only");

    /* set_ad = false leaves the tables alone. */
    g_assert_cmpint(x86_mmu_translate_full(&cpu, 0x01006000, X86_MMU_READ,
                                           false, &r), ==, 0);
    g_assert_cmphex(get32(0x11000 + (6 << 2)) & A, ==, 0);
    g_assert_cmpint(r.levels, ==, 2);
    g_assert_cmphex(r.page_size, ==, 4 * KiB);
    g_assert_cmphex(r.prot, ==, X86_PROT_READ | X86_PROT_WRITE |
                    X86_PROT_EXEC);     /* supervisor, WP=0 */

    /* Not present: PDE, then PTE. */
    xlate_fault(0x00400000, X86_MMU_READ, 0);
    xlate_fault(0x01008000, X86_MMU_WRITE | X86_MMU_USER,
                PF_ERR_W | PF_ERR_U);
    /* U/S and R/W. */
    xlate_fault(0x01007000, X86_MMU_READ | X86_MMU_USER,
                PF_ERR_P | PF_ERR_U);
    xlate_fault(0x01006000, X86_MMU_WRITE | X86_MMU_USER,
                PF_ERR_P | PF_ERR_W | PF_ERR_U);
    g_assert_cmphex(get32(0x11000 + (6 << 2)) & (A | D), ==, 0);
    g_test_message("not present, user->supervisor, user write->read-only "
                   "fault; a fault sets no A/D");
    /* Supervisor write to read-only: allowed with WP=0, not with WP=1. */
    xlate_ok(0x01006000, X86_MMU_WRITE);
    cpu.cr0 |= CR0_WP;
    xlate_fault(0x01006000, X86_MMU_WRITE, PF_ERR_P | PF_ERR_W);
    g_test_message("supervisor write to read-only: ok with WP=0, #PF with "
                   "WP=1");
    /* No NX in 32-bit paging: fetches only check U/S. */
    xlate_ok(0x01006000, X86_MMU_EXEC | X86_MMU_USER);

    /* 4 MiB pages need CR4.PSE; without it PS is ignored. */
    put32(0x10000 + (0x008 << 2), 0x00c00000 | P | W | PS);   /* 0x02000000 */
    cpu.cr4 = CR4_PSE;
    g_assert_cmphex(xlate_ok(0x02123456, X86_MMU_WRITE), ==, 0x00d23456);
    g_assert_cmpint(x86_mmu_translate_full(&cpu, 0x02123456, X86_MMU_READ,
                                           true, &r), ==, 0);
    g_assert_cmphex(r.page_size, ==, 4 * MiB);
    g_assert_cmpint(r.levels, ==, 1);
    g_assert_cmphex(get32(0x10000 + (8 << 2)) & (A | D), ==, A | D);
    /* PSE-36: PDE bits 20:13 are physical 39:32. */
    put32(0x10000 + (0x009 << 2), 0x00400000 | (0x12 << 13) | P | PS);
    g_assert_cmphex(xlate_ok(0x02400010, X86_MMU_READ), ==,
                    0x1200400010ULL);
    /* Bit 21 is reserved in a 4 MiB PDE. */
    put32(0x10000 + (0x00a << 2), 0x00800000 | (1 << 21) | P | PS);
    xlate_fault(0x02800000, X86_MMU_READ, PF_ERR_P | PF_ERR_RSVD);
    g_test_message("CR4.PSE: 4 MiB pages, PSE-36 high bits, bit 21 "
                   "reserved");
    cpu.cr4 = 0;
    /* PS ignored: the PDE points at a table (0x00c00000 is zeroed RAM). */
    xlate_fault(0x02123456, X86_MMU_READ, 0);
    g_test_message("without CR4.PSE the PS bit is ignored");

    /* Truncation: the upper 32 bits of the address do not matter. */
    cpu.cr0 &= ~CR0_WP;
    g_assert_cmphex(xlate_ok(0xffffffff01005004ULL, X86_MMU_READ), ==,
                    0x200004);
}

/* PAE: PDPT at 0x20000 (32-byte aligned), PD at 0x21000, PT at 0x22000. */
static void test_pae(void)
{
    X86MMUResult r;

    reset_state();
    cpu.cr0 = CR0_PE | CR0_PG;
    cpu.cr4 = CR4_PAE;
    cpu.cr3 = 0x20020;
    put64(0x20020 + 1 * 8, 0x21000 | P);                   /* 0x40000000 */
    put64(0x21000 + 2 * 8, 0x22000 | P | W | U);           /* 0x40400000 */
    put64(0x22000 + 3 * 8, 0x300000 | P | W | U);          /* 0x40403000 */
    put64(0x22000 + 4 * 8, 0x301000 | P | W | U | NX);     /* 0x40404000 */
    put64(0x21000 + 3 * 8, 0x600000 | P | W | PS);         /* 0x40600000 */

    g_assert_cmphex(xlate_ok(0x40403123, X86_MMU_READ | X86_MMU_USER), ==,
                    0x300123);
    /* PAE PDPTEs have no A bit. */
    g_assert_cmphex(get64(0x20028), ==, 0x21000 | P);
    g_assert_cmphex(get64(0x21010) & A, ==, A);
    g_assert_cmpint(x86_mmu_translate_full(&cpu, 0x40612345, X86_MMU_READ,
                                           true, &r), ==, 0);
    g_assert_cmphex(r.paddr, ==, 0x612345);
    g_assert_cmphex(r.page_size, ==, 2 * MiB);
    g_assert_cmpint(r.levels, ==, 2);
    g_test_message("PAE: 4 KiB and 2 MiB pages; PDPTE untouched by A/D");

    /* NX: reserved without EFER.NXE, honoured with it. */
    xlate_fault(0x40404000, X86_MMU_READ, PF_ERR_P | PF_ERR_RSVD);
    cpu.efer = EFER_NXE;
    xlate_ok(0x40404000, X86_MMU_READ | X86_MMU_USER);
    xlate_fault(0x40404000, X86_MMU_EXEC | X86_MMU_USER,
                PF_ERR_P | PF_ERR_U | PF_ERR_I);
    xlate_fault(0x40404000, X86_MMU_EXEC, PF_ERR_P | PF_ERR_I);
    xlate_ok(0x40403000, X86_MMU_EXEC | X86_MMU_USER);
    g_test_message("NX: reserved bit without NXE; with NXE a fetch faults "
                   "with I/D");

    /* PDPTE not present / reserved bits. */
    xlate_fault(0x80000000, X86_MMU_READ, 0);
    put64(0x20020 + 2 * 8, 0x21000 | P | W);               /* W: reserved */
    xlate_fault(0x80000000, X86_MMU_WRITE, PF_ERR_P | PF_ERR_W | PF_ERR_RSVD);
    /* 2 MiB page with bit 13 set: reserved. */
    put64(0x21000 + 5 * 8, 0xa00000 | (1 << 13) | P | PS);
    xlate_fault(0x40a00000, X86_MMU_READ, PF_ERR_P | PF_ERR_RSVD);
    g_test_message("PAE: PDPTE absent, PDPTE reserved bits, 2 MiB "
                   "reserved bits");
}

/* 4-level: PML4 0x30000, PDPT 0x31000, PD 0x32000, PT 0x33000. */
static void build_4level(void)
{
    reset_state();
    cpu.cr0 = CR0_PE | CR0_PG | CR0_WP;
    cpu.cr4 = CR4_PAE;
    cpu.efer = EFER_LME | EFER_LMA | EFER_NXE;
    cpu.cr3 = 0x30000;
    /* 0x0000_7f80_0000_0000: PML4 255 */
    put64(0x30000 + 255 * 8, 0x31000 | P | W | U);
    put64(0x31000 + 0 * 8, 0x32000 | P | W | U);
    put64(0x32000 + 0 * 8, 0x33000 | P | W | U);
    put64(0x33000 + 1 * 8, 0x400000 | P | W | U);          /* user page */
    put64(0x33000 + 2 * 8, 0x401000 | P | W);              /* supervisor */
    put64(0x33000 + 3 * 8, 0x402000 | P | U);              /* user RO */
    put64(0x32000 + 1 * 8, 0x800000 | P | W | U | PS);     /* 2 MiB */
    put64(0x31000 + 1 * 8, 0x40000000 | P | W | PS);       /* 1 GiB */
    /* 0xffff_8000_0000_0000: PML4 256, kernel half */
    put64(0x30000 + 256 * 8, 0x34000 | P | W);
    put64(0x34000 + 0 * 8, 0x80000000 | P | W | PS | NX);  /* 1 GiB NX */
}

#define VA(pdpt, pd, pt, off) \
    (0x00007f8000000000ULL | (uint64_t)(pdpt) << 30 | (pd) << 21 | \
     (pt) << 12 | (off))

static void test_4level(void)
{
    X86MMUResult r;

    build_4level();
    g_assert_cmphex(xlate_ok(VA(0, 0, 1, 0x10), X86_MMU_READ | X86_MMU_USER),
                    ==, 0x400010);
    g_assert_cmpint(x86_mmu_translate_full(&cpu, VA(0, 0, 1, 0), X86_MMU_READ,
                                           true, &r), ==, 0);
    g_assert_cmpint(r.levels, ==, 4);
    g_assert_cmphex(get64(0x30000 + 255 * 8) & A, ==, A);
    g_assert_cmphex(xlate_ok(VA(0, 1, 0x12, 0x345), X86_MMU_WRITE |
                             X86_MMU_USER), ==, 0x812345);
    g_assert_cmphex(get64(0x32008) & (A | D), ==, A | D);
    g_assert_cmpint(x86_mmu_translate_full(&cpu, VA(1, 3, 4, 5), X86_MMU_READ,
                                           true, &r), ==, 0);
    g_assert_cmphex(r.paddr, ==, 0x40000000 + (3 << 21) + (4 << 12) + 5);
    g_assert_cmphex(r.page_size, ==, 1 * GiB);
    g_assert_cmpint(r.levels, ==, 2);
    g_assert_cmphex(xlate_ok(0xffff800012345678ULL, X86_MMU_WRITE), ==,
                    0x92345678);
    g_test_message("4-level: 4 KiB, 2 MiB and 1 GiB pages, kernel half");

    /* dirty: a read of a clean page says a write must still walk; after
     * the write set D, a read fill may grant write */
    g_assert_cmpint(x86_mmu_translate_full(&cpu, VA(0, 0, 1, 0), X86_MMU_READ,
                                           true, &r), ==, 0);
    g_assert_false(r.dirty);
    xlate_ok(VA(0, 0, 1, 0), X86_MMU_WRITE | X86_MMU_USER);
    g_assert_cmpint(x86_mmu_translate_full(&cpu, VA(0, 0, 1, 0), X86_MMU_READ,
                                           true, &r), ==, 0);
    g_assert_true(r.dirty);
    g_test_message("result.dirty follows the leaf's D bit");

    /* Rights fold over the levels: the 1 GiB page lacks U. */
    xlate_fault(VA(1, 0, 0, 0), X86_MMU_READ | X86_MMU_USER,
                PF_ERR_P | PF_ERR_U);
    xlate_fault(VA(0, 0, 2, 0), X86_MMU_READ | X86_MMU_USER,
                PF_ERR_P | PF_ERR_U);
    xlate_fault(VA(0, 0, 3, 0), X86_MMU_WRITE | X86_MMU_USER,
                PF_ERR_P | PF_ERR_W | PF_ERR_U);
    xlate_fault(VA(0, 0, 3, 0), X86_MMU_WRITE, PF_ERR_P | PF_ERR_W);
    xlate_fault(0xffff800000000000ULL, X86_MMU_EXEC, PF_ERR_P | PF_ERR_I);
    xlate_fault(VA(0, 0, 4, 0), X86_MMU_READ, 0);
    xlate_fault(0x1000, X86_MMU_READ | X86_MMU_USER, PF_ERR_U);
    g_test_message("U/S, R/W with WP, NX and absence fault with the right "
                   "error codes");

    /* Non-canonical: #GP, not #PF. */
    g_assert_cmpint(x86_mmu_translate_full(&cpu, 0x0000800000000000ULL,
                                           X86_MMU_READ, true, &r), ==,
                    -EINVAL);
    g_assert_cmpint(x86_mmu_translate_full(&cpu, 0xfff0000000000000ULL,
                                           X86_MMU_READ, true, &r), ==,
                    -EINVAL);
    g_test_message("non-canonical addresses: -EINVAL (#GP)");

    /* Reserved bits: PS in a PML4E, 1 GiB page bits 29:13, NX w/o NXE. */
    put64(0x30000 + 1 * 8, 0x35000 | P | PS);
    xlate_fault(0x0000008000000000ULL, X86_MMU_READ, PF_ERR_P | PF_ERR_RSVD);
    put64(0x31000 + 2 * 8, 0x80000000 | (1 << 20) | P | PS);
    xlate_fault(VA(2, 0, 0, 0), X86_MMU_READ, PF_ERR_P | PF_ERR_RSVD);
    cpu.efer &= ~EFER_NXE;
    xlate_fault(0xffff800000000000ULL, X86_MMU_READ, PF_ERR_P | PF_ERR_RSVD);
    xlate_fault(0xffff800000000000ULL, X86_MMU_EXEC, PF_ERR_P | PF_ERR_RSVD);
    g_test_message("reserved bits fault with RSVD; I/D only with NXE or "
                   "SMEP");
}

static void test_smep_smap_debug(void)
{
    X86MMUResult r;

    build_4level();
    cpu.cr4 |= X86_CR4_SMEP | X86_CR4_SMAP;
    xlate_fault(VA(0, 0, 1, 0), X86_MMU_EXEC, PF_ERR_P | PF_ERR_I);
    xlate_fault(VA(0, 0, 1, 0), X86_MMU_READ, PF_ERR_P);
    cpu.rflags |= X86_RFLAGS_AC;
    xlate_ok(VA(0, 0, 1, 0), X86_MMU_WRITE);
    xlate_fault(VA(0, 0, 1, 0), X86_MMU_EXEC, PF_ERR_P | PF_ERR_I);
    xlate_ok(VA(0, 0, 2, 0), X86_MMU_EXEC);
    xlate_ok(VA(0, 0, 1, 0), X86_MMU_EXEC | X86_MMU_USER);
    g_test_message("SMEP blocks supervisor fetches from user pages; SMAP "
                   "data accesses unless RFLAGS.AC");

    /* Debug accesses skip permissions and never set A/D. */
    cpu.rflags = 0;
    put64(0x33000 + 2 * 8, 0x401000 | P | W);
    g_assert_cmpint(x86_mmu_translate_full(&cpu, VA(0, 0, 2, 8),
                                           X86_MMU_READ | X86_MMU_USER |
                                           X86_MMU_DEBUG, true, &r), ==, 0);
    g_assert_cmphex(r.paddr, ==, 0x401008);
    g_assert_cmphex(get64(0x33000 + 2 * 8) & A, ==, 0);
    g_assert_cmpint(x86_mmu_translate_full(&cpu, VA(0, 0, 9, 0),
                                           X86_MMU_READ | X86_MMU_DEBUG,
                                           true, &r), ==, -EFAULT);
    g_test_message("debug walk: permissions ignored, A/D untouched, absent "
                   "still absent");

    /* prot for a TLB: user view of a user read-only page. */
    g_assert_cmpint(x86_mmu_translate_full(&cpu, VA(0, 0, 3, 0),
                                           X86_MMU_READ | X86_MMU_USER,
                                           false, &r), ==, 0);
    g_assert_cmphex(r.prot, ==, X86_PROT_READ | X86_PROT_EXEC);
}

static void test_unassigned_tables(void)
{
    reset_state();
    cpu.cr0 = CR0_PE | CR0_PG;
    cpu.cr4 = CR4_PAE;
    cpu.efer = EFER_LME | EFER_LMA;
    cpu.cr3 = 0x40000000;       /* beyond the 16 MiB of RAM */
    /* All-ones: present, with reserved bits (PS in a PML4E). */
    xlate_fault(0x1000, X86_MMU_READ, PF_ERR_P | PF_ERR_RSVD);
    g_test_message("tables in unassigned memory read all-ones: RSVD fault");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    memory_init();
    guest_ram_add(&ram, "ram", RAM_SIZE);

    g_test_add_func("/x86-mmu/no-paging", test_no_paging);
    g_test_add_func("/x86-mmu/legacy", test_legacy);
    g_test_add_func("/x86-mmu/pae", test_pae);
    g_test_add_func("/x86-mmu/4level", test_4level);
    g_test_add_func("/x86-mmu/smep-smap-debug", test_smep_smap_debug);
    g_test_add_func("/x86-mmu/unassigned-tables", test_unassigned_tables);
    return g_test_run();
}
