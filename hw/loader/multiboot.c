/*
 * multiboot.c: multiboot v1 kernels (the test guests, and whatever else
 * QEMU's -kernel boots this way).
 *
 * Layout: the kernel where its ELF program headers or a.out-kludge address
 * fields say; then each -initrd module page-aligned (at 1 MiB at the
 * lowest); then one page-aligned block holding the multiboot information
 * structure, the memory map, the module list and the strings.
 *
 * Following QEMU: the kernel command line is "KERNEL_PATH APPEND", and
 * -initrd is a comma-separated module list ("file args,file2"; ",," is a
 * literal comma), each module's command line being its whole entry.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/loader/loader.h"
#include "hw/cpu.h"

#define MB_FLAG_PAGE_ALIGN  (1u << 0)   /* modules page aligned: always */
#define MB_FLAG_MEMORY      (1u << 1)   /* memory info: always given */
#define MB_FLAG_VIDEO       (1u << 2)   /* video mode: ignored, as QEMU */
#define MB_FLAG_AOUT_KLUDGE (1u << 16)
/* Bits 0-15 are requirements: a loader must refuse ones it lacks. */
#define MB_FLAGS_KNOWN      (MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY | \
                             MB_FLAG_VIDEO)

/* multiboot_info.flags */
#define MBI_MEMORY          (1u << 0)
#define MBI_CMDLINE         (1u << 2)
#define MBI_MODS            (1u << 3)
#define MBI_MMAP            (1u << 6)
#define MBI_LOADER_NAME     (1u << 9)

/* multiboot_info field offsets */
#define MBI_FLAGS           0
#define MBI_MEM_LOWER       4
#define MBI_MEM_UPPER       8
#define MBI_CMDLINE_ADDR    16
#define MBI_MODS_COUNT      20
#define MBI_MODS_ADDR       24
#define MBI_MMAP_LENGTH     44
#define MBI_MMAP_ADDR       48
#define MBI_LOADER_NAME_ADDR 64
#define MBI_SIZE            88

#define MB_MMAP_ENTRY_SIZE  24          /* size field + 20 bytes */
#define MB_MOD_SIZE         16
#define PAGE_SIZE           4096
#define ROUND_UP(x, a)      (((x) + (a) - 1) & ~(uint64_t)((a) - 1))

static uint32_t ld32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return GUINT32_FROM_LE(v); }
static void st32(uint8_t *p, uint32_t v) { v = GUINT32_TO_LE(v); memcpy(p, &v, 4); }
static void st64(uint8_t *p, uint64_t v) { v = GUINT64_TO_LE(v); memcpy(p, &v, 8); }

int multiboot_probe(const char *path, const uint8_t *data, size_t size,
                    size_t *off, GError **errp)
{
    size_t limit = MIN(size, MULTIBOOT_SEARCH);
    size_t bad = SIZE_MAX;
    uint32_t bad_sum = 0;

    for (size_t i = 0; i + 4 <= limit; i += 4) {
        uint32_t sum;

        if (ld32(data + i) != MULTIBOOT_HEADER_MAGIC) {
            continue;
        }
        if (i + 12 > limit) {
            g_set_error(errp, JANUS_ERROR, 0, "%s: multiboot header at "
                        "offset 0x%zx is cut off by the end of the %s", path,
                        i, size < MULTIBOOT_SEARCH ? "file" : "first 8 KiB");
            return -1;
        }
        sum = ld32(data + i) + ld32(data + i + 4) + ld32(data + i + 8);
        if (sum == 0) {
            *off = i;
            return 1;
        }
        if (bad == SIZE_MAX) {
            bad = i;
            bad_sum = sum;
        }
    }
    if (bad != SIZE_MAX) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: multiboot header at offset "
                    "0x%zx has a bad checksum (magic + flags + checksum = "
                    "0x%08x, must be 0)", path, bad, bad_sum);
        return -1;
    }
    return 0;
}

/* The a.out kludge: the header's address fields say where the file goes. */
static bool multiboot_load_kludge(BootImage *img, const LoaderArgs *args,
                                  const uint8_t *data, size_t size,
                                  size_t hdr_off, GError **errp)
{
    const uint8_t *h = data + hdr_off;
    uint64_t header_addr, load_addr, load_end, bss_end, entry;
    uint64_t load_off, load_size, bss;

    if (hdr_off + 32 > size) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: multiboot header address "
                    "fields are cut off by the end of the file", args->kernel);
        return false;
    }
    header_addr = ld32(h + 12);
    load_addr = ld32(h + 16);
    load_end = ld32(h + 20);
    bss_end = ld32(h + 24);
    entry = ld32(h + 28);

    if (load_addr > header_addr || header_addr - load_addr > hdr_off) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: multiboot load_addr 0x%" PRIx64
                    " is inconsistent with header_addr 0x%" PRIx64 " at file "
                    "offset 0x%zx", args->kernel, load_addr, header_addr,
                    hdr_off);
        return false;
    }
    load_off = hdr_off - (header_addr - load_addr);
    if (load_end == 0) {
        load_size = size - load_off;
    } else if (load_end < load_addr) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: multiboot load_end_addr 0x%"
                    PRIx64 " is below load_addr 0x%" PRIx64, args->kernel,
                    load_end, load_addr);
        return false;
    } else {
        load_size = load_end - load_addr;
        if (load_size > size - load_off) {
            g_set_error(errp, JANUS_ERROR, 0, "%s: multiboot load_end_addr "
                        "0x%" PRIx64 " is past the end of the file (0x%"
                        PRIx64 " bytes from offset 0x%" PRIx64 ", file has "
                        "0x%zx)", args->kernel, load_end, load_size, load_off,
                        size);
            return false;
        }
    }
    if (bss_end == 0) {
        bss = 0;
    } else if (bss_end < load_addr + load_size) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: multiboot bss_end_addr 0x%"
                    PRIx64 " is below the end of the loaded image 0x%" PRIx64,
                    args->kernel, bss_end, load_addr + load_size);
        return false;
    } else {
        bss = bss_end - (load_addr + load_size);
    }
    if (load_size + bss == 0) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: multiboot image is empty",
                    args->kernel);
        return false;
    }
    if (entry < load_addr || entry >= load_addr + load_size + bss) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: multiboot entry_addr 0x%"
                    PRIx64 " is outside the loaded image 0x%" PRIx64 "-0x%"
                    PRIx64, args->kernel, entry, load_addr,
                    load_addr + load_size + bss);
        return false;
    }
    boot_image_add(img, "kernel image", load_addr, data + load_off,
                   load_size, bss);
    img->entry = entry;
    return true;
}

static bool multiboot_load_elf(BootImage *img, const LoaderArgs *args,
                               const uint8_t *data, size_t size,
                               GError **errp)
{
    ElfInfo info;

    if (!elf_is_elf(data, size)) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: multiboot header has no "
                    "address fields (flag 16 clear) and the file is not ELF",
                    args->kernel);
        return false;
    }
    if (!elf_parse(args->kernel, data, size, &info, errp)) {
        return false;
    }
    if (info.is64) {
        /* QEMU refuses these too: the kernel starts in 32-bit mode and
         * the ELF64 entry point would be 64-bit code. */
        g_set_error(errp, JANUS_ERROR, 0, "%s: ELF64 multiboot kernels need "
                    "the a.out address fields (flag 16); build a 32-bit ELF",
                    args->kernel);
        elf_info_clear(&info);
        return false;
    }
    elf_add_segments(img, &info, data);
    img->entry = info.entry;
    elf_info_clear(&info);
    return true;
}

typedef struct MBModule {
    char *cmdline;          /* the whole entry: "file args" */
    uint64_t start, end;
} MBModule;

/* Split QEMU's module list: ',' separates, ",," is a literal comma. */
static GPtrArray *multiboot_split_modules(const char *list)
{
    GPtrArray *mods = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);

    for (const char *p = list;; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(cur, ',');
            p++;
        } else if (*p == ',' || *p == '\0') {
            g_ptr_array_add(mods, g_string_free(cur, false));
            if (*p == '\0') {
                break;
            }
            cur = g_string_new(NULL);
        } else {
            g_string_append_c(cur, *p);
        }
    }
    return mods;
}

static bool multiboot_load_modules(BootImage *img, const LoaderArgs *args,
                                   uint64_t *next, GArray *mods,
                                   GError **errp)
{
    g_autoptr(GPtrArray) list = multiboot_split_modules(args->initrd);

    for (guint i = 0; i < list->len; i++) {
        const char *entry = g_ptr_array_index(list, i);
        g_autofree char *file = g_strndup(entry, strcspn(entry, " "));
        g_autofree char *what = NULL;
        uint8_t *data;
        size_t size;
        MBModule mod;

        if (!*file) {
            g_set_error(errp, JANUS_ERROR, 0, "%s: empty module name in "
                        "-initrd '%s'", args->kernel, args->initrd);
            return false;
        }
        if (!loader_read_file(file, "module", &data, &size, errp)) {
            return false;
        }
        mod.start = ROUND_UP(*next, PAGE_SIZE);
        mod.end = mod.start + size;
        mod.cmdline = g_strdup(entry);
        g_array_append_val(mods, mod);
        what = g_strdup_printf("module %s", file);
        boot_image_add_owned(img, what, mod.start, data, size, 0);
        *next = mod.end;
    }
    return true;
}

/* Append @s with its NUL to @blk and return its offset. */
static uint32_t blk_add_str(GByteArray *blk, const char *s)
{
    uint32_t off = blk->len;

    g_byte_array_append(blk, (const guint8 *)s, strlen(s) + 1);
    return off;
}

static void multiboot_add_info(BootImage *img, const LoaderArgs *args,
                               uint64_t addr, GArray *mods)
{
    g_autoptr(GByteArray) blk = g_byte_array_new();
    g_autofree char *cmdline = g_strdup_printf("%s %s", args->kernel,
                                               args->append ? args->append
                                                            : "");
    E820Entry map[LOADER_E820_MAX];
    unsigned n = loader_e820_map(args, map);
    uint32_t mmap_off = ROUND_UP(MBI_SIZE, 8);
    uint32_t mods_off = mmap_off + n * MB_MMAP_ENTRY_SIZE;
    uint32_t cmd_off, name_off;
    uint8_t *mbi;

    g_byte_array_set_size(blk, mods_off + mods->len * MB_MOD_SIZE);
    memset(blk->data, 0, blk->len);
    cmd_off = blk_add_str(blk, cmdline);
    name_off = blk_add_str(blk, "janus");

    for (unsigned i = 0; i < n; i++) {
        uint8_t *e = blk->data + mmap_off + i * MB_MMAP_ENTRY_SIZE;

        st32(e, MB_MMAP_ENTRY_SIZE - 4);
        st64(e + 4, map[i].addr);
        st64(e + 12, map[i].size);
        st32(e + 20, map[i].type);
    }
    for (guint i = 0; i < mods->len; i++) {
        MBModule *mod = &g_array_index(mods, MBModule, i);
        uint32_t str = blk_add_str(blk, mod->cmdline);
        uint8_t *e = blk->data + mods_off + i * MB_MOD_SIZE;

        st32(e, mod->start);
        st32(e + 4, mod->end);
        st32(e + 8, addr + str);
    }

    mbi = blk->data;
    st32(mbi + MBI_FLAGS, MBI_MEMORY | MBI_CMDLINE | MBI_MODS | MBI_MMAP |
                          MBI_LOADER_NAME);
    /* Conventional memory up to the EBDA: 639 KiB, what QEMU's kernels
     * see too (its multiboot ROM asks the BIOS), and what the map says. */
    st32(mbi + MBI_MEM_LOWER, args->below_4g >= LOADER_LOW_RAM_END
         ? LOADER_EBDA_ADDR / KiB : args->below_4g / KiB);
    st32(mbi + MBI_MEM_UPPER, args->below_4g > LOADER_HIGH_RAM_START
         ? (args->below_4g - LOADER_HIGH_RAM_START) / KiB : 0);
    st32(mbi + MBI_CMDLINE_ADDR, addr + cmd_off);
    st32(mbi + MBI_MODS_COUNT, mods->len);
    st32(mbi + MBI_MODS_ADDR, addr + mods_off);
    st32(mbi + MBI_MMAP_LENGTH, n * MB_MMAP_ENTRY_SIZE);
    st32(mbi + MBI_MMAP_ADDR, addr + mmap_off);
    st32(mbi + MBI_LOADER_NAME_ADDR, addr + name_off);

    boot_image_add(img, "multiboot information", addr, blk->data, blk->len,
                   0);
}

static void mb_module_clear(gpointer p)
{
    g_free(((MBModule *)p)->cmdline);
}

BootImage *multiboot_load(const LoaderArgs *args, const uint8_t *data,
                          size_t size, size_t hdr_off, GError **errp)
{
    g_autoptr(BootImage) img = boot_image_new("multiboot");
    g_autoptr(GArray) mods = g_array_new(false, true, sizeof(MBModule));
    uint32_t flags = ld32(data + hdr_off + 4);
    uint64_t next;
    bool ok;

    g_array_set_clear_func(mods, mb_module_clear);
    if (flags & 0xffff & ~MB_FLAGS_KNOWN) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: multiboot header requires "
                    "features janus does not provide (flags 0x%08x)",
                    args->kernel, flags);
        return NULL;
    }
    if (flags & MB_FLAG_AOUT_KLUDGE) {
        ok = multiboot_load_kludge(img, args, data, size, hdr_off, errp);
    } else {
        ok = multiboot_load_elf(img, args, data, size, errp);
    }
    if (!ok) {
        return NULL;
    }

    next = MAX(boot_image_end(img), LOADER_HIGH_RAM_START);
    if (next > 4 * GiB) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: multiboot kernel ends above "
                    "4 GiB (0x%" PRIx64 ")", args->kernel, next);
        return NULL;
    }
    if (args->initrd && !multiboot_load_modules(img, args, &next, mods,
                                                errp)) {
        return NULL;
    }
    next = ROUND_UP(next, PAGE_SIZE);
    /* Everything the kernel is told about is a 32-bit address. */
    if (next >= 4 * GiB - PAGE_SIZE) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: multiboot modules do not fit "
                    "below 4 GiB", args->kernel);
        return NULL;
    }
    multiboot_add_info(img, args, next, mods);
    loader_add_bios_data(img, args);

    img->regs[R_EAX] = MULTIBOOT_BOOTLOADER_MAGIC;
    img->regs[R_EBX] = next;
    img->mode = BOOT_MODE_FLAT32;
    img->legacy_hw = true;
    return g_steal_pointer(&img);
}
