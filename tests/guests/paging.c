/*
 * paging: 4 KiB, 2 MiB and 1 GiB translations (through aliases above
 * 4 GiB of memory the identity map also reaches), accessed and dirty bits,
 * NX with EFER.NXE, user/supervisor, CR0.WP and not-present faults with
 * their error codes and CR2.
 *
 * Layout of the aliases (the identity map only covers PDPT[0..3]):
 *   4 GiB: PDPT[4], one 1 GiB page of physical 0 (when CPUID has Page1GB)
 *   5 GiB: PDPT[5] -> pd_test[0], one 2 MiB page over the static marker
 *   5 GiB + 2 MiB: pd_test[1] -> pt_test, 4 KiB pages, one per test
 */
#include "runtime/runtime.h"

#define GIB (1ull << 30)
#define MIB2 (1ull << 21)
#define VA_1G (4 * GIB)
#define VA_2M (5 * GIB)
#define VA_4K(i) (5 * GIB + MIB2 + (i) * 4096ull)

enum { PG_DATA, PG_NX, PG_EXEC, PG_SUPER, PG_RO, PG_ABSENT };

extern uint64_t boot_pml4[512], boot_pdpt[512];

static uint64_t pd_test[512] __attribute__((aligned(4096)));
static volatile uint64_t pt_test[512] __attribute__((aligned(4096)));
static uint8_t pages[5][4096] __attribute__((aligned(4096)));
static volatile uint64_t marker = 0x600dcafe12345678ull;

static int failures;

static void check(bool ok, const char *what)
{
    if (!ok) {
        printf("  MISMATCH: %s\n", what);
        failures++;
    }
}

static uint64_t pa(const void *p)
{
    return (uintptr_t)p;
}

static uint64_t read64(uint64_t va)
{
    return *(volatile uint64_t *)va;
}

static uint64_t write64(uint64_t va)
{
    *(volatile uint64_t *)va = 0x5a5a5a5a5a5a5a5aull;
    return 0;
}

static uint64_t call(uint64_t va)
{
    ((void (*)(void))va)();
    return 0;
}

static void report(const char *what, int cpl, uint64_t (*fn)(uint64_t),
                   uint64_t va, uint64_t want_error)
{
    Trap t;

    if (!trap_run(cpl, fn, va, &t)) {
        printf(" %s at CPL%d: no fault\n", what, cpl);
        check(false, "expected #PF");
        return;
    }
    printf(" %s at CPL%d: vector=%d error=%#lx cr2=%s\n", what, cpl,
           t.vector, t.error, t.cr2 == va ? "address" : "WRONG");
    check(t.vector == 14 && t.error == want_error && t.cr2 == va,
          "expected #PF with that error code");
}

static void map_tables(void)
{
    boot_pdpt[5] = pa(pd_test) | PTE_P | PTE_W | PTE_U;
    pd_test[0] = (pa((const void *)&marker) & ~(MIB2 - 1)) | PTE_P | PTE_W |
                 PTE_U | PTE_PS;
    pd_test[1] = pa((const void *)pt_test) | PTE_P | PTE_W | PTE_U;
    pt_test[PG_DATA] = pa(pages[0]) | PTE_P | PTE_W | PTE_U;
    pt_test[PG_NX] = pa(pages[1]) | PTE_P | PTE_W | PTE_U | PTE_NX;
    pt_test[PG_EXEC] = pa(pages[1]) | PTE_P | PTE_W | PTE_U;
    pt_test[PG_SUPER] = pa(pages[2]) | PTE_P | PTE_W;
    pt_test[PG_RO] = pa(pages[3]) | PTE_P | PTE_U;
    pt_test[PG_ABSENT] = 0;
    write_cr3(read_cr3());
}

static void test_sizes(void)
{
    uint32_t a, b, c, d;
    uint64_t off;

    printf("page sizes\n");
    *(volatile uint64_t *)pages[0] = 0x4b4b4b4b00000004ull;
    printf(" 4 KiB: read %#lx through the alias\n", read64(VA_4K(PG_DATA)));
    check(read64(VA_4K(PG_DATA)) == 0x4b4b4b4b00000004ull, "4 KiB alias");

    off = pa((const void *)&marker) & (MIB2 - 1);
    printf(" 2 MiB: read %#lx through the alias\n", read64(VA_2M + off));
    check(read64(VA_2M + off) == marker, "2 MiB alias");

    cpuid(0x80000001, 0, &a, &b, &c, &d);
    if (!(d & (1u << 26))) {
        printf(" 1 GiB: CPUID has no Page1GB, skipped\n");
        return;
    }
    boot_pdpt[4] = PTE_P | PTE_W | PTE_U | PTE_PS;
    write_cr3(read_cr3());
    *(volatile uint64_t *)(VA_1G + pa((const void *)&marker)) =
        0x1616161616161616ull;
    printf(" 1 GiB: wrote through the alias, read %#lx directly\n", marker);
    check(marker == 0x1616161616161616ull, "1 GiB alias");
    boot_pdpt[4] = 0;
    write_cr3(read_cr3());
}

static void test_accessed_dirty(void)
{
    uint64_t e;

    printf("accessed and dirty bits\n");
    pt_test[PG_DATA] &= ~(PTE_A | PTE_D);
    invlpg(VA_4K(PG_DATA));
    e = pt_test[PG_DATA];
    printf(" fresh PTE: A=%d D=%d\n", !!(e & PTE_A), !!(e & PTE_D));
    read64(VA_4K(PG_DATA));
    e = pt_test[PG_DATA];
    printf(" after a read: A=%d D=%d\n", !!(e & PTE_A), !!(e & PTE_D));
    check((e & (PTE_A | PTE_D)) == PTE_A, "read sets A only");
    write64(VA_4K(PG_DATA));
    e = pt_test[PG_DATA];
    printf(" after a write: A=%d D=%d\n", !!(e & PTE_A), !!(e & PTE_D));
    check((e & (PTE_A | PTE_D)) == (PTE_A | PTE_D), "write sets D");
    printf(" PDE above it: A=%d\n", !!(pd_test[1] & PTE_A));
    check(pd_test[1] & PTE_A, "PDE accessed");
}

static void test_nx(void)
{
    uint32_t a, b, c, d;
    Trap t;

    printf("no-execute\n");
    cpuid(0x80000001, 0, &a, &b, &c, &d);
    if (!(d & (1u << 20))) {
        printf(" CPUID has no NX, skipped\n");
        return;
    }
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
    pages[1][0] = 0xc3;     /* ret */
    printf(" EFER.NXE=%d\n", !!(rdmsr(MSR_EFER) & EFER_NXE));
    report("fetch from NX page", 0, call, VA_4K(PG_NX), 0x11);
    printf(" fetch from the same frame without NX: %s\n",
           trap_run(0, call, VA_4K(PG_EXEC), &t) ? "FAULT" : "ok");
    check(t.vector < 0, "executable alias runs");
}

static void test_user_supervisor(void)
{
    Trap t;

    printf("user/supervisor\n");
    report("read of supervisor page", 3, read64, VA_4K(PG_SUPER), 0x5);
    report("write to supervisor page", 3, write64, VA_4K(PG_SUPER), 0x7);
    printf(" read of supervisor page at CPL0: %s\n",
           trap_run(0, read64, VA_4K(PG_SUPER), &t) ? "FAULT" : "ok");
    check(t.vector < 0, "CPL0 reads supervisor page");
}

static void test_write_protect(void)
{
    Trap t;
    bool faulted;

    printf("write protect\n");
    report("write to read-only page, CR0.WP=1,", 0, write64, VA_4K(PG_RO),
           0x3);
    write_cr0(read_cr0() & ~CR0_WP);
    faulted = trap_run(0, write64, VA_4K(PG_RO), &t);
    write_cr0(read_cr0() | CR0_WP);
    printf(" write to read-only page, CR0.WP=0, at CPL0: %s, value %#lx\n",
           faulted ? "FAULT" : "ok", *(volatile uint64_t *)pages[3]);
    check(!faulted && *(volatile uint64_t *)pages[3] == 0x5a5a5a5a5a5a5a5aull,
          "WP=0 lets CPL0 write");
    report("write to read-only page", 3, write64, VA_4K(PG_RO), 0x7);
}

static void test_not_present(void)
{
    printf("not present\n");
    report("read", 0, read64, VA_4K(PG_ABSENT), 0x0);
    report("write", 0, write64, VA_4K(PG_ABSENT), 0x2);
    report("read", 3, read64, VA_4K(PG_ABSENT), 0x4);
    report("write", 3, write64, VA_4K(PG_ABSENT), 0x6);
}

int main(void)
{
    printf("paging: 4-level, identity map in 2 MiB pages, CR0.WP=%d\n",
           !!(read_cr0() & CR0_WP));
    map_tables();
    test_sizes();
    test_accessed_dirty();
    test_nx();
    test_user_supervisor();
    test_write_protect();
    test_not_present();
    if (failures) {
        fail("%d mismatches", failures);
    }
    pass();
}
