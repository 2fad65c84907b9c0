/*
 * test-loader.c: the -kernel loaders on images built in memory: multiboot
 * ELF32 and a.out-kludge kernels with modules, a plain ELF64, Linux
 * bzImages (64-bit and 32-bit entry), and the malformed files each must
 * refuse with a clear error.
 *
 * The loaders are pure (file -> BootImage), so the "guest RAM" here is a
 * plain buffer the image is written into.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "hw/loader/loader.h"
#include "hw/cpu.h"
#include "hw/bios.h"

#define RAM_SIZE (64 * MiB)
#define KPATH "/boot/test-kernel"

static uint8_t *ram;
static char *tmpdir;

/* ---- Little helpers ---------------------------------------------------- */

static void st16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void st32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void st64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint16_t ld16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t ld32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t ld64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static bool ram_write(void *opaque, hwaddr addr, const void *buf,
                      uint64_t len)
{
    (void)opaque;
    if (addr > RAM_SIZE || len > RAM_SIZE - addr) {
        return false;
    }
    memcpy(ram + addr, buf, len);
    return true;
}

static LoaderArgs args_new(const char *initrd, const char *append)
{
    return (LoaderArgs) {
        .kernel = KPATH, .initrd = initrd, .append = append,
        .below_4g = RAM_SIZE, .above_4g = 0,
    };
}

/* Load, write into the fake RAM (pre-filled with 0xaa so zero fill shows)
 * and put a fresh CPU in the entry state. */
static BootImage *load_ok(const LoaderArgs *a, const uint8_t *img, size_t n,
                          X86CPU **cpu)
{
    g_autoptr(GError) err = NULL;
    BootImage *bi = loader_load_kernel_data(a, img, n, &err);

    if (!bi) {
        g_test_message("unexpected error: %s", err->message);
    }
    g_assert_nonnull(bi);
    memset(ram, 0xaa, RAM_SIZE);
    g_assert_true(boot_image_write(bi, ram_write, NULL, &err));
    *cpu = x86_cpu_new(NULL, 0);
    boot_image_set_cpu(bi, *cpu);
    return bi;
}

static void expect_error(const LoaderArgs *a, const uint8_t *img, size_t n,
                         const char *substr)
{
    g_autoptr(GError) err = NULL;
    BootImage *bi = loader_load_kernel_data(a, img, n, &err);

    if (bi) {
        g_test_message("expected an error containing '%s', got an image",
                       substr);
    }
    g_assert_null(bi);
    g_assert_nonnull(err);
    g_test_message("refused: %s", err->message);
    /* The line names the file at fault: the kernel, or one of -initrd's */
    {
        g_autofree char *file = g_strndup(err->message,
                                          strcspn(err->message, ":"));

        g_assert_true(!strcmp(file, a->kernel) ||
                      (a->initrd && strstr(a->initrd, file)));
    }
    if (!strstr(err->message, substr)) {
        g_test_message("missing '%s'", substr);
    }
    g_assert_nonnull(strstr(err->message, substr));
}

static char *write_tmp(const char *name, const void *data, size_t len)
{
    char *path = g_build_filename(tmpdir, name, NULL);

    g_assert_true(g_file_set_contents(path, data, len, NULL));
    return path;
}

static void mb_header(uint8_t *p, uint32_t flags)
{
    st32(p, MULTIBOOT_HEADER_MAGIC);
    st32(p + 4, flags);
    st32(p + 8, -(MULTIBOOT_HEADER_MAGIC + flags));
}

/* ---- Image builders ----------------------------------------------------- */

enum { ELF_CODE_OFF = 0x1000, ELF_CODE_LEN = 0x300, ELF_MB_OFF = 0x80 };

/* A multiboot ELF32: one PT_LOAD of ELF_CODE_LEN file bytes at @paddr
 * with 0x2000 bytes in memory; the multiboot header at ELF_MB_OFF. */
static uint8_t *build_elf32(size_t *len, uint32_t paddr, uint32_t entry)
{
    uint8_t *f = g_malloc0(ELF_CODE_OFF + ELF_CODE_LEN);
    uint8_t *ph = f + 52;

    memcpy(f, "\x7f" "ELF", 4);
    f[4] = 1; f[5] = 1; f[6] = 1;
    st16(f + 16, 2);                /* ET_EXEC */
    st16(f + 18, EM_386);
    st32(f + 20, 1);
    st32(f + 24, entry);
    st32(f + 28, 52);               /* e_phoff */
    st16(f + 40, 52);
    st16(f + 42, 32);
    st16(f + 44, 1);
    st32(ph, 1);                    /* PT_LOAD */
    st32(ph + 4, ELF_CODE_OFF);
    st32(ph + 8, paddr);
    st32(ph + 12, paddr);
    st32(ph + 16, ELF_CODE_LEN);
    st32(ph + 20, 0x2000);
    mb_header(f + ELF_MB_OFF, 0x3);
    for (int i = 0; i < ELF_CODE_LEN; i++) {
        f[ELF_CODE_OFF + i] = i * 7 + 1;
    }
    *len = ELF_CODE_OFF + ELF_CODE_LEN;
    return f;
}

enum { KL_HDR_OFF = 0x40, KL_LEN = 0x800, KL_LOAD = 0x200000 };

/* A flat a.out-kludge image of KL_LEN bytes loaded at KL_LOAD, 0x1000
 * bytes of bss, entry at +0x20. */
static uint8_t *build_kludge(size_t *len)
{
    uint8_t *f = g_malloc0(KL_LEN);

    for (int i = 0; i < KL_LEN; i++) {
        f[i] = i * 13 + 5;
    }
    mb_header(f + KL_HDR_OFF, 0x10003);
    st32(f + KL_HDR_OFF + 12, KL_LOAD + KL_HDR_OFF);   /* header_addr */
    st32(f + KL_HDR_OFF + 16, KL_LOAD);                 /* load_addr */
    st32(f + KL_HDR_OFF + 20, KL_LOAD + KL_LEN);        /* load_end_addr */
    st32(f + KL_HDR_OFF + 24, KL_LOAD + KL_LEN + 0x1000); /* bss_end */
    st32(f + KL_HDR_OFF + 28, KL_LOAD + 0x20);          /* entry_addr */
    *len = KL_LEN;
    return f;
}

enum { BZ_SETUP_SECTS = 4, BZ_SETUP = (BZ_SETUP_SECTS + 1) * 512,
       BZ_KERNEL = 0x3000, BZ_INIT_SIZE = 0x400000 };

static uint8_t *build_bzimage(size_t *len, uint16_t version, bool k64)
{
    uint8_t *f = g_malloc0(BZ_SETUP + BZ_KERNEL);

    f[0x1f1] = BZ_SETUP_SECTS;
    st32(f + 0x1f4, BZ_KERNEL / 16);        /* syssize */
    st16(f + 0x1fe, 0xaa55);
    f[0x200] = 0xeb;
    f[0x201] = 0x6a;                        /* header ends at 0x26c */
    memcpy(f + 0x202, "HdrS", 4);
    st16(f + 0x206, version);
    f[0x211] = 0x01;                        /* LOADED_HIGH */
    st32(f + 0x214, 0x100000);
    st32(f + 0x22c, 0x7fffffff);            /* initrd_addr_max */
    st32(f + 0x230, 0x200000);
    f[0x234] = 1;
    st16(f + 0x236, k64 ? 0x3 : 0);         /* xloadflags */
    st32(f + 0x238, 2047);                  /* cmdline_size */
    st32(f + 0x260, BZ_INIT_SIZE);
    for (int i = 0; i < BZ_KERNEL; i++) {
        f[BZ_SETUP + i] = i * 3 + 11;
    }
    *len = BZ_SETUP + BZ_KERNEL;
    return f;
}

/* ---- Checks shared by the protocols -------------------------------------- */

static void check_bios_data(void)
{
    g_test_message("IVT -> f000:ff53, BDA COM1 0x3f8, 639 KiB base memory, "
                   "EBDA at 0x9fc0");
    for (int v = 0; v < 256; v += 17) {
        g_assert_cmphex(ld16(ram + v * 4), ==, PC_BIOS_IRET_OFF);
        g_assert_cmphex(ld16(ram + v * 4 + 2), ==, PC_BIOS_IRET_SEG);
    }
    g_assert_cmphex(ld16(ram + 0x400), ==, 0x3f8);
    g_assert_cmphex(ld16(ram + 0x40e), ==, 0x9fc0);
    g_assert_cmpuint(ld16(ram + 0x413), ==, 639);
    g_assert_cmpuint(ram[0x9fc00], ==, 1);
}

static void check_mb_mmap(uint32_t mbi)
{
    static const struct { uint64_t a, s; uint32_t t; } want[] = {
        { 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xf0000, 0x10000, 2 },
        { 0x100000, RAM_SIZE - 0x100000, 1 }, { 0xfffc0000, 0x40000, 2 },
    };
    uint32_t len = ld32(ram + mbi + 44), addr = ld32(ram + mbi + 48);

    g_test_message("mmap: %u bytes at 0x%x, 5 entries", len, addr);
    g_assert_cmpuint(len, ==, G_N_ELEMENTS(want) * 24);
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
        const uint8_t *e = ram + addr + i * 24;

        g_assert_cmpuint(ld32(e), ==, 20);
        g_assert_cmphex(ld64(e + 4), ==, want[i].a);
        g_assert_cmphex(ld64(e + 12), ==, want[i].s);
        g_assert_cmpuint(ld32(e + 20), ==, want[i].t);
    }
}

static void check_flat32(X86CPU *cpu, uint64_t eip)
{
    g_test_message("flat32: EIP 0x%" PRIx64 ", CR0.PE, caches on, no "
                   "paging, IF=0", eip);
    g_assert_cmphex(cpu->rip, ==, eip);
    g_assert_true(cpu->cr0 & CR0_PE);
    g_assert_false(cpu->cr0 & (CR0_CD | CR0_NW));
    g_assert_false(cpu->cr0 & CR0_PG);
    g_assert_false(cpu->rflags & RFLAGS_IF);
    g_assert_cmphex(cpu->segs[R_CS].base, ==, 0);
    g_assert_cmphex(cpu->segs[R_CS].limit, ==, 0xffffffff);
    g_assert_true(cpu->segs[R_CS].attr & SEG_ATTR_DB);
    g_assert_false(cpu->efer & EFER_LMA);
}

/* ---- Multiboot ------------------------------------------------------------ */

static void test_multiboot_elf(void)
{
    g_autofree char *m1 = write_tmp("mod1.bin", "MODULE-ONE", 10);
    g_autofree char *m2 = write_tmp("mod,2.bin", "MODULE-TWO!", 11);
    g_autoptr(GString) esc = g_string_new(NULL);
    g_autofree char *mods = NULL;
    size_t n;
    g_autofree uint8_t *img = build_elf32(&n, 0x100000, 0x100010);
    LoaderArgs a;
    X86CPU *cpu;
    BootImage *bi;
    uint32_t mbi, mods_addr;

    /* ",," stands for a comma inside a module name */
    for (const char *p = m2; *p; p++) {
        if (*p == ',') {
            g_string_append_c(esc, ',');
        }
        g_string_append_c(esc, *p);
    }
    mods = g_strdup_printf("%s arg1 arg2,%s", m1, esc->str);
    a = args_new(mods, "console=ttyS0 x=1");
    bi = load_ok(&a, img, n, &cpu);

    g_test_message("ELF32 segment at 0x100000, bss zeroed");
    g_assert_cmpmem(ram + 0x100000, ELF_CODE_LEN, img + ELF_CODE_OFF,
                    ELF_CODE_LEN);
    for (int i = ELF_CODE_LEN; i < 0x2000; i++) {
        g_assert_cmpuint(ram[0x100000 + i], ==, 0);
    }
    check_flat32(cpu, 0x100010);
    g_assert_cmphex(cpu->regs[R_EAX], ==, MULTIBOOT_BOOTLOADER_MAGIC);
    mbi = cpu->regs[R_EBX];
    g_test_message("multiboot info at 0x%x", mbi);
    g_assert_cmphex(mbi & 0xfff, ==, 0);
    g_assert_cmphex(mbi, >=, 0x102000);
    g_assert_cmphex(ld32(ram + mbi), ==, (1 << 0) | (1 << 2) | (1 << 3) |
                    (1 << 6) | (1 << 9));
    g_assert_cmpuint(ld32(ram + mbi + 4), ==, 639);
    g_assert_cmpuint(ld32(ram + mbi + 8), ==, RAM_SIZE / KiB - 1024);
    g_assert_cmpstr((char *)ram + ld32(ram + mbi + 16), ==,
                    KPATH " console=ttyS0 x=1");
    g_assert_cmpstr((char *)ram + ld32(ram + mbi + 64), ==, "janus");
    check_mb_mmap(mbi);

    g_test_message("two modules, page aligned after the kernel");
    g_assert_cmpuint(ld32(ram + mbi + 20), ==, 2);
    mods_addr = ld32(ram + mbi + 24);
    {
        const uint8_t *e0 = ram + mods_addr, *e1 = e0 + 16;
        g_autofree char *c0 = g_strdup_printf("%s arg1 arg2", m1);

        g_assert_cmphex(ld32(e0), ==, 0x102000);
        g_assert_cmphex(ld32(e0 + 4), ==, 0x102000 + 10);
        g_assert_cmpmem(ram + ld32(e0), 10, "MODULE-ONE", 10);
        g_assert_cmpstr((char *)ram + ld32(e0 + 8), ==, c0);
        g_assert_cmphex(ld32(e1), ==, 0x103000);
        g_assert_cmpmem(ram + ld32(e1), 11, "MODULE-TWO!", 11);
        g_assert_cmpstr((char *)ram + ld32(e1 + 8), ==, m2);
        g_assert_cmphex(mbi, ==, 0x104000);
    }
    check_bios_data();
    g_assert_true(bi->legacy_hw);
    boot_image_free(bi);
    x86_cpu_free(cpu);
}

static void test_multiboot_no_append(void)
{
    size_t n;
    g_autofree uint8_t *img = build_elf32(&n, 0x100000, 0x100000);
    LoaderArgs a = args_new(NULL, NULL);
    X86CPU *cpu;
    BootImage *bi = load_ok(&a, img, n, &cpu);
    uint32_t mbi = cpu->regs[R_EBX];

    g_test_message("no -append: cmdline is \"PATH \" as QEMU passes it");
    g_assert_cmpstr((char *)ram + ld32(ram + mbi + 16), ==, KPATH " ");
    g_assert_cmpuint(ld32(ram + mbi + 20), ==, 0);
    boot_image_free(bi);
    x86_cpu_free(cpu);
}

static void test_multiboot_kludge(void)
{
    size_t n;
    g_autofree uint8_t *img = build_kludge(&n);
    LoaderArgs a = args_new(NULL, "hello");
    X86CPU *cpu;
    BootImage *bi = load_ok(&a, img, n, &cpu);

    g_test_message("a.out kludge: file at 0x%x, bss zeroed, entry +0x20",
                   KL_LOAD);
    g_assert_cmpmem(ram + KL_LOAD, KL_LEN, img, KL_LEN);
    for (int i = 0; i < 0x1000; i++) {
        g_assert_cmpuint(ram[KL_LOAD + KL_LEN + i], ==, 0);
    }
    check_flat32(cpu, KL_LOAD + 0x20);
    g_assert_cmphex(cpu->regs[R_EAX], ==, MULTIBOOT_BOOTLOADER_MAGIC);
    g_assert_cmphex(cpu->regs[R_EBX], ==, KL_LOAD + 0x1000 + 0x1000);
    check_mb_mmap(cpu->regs[R_EBX]);
    boot_image_free(bi);
    x86_cpu_free(cpu);
}

/* Each malformed multiboot image and the error it must produce. */
static void test_multiboot_bad(void)
{
    LoaderArgs a = args_new(NULL, NULL);
    size_t n;
    uint8_t *img;
    uint8_t *h;

    g_test_message("empty, unknown format, truncated");
    expect_error(&a, (const uint8_t *)"", 0, "kernel file is empty");
    {
        uint8_t junk[600] = { 1, 2, 3 };
        expect_error(&a, junk, sizeof(junk), "not a kernel janus can boot");
    }
    {
        uint8_t tiny[6] = { 0x02, 0xb0, 0xad, 0x1b, 0, 0 };
        expect_error(&a, tiny, sizeof(tiny), "cut off");
    }

    img = build_kludge(&n);
    st32(img + KL_HDR_OFF + 8, 0x12345678);
    expect_error(&a, img, n, "bad checksum");
    g_free(img);

    img = build_kludge(&n);
    mb_header(img + KL_HDR_OFF, 0x10008);
    expect_error(&a, img, n, "requires features");
    g_free(img);

    img = build_kludge(&n);
    expect_error(&a, img, KL_HDR_OFF + 20, "address fields are cut off");
    g_free(img);

    img = build_kludge(&n);
    h = img + KL_HDR_OFF;
    st32(h + 16, KL_LOAD + KL_HDR_OFF + 4);         /* load > header_addr */
    expect_error(&a, img, n, "inconsistent with header_addr");
    g_free(img);

    img = build_kludge(&n);
    st32(img + KL_HDR_OFF + 20, KL_LOAD + KL_LEN + 1);
    expect_error(&a, img, n, "past the end of the file");
    g_free(img);

    img = build_kludge(&n);
    st32(img + KL_HDR_OFF + 20, KL_LOAD - 1);
    st32(img + KL_HDR_OFF + 12, KL_LOAD + KL_HDR_OFF);
    expect_error(&a, img, n, "below load_addr");
    g_free(img);

    img = build_kludge(&n);
    st32(img + KL_HDR_OFF + 24, KL_LOAD + 0x10);
    expect_error(&a, img, n, "bss_end_addr");
    g_free(img);

    img = build_kludge(&n);
    st32(img + KL_HDR_OFF + 28, KL_LOAD + KL_LEN + 0x1000);
    expect_error(&a, img, n, "entry_addr");
    g_free(img);

    g_test_message("kernel outside RAM, in the ISA hole, on the BDA");
    img = build_kludge(&n);
    h = img + KL_HDR_OFF;
    st32(h + 12, 0x8000000 + KL_HDR_OFF);
    st32(h + 16, 0x8000000);
    st32(h + 20, 0x8000000 + KL_LEN);
    st32(h + 24, 0);
    st32(h + 28, 0x8000000);
    expect_error(&a, img, n, "outside guest RAM");
    st32(h + 12, 0xb0000 + KL_HDR_OFF);
    st32(h + 16, 0xb0000);
    st32(h + 20, 0xb0000 + KL_LEN);
    st32(h + 28, 0xb0000);
    expect_error(&a, img, n, "VGA and BIOS area");
    st32(h + 12, 0x100 + KL_HDR_OFF);
    st32(h + 16, 0x100);
    st32(h + 20, 0x100 + KL_LEN);
    st32(h + 28, 0x100);
    expect_error(&a, img, n, "overlaps BIOS data area");
    g_free(img);

    g_test_message("missing module");
    img = build_kludge(&n);
    a.initrd = "/nonexistent/module.bin arg";
    expect_error(&a, img, n, "could not open module file");
    a.initrd = NULL;
    g_free(img);
}

static void test_elf_bad(void)
{
    LoaderArgs a = args_new(NULL, NULL);
    size_t n;
    uint8_t *img;

    img = build_elf32(&n, 0x100000, 0x100000);
    st32(img + 52 + 16, 0x3000);                    /* filesz > memsz */
    expect_error(&a, img, n, "larger than its memory size");
    g_free(img);

    img = build_elf32(&n, 0x100000, 0x100000);
    st32(img + 52 + 4, n - 0x10);                   /* offset past EOF */
    expect_error(&a, img, n, "past the end of the file");
    g_free(img);

    img = build_elf32(&n, 0x100000, 0x100000);
    st32(img + 28, 0xfffffff0);                     /* e_phoff */
    expect_error(&a, img, n, "program header table");
    g_free(img);

    img = build_elf32(&n, 0x100000, 0x100000);
    st16(img + 18, 40);                             /* ARM */
    expect_error(&a, img, n, "machine 40");
    g_free(img);

    img = build_elf32(&n, 0x100000, 0x100000);
    st32(img + 52 + 12, 0xfffff000);                /* wraps at 4 GiB */
    expect_error(&a, img, n, "wraps around");
    g_free(img);

    img = build_elf32(&n, 0x100000, 0x100000);
    expect_error(&a, img, 40, "ELF file truncated");
    g_free(img);

    img = build_elf32(&n, 0x100000, 0x100000);
    mb_header(img + ELF_MB_OFF, 0x3);
    memcpy(img, "\x7f" "XYZ", 4);
    expect_error(&a, img, n, "not ELF");
    g_free(img);
}

/* ---- Plain ELF64 --------------------------------------------------------- */

static void test_elf64_plain(void)
{
    uint8_t f[0x1100] = { 0 };
    uint8_t *ph = f + 64;
    LoaderArgs a = args_new(NULL, NULL);
    X86CPU *cpu;
    BootImage *bi;

    memcpy(f, "\x7f" "ELF", 4);
    f[4] = 2; f[5] = 1; f[6] = 1;
    st16(f + 16, 2);
    st16(f + 18, EM_X86_64);
    st32(f + 20, 1);
    st64(f + 24, 0xffffffff80200010ULL);    /* higher-half entry */
    st64(f + 32, 64);
    st16(f + 54, 56);
    st16(f + 56, 1);
    st32(ph, 1);
    st64(ph + 8, 0x1000);
    st64(ph + 16, 0xffffffff80200000ULL);
    st64(ph + 24, 0x200000);
    st64(ph + 32, 0x100);
    st64(ph + 40, 0x100);
    memset(f + 0x1000, 0x90, 0x100);

    bi = load_ok(&a, f, sizeof(f), &cpu);
    g_test_message("ELF64: long mode, CR3 0x9000, RIP = physical entry");
    g_assert_cmpmem(ram + 0x200000, 0x100, f + 0x1000, 0x100);
    g_assert_cmphex(cpu->rip, ==, 0x200010);
    g_assert_true(cpu->efer & EFER_LMA);
    g_assert_true(cpu->cr0 & CR0_PG);
    g_assert_true(cpu->cr4 & CR4_PAE);
    g_assert_cmphex(cpu->cr3, ==, LOADER_PAGE_TABLE_ADDR);
    g_assert_true(cpu->segs[R_CS].attr & SEG_ATTR_L);
    g_assert_false(cpu->segs[R_CS].attr & SEG_ATTR_DB);
    g_assert_cmphex(ld64(ram + 0x9000), ==, 0xa003);
    g_assert_cmphex(ld64(ram + 0xb000 + 8 * 1), ==, 0x200083);
    g_assert_cmphex(ld64(ram + 0xe000 + 8 * 511), ==, 0xffe00083);
    boot_image_free(bi);
    x86_cpu_free(cpu);

    g_test_message("a plain ELF refuses -append");
    a.append = "x";
    expect_error(&a, f, sizeof(f), "takes no -append");
}

/* ---- Linux bzImage ---------------------------------------------------------- */

static void check_zero_page(const char *cmdline, uint32_t initrd_size)
{
    const uint8_t *zp = ram + LOADER_ZERO_PAGE_ADDR;
    uint32_t rd = ld32(zp + 0x218);

    g_test_message("zero page: HdrS copied, loader 0xff, heap, cmdline, "
                   "e820, initrd at 0x%x", rd);
    g_assert_cmpmem(zp + 0x202, 4, "HdrS", 4);
    g_assert_cmphex(ld16(zp + 0x206), ==, 0x20f);
    g_assert_cmphex(zp[0x210], ==, 0xff);
    g_assert_cmphex(zp[0x211], ==, 0x81);
    g_assert_cmphex(ld16(zp + 0x224), ==, 0xfe00);
    g_assert_cmphex(ld32(zp + 0x228), ==, LOADER_CMDLINE_ADDR);
    g_assert_cmpstr((char *)ram + LOADER_CMDLINE_ADDR, ==, cmdline);
    g_assert_cmpuint(zp[0x1e8], ==, 5);
    g_assert_cmphex(ld64(zp + 0x2d0), ==, 0);
    g_assert_cmphex(ld64(zp + 0x2d0 + 8), ==, 0x9fc00);
    g_assert_cmpuint(ld32(zp + 0x2d0 + 16), ==, 1);
    g_assert_cmphex(ld64(zp + 0x2d0 + 3 * 20), ==, 0x100000);
    g_assert_cmphex(ld64(zp + 0x2d0 + 3 * 20 + 8), ==, RAM_SIZE - 0x100000);
    g_assert_cmpuint(ld32(zp + 0x21c), ==, initrd_size);
    if (initrd_size) {
        g_assert_cmphex(rd & 0xfff, ==, 0);
        g_assert_cmphex(rd + initrd_size, <=, RAM_SIZE);
        g_assert_cmphex(rd + initrd_size, >, RAM_SIZE - 0x1000);
    }
}

static void test_bzimage64(void)
{
    g_autofree char *rd = write_tmp("initrd.img", "INITRD-CONTENTS", 15);
    size_t n;
    g_autofree uint8_t *img = build_bzimage(&n, 0x20f, true);
    LoaderArgs a = args_new(rd, "console=ttyS0 root=/dev/ram");
    X86CPU *cpu;
    BootImage *bi = load_ok(&a, img, n, &cpu);

    check_zero_page("console=ttyS0 root=/dev/ram", 15);
    g_assert_cmpmem(ram + ld32(ram + LOADER_ZERO_PAGE_ADDR + 0x218), 15,
                    "INITRD-CONTENTS", 15);
    g_test_message("kernel at 1 MiB, init_size zeroed, 64-bit entry +0x200");
    g_assert_cmpmem(ram + 0x100000, BZ_KERNEL, img + BZ_SETUP, BZ_KERNEL);
    g_assert_cmpuint(ram[0x100000 + BZ_INIT_SIZE - 1], ==, 0);
    g_assert_cmphex(cpu->rip, ==, 0x100200);
    g_assert_cmphex(cpu->regs[R_ESI], ==, LOADER_ZERO_PAGE_ADDR);
    g_assert_true(cpu->efer & EFER_LMA);
    g_assert_true(cpu->cr0 & CR0_PG);
    g_assert_cmphex(cpu->cr3, ==, LOADER_PAGE_TABLE_ADDR);
    g_assert_cmphex(cpu->segs[R_CS].selector, ==, LOADER_BOOT_CS);
    g_assert_cmphex(cpu->segs[R_DS].selector, ==, LOADER_BOOT_DS);
    g_assert_cmphex(cpu->gdt.base, ==, LOADER_GDT_ADDR);
    g_assert_cmphex(ld64(ram + LOADER_GDT_ADDR + 0x10), ==,
                    0x00af9b000000ffffULL);
    g_assert_false(cpu->rflags & RFLAGS_IF);
    boot_image_free(bi);
    x86_cpu_free(cpu);
}

static void test_bzimage32(void)
{
    size_t n;
    g_autofree uint8_t *img = build_bzimage(&n, 0x20f, false);
    LoaderArgs a = args_new(NULL, NULL);
    X86CPU *cpu;
    BootImage *bi = load_ok(&a, img, n, &cpu);

    check_zero_page("", 0);
    check_flat32(cpu, 0x100000);
    g_assert_cmphex(cpu->regs[R_ESI], ==, LOADER_ZERO_PAGE_ADDR);
    g_assert_cmphex(ld64(ram + LOADER_GDT_ADDR + 0x10), ==,
                    0x00cf9b000000ffffULL);
    g_assert_cmphex(ld64(ram + LOADER_GDT_ADDR + 0x18), ==,
                    0x00cf93000000ffffULL);
    boot_image_free(bi);
    x86_cpu_free(cpu);
}

static void test_bzimage_bad(void)
{
    LoaderArgs a = args_new(NULL, NULL);
    size_t n;
    uint8_t *img;

    img = build_bzimage(&n, 0x20f, true);
    expect_error(&a, img, n - 0x100, "truncated");
    expect_error(&a, img, BZ_SETUP - 10, "truncated");
    g_free(img);

    img = build_bzimage(&n, 0x205, true);
    expect_error(&a, img, n, "2.05 is too old");
    g_free(img);

    img = build_bzimage(&n, 0x20f, true);
    img[0x211] = 0;
    expect_error(&a, img, n, "zImage");
    g_free(img);

    img = build_bzimage(&n, 0x20f, true);
    st32(img + 0x238, 4);
    a.append = "longer than four";
    expect_error(&a, img, n, "command line");
    a.append = NULL;
    g_free(img);

    img = build_bzimage(&n, 0x20f, true);
    a.below_4g = 2 * MiB;
    expect_error(&a, img, n, "needs 0x400000 bytes");
    a.below_4g = RAM_SIZE;
    g_free(img);

    g_test_message("an initrd larger than the RAM left");
    {
        g_autofree uint8_t *big = g_malloc0(RAM_SIZE - 4 * MiB);
        g_autofree char *rd = write_tmp("big.img", big, RAM_SIZE - 4 * MiB);

        img = build_bzimage(&n, 0x20f, true);
        a.initrd = rd;
        expect_error(&a, img, n, "does not fit");
        a.initrd = "/nonexistent/initrd";
        expect_error(&a, img, n, "could not open initrd file");
        a.initrd = NULL;
        g_free(img);
    }
}

static void test_e820_above_4g(void)
{
    LoaderArgs a = { .kernel = KPATH, .below_4g = 3 * GiB,
                     .above_4g = 2 * GiB };
    E820Entry map[LOADER_E820_MAX];
    unsigned n = loader_e820_map(&a, map);

    g_test_message("5 GiB: 6 entries, RAM 1M-3G and 4G-6G");
    g_assert_cmpuint(n, ==, 6);
    g_assert_cmphex(map[3].addr, ==, 0x100000);
    g_assert_cmphex(map[3].size, ==, 3 * GiB - 0x100000);
    g_assert_cmphex(map[5].addr, ==, 4 * GiB);
    g_assert_cmphex(map[5].size, ==, 2 * GiB);
    g_assert_cmpuint(map[5].type, ==, E820_RAM);
}

static void test_read_file_errors(void)
{
    LoaderArgs a = args_new(NULL, NULL);
    g_autoptr(GError) err = NULL;

    a.kernel = "/nonexistent/kernel";
    g_assert_null(loader_load_kernel(&a, &err));
    g_test_message("%s", err->message);
    g_assert_nonnull(strstr(err->message, "/nonexistent/kernel: could not "
                            "open kernel file"));
    g_clear_error(&err);
    a.kernel = tmpdir;
    g_assert_null(loader_load_kernel(&a, &err));
    g_test_message("%s", err->message);
    g_assert_nonnull(strstr(err->message, "not a regular file"));
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    ram = g_malloc(RAM_SIZE);
    tmpdir = g_dir_make_tmp("janus-test-loader-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);

    g_test_add_func("/loader/multiboot/elf", test_multiboot_elf);
    g_test_add_func("/loader/multiboot/no-append", test_multiboot_no_append);
    g_test_add_func("/loader/multiboot/kludge", test_multiboot_kludge);
    g_test_add_func("/loader/multiboot/bad", test_multiboot_bad);
    g_test_add_func("/loader/elf/bad", test_elf_bad);
    g_test_add_func("/loader/elf/plain64", test_elf64_plain);
    g_test_add_func("/loader/bzimage/64", test_bzimage64);
    g_test_add_func("/loader/bzimage/32", test_bzimage32);
    g_test_add_func("/loader/bzimage/bad", test_bzimage_bad);
    g_test_add_func("/loader/e820/above-4g", test_e820_above_4g);
    g_test_add_func("/loader/files", test_read_file_errors);
    ret = g_test_run();

    {
        g_autoptr(GDir) d = g_dir_open(tmpdir, 0, NULL);
        const char *name;

        while (d && (name = g_dir_read_name(d))) {
            g_autofree char *p = g_build_filename(tmpdir, name, NULL);
            unlink(p);
        }
        rmdir(tmpdir);
    }
    g_free(tmpdir);
    g_free(ram);
    return ret;
}
