/*
 * test-pc.c: the PC machine as pc_machine_init builds it: the flat memory
 * map for small and for above-4-GiB RAM, the BIOS ROM at both of its
 * addresses, the built-in devices answering on their ports, and -kernel
 * loading plus its re-application at machine reset.
 *
 * Every machine is built in its own subprocess: the address spaces and
 * the device ports are process-global.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "hw/cpu.h"
#include "hw/pc.h"
#include "hw/bios.h"
#include "hw/loader/loader.h"
#include "hw-test.h"

/* The machines run in subprocesses, whose g_test_message() output GLib
 * drops: print TAP comments on the inherited stdout instead. */
#define note(...) \
    do { \
        printf("# " __VA_ARGS__); \
        printf("\n"); \
        fflush(stdout); \
    } while (0)

static MachineConfig cfg;
static Machine *m;

/* In the parent: run the current test in a subprocess and check that it
 * passed (true).  In that subprocess: false, go on with the test. */
static bool ran_in_subprocess(void)
{
    if (g_test_subprocess()) {
        return false;
    }
    g_test_trap_subprocess(NULL, 60 * 1000000,
                           G_TEST_SUBPROCESS_INHERIT_STDOUT |
                           G_TEST_SUBPROCESS_INHERIT_STDERR);
    g_test_trap_assert_passed();
    return true;
}

static void machine_setup(uint64_t ram, unsigned smp, const char *kernel)
{
    g_autoptr(GError) err = NULL;

    cfg = (MachineConfig) { .ram_size = ram, .smp = smp, .kernel = kernel,
                            .devices = g_ptr_array_new() };
    m = hw_test_machine_new(&cfg, NULL, NULL);
    if (pc_machine_init(m, &err) < 0) {
        note("pc_machine_init: %s", err->message);
        g_assert_not_reached();
    }
}

/* The terminal region at @addr and the offset into it (hole: NULL). */
static MemoryRegion *lookup(hwaddr addr, hwaddr *offset)
{
    MemoryRegionSection sec;
    bool found;

    rcu_read_lock();
    found = address_space_lookup(&address_space_memory, addr, &sec);
    rcu_read_unlock();
    if (!found) {
        return NULL;
    }
    /* The section is the whole flat range containing @addr. */
    *offset = sec.offset_within_region +
              (addr - sec.offset_within_address_space);
    return sec.mr;
}

static void expect_region(hwaddr addr, const char *name, hwaddr offset)
{
    hwaddr off = 0;
    MemoryRegion *mr = lookup(addr, &off);

    note("0x%09" PRIx64 " -> %s +0x%" PRIx64, addr,
                   mr ? mr->name : "(hole)", off);
    g_assert_nonnull(mr);
    g_assert_cmpstr(mr->name, ==, name);
    g_assert_cmphex(off, ==, offset);
}

static void expect_hole(hwaddr addr)
{
    hwaddr off;
    MemoryRegion *mr = lookup(addr, &off);
    uint32_t v = 0;

    note("0x%09" PRIx64 " -> %s", addr, mr ? mr->name : "(hole)");
    g_assert_true(mr == NULL || !memory_region_is_ram(mr));
    address_space_read(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                       &v, 4);
    g_assert_cmphex(v, ==, 0xffffffff);
}

static void check_bios(void)
{
    static const uint8_t reset_jmp[5] = { 0xea, 0x5b, 0xe0, 0x00, 0xf0 };
    g_autofree uint8_t *hi = g_malloc(PC_ISA_BIOS_SIZE);
    g_autofree uint8_t *lo = g_malloc(PC_ISA_BIOS_SIZE);
    uint8_t b[5], junk = 0;

    note("reset vector at 0xfffffff0 and 0xffff0: jmp f000:e05b");
    address_space_read(&address_space_memory, 0xfffffff0,
                       MEMTXATTRS_UNSPECIFIED, b, 5);
    g_assert_cmpmem(b, 5, reset_jmp, 5);
    address_space_read(&address_space_memory, 0xffff0,
                       MEMTXATTRS_UNSPECIFIED, b, 5);
    g_assert_cmpmem(b, 5, reset_jmp, 5);
    address_space_read(&address_space_memory, 0xfe05b,
                       MEMTXATTRS_UNSPECIFIED, b, 4);
    g_assert_cmpmem(b, 4, "\xfa\xf4\xeb\xfd", 4);
    address_space_read(&address_space_memory, 0xfff53,
                       MEMTXATTRS_UNSPECIFIED, b, 1);
    g_assert_cmphex(b[0], ==, 0xcf);

    note("isa-bios (0xe0000) shows the ROM's last 128 KiB");
    address_space_read(&address_space_memory, PC_ISA_BIOS_ADDR,
                       MEMTXATTRS_UNSPECIFIED, lo, PC_ISA_BIOS_SIZE);
    address_space_read(&address_space_memory, 4 * GiB - PC_ISA_BIOS_SIZE,
                       MEMTXATTRS_UNSPECIFIED, hi, PC_ISA_BIOS_SIZE);
    g_assert_cmpmem(lo, PC_ISA_BIOS_SIZE, hi, PC_ISA_BIOS_SIZE);

    note("the ROM refuses writes");
    g_assert_cmpuint(address_space_write(&address_space_memory, 0xffff0,
                                         MEMTXATTRS_UNSPECIFIED, &junk, 1),
                     !=, MEMTX_OK);
    address_space_read(&address_space_memory, 0xffff0,
                       MEMTXATTRS_UNSPECIFIED, b, 1);
    g_assert_cmphex(b[0], ==, 0xea);
}

static void test_map_256m(void)
{
    if (ran_in_subprocess()) {
        return;
    }
    machine_setup(256 * MiB, 1, NULL);
    g_assert_cmphex(m->below_4g_mem_size, ==, 256 * MiB);
    g_assert_cmphex(m->above_4g_mem_size, ==, 0);
    expect_region(0, "pc.ram", 0);
    expect_region(0x9ffff, "pc.ram", 0x9ffff);
    expect_region(0xc0000, "pc.rom", 0);
    expect_region(0xdffff, "pc.rom", 0x1ffff);
    expect_region(0xe0000, "pc.bios", 0x20000);
    expect_region(0xfffff, "pc.bios", 0x3ffff);
    expect_region(0x100000, "pc.ram", 0x100000);
    expect_region(256 * MiB - 1, "pc.ram", 256 * MiB - 1);
    expect_hole(256 * MiB);
    expect_hole(0xe0000000);
    expect_region(0xfffc0000, "pc.bios", 0);
    expect_region(0xffffffff, "pc.bios", 0x3ffff);
    expect_hole(4 * GiB);
    check_bios();

    note("built-in devices: PIC, IOAPIC, PCI, fw_cfg, serial");
    g_assert_nonnull(m->pic);
    g_assert_nonnull(m->ioapic);
    g_assert_nonnull(m->pci_bus);
    g_assert_nonnull(m->fw_cfg);
    for (int i = 0; i < PC_NUM_GSI; i++) {
        g_assert_nonnull(m->gsi[i]);
    }
    g_assert_cmphex(inb(0x3f8 + 5), ==, 0x60);      /* 16550 LSR: THR empty */

    note("no -kernel: the BSP sits at the reset vector, also "
                   "after a machine reset");
    g_assert_cmpuint(m->ncpus, ==, 1);
    g_assert_cmphex(m->cpus[0]->rip, ==, 0xfff0);
    g_assert_cmphex(m->cpus[0]->segs[R_CS].base, ==, 0xffff0000);
    m->cpus[0]->rip = 0x1234;
    machine_reset(m);
    g_assert_cmphex(m->cpus[0]->rip, ==, 0xfff0);
}

static void test_map_5g(void)
{
    if (ran_in_subprocess()) {
        return;
    }
    machine_setup(5 * GiB, 1, NULL);
    note("5 GiB: 3 GiB below 4 GiB (i440FX rule), 2 GiB above");
    g_assert_cmphex(m->below_4g_mem_size, ==, 3 * GiB);
    g_assert_cmphex(m->above_4g_mem_size, ==, 2 * GiB);
    expect_region(0x100000, "pc.ram", 0x100000);
    expect_region(3 * GiB - 4096, "pc.ram", 3 * GiB - 4096);
    expect_hole(3 * GiB);
    expect_region(4 * GiB, "pc.ram", 3 * GiB);
    expect_region(6 * GiB - 1, "pc.ram", 5 * GiB - 1);
    expect_hole(6 * GiB);
    expect_region(0xe0000, "pc.bios", 0x20000);
    expect_region(0xfffc0000, "pc.bios", 0);
    check_bios();
}

static void test_ram_split(void)
{
    uint64_t b, a;

    note("RAM split: below 0xe0000000 all low, else 3 GiB low");
    pc_ram_split(0xdfffffff, &b, &a);
    g_assert_cmphex(b, ==, 0xdfffffff);
    g_assert_cmphex(a, ==, 0);
    pc_ram_split(0xe0000000, &b, &a);
    g_assert_cmphex(b, ==, 0xc0000000);
    g_assert_cmphex(a, ==, 0x20000000);
}

/* A multiboot a.out-kludge kernel: "hlt" at 0x200000, 4 KiB of bss. */
static char *write_kernel(void)
{
    uint8_t img[0x100] = { 0 };
    uint32_t hdr[8] = {
        MULTIBOOT_HEADER_MAGIC, 0x10000, -(MULTIBOOT_HEADER_MAGIC + 0x10000),
        0x200010, 0x200000, 0x200100, 0x201100, 0x200000,
    };
    char *path;
    int fd = g_file_open_tmp("janus-test-pc-XXXXXX", &path, NULL);

    g_assert_cmpint(fd, >=, 0);
    close(fd);
    img[0] = 0xf4;
    memcpy(img + 0x10, hdr, sizeof(hdr));
    g_assert_true(g_file_set_contents(path, (char *)img, sizeof(img), NULL));
    return path;
}

static void test_kernel_and_reset(void)
{
    g_autofree char *path = NULL;
    uint8_t b[0x100];
    uint32_t z = 0xdeadbeef;

    if (ran_in_subprocess()) {
        return;
    }
    path = write_kernel();
    machine_setup(128 * MiB, 2, path);
    unlink(path);

    note("multiboot kernel in guest RAM, BSP at its entry, AP "
                   "waiting for SIPI");
    address_space_read(&address_space_memory, 0x200000,
                       MEMTXATTRS_UNSPECIFIED, b, sizeof(b));
    g_assert_cmphex(b[0], ==, 0xf4);
    g_assert_cmphex(m->cpus[0]->rip, ==, 0x200000);
    g_assert_cmphex(m->cpus[0]->regs[R_EAX], ==, MULTIBOOT_BOOTLOADER_MAGIC);
    g_assert_true(m->cpus[0]->cr0 & CR0_PE);
    g_assert_true(m->cpus[1]->sipi_wait);

    note("BIOS state: PIC masks f8/ff via the I/O ports");
    g_assert_cmphex(inb(0x21), ==, 0xf8);
    g_assert_cmphex(inb(0xa1), ==, 0xff);

    note("machine reset reloads the image and the entry state");
    address_space_write(&address_space_memory, 0x200000,
                        MEMTXATTRS_UNSPECIFIED, &z, 4);
    address_space_write(&address_space_memory, 0x200100,
                        MEMTXATTRS_UNSPECIFIED, &z, 4);
    outb(0x21, 0x00);
    m->cpus[0]->rip = 0x1234;
    m->cpus[1]->sipi_wait = false;
    machine_reset(m);
    address_space_read(&address_space_memory, 0x200000,
                       MEMTXATTRS_UNSPECIFIED, b, 4);
    g_assert_cmphex(b[0], ==, 0xf4);
    address_space_read(&address_space_memory, 0x200100,
                       MEMTXATTRS_UNSPECIFIED, &z, 4);
    g_assert_cmphex(z, ==, 0);                      /* bss zeroed again */
    g_assert_cmphex(m->cpus[0]->rip, ==, 0x200000);
    g_assert_true(m->cpus[1]->sipi_wait);
    g_assert_cmphex(inb(0x21), ==, 0xf8);
}

static void test_config_errors(void)
{
    g_autoptr(GError) err = NULL;

    if (ran_in_subprocess()) {
        return;
    }
    cfg = (MachineConfig) { .ram_size = 64 * MiB, .smp = 1,
                            .initrd = "/tmp/x" };
    m = hw_test_machine_new(&cfg, NULL, NULL);
    g_assert_cmpint(pc_machine_init(m, &err), <, 0);
    note("%s", err->message);
    g_assert_cmpstr(err->message, ==,
                    "-initrd only allowed with -kernel option");
    g_clear_error(&err);

    cfg.initrd = NULL;
    cfg.append = "quiet";
    g_assert_cmpint(pc_machine_init(m, &err), <, 0);
    note("%s", err->message);
    g_assert_cmpstr(err->message, ==,
                    "-append only allowed with -kernel option");
    g_clear_error(&err);

    cfg.append = NULL;
    cfg.kernel = "/nonexistent/bzImage";
    g_assert_cmpint(pc_machine_init(m, &err), <, 0);
    note("%s", err->message);
    g_assert_true(g_str_has_prefix(err->message, "/nonexistent/bzImage: "));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pc/ram-split", test_ram_split);
    g_test_add_func("/pc/map-256m", test_map_256m);
    g_test_add_func("/pc/map-5g", test_map_5g);
    g_test_add_func("/pc/kernel-and-reset", test_kernel_and_reset);
    g_test_add_func("/pc/config-errors", test_config_errors);
    return g_test_run();
}
