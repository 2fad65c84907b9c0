/*
 * bench-memory: how fast the memory API's hot paths are.
 *
 *   - address_space_rw lookups per second for a 4-byte RAM read and a
 *     1-byte I/O read (trivial callback; the BQL is taken per access, as
 *     for a vCPU thread), on a PC-like map of about 50 regions;
 *   - address_space_lookup alone;
 *   - the time to commit (render) a tree of 1,000 regions.
 *
 * Each figure is the median of 5 runs, with the spread (min..max).
 * Usage: bench-memory [-q] (-q: a tenth of the iterations, for a smoke run)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <string.h>
#include "memory/memory.h"

#define RUNS 5

static uint64_t io_read(void *opaque, hwaddr addr, unsigned size)
{
    (void)opaque;
    (void)size;
    return addr;
}

static void io_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)val;
    (void)size;
}

static const MemoryRegionOps ops = {
    .read = io_read, .write = io_write,
    .valid = { .max_access_size = 4 }, .impl = { .max_access_size = 4 },
};

static MemoryRegion *new_io(const char *name, uint64_t size)
{
    MemoryRegion *mr = g_new0(MemoryRegion, 1);

    memory_region_init_io(mr, &ops, NULL, name, size);
    return mr;
}

static MemoryRegion *new_alias(const char *name, MemoryRegion *orig,
                               hwaddr offset, uint64_t size)
{
    MemoryRegion *mr = g_new0(MemoryRegion, 1);

    memory_region_init_alias(mr, name, orig, offset, size);
    return mr;
}

/* A 4 GiB PC: about 30 regions in memory, 20 in I/O space. */
static unsigned build_pc(void)
{
    static MemoryRegion pc_ram, bios, rom, pci;
    MemoryRegion *sys = get_system_memory(), *io = get_system_io();
    static const struct { const char *name; uint16_t port, size; } ports[] = {
        { "dma-chan", 0x0, 8 }, { "dma-cont", 0x8, 8 }, { "pic", 0x20, 2 },
        { "pit", 0x40, 4 }, { "i8042", 0x60, 1 }, { "port92", 0x92, 1 },
        { "i8042-cmd", 0x64, 1 }, { "rtc", 0x70, 2 }, { "dma-page", 0x80, 16 },
        { "pic-slave", 0xa0, 2 }, { "dma-chan2", 0xc0, 16 },
        { "fpu", 0xf0, 1 }, { "isa-debug-exit", 0xf4, 4 },
        { "ide", 0x1f0, 8 }, { "serial1", 0x2f8, 8 }, { "vga", 0x3c0, 32 },
        { "fdc", 0x3f0, 6 }, { "serial", 0x3f8, 8 }, { "elcr", 0x4d0, 2 },
        { "pci-conf-idx", 0xcf8, 4 }, { "pci-conf-data", 0xcfc, 4 },
        { "acpi-pm", 0x600, 64 },
    };
    char name[32];
    GError *err = NULL;
    unsigned n = 0;

    memory_region_transaction_begin();
    if (memory_region_init_ram(&pc_ram, "pc.ram", 4 * GiB, &err) < 0 ||
        memory_region_init_rom(&bios, "pc.bios", 256 * KiB, &err) < 0 ||
        memory_region_init_rom(&rom, "pc.rom", 128 * KiB, &err) < 0) {
        fprintf(stderr, "bench-memory: %s\n", err->message);
        exit(1);
    }
    memory_region_add_subregion(sys, 0,
                                new_alias("ram-below-4g", &pc_ram, 0, 3 * GiB));
    memory_region_add_subregion(sys, 4 * GiB,
                                new_alias("ram-above-4g", &pc_ram, 3 * GiB,
                                          1 * GiB));
    n += 2;
    memory_region_init(&pci, "pci", MEMORY_SIZE_2_64);
    memory_region_add_subregion_overlap(sys, 0, &pci, -1);
    memory_region_add_subregion(&pci, 0xfffc0000, &bios);
    /* Over low RAM, as when PAM forwards 0xc0000-0xfffff to PCI. */
    memory_region_add_subregion_overlap(sys, 0xe0000,
                                        new_alias("isa-bios", &bios,
                                                  128 * KiB, 128 * KiB), 1);
    memory_region_add_subregion_overlap(sys, 0xc0000, &rom, 1);
    memory_region_add_subregion_overlap(sys, 0xa0000,
                                        new_io("vga-lowmem", 128 * KiB), 1);
    n += 5;
    /* PAM: 13 windows of RAM over the BIOS area, most of them off. */
    for (unsigned i = 0; i < 13; i++) {
        hwaddr a = i ? 0xc0000 + (i - 1) * 16 * KiB : 0xf0000;
        MemoryRegion *pam;
        snprintf(name, sizeof(name), "pam-ram-%u", i);
        pam = new_alias(name, &pc_ram, a, i ? 16 * KiB : 64 * KiB);
        memory_region_set_enabled(pam, i % 4 == 1);
        memory_region_add_subregion_overlap(sys, a, pam, 2);
        n++;
    }
    /* Some BARs and the platform devices in the PCI hole. */
    for (unsigned i = 0; i < 6; i++) {
        snprintf(name, sizeof(name), "bar%u", i);
        memory_region_add_subregion(&pci, 0xfe000000 + i * 0x100000,
                                    new_io(name, 0x1000 << i));
        n++;
    }
    memory_region_add_subregion(sys, 0xfec00000, new_io("ioapic", 0x1000));
    memory_region_add_subregion(sys, 0xfed00000, new_io("hpet", 0x400));
    memory_region_add_subregion(sys, 0xfee00000, new_io("apic", 0x100000));
    n += 3;
    for (unsigned i = 0; i < G_N_ELEMENTS(ports); i++) {
        memory_region_add_subregion(io, ports[i].port,
                                    new_io(ports[i].name, ports[i].size));
        n++;
    }
    memory_region_transaction_commit();
    return n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

typedef struct Result {
    const char *what;
    const char *unit;
    double v[RUNS];
} Result;

static void print_result(Result *r)
{
    qsort(r->v, RUNS, sizeof(double), cmp_double);
    printf("| %-44s | %10.2f | %10.2f .. %-10.2f | %-5s |\n", r->what,
           r->v[RUNS / 2], r->v[0], r->v[RUNS - 1], r->unit);
}

static double now_s(void)
{
    return g_get_monotonic_time() / 1e6;
}

/* Millions of address_space_read calls per second over @addrs. */
static double bench_rw(AddressSpace *as, const hwaddr *addrs, unsigned naddr,
                       unsigned size, uint64_t iters)
{
    uint64_t v = 0, sum = 0;
    double t0 = now_s(), t;

    for (uint64_t i = 0; i < iters; i++) {
        address_space_read(as, addrs[i & (naddr - 1)], MEMTXATTRS_UNSPECIFIED,
                           &v, size);
        sum += v;
    }
    t = now_s() - t0;
    if (sum == 42) {
        printf(" ");    /* keep the loop from being optimized away */
    }
    return iters / t / 1e6;
}

static double bench_lookup(AddressSpace *as, const hwaddr *addrs,
                           unsigned naddr, uint64_t iters)
{
    MemoryRegionSection s;
    uint64_t found = 0;
    double t0 = now_s(), t;

    rcu_read_lock();
    for (uint64_t i = 0; i < iters; i++) {
        found += address_space_lookup(as, addrs[i & (naddr - 1)], &s);
    }
    rcu_read_unlock();
    t = now_s() - t0;
    if (found == 42) {
        printf(" ");
    }
    return iters / t / 1e6;
}

/* 20 containers of 50 regions each (I/O and aliases of RAM, random
 * places and priorities): 1,000 terminal regions. */
static double bench_render(unsigned *ranges)
{
    static MemoryRegion root, ram;
    static AddressSpace as;
    static MemoryRegion *toggle;
    GRand *rand = g_rand_new_with_seed(1);
    GError *err = NULL;
    double best[RUNS];
    Result r = { .what = "commit (render) of a 1,000-region tree",
                 .unit = "us" };
    char name[32];

    memory_region_init(&root, "bench-root", MEMORY_SIZE_2_64);
    if (memory_region_init_ram(&ram, "bench-ram", 64 * MiB, &err) < 0) {
        fprintf(stderr, "bench-memory: %s\n", err->message);
        exit(1);
    }
    memory_region_transaction_begin();
    for (unsigned c = 0; c < 20; c++) {
        MemoryRegion *cont = g_new0(MemoryRegion, 1);
        snprintf(name, sizeof(name), "cont%u", c);
        memory_region_init(cont, name, 16 * MiB);
        for (unsigned i = 0; i < 50; i++) {
            MemoryRegion *mr;
            uint64_t size = (uint64_t)g_rand_int_range(rand, 1, 64) * 4 * KiB;
            snprintf(name, sizeof(name), "r%u.%u", c, i);
            if (i % 2) {
                mr = new_alias(name, &ram,
                               g_rand_int_range(rand, 0, 1024) * 4 * KiB,
                               size);
            } else {
                mr = new_io(name, size);
            }
            memory_region_add_subregion_overlap(cont,
                g_rand_int_range(rand, 0, 4096) * 4 * KiB, mr,
                g_rand_int_range(rand, -2, 3));
            toggle = mr;
        }
        memory_region_add_subregion_overlap(&root, c * 12 * MiB, cont,
                                            c % 3);
    }
    memory_region_transaction_commit();
    address_space_init(&as, &root, "bench");
    rcu_read_lock();
    *ranges = address_space_get_flatview(&as)->nr;
    rcu_read_unlock();

    /* Only this address space exists yet: a commit renders just it. */
    for (unsigned run = 0; run < RUNS; run++) {
        double t0 = now_s();
        for (unsigned k = 0; k < 50; k++) {
            memory_region_set_enabled(toggle, !toggle->enabled);
        }
        best[run] = (now_s() - t0) / 50 * 1e6;
    }
    memcpy(r.v, best, sizeof(best));
    print_result(&r);
    address_space_destroy(&as);
    g_rand_free(rand);
    return r.v[RUNS / 2];
}

int main(int argc, char **argv)
{
    bool quick = argc > 1 && !strcmp(argv[1], "-q");
    uint64_t iters = quick ? 1000000 : 10000000;
    enum { NADDR = 1024 };
    hwaddr ram_addrs[NADDR], io_addrs[NADDR], mmio_addrs[NADDR];
    Result ram = { .what = "4-byte RAM read, address_space_rw",
                  .unit = "M/s" };
    Result lookup = { .what = "address_space_lookup (RAM address)",
                     .unit = "M/s" };
    Result io = { .what = "1-byte I/O port read, address_space_rw",
                 .unit = "M/s" };
    Result mmio = { .what = "4-byte MMIO read, address_space_rw",
                   .unit = "M/s" };
    unsigned render_ranges, regions, mem_ranges, io_ranges;
    GRand *rand = g_rand_new_with_seed(2);

    printf("| %-44s | %10s | %-24s | %-5s |\n", "measure", "median",
           "min .. max", "unit");
    printf("|%s|%s|%s|%s|\n", "----------------------------------------------",
           "------------", "--------------------------", "-------");
    /* Before memory_init(), so that commits render only the bench tree. */
    bench_render(&render_ranges);

    regions = build_pc();
    rcu_read_lock();
    mem_ranges = address_space_get_flatview(&address_space_memory)->nr;
    io_ranges = address_space_get_flatview(&address_space_io)->nr;
    rcu_read_unlock();
    for (unsigned i = 0; i < NADDR; i++) {
        /* low RAM, RAM above 1 MiB and above 4 GiB, 4-byte aligned */
        static const hwaddr base[] = { 0, 0x100000, 0x100000000ULL };
        static const uint64_t span[] = { 0x9f000, 0xbfe00000, 0x3ff00000 };
        unsigned k = i % 3;
        ram_addrs[i] = base[k] + (g_rand_int(rand) % span[k] & ~3ULL);
        io_addrs[i] = (i & 1) ? 0x3f8 + (i >> 1) % 8 : 0x70 + (i >> 1) % 2;
        mmio_addrs[i] = 0xfec00000 + (g_rand_int(rand) % 0x1000 & ~3ULL);
    }
    for (unsigned run = 0; run < RUNS; run++) {
        ram.v[run] = bench_rw(&address_space_memory, ram_addrs, NADDR, 4,
                              iters);
        lookup.v[run] = bench_lookup(&address_space_memory, ram_addrs, NADDR,
                                     iters);
        io.v[run] = bench_rw(&address_space_io, io_addrs, NADDR, 1, iters / 2);
        mmio.v[run] = bench_rw(&address_space_memory, mmio_addrs, NADDR, 4,
                               iters / 2);
    }
    print_result(&ram);
    print_result(&lookup);
    print_result(&io);
    print_result(&mmio);
    printf("\nPC map: %u regions; flat views: memory %u ranges, I/O %u ranges;"
           " render tree: 1,000 regions -> %u ranges\n",
           regions, mem_ranges, io_ranges, render_ranges);
    g_rand_free(rand);
    return 0;
}
