/*
 * fw_cfg.c: the firmware configuration device, I/O port flavour with DMA.
 *
 * Items live in two tables (generic keys and x86 arch-local keys, bit 15)
 * indexed by key & FW_CFG_ENTRY_MASK, so a guest selector is bounds-checked
 * once at select time.  DMA goes through address_space_rw() like any bus
 * master; every guest address and length is checked before it is used and
 * failures only set the descriptor's error bit.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdio.h>
#include "hw/nvram/fw_cfg.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(fw_cfg_select);
TRACE_EVENT_DEFINE(fw_cfg_read);
TRACE_EVENT_DEFINE(fw_cfg_dma);
TRACE_EVENT_DEFINE(fw_cfg_dma_error);
TRACE_EVENT_DEFINE(fw_cfg_add_file);
TRACE_EVENT_DEFINE(fw_cfg_bad_access);

#define FW_CFG_DMA_DESC_SIZE    16
#define FW_CFG_DMA_CHUNK        4096    /* zero-fill granule */

typedef struct FWCfgEntry {
    uint8_t *data;
    uint32_t len;
} FWCfgEntry;

typedef struct FWCfgFile {
    char name[FW_CFG_MAX_FILE_PATH];
} FWCfgFile;

struct FWCfgState {
    Machine *machine;
    FWCfgEntry entries[2][FW_CFG_MAX_ENTRY];
    FWCfgFile files[FW_CFG_FILE_SLOTS];
    unsigned nr_files;
    uint16_t cur_key;           /* FW_CFG_INVALID when nothing selected */
    uint32_t cur_offset;
    uint64_t dma_addr;          /* high half latched until the low write */
    bool dma_busy;              /* refuses a DMA that re-enters us */
    MemoryRegion ctl_io;        /* "fwcfg": selector + data */
    MemoryRegion dma_io;        /* "fwcfg.dma" */
};

static FWCfgEntry *fw_cfg_entry(FWCfgState *s, uint16_t key)
{
    if (key == FW_CFG_INVALID ||
        (key & FW_CFG_ENTRY_MASK) >= FW_CFG_MAX_ENTRY) {
        return NULL;
    }
    return &s->entries[!!(key & FW_CFG_ARCH_LOCAL)][key & FW_CFG_ENTRY_MASK];
}

/* ---- Items ---------------------------------------------------------------- */

static uint8_t *fw_cfg_dup(const void *data, size_t len)
{
    uint8_t *copy;

    if (!len) {
        return NULL;
    }
    copy = g_malloc(len);
    memcpy(copy, data, len);
    return copy;
}

static int fw_cfg_set(FWCfgState *s, uint16_t key, const void *data,
                      size_t len)
{
    FWCfgEntry *e;

    if (key & FW_CFG_WRITE_CHANNEL) {
        return -EINVAL;
    }
    e = fw_cfg_entry(s, key);
    if (!e) {
        return -EINVAL;
    }
    if (len > UINT32_MAX) {
        return -EFBIG;
    }
    g_free(e->data);
    e->data = fw_cfg_dup(data, len);
    e->len = len;
    return 0;
}

int fw_cfg_add_bytes(FWCfgState *s, uint16_t key, const void *data,
                     size_t len)
{
    /* The file area belongs to fw_cfg_add_file, which keeps the dir. */
    if (!(key & FW_CFG_ARCH_LOCAL) &&
        ((key & FW_CFG_ENTRY_MASK) == FW_CFG_FILE_DIR ||
         (key & FW_CFG_ENTRY_MASK) >= FW_CFG_FILE_FIRST)) {
        return -EINVAL;
    }
    return fw_cfg_set(s, key, data, len);
}

int fw_cfg_add_string(FWCfgState *s, uint16_t key, const char *str)
{
    return fw_cfg_add_bytes(s, key, str, strlen(str) + 1);
}

int fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t value)
{
    uint16_t le = GUINT16_TO_LE(value);

    return fw_cfg_add_bytes(s, key, &le, sizeof(le));
}

int fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t value)
{
    uint32_t le = GUINT32_TO_LE(value);

    return fw_cfg_add_bytes(s, key, &le, sizeof(le));
}

int fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t value)
{
    uint64_t le = GUINT64_TO_LE(value);

    return fw_cfg_add_bytes(s, key, &le, sizeof(le));
}

/* FW_CFG_FILE_DIR: be32 count, then { be32 size, be16 select, be16 0,
 * char name[56] } per file. */
static void fw_cfg_rebuild_dir(FWCfgState *s)
{
    size_t len = 4 + s->nr_files * (8 + FW_CFG_MAX_FILE_PATH);
    uint8_t *dir = g_malloc0(len), *p = dir + 4;
    FWCfgEntry *e = &s->entries[0][FW_CFG_FILE_DIR];
    uint32_t count = GUINT32_TO_BE(s->nr_files);

    memcpy(dir, &count, 4);
    for (unsigned i = 0; i < s->nr_files; i++) {
        uint32_t size = GUINT32_TO_BE(s->entries[0][FW_CFG_FILE_FIRST + i].len);
        uint16_t select = GUINT16_TO_BE(FW_CFG_FILE_FIRST + i);

        memcpy(p, &size, 4);
        memcpy(p + 4, &select, 2);
        memcpy(p + 8, s->files[i].name, FW_CFG_MAX_FILE_PATH);
        p += 8 + FW_CFG_MAX_FILE_PATH;
    }
    g_free(e->data);
    e->data = dir;
    e->len = len;
}

int fw_cfg_find_file(FWCfgState *s, const char *name)
{
    for (unsigned i = 0; i < s->nr_files; i++) {
        if (!strcmp(s->files[i].name, name)) {
            return FW_CFG_FILE_FIRST + i;
        }
    }
    return -ENOENT;
}

int fw_cfg_add_file(FWCfgState *s, const char *name, const void *data,
                    size_t len)
{
    unsigned idx;

    if (!name || !*name) {
        return -EINVAL;
    }
    if (strlen(name) >= FW_CFG_MAX_FILE_PATH) {
        return -ENAMETOOLONG;
    }
    if (fw_cfg_find_file(s, name) >= 0) {
        return -EEXIST;
    }
    if (s->nr_files >= FW_CFG_FILE_SLOTS) {
        return -ENOSPC;
    }
    if (len > UINT32_MAX) {
        return -EFBIG;
    }

    /* Sorted insertion: shift later files (names and items) up one. */
    idx = s->nr_files;
    while (idx > 0 && strcmp(name, s->files[idx - 1].name) < 0) {
        s->files[idx] = s->files[idx - 1];
        s->entries[0][FW_CFG_FILE_FIRST + idx] =
            s->entries[0][FW_CFG_FILE_FIRST + idx - 1];
        idx--;
    }
    memset(&s->files[idx], 0, sizeof(s->files[idx]));
    g_strlcpy(s->files[idx].name, name, FW_CFG_MAX_FILE_PATH);
    s->entries[0][FW_CFG_FILE_FIRST + idx].data = fw_cfg_dup(data, len);
    s->entries[0][FW_CFG_FILE_FIRST + idx].len = len;
    s->nr_files++;
    fw_cfg_rebuild_dir(s);
    trace(fw_cfg_add_file, "%s size %zu", name, len);
    return 0;
}

/* ---- Port interface --------------------------------------------------------- */

static void fw_cfg_select(FWCfgState *s, uint16_t key)
{
    s->cur_offset = 0;
    s->cur_key = fw_cfg_entry(s, key) ? key : FW_CFG_INVALID;
    trace(fw_cfg_select, "key 0x%04x%s", key,
          s->cur_key == FW_CFG_INVALID ? " (invalid)" : "");
}

static uint8_t fw_cfg_read_byte(FWCfgState *s)
{
    FWCfgEntry *e = fw_cfg_entry(s, s->cur_key);

    if (!e || s->cur_offset >= e->len) {
        return 0;
    }
    return e->data[s->cur_offset++];
}

static bool fw_cfg_ctl_accepts(void *opaque, hwaddr addr, unsigned size,
                               bool is_write)
{
    (void)opaque;
    /* Bytes anywhere (data), words only as selector writes. */
    return size == 1 || (is_write && size == 2 && addr == 0);
}

static uint64_t fw_cfg_ctl_read(void *opaque, hwaddr addr, unsigned size)
{
    FWCfgState *s = opaque;
    uint8_t v;

    (void)addr;
    (void)size;
    /* Like QEMU, a byte read at 0x510 reads the data port too. */
    v = fw_cfg_read_byte(s);
    trace(fw_cfg_read, "key 0x%04x offset %u -> 0x%02x", s->cur_key,
          s->cur_offset, v);
    return v;
}

static void fw_cfg_ctl_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    FWCfgState *s = opaque;

    if (size == 2 && addr == 0) {
        fw_cfg_select(s, val);
    } else {
        /* The data port has been read-only since QEMU 2.4. */
        trace(fw_cfg_bad_access, "write 0x%" HWADDR_PRIx " size %u "
              "val 0x%" PRIx64 " ignored", FW_CFG_IO_BASE + addr, size, val);
    }
}

static const MemoryRegionOps fw_cfg_ctl_ops = {
    .read = fw_cfg_ctl_read,
    .write = fw_cfg_ctl_write,
    .valid = { .min_access_size = 1, .max_access_size = 2,
               .accepts = fw_cfg_ctl_accepts },
    .impl = { .min_access_size = 1, .max_access_size = 2 },
};

/* ---- DMA -------------------------------------------------------------------- */

static MemTxResult fw_cfg_dma_rw(hwaddr addr, void *buf, hwaddr len,
                                 bool is_write)
{
    MemTxAttrs attrs = { .from_device = 1 };

    if (addr + len < addr) {
        return MEMTX_DECODE_ERROR;      /* wraps past 2^64 */
    }
    return address_space_rw(&address_space_memory, addr, attrs, buf, len,
                            is_write);
}

/* Zero @len bytes of guest memory at @addr, a page-sized piece at a time
 * (a read past an item's end yields zeroes, however long). */
static MemTxResult fw_cfg_dma_zero(hwaddr addr, uint64_t len)
{
    static const uint8_t zeroes[FW_CFG_DMA_CHUNK];

    while (len) {
        hwaddr n = MIN(len, sizeof(zeroes));
        MemTxResult r = fw_cfg_dma_rw(addr, (void *)zeroes, n, true);

        if (r != MEMTX_OK) {
            return r;
        }
        addr += n;
        len -= n;
    }
    return MEMTX_OK;
}

static void fw_cfg_dma_transfer(FWCfgState *s)
{
    hwaddr desc_addr = s->dma_addr;
    uint8_t desc[FW_CFG_DMA_DESC_SIZE];
    uint32_t control, length, be_control;
    uint64_t address;
    bool read = false, write = false;

    s->dma_addr = 0;
    if (fw_cfg_dma_rw(desc_addr, desc, sizeof(desc), false) != MEMTX_OK) {
        trace(fw_cfg_dma_error, "descriptor at 0x%" HWADDR_PRIx
              " unreadable", desc_addr);
        be_control = GUINT32_TO_BE(FW_CFG_DMA_CTL_ERROR);
        fw_cfg_dma_rw(desc_addr, &be_control, 4, true);
        return;
    }
    memcpy(&control, desc, 4);
    memcpy(&length, desc + 4, 4);
    memcpy(&address, desc + 8, 8);
    control = GUINT32_FROM_BE(control);
    length = GUINT32_FROM_BE(length);
    address = GUINT64_FROM_BE(address);
    trace(fw_cfg_dma, "desc 0x%" HWADDR_PRIx " control 0x%x length %u "
          "address 0x%" PRIx64, desc_addr, control, length, address);

    if (control & FW_CFG_DMA_CTL_SELECT) {
        fw_cfg_select(s, control >> 16);
    }
    if (control & FW_CFG_DMA_CTL_READ) {
        read = true;
    } else if (control & FW_CFG_DMA_CTL_WRITE) {
        write = true;
    } else if (!(control & FW_CFG_DMA_CTL_SKIP)) {
        length = 0;
    }

    control = 0;
    while (length && !(control & FW_CFG_DMA_CTL_ERROR)) {
        FWCfgEntry *e = fw_cfg_entry(s, s->cur_key);
        uint32_t avail = (e && s->cur_offset < e->len)
                         ? e->len - s->cur_offset : 0;
        uint32_t n = avail ? MIN(length, avail) : length;

        if (write) {
            /* No item is guest-writable. */
            control |= FW_CFG_DMA_CTL_ERROR;
            break;
        }
        if (read) {
            MemTxResult r = avail
                ? fw_cfg_dma_rw(address, e->data + s->cur_offset, n, true)
                : fw_cfg_dma_zero(address, n);

            if (r != MEMTX_OK) {
                control |= FW_CFG_DMA_CTL_ERROR;
                break;
            }
        }
        if (avail) {
            s->cur_offset += n;
        }
        address += n;
        length -= n;
    }
    if (control & FW_CFG_DMA_CTL_ERROR) {
        trace(fw_cfg_dma_error, "key 0x%04x address 0x%" PRIx64 " length %u",
              s->cur_key, address, length);
    }

    be_control = GUINT32_TO_BE(control);
    fw_cfg_dma_rw(desc_addr, &be_control, 4, true);
}

static bool fw_cfg_dma_accepts(void *opaque, hwaddr addr, unsigned size,
                               bool is_write)
{
    (void)opaque;
    return !is_write || (size == 4 && (addr == 0 || addr == 4)) ||
           (size == 8 && addr == 0);
}

static uint64_t fw_cfg_dma_read(void *opaque, hwaddr addr, unsigned size)
{
    uint64_t v = 0;

    (void)opaque;
    if (addr + size > 8) {
        return 0;
    }
    /* The signature's bytes in memory order, as the guest sees them. */
    memcpy(&v, &FW_CFG_DMA_SIGNATURE[addr], size);
    return GUINT64_FROM_LE(v);
}

static void fw_cfg_dma_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    FWCfgState *s = opaque;

    if (s->dma_busy) {
        trace(fw_cfg_bad_access, "DMA register write during a DMA ignored");
        return;
    }
    /* The register is big-endian: the guest stores bswap(address). */
    if (size == 4 && addr == 0) {
        s->dma_addr = (uint64_t)GUINT32_SWAP_LE_BE((uint32_t)val) << 32;
        return;
    }
    if (size == 4 && addr == 4) {
        s->dma_addr |= GUINT32_SWAP_LE_BE((uint32_t)val);
    } else if (size == 8 && addr == 0) {
        s->dma_addr = GUINT64_SWAP_LE_BE(val);
    } else {
        return;
    }
    s->dma_busy = true;
    fw_cfg_dma_transfer(s);
    s->dma_busy = false;
}

static const MemoryRegionOps fw_cfg_dma_ops = {
    .read = fw_cfg_dma_read,
    .write = fw_cfg_dma_write,
    .valid = { .min_access_size = 1, .max_access_size = 8,
               .accepts = fw_cfg_dma_accepts },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

/* ---- Device ----------------------------------------------------------------- */

static void fw_cfg_reset(void *opaque)
{
    FWCfgState *s = opaque;

    s->cur_key = FW_CFG_INVALID;
    s->cur_offset = 0;
    s->dma_addr = 0;
}

static int fw_cfg_create(Machine *m, Opts *opts, GError **errp)
{
    MemoryRegion *io = m->system_io ? m->system_io : get_system_io();
    static const uint8_t uuid[16];
    FWCfgState *s;
    uint64_t ram_size;
    unsigned cpus;

    if (opts && opts_check_unused(opts, "fw_cfg", errp) < 0) {
        return -EINVAL;
    }
    if (m->fw_cfg) {
        g_set_error(errp, JANUS_ERROR, 0, "fw_cfg: already created");
        return -EBUSY;
    }

    s = g_new0(FWCfgState, 1);
    s->machine = m;
    s->cur_key = FW_CFG_INVALID;
    ram_size = m->cfg ? m->cfg->ram_size
                      : m->below_4g_mem_size + m->above_4g_mem_size;
    cpus = m->cfg && m->cfg->smp ? m->cfg->smp : MAX(m->ncpus, 1u);

    fw_cfg_add_bytes(s, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_add_i32(s, FW_CFG_ID, FW_CFG_VERSION | FW_CFG_VERSION_DMA);
    fw_cfg_add_bytes(s, FW_CFG_UUID, uuid, sizeof(uuid));
    fw_cfg_add_i16(s, FW_CFG_NOGRAPHIC, 0);
    fw_cfg_add_i16(s, FW_CFG_BOOT_MENU, 0);
    fw_cfg_add_i64(s, FW_CFG_RAM_SIZE, ram_size);
    fw_cfg_add_i16(s, FW_CFG_NB_CPUS, cpus);
    fw_cfg_add_i16(s, FW_CFG_MAX_CPUS, cpus);
    fw_cfg_rebuild_dir(s);

    memory_region_init_io(&s->ctl_io, &fw_cfg_ctl_ops, s, "fwcfg", 2);
    memory_region_init_io(&s->dma_io, &fw_cfg_dma_ops, s, "fwcfg.dma", 8);
    memory_region_transaction_begin();
    memory_region_add_subregion(io, FW_CFG_IO_BASE, &s->ctl_io);
    memory_region_add_subregion(io, FW_CFG_DMA_IO_BASE, &s->dma_io);
    memory_region_transaction_commit();

    m->fw_cfg = s;
    machine_register_reset(m, fw_cfg_reset, s);
    return 0;
}

static DeviceInfo fw_cfg_info = {
    .name = "fw_cfg",
    .desc = "QEMU firmware configuration interface (ports 0x510, 0x514)",
    .user_creatable = false,
    .create = fw_cfg_create,
};
DEVICE_REGISTER(fw_cfg_info)
