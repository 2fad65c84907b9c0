/*
 * pc.c: the PC machine: memory map, built-in devices, interrupt routing,
 * CPUs and -kernel loading.
 *
 * Memory map (address_space_memory), in QEMU's i440FX shape:
 *
 *   system (2^64)
 *     ram-below-4g  @ 0            alias of pc.ram [0, below_4g)
 *     ram-above-4g  @ 4 GiB        alias of pc.ram [below_4g, ram_size)
 *     pc.rom        @ 0xc0000      128 KiB option-ROM RAM, priority 1
 *     isa-bios      @ 0xe0000      alias of pc.bios's last 128 KiB, prio 1
 *     pci           @ 0, prio -1   2^64 container for BARs and pc.bios
 *       pc.bios     @ 0xfffc0000   256 KiB ROM (hw/bios.c)
 *
 * QEMU reaches the ISA ROMs through the PAM registers of the host bridge;
 * janus has no PAM, so they sit at priority 1 above RAM, which is the
 * state a BIOS leaves the PAMs in before it boots a kernel (read-only).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include "hw/pc.h"
#include "hw/bios.h"
#include "hw/cpu.h"
#include "hw/loader/loader.h"
#include "hw/intc/i8259.h"
#include "hw/intc/ioapic.h"
#include "main/trace.h"

TRACE_EVENT_DEFINE(pc_gsi);
TRACE_EVENT_DEFINE(pc_boot);

/* The built-in devices, created in this order (each needs the earlier
 * ones: the GSI fan-out needs the PIC and the IOAPIC, fw_cfg reads the
 * finished machine). */
static const char *const pc_early_devices[] = { "i8259", "ioapic" };
static const char *const pc_late_devices[] = {
    "i8254", "mc146818rtc", "isa-serial", "port92", "port80",
    "i440FX-pcihost", "fw_cfg",
};

typedef struct PCState {
    Machine *m;
    MemoryRegion ram, ram_below_4g, ram_above_4g;
    MemoryRegion pci, bios, isa_bios, option_rom;
    BootImage *boot;            /* NULL without -kernel */
} PCState;

/*
 * QEMU's i440FX rule: RAM stays contiguous below 4 GiB unless it would
 * run into the 512 MiB PCI hole under 4 GiB (ram >= 0xe0000000); then
 * 3 GiB stay low (gigabyte-aligned, so huge pages line up) and the rest
 * moves above 4 GiB.
 */
void pc_ram_split(uint64_t ram_size, uint64_t *below, uint64_t *above)
{
    uint64_t low = ram_size >= PC_LOWMEM_LIMIT ? PC_LOWMEM_SPLIT : ram_size;

    *below = low;
    *above = ram_size - low;
}

/* ---- Interrupt routing ------------------------------------------------ */

/*
 * GSI i fans out to PIC input i (ISA IRQs only) and IOAPIC pin i, except
 * that ISA IRQ 0 (the PIT) is wired to IOAPIC pin 2: the interrupt source
 * override every PC firmware reports, and Linux expects.
 */
static void pc_gsi_handler(void *opaque, int n, int level)
{
    Machine *m = opaque;

    trace(pc_gsi, "gsi=%d level=%d", n, level);
    if (n < 16 && m->pic) {
        pic_set_irq(m->pic, n, level);
    }
    if (m->ioapic) {
        ioapic_set_irq(m->ioapic, n == 0 ? 2 : n, level);
    }
}

/* ---- Devices ------------------------------------------------------------ */

static void pc_create_builtin(Machine *m, const char *name)
{
    g_autoptr(GError) err = NULL;
    Opts *opts;

    /* A built-in device that is not linked in, or that fails without any
     * user input, is a build bug: there is nothing the user could fix. */
    if (!device_find(name)) {
        g_error("pc: built-in device '%s' is not registered (is its file "
                "in hw/meson.build, and the binary linked with link_whole?)",
                name);
    }
    opts = opts_parse(name, true, &err);
    if (!opts || machine_create_device(m, opts, &err) < 0) {
        g_error("pc: built-in device '%s': %s", name,
                err ? err->message : "failed");
    }
    opts_free(opts);
}

/* ---- Memory map ----------------------------------------------------------- */

static int pc_memory_init(PCState *s, GError **errp)
{
    Machine *m = s->m;
    uint64_t ram_size = m->cfg->ram_size;

    pc_ram_split(ram_size, &m->below_4g_mem_size, &m->above_4g_mem_size);

    if (memory_region_init_ram(&s->ram, "pc.ram", ram_size, errp) < 0) {
        return -ENOMEM;
    }
    memory_region_init_alias(&s->ram_below_4g, "ram-below-4g", &s->ram, 0,
                             m->below_4g_mem_size);
    memory_region_add_subregion(m->system_memory, 0, &s->ram_below_4g);
    if (m->above_4g_mem_size) {
        memory_region_init_alias(&s->ram_above_4g, "ram-above-4g", &s->ram,
                                 m->below_4g_mem_size,
                                 m->above_4g_mem_size);
        memory_region_add_subregion(m->system_memory, 4 * GiB,
                                    &s->ram_above_4g);
    }

    /* PCI BARs go here; at priority -1 the container only shows where
     * nothing else (RAM) is mapped, i.e. in the PCI hole. */
    memory_region_init(&s->pci, "pci", MEMORY_SIZE_2_64);
    memory_region_add_subregion_overlap(m->system_memory, 0, &s->pci, -1);
    m->pci_memory = &s->pci;

    if (memory_region_init_rom(&s->bios, "pc.bios", PC_BIOS_SIZE, errp) < 0) {
        return -ENOMEM;
    }
    pc_bios_fill(memory_region_get_ram_ptr(&s->bios));
    memory_region_add_subregion(&s->pci, PC_BIOS_ADDR, &s->bios);
    memory_region_init_alias(&s->isa_bios, "isa-bios", &s->bios,
                             PC_BIOS_SIZE - PC_ISA_BIOS_SIZE,
                             PC_ISA_BIOS_SIZE);
    memory_region_add_subregion_overlap(m->system_memory, PC_ISA_BIOS_ADDR,
                                        &s->isa_bios, 1);

    /* Option ROMs would live here; QEMU maps it as RAM so firmware can
     * shadow them.  Nothing janus ships uses it yet. */
    if (memory_region_init_ram(&s->option_rom, "pc.rom", PC_ROM_SIZE,
                               errp) < 0) {
        return -ENOMEM;
    }
    memory_region_add_subregion_overlap(m->system_memory, PC_ROM_ADDR,
                                        &s->option_rom, 1);
    return 0;
}

/* ---- Boot ------------------------------------------------------------------ */

static bool pc_boot_write(void *opaque G_GNUC_UNUSED, hwaddr addr, const void *buf,
                          uint64_t len)
{
    return address_space_write(&address_space_memory, addr,
                               MEMTXATTRS_UNSPECIFIED, buf, len) == MEMTX_OK;
}

static void pc_io_outb(uint16_t port, uint8_t val)
{
    address_space_write(&address_space_io, port, MEMTXATTRS_UNSPECIFIED,
                        &val, 1);
}

/*
 * What a PC BIOS leaves behind for the kernel it boots, done through the
 * I/O ports as the BIOS would (no device internals touched):
 *  - both PICs initialized, vectors 0x08-0x0f (master) and 0x70-0x77
 *    (slave), edge triggered; IRQ 0 (timer), 1 (keyboard) and 2 (cascade)
 *    unmasked, everything else masked;
 *  - PIT channel 0 in mode 3 with count 0 (65536: 18.2 Hz).
 * Interrupts stay off in the CPU (EFLAGS.IF = 0) until the kernel enables
 * them, so the unmasked timer cannot fire before it has an IDT.
 */
static void pc_bios_legacy_hw(void)
{
    static const struct { uint16_t port; uint8_t val; } seq[] = {
        { 0x20, 0x11 }, { 0x21, 0x08 }, { 0x21, 0x04 }, { 0x21, 0x01 },
        { 0xa0, 0x11 }, { 0xa1, 0x70 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
        { 0x21, 0xf8 }, { 0xa1, 0xff },
        { 0x43, 0x36 }, { 0x40, 0x00 }, { 0x40, 0x00 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(seq); i++) {
        pc_io_outb(seq[i].port, seq[i].val);
    }
}

static bool pc_boot_apply(PCState *s, GError **errp)
{
    Machine *m = s->m;

    trace(pc_boot, "protocol=%s entry=0x%" PRIx64, s->boot->protocol,
          s->boot->entry);
    if (!boot_image_write(s->boot, pc_boot_write, NULL, errp)) {
        return false;
    }
    if (s->boot->legacy_hw) {
        pc_bios_legacy_hw();
    }
    boot_image_set_cpu(s->boot, m->cpus[0]);
    return true;
}

/*
 * Registered after every device and CPU, so it runs last: the CPUs are in
 * power-on state and the PIC/PIT have reset when the loader's state is put
 * back on top.  Without -kernel the BSP simply starts at the reset vector.
 */
static void pc_machine_reset(void *opaque)
{
    PCState *s = opaque;
    g_autoptr(GError) err = NULL;

    for (unsigned i = 0; i < s->m->ncpus; i++) {
        x86_cpu_reset(s->m->cpus[i]);
    }
    /* The image was written once at start-up, into the same RAM and
     * address map, so a failure now is a janus bug. */
    if (s->boot && !pc_boot_apply(s, &err)) {
        g_error("pc: reloading the kernel at reset: %s", err->message);
    }
}

/*
 * The image pc_machine_check() loaded, kept so that the kernel and initrd
 * are read once.  It depends only on the configuration (file names and
 * the RAM split), which does not change in between.
 */
static BootImage *pc_preloaded;
static const MachineConfig *pc_preloaded_cfg;

static BootImage *pc_load_image(const MachineConfig *cfg, GError **errp)
{
    LoaderArgs args = {
        .kernel = cfg->kernel,
        .initrd = cfg->initrd,
        .append = cfg->append,
    };

    pc_ram_split(cfg->ram_size, &args.below_4g, &args.above_4g);
    return loader_load_kernel(&args, errp);
}

static int pc_load_kernel(PCState *s, GError **errp)
{
    if (pc_preloaded && pc_preloaded_cfg == s->m->cfg) {
        s->boot = g_steal_pointer(&pc_preloaded);
        pc_preloaded_cfg = NULL;
    } else {
        s->boot = pc_load_image(s->m->cfg, errp);
        if (!s->boot) {
            return -EINVAL;
        }
    }
    return pc_boot_apply(s, errp) ? 0 : -EIO;
}

/* ---- Machine ----------------------------------------------------------------- */

static int pc_check_config(const MachineConfig *cfg, GError **errp)
{
    /* QEMU's wording for these two. */
    if (!cfg->kernel && cfg->initrd) {
        g_set_error(errp, JANUS_ERROR, 0,
                    "-initrd only allowed with -kernel option");
        return -EINVAL;
    }
    if (!cfg->kernel && cfg->append) {
        g_set_error(errp, JANUS_ERROR, 0,
                    "-append only allowed with -kernel option");
        return -EINVAL;
    }
    if (cfg->ram_size < PC_MIN_RAM) {
        g_set_error(errp, JANUS_ERROR, 0,
                    "-m: %" PRIu64 " bytes of RAM is too little "
                    "(the PC machine needs at least 1 MiB)", cfg->ram_size);
        return -EINVAL;
    }
    if (cfg->smp < 1 || cfg->smp > PC_MAX_CPUS) {
        g_set_error(errp, JANUS_ERROR, 0,
                    "-smp %u: the PC machine supports 1 to %d CPUs",
                    cfg->smp, PC_MAX_CPUS);
        return -EINVAL;
    }
    return 0;
}

int pc_machine_check(MachineConfig *cfg, GError **errp)
{
    int ret = pc_check_config(cfg, errp);

    if (ret < 0 || !cfg->kernel) {
        return ret;
    }
    boot_image_free(pc_preloaded);
    pc_preloaded = pc_load_image(cfg, errp);
    pc_preloaded_cfg = pc_preloaded ? cfg : NULL;
    return pc_preloaded ? 0 : -EINVAL;
}

int pc_machine_init(Machine *m, GError **errp)
{
    MachineConfig *cfg = m->cfg;
    PCState *s;
    int ret;

    ret = pc_check_config(cfg, errp);
    if (ret < 0) {
        return ret;
    }

    s = g_new0(PCState, 1);
    s->m = m;

    memory_region_transaction_begin();
    ret = pc_memory_init(s, errp);
    memory_region_transaction_commit();
    if (ret < 0) {
        return ret;
    }

    for (size_t i = 0; i < G_N_ELEMENTS(pc_early_devices); i++) {
        pc_create_builtin(m, pc_early_devices[i]);
    }
    for (int i = 0; i < PC_NUM_GSI; i++) {
        m->gsi[i] = irq_new(pc_gsi_handler, m, i);
    }

    /* The CPUs exist before the devices that may want to know them
     * (fw_cfg reports their count). */
    m->ncpus = cfg->smp;
    m->cpus = g_new0(X86CPU *, m->ncpus);
    for (unsigned i = 0; i < m->ncpus; i++) {
        m->cpus[i] = x86_cpu_new(m, i);
    }

    for (size_t i = 0; i < G_N_ELEMENTS(pc_late_devices); i++) {
        pc_create_builtin(m, pc_late_devices[i]);
    }
    for (guint i = 0; cfg->devices && i < cfg->devices->len; i++) {
        ret = machine_create_device(m, g_ptr_array_index(cfg->devices, i),
                                    errp);
        if (ret < 0) {
            return ret;
        }
    }

    if (cfg->kernel) {
        ret = pc_load_kernel(s, errp);
        if (ret < 0) {
            return ret;
        }
    }
    machine_register_reset(m, pc_machine_reset, s);
    return 0;
}
