/*
 * fw_cfg.h: QEMU's firmware configuration device (x86 I/O flavour), the
 * channel firmware and loaders read the machine's configuration through.
 *
 * Guest interface (QEMU docs/specs/fw_cfg.rst):
 *   0x510  16-bit write   select an item (resets the read offset)
 *   0x511  8-bit read     next byte of the selected item (0 past its end)
 *   0x514  32-bit write   DMA descriptor address, high half (big-endian)
 *   0x518  32-bit write   low half; starts the DMA.  Reads return "QEMU CFG"
 * The DMA descriptor is { be32 control, be32 length, be64 address }.
 *
 * Host interface: the machine creates the built-in device "fw_cfg" (which
 * stores its FWCfgState in m->fw_cfg and fills signature, ID, UUID, RAM
 * size and CPU counts) and adds items with the functions below before the
 * guest runs.  Items are copied; numbers are stored little-endian as the
 * fw_cfg ABI says.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_NVRAM_FW_CFG_H
#define HW_NVRAM_FW_CFG_H

#include "main/janus.h"
#include "hw/machine.h"

typedef struct FWCfgState FWCfgState;

#define FW_CFG_IO_BASE          0x510
#define FW_CFG_DMA_IO_BASE      0x514

/* Selector keys. */
#define FW_CFG_SIGNATURE        0x00    /* "QEMU" */
#define FW_CFG_ID               0x01    /* le32 feature bits */
#define FW_CFG_UUID             0x02
#define FW_CFG_RAM_SIZE         0x03    /* le64 */
#define FW_CFG_NOGRAPHIC        0x04
#define FW_CFG_NB_CPUS          0x05    /* le16 */
#define FW_CFG_MACHINE_ID       0x06
#define FW_CFG_KERNEL_ADDR      0x07
#define FW_CFG_KERNEL_SIZE      0x08
#define FW_CFG_KERNEL_CMDLINE   0x09
#define FW_CFG_INITRD_ADDR      0x0a
#define FW_CFG_INITRD_SIZE      0x0b
#define FW_CFG_BOOT_DEVICE      0x0c
#define FW_CFG_NUMA             0x0d
#define FW_CFG_BOOT_MENU        0x0e
#define FW_CFG_MAX_CPUS         0x0f    /* le16 */
#define FW_CFG_KERNEL_ENTRY     0x10
#define FW_CFG_KERNEL_DATA      0x11
#define FW_CFG_INITRD_DATA      0x12
#define FW_CFG_CMDLINE_ADDR     0x13
#define FW_CFG_CMDLINE_SIZE     0x14
#define FW_CFG_CMDLINE_DATA     0x15
#define FW_CFG_SETUP_ADDR       0x16
#define FW_CFG_SETUP_SIZE       0x17
#define FW_CFG_SETUP_DATA       0x18
#define FW_CFG_FILE_DIR         0x19
#define FW_CFG_FILE_FIRST       0x20
#define FW_CFG_FILE_SLOTS       0x20
#define FW_CFG_MAX_ENTRY        (FW_CFG_FILE_FIRST + FW_CFG_FILE_SLOTS)

/* Architecture-local keys (x86). */
#define FW_CFG_ARCH_LOCAL       0x8000
#define FW_CFG_ACPI_TABLES      (FW_CFG_ARCH_LOCAL + 0)
#define FW_CFG_SMBIOS_ENTRIES   (FW_CFG_ARCH_LOCAL + 1)
#define FW_CFG_IRQ0_OVERRIDE    (FW_CFG_ARCH_LOCAL + 2)
#define FW_CFG_E820_TABLE       (FW_CFG_ARCH_LOCAL + 3)
#define FW_CFG_HPET             (FW_CFG_ARCH_LOCAL + 4)

#define FW_CFG_WRITE_CHANNEL    0x4000
#define FW_CFG_ENTRY_MASK       0x3fff
#define FW_CFG_INVALID          0xffff

/* FW_CFG_ID bits. */
#define FW_CFG_VERSION          0x01    /* traditional port interface */
#define FW_CFG_VERSION_DMA      0x02

/* DMA control bits. */
#define FW_CFG_DMA_CTL_ERROR    0x01
#define FW_CFG_DMA_CTL_READ     0x02
#define FW_CFG_DMA_CTL_SKIP     0x04
#define FW_CFG_DMA_CTL_SELECT   0x08
#define FW_CFG_DMA_CTL_WRITE    0x10

#define FW_CFG_DMA_SIGNATURE    "QEMU CFG"
#define FW_CFG_MAX_FILE_PATH    56

/** fw_cfg_from_machine: the device "fw_cfg" created for @m, or NULL. */
static inline FWCfgState *fw_cfg_from_machine(Machine *m)
{
    return m->fw_cfg;
}

/**
 * fw_cfg_add_bytes: set item @key to a copy of @data (@len bytes),
 * replacing any previous value.
 * Returns 0, or -EINVAL for a key outside the table (or the file area),
 * -EFBIG for @len >= 4 GiB.
 */
int fw_cfg_add_bytes(FWCfgState *s, uint16_t key, const void *data,
                     size_t len);
/** fw_cfg_add_string: @str with its NUL, as QEMU stores strings. */
int fw_cfg_add_string(FWCfgState *s, uint16_t key, const char *str);
/** fw_cfg_add_i16/i32/i64: a little-endian number. */
int fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t value);
int fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t value);
int fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t value);

/**
 * fw_cfg_add_file: add a named item ("etc/e820", "opt/...") listed in
 * FW_CFG_FILE_DIR.  Files are kept sorted by name, as QEMU does, so their
 * select keys (0x20 up) are final only once all files are added: guests
 * look them up by name.
 * Returns 0, or -EEXIST (name taken), -ENAMETOOLONG (55 characters max),
 * -EINVAL (empty name), -ENOSPC (FW_CFG_FILE_SLOTS used), -EFBIG.
 */
int fw_cfg_add_file(FWCfgState *s, const char *name, const void *data,
                    size_t len);

/** fw_cfg_find_file: the select key of file @name, or -ENOENT. */
int fw_cfg_find_file(FWCfgState *s, const char *name);

#endif
