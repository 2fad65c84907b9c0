/*
 * loader.c: what every boot protocol shares: format detection, the
 * BootImage, the memory map, the BIOS data areas, the GDT and long-mode
 * page tables, the layout check, and putting the boot CPU in its entry
 * state.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hw/loader/loader.h"
#include "hw/bios.h"
#include "hw/cpu.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(loader_blob);
TRACE_EVENT_DEFINE(loader_entry);

/* Kernels and initrds beyond this cannot fit below 4 GiB anyway; refusing
 * them early avoids reading a huge file by mistake. */
#define LOADER_MAX_FILE (4 * GiB)

/* ---- BootImage ---------------------------------------------------------- */

BootImage *boot_image_new(const char *protocol)
{
    BootImage *img = g_new0(BootImage, 1);

    img->protocol = protocol;
    img->blobs = g_array_new(false, true, sizeof(BootBlob));
    img->buffers = g_ptr_array_new_with_free_func(g_free);
    return img;
}

void boot_image_free(BootImage *img)
{
    if (!img) {
        return;
    }
    g_array_unref(img->blobs);
    g_ptr_array_unref(img->buffers);
    g_free(img);
}

void boot_image_add_owned(BootImage *img, const char *what, hwaddr addr,
                          void *data, uint64_t len, uint64_t zero)
{
    char *name = g_strdup(what);
    BootBlob b = {
        .what = name, .addr = addr, .data = data, .len = len, .zero = zero,
    };

    g_ptr_array_add(img->buffers, name);
    if (data) {
        g_ptr_array_add(img->buffers, data);
    }
    g_array_append_val(img->blobs, b);
    trace(loader_blob, "%s addr=0x%" PRIx64 " len=0x%" PRIx64
          " zero=0x%" PRIx64, what, addr, len, zero);
}

void boot_image_add(BootImage *img, const char *what, hwaddr addr,
                    const void *data, uint64_t len, uint64_t zero)
{
    boot_image_add_owned(img, what, addr, len ? g_memdup2(data, len) : NULL,
                         len, zero);
}

/* End of a blob, or UINT64_MAX when it wraps (refused by the check). */
static uint64_t blob_end(const BootBlob *b)
{
    uint64_t size = b->len + b->zero;

    if (size < b->len || b->addr + size < b->addr) {
        return UINT64_MAX;
    }
    return b->addr + size;
}

uint64_t boot_image_end(const BootImage *img)
{
    uint64_t end = 0;

    for (guint i = 0; i < img->blobs->len; i++) {
        end = MAX(end, blob_end(&g_array_index(img->blobs, BootBlob, i)));
    }
    return end;
}

bool boot_image_write(const BootImage *img, BootWriteFn *write, void *opaque,
                      GError **errp)
{
    static const uint8_t zeros[64 * KiB];

    for (guint i = 0; i < img->blobs->len; i++) {
        const BootBlob *b = &g_array_index(img->blobs, BootBlob, i);
        uint64_t done = 0;

        if (b->len && !write(opaque, b->addr, b->data, b->len)) {
            goto fail;
        }
        while (done < b->zero) {
            uint64_t n = MIN(b->zero - done, sizeof(zeros));

            if (!write(opaque, b->addr + b->len + done, zeros, n)) {
                goto fail;
            }
            done += n;
        }
        continue;
fail:
        g_set_error(errp, JANUS_ERROR, 0,
                    "writing %s to guest memory at 0x%" PRIx64 " failed",
                    b->what, b->addr);
        return false;
    }
    return true;
}

/* ---- CPU entry state ----------------------------------------------------- */

void boot_image_set_cpu(const BootImage *img, X86CPU *cpu)
{
    x86_cpu_set_flat32(cpu);
    /* A BIOS turns the caches on during POST; power-on CR0 has CD and NW
     * set, which on real hardware (and VT-x) makes every access uncached. */
    cpu->cr0 &= ~(CR0_CD | CR0_NW);
    if (img->own_gdt) {
        /* Linux's boot protocol names the selectors, so the GDT they index
         * (LOADER_GDT_ADDR) must exist in guest RAM, not only the caches. */
        cpu->gdt.base = LOADER_GDT_ADDR;
        cpu->gdt.limit = 4 * 8 - 1;
        cpu->segs[R_CS].selector = LOADER_BOOT_CS;
        for (int i = 0; i < 6; i++) {
            if (i != R_CS) {
                cpu->segs[i].selector = LOADER_BOOT_DS;
            }
        }
    }
    if (img->mode == BOOT_MODE_LONG64) {
        cpu->cr3 = img->cr3;
        cpu->cr4 |= CR4_PAE;
        cpu->efer |= EFER_LME | EFER_LMA;
        cpu->cr0 |= CR0_PE | CR0_PG;
        cpu->segs[R_CS].attr |= SEG_ATTR_L;
        cpu->segs[R_CS].attr &= ~SEG_ATTR_DB;
    }
    for (int i = 0; i < 16; i++) {
        cpu->regs[i] = img->regs[i];
    }
    cpu->rip = img->entry;
    cpu->halted = false;
    cpu->sipi_wait = false;
    cpu->regs_dirty = true;
    trace(loader_entry, "protocol=%s mode=%s rip=0x%" PRIx64,
          img->protocol, img->mode == BOOT_MODE_LONG64 ? "long" : "flat32",
          img->entry);
}

/* ---- Memory map ----------------------------------------------------------- */

unsigned loader_e820_map(const LoaderArgs *args, E820Entry *out)
{
    unsigned n = 0;

#define E820_ADD(a, s, t) \
    out[n++] = (E820Entry) { .addr = (a), .size = (s), .type = (t) }

    if (args->below_4g >= LOADER_LOW_RAM_END) {
        E820_ADD(0, LOADER_EBDA_ADDR, E820_RAM);
        E820_ADD(LOADER_EBDA_ADDR, LOADER_LOW_RAM_END - LOADER_EBDA_ADDR,
                 E820_RESERVED);
    } else {
        E820_ADD(0, args->below_4g, E820_RAM);
    }
    /* The BIOS's own F segment, as SeaBIOS reports it. */
    E820_ADD(0xf0000, 0x10000, E820_RESERVED);
    if (args->below_4g > LOADER_HIGH_RAM_START) {
        E820_ADD(LOADER_HIGH_RAM_START,
                 args->below_4g - LOADER_HIGH_RAM_START, E820_RAM);
    }
    E820_ADD(PC_BIOS_ADDR, PC_BIOS_SIZE, E820_RESERVED);
    if (args->above_4g) {
        E820_ADD(4 * GiB, args->above_4g, E820_RAM);
    }
#undef E820_ADD
    return n;
}

/* ---- Tables the loaders put in low RAM --------------------------------- */

static void st16(uint8_t *p, uint16_t v) { v = GUINT16_TO_LE(v); memcpy(p, &v, 2); }
static void st64(uint8_t *p, uint64_t v) { v = GUINT64_TO_LE(v); memcpy(p, &v, 8); }

void loader_add_bios_data(BootImage *img, const LoaderArgs *args)
{
    uint8_t *low = g_malloc0(LOADER_BIOS_DATA_END);
    bool ebda = args->below_4g >= LOADER_LOW_RAM_END;
    uint64_t base_kib = ebda ? LOADER_EBDA_ADDR / KiB
                             : MIN(args->below_4g, LOADER_LOW_RAM_END) / KiB;

    /* IVT: every vector to the ROM's IRET, so a stray real-mode interrupt
     * returns instead of jumping to 0000:0000. */
    for (int v = 0; v < 256; v++) {
        st16(low + v * 4, PC_BIOS_IRET_OFF);
        st16(low + v * 4 + 2, PC_BIOS_IRET_SEG);
    }
    /* BIOS Data Area (segment 0x40). */
    st16(low + 0x400, 0x3f8);               /* COM1 base port */
    st16(low + 0x40e, ebda ? LOADER_EBDA_ADDR >> 4 : 0); /* EBDA segment */
    /* equipment word: x87 present (bit 1), one serial port (bits 9-11) */
    st16(low + 0x410, (1 << 1) | (1 << 9));
    /* base memory in KiB: 639, the last KiB below 640 is the EBDA */
    st16(low + 0x413, base_kib);
    boot_image_add_owned(img, "BIOS data area", 0, low,
                         LOADER_BIOS_DATA_END, 0);

    if (ebda) {
        uint8_t *e = g_malloc0(LOADER_LOW_RAM_END - LOADER_EBDA_ADDR);

        e[0] = (LOADER_LOW_RAM_END - LOADER_EBDA_ADDR) / KiB; /* size, KiB */
        boot_image_add_owned(img, "extended BIOS data area", LOADER_EBDA_ADDR,
                             e, LOADER_LOW_RAM_END - LOADER_EBDA_ADDR, 0);
    }
}

void loader_add_gdt(BootImage *img, bool code64)
{
    uint8_t *gdt = g_malloc0(4 * 8);

    /* 0x10: flat code, execute/read, G; D for 32-bit or L for 64-bit.
     * 0x18: flat data, read/write, G, B. */
    st64(gdt + LOADER_BOOT_CS, code64 ? 0x00af9b000000ffffULL
                                      : 0x00cf9b000000ffffULL);
    st64(gdt + LOADER_BOOT_DS, 0x00cf93000000ffffULL);
    boot_image_add_owned(img, "boot GDT", LOADER_GDT_ADDR, gdt, 4 * 8, 0);
    img->own_gdt = true;
}

void loader_add_long_mode(BootImage *img)
{
    uint8_t *pt = g_malloc0(LOADER_PAGE_TABLE_SIZE);
    const uint64_t pml4 = LOADER_PAGE_TABLE_ADDR;
    const uint64_t pdpt = pml4 + 0x1000, pd = pml4 + 0x2000;

    /* Identity-map the first 4 GiB with 2 MiB pages: 1 GiB pages would
     * need pdpe1gb, which not every CPU model offers. */
    st64(pt, pdpt | 0x3);                               /* P, RW */
    for (uint64_t i = 0; i < 4; i++) {
        st64(pt + 0x1000 + i * 8, (pd + i * 0x1000) | 0x3);
    }
    for (uint64_t i = 0; i < 4 * 512; i++) {
        st64(pt + 0x2000 + i * 8, (i << 21) | 0x83);    /* P, RW, PS */
    }
    boot_image_add_owned(img, "boot page tables", LOADER_PAGE_TABLE_ADDR, pt,
                         LOADER_PAGE_TABLE_SIZE, 0);
    loader_add_gdt(img, true);
    img->mode = BOOT_MODE_LONG64;
    img->cr3 = pml4;
}

/* ---- Layout check ---------------------------------------------------------- */

static int blob_cmp(gconstpointer a, gconstpointer b)
{
    const BootBlob *x = *(const BootBlob *const *)a;
    const BootBlob *y = *(const BootBlob *const *)b;

    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* True if [start, end) lies in one of the RAM ranges a kernel may use. */
static bool range_in_ram(const LoaderArgs *args, uint64_t start, uint64_t end)
{
    uint64_t low_end = MIN(args->below_4g, LOADER_LOW_RAM_END);

    return end <= low_end ||
           (start >= LOADER_HIGH_RAM_START && end <= args->below_4g) ||
           (start >= 4 * GiB && end - 4 * GiB <= args->above_4g);
}

bool loader_check_layout(const BootImage *img, const LoaderArgs *args,
                         GError **errp)
{
    g_autoptr(GPtrArray) sorted = g_ptr_array_new();
    const BootBlob *prev = NULL;

    for (guint i = 0; i < img->blobs->len; i++) {
        const BootBlob *b = &g_array_index(img->blobs, BootBlob, i);
        uint64_t end = blob_end(b);

        if (end == b->addr) {
            continue;                   /* empty: nothing to place */
        }
        if (end == UINT64_MAX) {
            g_set_error(errp, JANUS_ERROR, 0, "%s: %s at 0x%" PRIx64
                        " wraps around the address space", args->kernel,
                        b->what, b->addr);
            return false;
        }
        if (b->addr < LOADER_HIGH_RAM_START && end > LOADER_LOW_RAM_END) {
            g_set_error(errp, JANUS_ERROR, 0, "%s: %s (0x%" PRIx64 "-0x%"
                        PRIx64 ") overlaps the VGA and BIOS area "
                        "0xa0000-0x100000", args->kernel, b->what, b->addr,
                        end);
            return false;
        }
        if (!range_in_ram(args, b->addr, end)) {
            g_set_error(errp, JANUS_ERROR, 0, "%s: %s (0x%" PRIx64 "-0x%"
                        PRIx64 ") is outside guest RAM (0-0x%" PRIx64
                        " below 4 GiB%s)", args->kernel, b->what, b->addr,
                        end, args->below_4g,
                        args->above_4g ? ", and above 4 GiB" : "");
            return false;
        }
        g_ptr_array_add(sorted, (gpointer)b);
    }
    g_ptr_array_sort(sorted, blob_cmp);
    for (guint i = 0; i < sorted->len; i++) {
        const BootBlob *b = g_ptr_array_index(sorted, i);

        if (prev && blob_end(prev) > b->addr) {
            g_set_error(errp, JANUS_ERROR, 0, "%s: %s (0x%" PRIx64 "-0x%"
                        PRIx64 ") overlaps %s (0x%" PRIx64 "-0x%" PRIx64 ")",
                        args->kernel, b->what, b->addr, blob_end(b),
                        prev->what, prev->addr, blob_end(prev));
            return false;
        }
        prev = b;
    }
    return true;
}

/* ---- Files ---------------------------------------------------------------- */

bool loader_read_file(const char *path, const char *what, uint8_t **data,
                      size_t *size, GError **errp)
{
    struct stat st;
    uint8_t *buf;
    size_t done = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: could not open %s file: %s",
                    path, what, g_strerror(errno));
        return false;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: %s is not a regular file",
                    path, what);
        close(fd);
        return false;
    }
    if ((uint64_t)st.st_size > LOADER_MAX_FILE) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: %s file is too large "
                    "(%" PRIu64 " bytes)", path, what, (uint64_t)st.st_size);
        close(fd);
        return false;
    }
    buf = g_malloc(st.st_size ? st.st_size : 1);
    while (done < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + done, st.st_size - done);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            g_set_error(errp, JANUS_ERROR, 0, "%s: reading %s file: %s",
                        path, what, n < 0 ? g_strerror(errno)
                                          : "file shrank while reading");
            g_free(buf);
            close(fd);
            return false;
        }
        done += n;
    }
    close(fd);
    *data = buf;
    *size = done;
    return true;
}

/* ---- Detection ------------------------------------------------------------- */

BootImage *loader_load_kernel_data(const LoaderArgs *args, const uint8_t *data,
                                   size_t size, GError **errp)
{
    g_autoptr(BootImage) img = NULL;
    size_t mb_off;
    int mb;

    if (size == 0) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: kernel file is empty",
                    args->kernel);
        return NULL;
    }
    if (bzimage_probe(data, size)) {
        img = bzimage_load(args, data, size, errp);
    } else if ((mb = multiboot_probe(args->kernel, data, size, &mb_off,
                                     errp)) < 0) {
        return NULL;
    } else if (mb) {
        img = multiboot_load(args, data, size, mb_off, errp);
    } else if (elf_is_elf(data, size)) {
        img = elf_load_plain(args, data, size, errp);
    } else {
        g_set_error(errp, JANUS_ERROR, 0, "%s: not a kernel janus can boot "
                    "(no Linux \"HdrS\" header, no multiboot header in the "
                    "first 8 KiB, not ELF)", args->kernel);
        return NULL;
    }
    if (!img || !loader_check_layout(img, args, errp)) {
        return NULL;
    }
    return g_steal_pointer(&img);
}

BootImage *loader_load_kernel(const LoaderArgs *args, GError **errp)
{
    g_autofree uint8_t *data = NULL;
    size_t size;

    if (!loader_read_file(args->kernel, "kernel", &data, &size, errp)) {
        return NULL;
    }
    return loader_load_kernel_data(args, data, size, errp);
}
