/*
 * loader.h: -kernel boot loaders (multiboot v1, Linux bzImage, plain ELF).
 *
 * A loader never touches the machine: it turns a kernel file into a
 * BootImage, a list of blobs to copy into guest RAM plus the register
 * state the boot protocol wants.  hw/pc.c applies the image at start-up and
 * again at every machine reset (a guest reboot re-enters the kernel, as
 * QEMU's -kernel does).  Keeping the loaders pure makes them testable
 * without a machine (tests/unit/test-loader.c).
 *
 * Every guest-physical range a loader produces is checked against the RAM
 * map before the image is accepted; a malformed file is a GError
 * "PATH: what is wrong", never an assertion.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_LOADER_LOADER_H
#define HW_LOADER_LOADER_H

#include "main/janus.h"

typedef struct X86CPU X86CPU;

/* ---- Fixed guest layout (docs/loaders.md has the full table) ----------- */

#define LOADER_BIOS_DATA_END    0x500       /* IVT 0-0x3ff, BDA 0x400-0x4ff */
#define LOADER_GDT_ADDR         0x5000
#define LOADER_ZERO_PAGE_ADDR   0x7000      /* Linux struct boot_params */
#define LOADER_PAGE_TABLE_ADDR  0x9000      /* PML4, PDPT, 4 PDs: 24 KiB */
#define LOADER_PAGE_TABLE_SIZE  0x6000
#define LOADER_CMDLINE_ADDR     0x20000     /* Linux command line */
#define LOADER_EBDA_ADDR        0x9fc00     /* 1 KiB extended BIOS data */
#define LOADER_LOW_RAM_END      0xa0000     /* VGA window starts here */
#define LOADER_HIGH_RAM_START   0x100000    /* ISA hole + BIOS end here */
#define LOADER_KERNEL_ADDR      0x100000

/* GDT selectors the loaders use (Linux's __BOOT_CS / __BOOT_DS). */
#define LOADER_BOOT_CS          0x10
#define LOADER_BOOT_DS          0x18

/* ---- Inputs ------------------------------------------------------------ */

typedef struct LoaderArgs {
    const char *kernel;         /* path: names the file in every error */
    const char *initrd;         /* -initrd, or NULL */
    const char *append;         /* -append, or NULL */
    uint64_t below_4g;          /* RAM at [0, below_4g) */
    uint64_t above_4g;          /* RAM at [4 GiB, 4 GiB + above_4g) */
} LoaderArgs;

/* ---- Output --------------------------------------------------------------- */

typedef struct BootBlob {
    const char *what;           /* "kernel segment 0", "zero page", ... */
    hwaddr addr;
    const uint8_t *data;        /* @len bytes, owned by the BootImage */
    uint64_t len;
    uint64_t zero;              /* then this many zero bytes (bss) */
} BootBlob;

typedef enum BootCPUMode {
    BOOT_MODE_FLAT32,           /* x86_cpu_set_flat32() */
    BOOT_MODE_LONG64,           /* 64-bit, identity paging of 4 GiB */
} BootCPUMode;

typedef struct BootImage {
    const char *protocol;       /* "multiboot", "linux", "elf" */
    GArray *blobs;              /* BootBlob, in load order */
    GPtrArray *buffers;         /* what the blobs point into */
    BootCPUMode mode;
    uint64_t entry;             /* RIP */
    uint64_t regs[16];          /* R_EAX.. R_R15 at entry */
    uint64_t cr3;               /* BOOT_MODE_LONG64 */
    bool own_gdt;               /* GDT at LOADER_GDT_ADDR, CS/DS 0x10/0x18 */
    bool legacy_hw;             /* PIC/PIT left as a PC BIOS leaves them */
} BootImage;

/**
 * loader_load_kernel: read @args->kernel, detect its format and load it.
 * Detection order is QEMU's: Linux ("HdrS" at 0x202), multiboot v1 (header
 * in the first 8 KiB), then a plain ELF32/ELF64.
 * Returns the image, or NULL with @errp set to "KERNEL: what is wrong".
 */
BootImage *loader_load_kernel(const LoaderArgs *args, GError **errp);

/**
 * loader_load_kernel_data: the same for a kernel already in memory.
 * @data/@size: the file contents (not kept; copied where needed).
 */
BootImage *loader_load_kernel_data(const LoaderArgs *args, const uint8_t *data,
                                   size_t size, GError **errp);

void boot_image_free(BootImage *img);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BootImage, boot_image_free)

/* Write @len bytes of @buf at guest-physical @addr; false on failure. */
typedef bool BootWriteFn(void *opaque, hwaddr addr, const void *buf,
                         uint64_t len);

/**
 * boot_image_write: copy every blob (and its zero fill) through @write.
 * Returns false, with @errp naming the blob, when a write fails.
 */
bool boot_image_write(const BootImage *img, BootWriteFn *write, void *opaque,
                      GError **errp);

/**
 * boot_image_set_cpu: put the boot CPU in the protocol's entry state
 * (flat 32-bit or long mode, registers, entry point).  @cpu should be in
 * power-on state already.
 */
void boot_image_set_cpu(const BootImage *img, X86CPU *cpu);

/* ---- The memory map every protocol reports --------------------------------- */

#define E820_RAM        1
#define E820_RESERVED   2
#define LOADER_E820_MAX 6

typedef struct E820Entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} E820Entry;

/**
 * loader_e820_map: the PC memory map for @args' RAM sizes (low RAM, EBDA,
 * BIOS area, high RAM, BIOS ROM, RAM above 4 GiB).  Returns the number of
 * entries written to @out (at most LOADER_E820_MAX).
 */
unsigned loader_e820_map(const LoaderArgs *args, E820Entry *out);

/* ---- For the loaders (hw/loader/ internals) -------------------------------- */

BootImage *boot_image_new(const char *protocol);
/** boot_image_add: add a blob pointing into @data (copied and owned). */
void boot_image_add(BootImage *img, const char *what, hwaddr addr,
                    const void *data, uint64_t len, uint64_t zero);
/** boot_image_add_owned: the same, taking ownership of g_malloc'd @data. */
void boot_image_add_owned(BootImage *img, const char *what, hwaddr addr,
                          void *data, uint64_t len, uint64_t zero);
/** boot_image_end: the highest end address of all blobs. */
uint64_t boot_image_end(const BootImage *img);

/** loader_add_bios_data: IVT (vectors -> the ROM's IRET), BDA and EBDA. */
void loader_add_bios_data(BootImage *img, const LoaderArgs *args);
/** loader_add_gdt: a GDT with flat code (32 or 64-bit) at 0x10, data 0x18. */
void loader_add_gdt(BootImage *img, bool code64);
/** loader_add_long_mode: GDT plus page tables identity-mapping 4 GiB. */
void loader_add_long_mode(BootImage *img);

/**
 * loader_check_layout: every blob must lie in RAM outside the ISA hole
 * (0xa0000-0x100000) and no two may overlap.  Returns false with @errp
 * set ("KERNEL: kernel segment 1 (0x..-0x..) overlaps ...").
 */
bool loader_check_layout(const BootImage *img, const LoaderArgs *args,
                         GError **errp);

/**
 * loader_read_file: the whole file @path into *@data (g_free it).
 * @what: names the file's role in errors ("kernel", "initrd", "module").
 */
bool loader_read_file(const char *path, const char *what, uint8_t **data,
                      size_t *size, GError **errp);

/* ---- ELF (elf.c) ----------------------------------------------------------- */

#define EM_386      3
#define EM_X86_64   62

typedef struct ElfSegment {
    uint64_t paddr;
    uint64_t vaddr;
    uint64_t offset;
    uint64_t filesz;
    uint64_t memsz;
} ElfSegment;

typedef struct ElfInfo {
    bool is64;
    uint16_t machine;
    uint64_t entry;
    GArray *segs;               /* ElfSegment, PT_LOAD with memsz > 0 */
} ElfInfo;

/** elf_is_elf: @data starts with the ELF magic. */
bool elf_is_elf(const uint8_t *data, size_t size);
/**
 * elf_parse: check the header and program headers of an ELF32 (EM_386)
 * or ELF64 (EM_X86_64) executable of @size bytes and list its loadable
 * segments.  Every offset and size is checked against @size and for
 * overflow.  Returns false with @errp set ("@path: ...").
 */
bool elf_parse(const char *path, const uint8_t *data, size_t size,
               ElfInfo *info, GError **errp);
void elf_info_clear(ElfInfo *info);
/** elf_add_segments: a blob per segment (at its paddr) into @img. */
void elf_add_segments(BootImage *img, const ElfInfo *info,
                      const uint8_t *data);
/** elf_load_plain: a non-multiboot ELF: ELF32 in flat32, ELF64 in long mode. */
BootImage *elf_load_plain(const LoaderArgs *args, const uint8_t *data,
                          size_t size, GError **errp);

/* ---- Multiboot v1 (multiboot.c) -------------------------------------------- */

#define MULTIBOOT_HEADER_MAGIC      0x1BADB002
#define MULTIBOOT_BOOTLOADER_MAGIC  0x2BADB002
#define MULTIBOOT_SEARCH            8192

/**
 * multiboot_probe: look for a header in the first 8 KiB.  Returns 1 and
 * its offset in *@off, 0 when there is none, or -1 with @errp set when a
 * header magic has a bad checksum or is cut off by the end of the file.
 */
int multiboot_probe(const char *path, const uint8_t *data, size_t size,
                    size_t *off, GError **errp);
BootImage *multiboot_load(const LoaderArgs *args, const uint8_t *data,
                          size_t size, size_t hdr_off, GError **errp);

/* ---- Linux (bzimage.c) --------------------------------------------------- */

/** bzimage_probe: "HdrS" at 0x202. */
bool bzimage_probe(const uint8_t *data, size_t size);
BootImage *bzimage_load(const LoaderArgs *args, const uint8_t *data,
                        size_t size, GError **errp);

#endif
