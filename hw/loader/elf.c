/*
 * elf.c: ELF32/ELF64 executables: header and program header parsing for
 * multiboot kernels, and plain ELF kernels without any boot header.
 *
 * The file is untrusted: every field is read with explicit little-endian
 * loads from a bounds-checked offset, and every offset + size is checked
 * for overflow before it is compared with the file size.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/loader/loader.h"

#define ET_EXEC     2
#define PT_LOAD     1
#define PN_XNUM     0xffff

static uint16_t ld16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return GUINT16_FROM_LE(v); }
static uint32_t ld32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return GUINT32_FROM_LE(v); }
static uint64_t ld64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return GUINT64_FROM_LE(v); }

bool elf_is_elf(const uint8_t *data, size_t size)
{
    return size >= 4 && !memcmp(data, "\x7f" "ELF", 4);
}

void elf_info_clear(ElfInfo *info)
{
    if (info->segs) {
        g_array_unref(info->segs);
        info->segs = NULL;
    }
}

#define elf_fail(...) \
    do { \
        g_set_error(errp, JANUS_ERROR, 0, __VA_ARGS__); \
        elf_info_clear(info); \
        return false; \
    } while (0)

bool elf_parse(const char *path, const uint8_t *data, size_t size,
               ElfInfo *info, GError **errp)
{
    uint64_t phoff;
    unsigned ehsize, phentsize, phnum;

    memset(info, 0, sizeof(*info));
    if (!elf_is_elf(data, size) || size < 16) {
        elf_fail("%s: ELF file truncated in its identification bytes", path);
    }
    if (data[4] != 1 && data[4] != 2) {
        elf_fail("%s: unknown ELF class %u", path, data[4]);
    }
    info->is64 = data[4] == 2;
    ehsize = info->is64 ? 64 : 52;
    if (size < ehsize) {
        elf_fail("%s: ELF file truncated: %zu bytes, the ELF%d header "
                 "alone is %u", path, size, info->is64 ? 64 : 32, ehsize);
    }
    if (data[5] != 1) {
        elf_fail("%s: not a little-endian ELF file", path);
    }
    if (data[6] != 1 || ld32(data + 20) != 1) {
        elf_fail("%s: unknown ELF version", path);
    }
    if (ld16(data + 16) != ET_EXEC) {
        elf_fail("%s: ELF file is not an executable (e_type %u)", path,
                 ld16(data + 16));
    }
    info->machine = ld16(data + 18);
    if (info->machine != (info->is64 ? EM_X86_64 : EM_386)) {
        elf_fail("%s: ELF%d file is for machine %u, not %s", path,
                 info->is64 ? 64 : 32, info->machine,
                 info->is64 ? "x86-64" : "i386");
    }
    if (info->is64) {
        info->entry = ld64(data + 24);
        phoff = ld64(data + 32);
        phentsize = ld16(data + 54);
        phnum = ld16(data + 56);
    } else {
        info->entry = ld32(data + 24);
        phoff = ld32(data + 28);
        phentsize = ld16(data + 42);
        phnum = ld16(data + 44);
    }
    if (phentsize != (info->is64 ? 56u : 32u)) {
        elf_fail("%s: ELF program header size %u is wrong", path, phentsize);
    }
    if (phnum == 0 || phnum == PN_XNUM) {
        elf_fail("%s: ELF file has %s program headers", path,
                 phnum ? "too many" : "no");
    }
    /* phnum * phentsize < 2^22: no overflow on the multiplication */
    if (phoff > size || (uint64_t)phnum * phentsize > size - phoff) {
        elf_fail("%s: ELF program header table (%u at offset 0x%" PRIx64
                 ") is past the end of the file (%zu bytes)",
                 path, phnum, phoff, size);
    }

    info->segs = g_array_new(false, true, sizeof(ElfSegment));
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = data + phoff + (uint64_t)i * phentsize;
        ElfSegment s;

        if (ld32(ph) != PT_LOAD) {
            continue;
        }
        if (info->is64) {
            s = (ElfSegment) {
                .offset = ld64(ph + 8), .vaddr = ld64(ph + 16),
                .paddr = ld64(ph + 24), .filesz = ld64(ph + 32),
                .memsz = ld64(ph + 40),
            };
        } else {
            s = (ElfSegment) {
                .offset = ld32(ph + 4), .vaddr = ld32(ph + 8),
                .paddr = ld32(ph + 12), .filesz = ld32(ph + 16),
                .memsz = ld32(ph + 20),
            };
        }
        if (s.filesz > s.memsz) {
            elf_fail("%s: ELF segment %u: file size 0x%" PRIx64 " is larger "
                     "than its memory size 0x%" PRIx64, path, i, s.filesz,
                     s.memsz);
        }
        if (s.offset > size || s.filesz > size - s.offset) {
            elf_fail("%s: ELF segment %u (offset 0x%" PRIx64 ", 0x%" PRIx64
                     " bytes) is past the end of the file (%zu bytes)",
                     path, i, s.offset, s.filesz, size);
        }
        if (s.paddr + s.memsz < s.paddr ||
            (!info->is64 && s.paddr + s.memsz > 4 * GiB)) {
            elf_fail("%s: ELF segment %u at 0x%" PRIx64 " (0x%" PRIx64
                     " bytes) wraps around the address space", path, i,
                     s.paddr, s.memsz);
        }
        if (s.memsz) {
            g_array_append_val(info->segs, s);
        }
    }
    if (info->segs->len == 0) {
        elf_fail("%s: ELF file has no loadable segment", path);
    }

    /*
     * Paging is off (or identity) at entry, so a kernel linked at a
     * virtual address other than where it loads (a higher-half kernel)
     * is entered at the physical image of its entry point.
     */
    for (guint i = 0; i < info->segs->len; i++) {
        ElfSegment *s = &g_array_index(info->segs, ElfSegment, i);

        if (info->entry >= s->vaddr && info->entry - s->vaddr < s->memsz) {
            info->entry = info->entry - s->vaddr + s->paddr;
            break;
        }
    }
    return true;
}

void elf_add_segments(BootImage *img, const ElfInfo *info,
                      const uint8_t *data)
{
    for (guint i = 0; i < info->segs->len; i++) {
        const ElfSegment *s = &g_array_index(info->segs, ElfSegment, i);
        g_autofree char *what = g_strdup_printf("ELF segment %u", i);

        boot_image_add(img, what, s->paddr, data + s->offset, s->filesz,
                       s->memsz - s->filesz);
    }
}

BootImage *elf_load_plain(const LoaderArgs *args, const uint8_t *data,
                          size_t size, GError **errp)
{
    g_autoptr(BootImage) img = boot_image_new("elf");
    ElfInfo info;

    if (args->initrd || args->append) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: a plain ELF kernel takes no "
                    "%s (only Linux and multiboot kernels do)", args->kernel,
                    args->initrd ? "-initrd" : "-append");
        return NULL;
    }
    if (!elf_parse(args->kernel, data, size, &info, errp)) {
        return NULL;
    }
    loader_add_bios_data(img, args);
    elf_add_segments(img, &info, data);
    if (info.is64 && info.entry >= 4 * GiB) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: ELF entry point 0x%" PRIx64
                    " is not in the identity-mapped first 4 GiB",
                    args->kernel, info.entry);
        elf_info_clear(&info);
        return NULL;
    }
    if (info.is64) {
        /* An x86-64 executable expects 64-bit code at its entry: give it
         * long mode with the low 4 GiB identity mapped. */
        loader_add_long_mode(img);
    }
    img->entry = info.entry;
    img->legacy_hw = true;
    elf_info_clear(&info);
    return g_steal_pointer(&img);
}
