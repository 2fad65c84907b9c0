/*
 * monitor-cmds.c: monitor commands that look at the hardware: "info pci",
 * "xp" and "x" (memory dumps, QEMU's /FMT syntax) and "gva2gpa".
 *
 * They live in hw/ because they read device and CPU state; main/monitor.c
 * only knows them through monitor_register_*().  Virtual addresses go
 * through the same page walker TCG uses (hw/x86-mmu.h), from CPU 0's
 * current CR3, with the vCPUs parked so the registers are the guest's.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include "accel/accel.h"
#include "hw/cpu.h"
#include "hw/machine.h"
#include "hw/pci/pci.h"
#include "hw/x86-mmu.h"
#include "main/monitor.h"
#include "main/opts.h"
#include "main/runstate.h"
#include "memory/memory.h"

/* ---- info pci ---------------------------------------------------------- */

static void hmp_info_pci(Monitor *mon, int argc, char **argv)
{
    g_autoptr(GString) s = g_string_new(NULL);

    (void)argc;
    (void)argv;
    if (!current_machine || !current_machine->pci_bus) {
        monitor_printf(mon, "no PCI bus\n");
        return;
    }
    pci_info(current_machine->pci_bus, s);
    monitor_printf(mon, "%s", s->str);
}

static const MonitorCommand info_pci_cmd = {
    .name = "pci", .help = "show PCI devices (bus, slot, IDs, class, "
    "BARs, IRQ)", .fn = hmp_info_pci,
};
MONITOR_INFO_REGISTER(info_pci_cmd)

/* ---- CPU 0, parked and synced ------------------------------------------ */

static X86CPU *monitor_cpu_get(Monitor *mon)
{
    Machine *m = current_machine;
    X86CPU *cpu;

    if (!m || !m->ncpus) {
        monitor_printf(mon, "no CPU\n");
        return NULL;
    }
    vcpus_pause();
    cpu = m->cpus[0];
    if (m->accel && m->accel->sync_from_accel && cpu->accel) {
        m->accel->sync_from_accel(cpu);
    }
    return cpu;
}

static void monitor_cpu_put(void)
{
    vcpus_resume();
}

static bool parse_addr(Monitor *mon, const char *s, uint64_t *addr)
{
    if (parse_uint(s, addr) < 0) {
        monitor_printf(mon, "invalid address '%s' (hex 0x... or decimal)\n",
                       s);
        return false;
    }
    return true;
}

/* ---- xp / x ------------------------------------------------------------ */

typedef struct DumpFormat {
    unsigned count;
    char format;        /* x d u o c */
    unsigned size;      /* 1 2 4 8 */
} DumpFormat;

/* QEMU remembers the last format and size between commands. */
static DumpFormat last_fmt = { 1, 'x', 4 };

static bool parse_format(Monitor *mon, const char *s, DumpFormat *f)
{
    *f = last_fmt;
    f->count = 1;
    s++;                                /* the '/' */
    if (g_ascii_isdigit(*s)) {
        char *end;
        uint64_t n = g_ascii_strtoull(s, &end, 10);

        if (n == 0 || n > 65536) {
            monitor_printf(mon, "invalid count in format\n");
            return false;
        }
        f->count = n;
        s = end;
    }
    for (; *s; s++) {
        switch (*s) {
        case 'x': case 'd': case 'u': case 'o': case 'c':
            f->format = *s;
            if (*s == 'c') {
                f->size = 1;
            }
            break;
        case 'b':
            f->size = 1;
            break;
        case 'h':
            f->size = 2;
            break;
        case 'w':
            f->size = 4;
            break;
        case 'g':
            f->size = 8;
            break;
        default:
            monitor_printf(mon, "unsupported format character '%c' "
                           "(formats x d u o c, sizes b h w g)\n", *s);
            return false;
        }
    }
    last_fmt.format = f->format;
    last_fmt.size = f->size;
    return true;
}

/* Field widths as QEMU's memory dump prints them. */
static void print_value(Monitor *mon, const DumpFormat *f, uint64_t v)
{
    unsigned bits = f->size * 8;
    int dec_digits = (bits * 10 + 32) / 33;

    switch (f->format) {
    case 'x':
        monitor_printf(mon, " 0x%0*" PRIx64, (int)bits / 4, v);
        break;
    case 'o':
        monitor_printf(mon, " %#*" PRIo64, (int)(bits + 2) / 3, v);
        break;
    case 'u':
        monitor_printf(mon, " %*" PRIu64, dec_digits, v);
        break;
    case 'd': {
        int64_t sv = v;

        if (bits < 64) {
            sv = (int64_t)(v << (64 - bits)) >> (64 - bits);
        }
        monitor_printf(mon, " %*" PRId64, dec_digits, sv);
        break;
    }
    case 'c':
        if (v >= 0x20 && v < 0x7f) {
            monitor_printf(mon, " '%c'", (int)v);
        } else {
            monitor_printf(mon, " '\\x%02x'", (unsigned)v);
        }
        break;
    }
}

/*
 * Read @len bytes at @addr; virtual addresses (@cpu non-NULL) are
 * translated page by page with the debug walk.  Returns false, after
 * saying why, when a page is not mapped.
 */
static bool dump_read(Monitor *mon, X86CPU *cpu, uint64_t addr, uint8_t *buf,
                      unsigned len)
{
    while (len) {
        uint64_t pa = addr;
        unsigned n = len;

        if (cpu) {
            X86MMUResult r;
            uint64_t in_page;

            if (x86_mmu_translate_full(cpu, addr, X86_MMU_READ |
                                       X86_MMU_DEBUG, false, &r) < 0) {
                monitor_printf(mon, "Cannot access memory at 0x%" PRIx64
                               "\n", addr);
                return false;
            }
            pa = r.paddr;
            in_page = r.page_size - (addr & (r.page_size - 1));
            n = MIN((uint64_t)len, in_page);
        }
        address_space_read(&address_space_memory, pa,
                           (MemTxAttrs) { .debug = 1 }, buf, n);
        addr += n;
        buf += n;
        len -= n;
    }
    return true;
}

static void memory_dump(Monitor *mon, X86CPU *cpu, const DumpFormat *f,
                        uint64_t addr)
{
    unsigned line_size = f->size == 1 ? 8 : 16;
    uint64_t total = (uint64_t)f->count * f->size;

    while (total) {
        uint8_t buf[16];
        unsigned l = MIN(total, (uint64_t)line_size);

        if (!dump_read(mon, cpu, addr, buf, l)) {
            return;
        }
        monitor_printf(mon, "%016" PRIx64 ":", addr);
        for (unsigned i = 0; i < l; i += f->size) {
            uint64_t v = 0;

            for (unsigned k = 0; k < f->size; k++) {
                v |= (uint64_t)buf[i + k] << (8 * k);
            }
            print_value(mon, f, v);
        }
        monitor_printf(mon, "\n");
        addr += l;
        total -= l;
    }
}

static void hmp_dump(Monitor *mon, int argc, char **argv, bool virt)
{
    DumpFormat f = last_fmt;
    uint64_t addr;
    int i = 1;
    X86CPU *cpu = NULL;

    f.count = 1;
    if (i < argc && argv[i][0] == '/') {
        if (!parse_format(mon, argv[i], &f)) {
            return;
        }
        i++;
    }
    if (i + 1 != argc) {
        monitor_printf(mon, "usage: %s /FMT ADDR (FMT: [count][x|d|u|o|c]"
                       "[b|h|w|g])\n", argv[0]);
        return;
    }
    if (!parse_addr(mon, argv[i], &addr)) {
        return;
    }
    if (virt) {
        cpu = monitor_cpu_get(mon);
        if (!cpu) {
            return;
        }
    }
    memory_dump(mon, cpu, &f, addr);
    if (virt) {
        monitor_cpu_put();
    }
}

static void hmp_xp(Monitor *mon, int argc, char **argv)
{
    hmp_dump(mon, argc, argv, false);
}

static void hmp_x(Monitor *mon, int argc, char **argv)
{
    hmp_dump(mon, argc, argv, true);
}

static const MonitorCommand xp_cmd = {
    .name = "xp", .args = "/fmt addr",
    .help = "dump guest physical memory", .fn = hmp_xp,
};
MONITOR_COMMAND_REGISTER(xp_cmd)

static const MonitorCommand x_cmd = {
    .name = "x", .args = "/fmt addr",
    .help = "dump guest virtual memory (CPU 0's page tables)", .fn = hmp_x,
};
MONITOR_COMMAND_REGISTER(x_cmd)

/* ---- gva2gpa ----------------------------------------------------------- */

static const char *paging_mode(X86CPU *cpu)
{
    if (!(cpu->cr0 & CR0_PG)) {
        return "paging off";
    }
    if (cpu->efer & EFER_LMA) {
        return "4-level";
    }
    return (cpu->cr4 & CR4_PAE) ? "PAE" : "32-bit";
}

static void hmp_gva2gpa(Monitor *mon, int argc, char **argv)
{
    MemoryRegionSection sec;
    X86MMUResult r;
    X86CPU *cpu;
    uint64_t gva;
    int ret;

    if (argc != 2) {
        monitor_printf(mon, "usage: gva2gpa ADDR\n");
        return;
    }
    if (!parse_addr(mon, argv[1], &gva)) {
        return;
    }
    cpu = monitor_cpu_get(mon);
    if (!cpu) {
        return;
    }
    ret = x86_mmu_translate_full(cpu, gva, X86_MMU_READ | X86_MMU_DEBUG,
                                 false, &r);
    if (ret == -EINVAL) {
        monitor_printf(mon, "gva 0x%" PRIx64 ": not canonical\n", gva);
        goto out;
    }
    if (ret < 0) {
        monitor_printf(mon, "Unmapped\n");
        monitor_printf(mon, "gva 0x%" PRIx64 ": not mapped (%s walk from "
                       "cr3 0x%" PRIx64 ", error code 0x%x)\n", gva,
                       paging_mode(cpu), cpu->cr3, r.pf_error_code);
        goto out;
    }
    /* QEMU's line first, so scripts written for QEMU keep working. */
    monitor_printf(mon, "gpa: 0x%" PRIx64 "\n", r.paddr);
    monitor_printf(mon, "gva 0x%" PRIx64 " -> gpa 0x%" PRIx64, gva, r.paddr);
    if (!address_space_lookup(&address_space_memory, r.paddr, &sec)) {
        monitor_printf(mon, " -> no hva: nothing mapped there");
    } else {
        uint64_t off = sec.offset_within_region +
                       (r.paddr - sec.offset_within_address_space);

        if (memory_region_is_ram(sec.mr)) {
            uint8_t *host = memory_region_get_ram_ptr(sec.mr);

            monitor_printf(mon, " -> hva %p (%s+0x%" PRIx64 ")",
                           (void *)(host + off), sec.mr->name, off);
        } else {
            monitor_printf(mon, " -> no hva: I/O region %s+0x%" PRIx64,
                           sec.mr->name, off);
        }
    }
    monitor_printf(mon, "\n  %s walk from cr3 0x%" PRIx64 ", %d entries "
                   "read, %" PRIu64 " KiB page\n", paging_mode(cpu),
                   cpu->cr3, r.levels, (uint64_t)(r.page_size / KiB));
out:
    monitor_cpu_put();
}

static const MonitorCommand gva2gpa_cmd = {
    .name = "gva2gpa", .args = "addr",
    .help = "translate a guest virtual address (CPU 0) to guest physical "
    "and host virtual", .fn = hmp_gva2gpa,
};
MONITOR_COMMAND_REGISTER(gva2gpa_cmd)
