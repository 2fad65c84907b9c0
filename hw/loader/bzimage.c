/*
 * bzimage.c: Linux bzImage, boot protocol 2.06 and newer, entered at its
 * 32-bit or 64-bit entry point (the real-mode setup code never runs, so
 * the loader fills the zero page the setup code would have filled).
 *
 * Guest layout: zero page at 0x7000, command line at 0x20000, the
 * protected-mode kernel at 1 MiB with init_size bytes reserved for its
 * in-place decompression, the initrd as high as initrd_addr_max and RAM
 * below 4 GiB allow.  Offsets are those of Documentation/arch/x86/boot.rst
 * and zero-page.rst (public interface, written out here).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/loader/loader.h"
#include "hw/cpu.h"

/* struct boot_params */
#define BP_ALT_MEM_K            0x1e0
#define BP_E820_ENTRIES         0x1e8
#define BP_HDR                  0x1f1   /* struct setup_header starts */
#define BP_E820_TABLE           0x2d0
#define BP_E820_MAX             128
#define BP_SIZE                 4096

/* struct setup_header, as offsets in boot_params / the file */
#define HDR_SETUP_SECTS         0x1f1
#define HDR_SYSSIZE             0x1f4
#define HDR_BOOT_FLAG           0x1fe
#define HDR_JUMP                0x200   /* jmp short: byte 0x201 = length */
#define HDR_HEADER              0x202
#define HDR_VERSION             0x206
#define HDR_TYPE_OF_LOADER      0x210
#define HDR_LOADFLAGS           0x211
#define HDR_CODE32_START        0x214
#define HDR_RAMDISK_IMAGE       0x218
#define HDR_RAMDISK_SIZE        0x21c
#define HDR_HEAP_END_PTR        0x224
#define HDR_CMD_LINE_PTR        0x228
#define HDR_INITRD_ADDR_MAX     0x22c
#define HDR_XLOADFLAGS          0x236
#define HDR_CMDLINE_SIZE        0x238
#define HDR_PAYLOAD_OFFSET      0x248
#define HDR_PAYLOAD_LENGTH      0x24c
#define HDR_INIT_SIZE           0x260

#define LOADED_HIGH             0x01
#define CAN_USE_HEAP            0x80
#define XLF_KERNEL_64           0x01
#define LOADER_TYPE_UNDEFINED   0xff

#define PAGE_SIZE               4096

static uint16_t ld16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return GUINT16_FROM_LE(v); }
static uint32_t ld32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return GUINT32_FROM_LE(v); }
static void st16(uint8_t *p, uint16_t v) { v = GUINT16_TO_LE(v); memcpy(p, &v, 2); }
static void st32(uint8_t *p, uint32_t v) { v = GUINT32_TO_LE(v); memcpy(p, &v, 4); }
static void st64(uint8_t *p, uint64_t v) { v = GUINT64_TO_LE(v); memcpy(p, &v, 8); }

bool bzimage_probe(const uint8_t *data, size_t size)
{
    return size >= HDR_HEADER + 4 && !memcmp(data + HDR_HEADER, "HdrS", 4);
}

#define bz_fail(...) \
    do { \
        g_set_error(errp, JANUS_ERROR, 0, __VA_ARGS__); \
        return NULL; \
    } while (0)

static bool bzimage_load_initrd(BootImage *img, const LoaderArgs *args,
                                uint8_t *zp, uint64_t kernel_end,
                                GError **errp)
{
    uint64_t addr_max = ld32(zp + HDR_INITRD_ADDR_MAX);
    uint64_t limit = MIN(addr_max + 1, args->below_4g);
    uint8_t *data;
    size_t size;
    uint64_t addr;

    if (!loader_read_file(args->initrd, "initrd", &data, &size, errp)) {
        return false;
    }
    /* As high as allowed, page aligned: the kernel unpacks it in place
     * and the space between it and the kernel is the kernel's to use. */
    addr = size <= limit ? (limit - size) & ~(uint64_t)(PAGE_SIZE - 1) : 0;
    if (size > limit || addr < kernel_end) {
        g_set_error(errp, JANUS_ERROR, 0, "%s: initrd of %zu bytes does not "
                    "fit in RAM between the kernel's end 0x%" PRIx64 " and "
                    "0x%" PRIx64, args->initrd, size, kernel_end, limit);
        g_free(data);
        return false;
    }
    boot_image_add_owned(img, "initrd", addr, data, size, 0);
    st32(zp + HDR_RAMDISK_IMAGE, addr);
    st32(zp + HDR_RAMDISK_SIZE, size);
    return true;
}

BootImage *bzimage_load(const LoaderArgs *args, const uint8_t *data,
                        size_t size, GError **errp)
{
    g_autoptr(BootImage) img = boot_image_new("linux");
    const char *path = args->kernel;
    const char *cmdline = args->append ? args->append : "";
    uint8_t *zp;
    unsigned version, setup_sects, hdr_end;
    uint64_t setup_size, kernel_size, syssize, init_size, need;
    uint64_t cmdline_max;
    E820Entry map[LOADER_E820_MAX];
    unsigned n;

    if (size < HDR_VERSION + 2) {
        bz_fail("%s: Linux kernel truncated in its setup header", path);
    }
    version = ld16(data + HDR_VERSION);
    if (version < 0x206) {
        bz_fail("%s: Linux boot protocol %u.%02u is too old (janus needs "
                "2.06 or newer)", path, version >> 8, version & 0xff);
    }
    /* The setup header ends where its leading jump lands. */
    hdr_end = HDR_HEADER + data[HDR_JUMP + 1];
    if (hdr_end < HDR_CMDLINE_SIZE + 4 || hdr_end > size) {
        bz_fail("%s: Linux setup header length 0x%x is inconsistent with "
                "protocol %u.%02u (or the file is truncated)", path,
                hdr_end, version >> 8, version & 0xff);
    }
    if (ld16(data + HDR_BOOT_FLAG) != 0xaa55) {
        bz_fail("%s: Linux setup header has a bad boot_flag 0x%04x",
                path, ld16(data + HDR_BOOT_FLAG));
    }
    if (!(data[HDR_LOADFLAGS] & LOADED_HIGH)) {
        bz_fail("%s: zImage kernels (not loaded high) are not supported",
                path);
    }
    setup_sects = data[HDR_SETUP_SECTS] ? data[HDR_SETUP_SECTS] : 4;
    setup_size = (setup_sects + 1) * 512ULL;
    if (hdr_end > setup_size || hdr_end > BP_SIZE) {
        bz_fail("%s: Linux setup header (0x%x bytes) is larger than the "
                "setup code (%u sectors)", path, hdr_end, setup_sects);
    }
    if (size <= setup_size) {
        bz_fail("%s: Linux kernel truncated: %zu bytes, the setup code "
                "alone is %" PRIu64, path, size, setup_size);
    }
    kernel_size = size - setup_size;
    syssize = ld32(data + HDR_SYSSIZE) * 16ULL;
    if (syssize > kernel_size) {
        bz_fail("%s: Linux kernel truncated: the header says the kernel is "
                "%" PRIu64 " bytes, the file holds %" PRIu64, path, syssize,
                kernel_size);
    }
    if (version >= 0x208 && hdr_end >= HDR_PAYLOAD_LENGTH + 4) {
        uint64_t pend = (uint64_t)ld32(data + HDR_PAYLOAD_OFFSET) +
                        ld32(data + HDR_PAYLOAD_LENGTH);

        if (pend > kernel_size) {
            bz_fail("%s: Linux kernel truncated: its compressed payload "
                    "ends at 0x%" PRIx64 ", the kernel is 0x%" PRIx64
                    " bytes", path, pend, kernel_size);
        }
    }
    init_size = 0;
    if (version >= 0x20a && hdr_end >= HDR_INIT_SIZE + 4) {
        init_size = ld32(data + HDR_INIT_SIZE);
    }
    need = MAX(kernel_size, init_size);
    if (LOADER_KERNEL_ADDR + need > args->below_4g) {
        bz_fail("%s: Linux kernel needs 0x%" PRIx64 " bytes at 0x%x, but "
                "RAM below 4 GiB ends at 0x%" PRIx64, path, need,
                LOADER_KERNEL_ADDR, args->below_4g);
    }

    /* The zero page starts as the file's setup header, then gets what the
     * real-mode setup code (which never runs) and a boot loader fill in. */
    zp = g_malloc0(BP_SIZE);
    memcpy(zp + BP_HDR, data + BP_HDR, hdr_end - BP_HDR);
    zp[HDR_TYPE_OF_LOADER] = LOADER_TYPE_UNDEFINED;
    zp[HDR_LOADFLAGS] |= CAN_USE_HEAP;
    st16(zp + HDR_HEAP_END_PTR, 0xfe00);
    st32(zp + HDR_CODE32_START, LOADER_KERNEL_ADDR);
    st32(zp + HDR_CMD_LINE_PTR, LOADER_CMDLINE_ADDR);
    st32(zp + BP_ALT_MEM_K, args->below_4g > LOADER_HIGH_RAM_START
         ? (args->below_4g - LOADER_HIGH_RAM_START) / KiB : 0);
    n = loader_e820_map(args, map);
    zp[BP_E820_ENTRIES] = n;
    for (unsigned i = 0; i < n; i++) {
        uint8_t *e = zp + BP_E820_TABLE + i * 20;

        st64(e, map[i].addr);
        st64(e + 8, map[i].size);
        st32(e + 16, map[i].type);
    }
    boot_image_add_owned(img, "Linux zero page", LOADER_ZERO_PAGE_ADDR, zp,
                         BP_SIZE, 0);

    cmdline_max = ld32(data + HDR_CMDLINE_SIZE);
    if (strlen(cmdline) > cmdline_max) {
        bz_fail("%s: kernel command line is %zu bytes, the kernel accepts "
                "at most %" PRIu64, path, strlen(cmdline), cmdline_max);
    }
    boot_image_add(img, "kernel command line", LOADER_CMDLINE_ADDR, cmdline,
                   strlen(cmdline) + 1, 0);

    /* Zero the rest of init_size too: it is the kernel's decompression
     * buffer, and reserving it here keeps other blobs out of it. */
    boot_image_add(img, "Linux kernel", LOADER_KERNEL_ADDR,
                   data + setup_size, kernel_size, need - kernel_size);

    if (args->initrd &&
        !bzimage_load_initrd(img, args, zp, LOADER_KERNEL_ADDR + need,
                             errp)) {
        return NULL;
    }
    loader_add_bios_data(img, args);

    if (version >= 0x20c && (ld16(data + HDR_XLOADFLAGS) & XLF_KERNEL_64)) {
        loader_add_long_mode(img);
        img->entry = LOADER_KERNEL_ADDR + 0x200;
    } else {
        loader_add_gdt(img, false);
        img->mode = BOOT_MODE_FLAT32;
        img->entry = LOADER_KERNEL_ADDR;
    }
    img->regs[R_ESI] = LOADER_ZERO_PAGE_ADDR;
    img->legacy_hw = true;
    return g_steal_pointer(&img);
}
