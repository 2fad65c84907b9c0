/*
 * babyqemu: drive the hitb device (-device hitb, 1234:2333) the way the
 * HITB GSEC 2017 BabyQEMU challenge's guest did, then try the challenge's
 * exploit steps and check that each is refused.
 *
 *   janus -accel kvm -kernel babyqemu.elf -device hitb -nographic \
 *         -device isa-debug-exit,iobase=0xf4,iosize=0x04 [-trace 'hitb_*']
 *
 * Finds the device by scanning bus 0 through 0xcf8/0xcfc, reads BAR0, then
 * checks: identification, liveness, factorial of 10 polled and with the
 * interrupt, raise/ack through INTx (routed through the PIC, then through
 * the IOAPIC, to an IDT handler that counts and acknowledges), the access
 * width rules, DMA round trips RAM -> buffer -> RAM with and without
 * encoding, and every out-of-window transfer the exploit needs, with the
 * guest buffer and the device buffer checked unchanged after each.
 *
 * Everything runs at CPL0 (about 300 MMIO exits in all).  DMA completion is
 * polled every few milliseconds of TSC time, not in a tight loop, so that
 * -trace 'hitb_*' stays readable.  The output does not depend on timing.
 */
#include "runtime/runtime.h"

#define HITB_VENDOR     0x1234
#define HITB_DEVICE     0x2333

#define REG_ID          0x00
#define REG_LIVENESS    0x04
#define REG_FACT        0x08
#define REG_STATUS      0x20
#define REG_IRQ_STATUS  0x24
#define REG_IRQ_RAISE   0x60
#define REG_IRQ_ACK     0x64
#define REG_DMA_SRC     0x80
#define REG_DMA_DST     0x88
#define REG_DMA_CNT     0x90
#define REG_DMA_CMD     0x98

#define STATUS_COMPUTING 0x01
#define STATUS_IRQFACT  0x80
#define IRQ_FACT        0x001
#define IRQ_DMA         0x100
#define DMA_RUN         0x1
#define DMA_TO_RAM      0x2
#define DMA_ENCODE      0x4
#define DMA_BASE        0x40000u
#define DMA_SIZE        4096u

#define PIC1_CMD        0x20
#define PIC1_DATA       0x21
#define PIC2_CMD        0xa0
#define PIC2_DATA       0xa1
#define PIC_EOI         0x20
#define VEC_PIC_BASE    0x20        /* IRQ n -> 0x20 + n */
#define VEC_IOAPIC      0x50

#define IOAPIC_BASE     0xfec00000ul
#define APIC_EOI        0x0b0
#define APIC_LVT0       0x350
#define APIC_LVT_EXTINT 0x700

static uintptr_t bar;
static int dev_slot, irq_line;
static int failures;

/* Guest buffers: identity-mapped, so their addresses are physical. */
static uint8_t pattern[DMA_SIZE] __attribute__((aligned(4096)));
static uint8_t guest_buf[DMA_SIZE] __attribute__((aligned(4096)));
static uint8_t canary[64] __attribute__((aligned(64)));

/* ---- checks and output ---------------------------------------------------- */

static void check(const char *what, uint64_t got, uint64_t want)
{
    bool ok = got == want;

    printf("  %-44s %#lx%s\n", what, got, ok ? "" : "  MISMATCH");
    if (!ok) {
        printf("  %-44s %#lx\n", "(expected)", want);
        failures++;
    }
}

static void check_true(const char *what, bool ok)
{
    printf("  %-44s %s\n", what, ok ? "yes" : "NO  MISMATCH");
    failures += !ok;
}

static uint32_t rd(int reg)
{
    return mmio_read32(bar + reg);
}

static void wr(int reg, uint32_t v)
{
    mmio_write32(bar + reg, v);
}

/* ---- time: TSC, so waiting costs no exits ------------------------------ */

static void tsc_wait(uint64_t cycles)
{
    uint64_t start = rdtsc();

    while (rdtsc() - start < cycles) {
        cpu_relax();
    }
}

/* Poll @reg until (@reg & @mask) == 0; false after ~4 s of 1 GHz TSC. */
static bool poll_clear(int reg, uint32_t mask, uint64_t step)
{
    for (int i = 0; i < 800; i++) {
        if (!(rd(reg) & mask)) {
            return true;
        }
        tsc_wait(step);
    }
    return false;
}

/* ---- interrupts ----------------------------------------------------------- */

static volatile unsigned irq_count;
static volatile uint32_t irq_seen;
static volatile int irq_route;          /* 0: PIC, 1: IOAPIC */

void hitb_irq_handler(void);
extern char hitb_isr[];

/*
 * The stub saves what the SysV ABI lets C clobber.  The CPU leaves RSP
 * 16-byte aligned minus the 40-byte frame; nine pushes align it again.
 */
__asm__(".text\n"
        ".globl hitb_isr\n"
        "hitb_isr:\n"
        "  push %rax\n  push %rcx\n  push %rdx\n  push %rsi\n  push %rdi\n"
        "  push %r8\n  push %r9\n  push %r10\n  push %r11\n"
        "  cld\n"
        "  call hitb_irq_handler\n"
        "  pop %r11\n  pop %r10\n  pop %r9\n  pop %r8\n"
        "  pop %rdi\n  pop %rsi\n  pop %rdx\n  pop %rcx\n  pop %rax\n"
        "  iretq\n");

void hitb_irq_handler(void)
{
    uint32_t st = rd(REG_IRQ_STATUS);

    irq_seen |= st;
    irq_count++;
    /* Deassert INTx before the EOI, so the line is low when it counts. */
    wr(REG_IRQ_ACK, st);
    if (irq_route == 0) {
        if (irq_line >= 8) {
            outb(PIC2_CMD, PIC_EOI);
        }
        outb(PIC1_CMD, PIC_EOI);
    } else {
        mmio_write32(APIC_BASE + APIC_EOI, 0);
    }
}

static void idt_set_gate(int vec, void *handler)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) idtr;
    uint64_t *gate, h = (uintptr_t)handler;

    __asm__ volatile("sidt %0" : "=m"(idtr));
    gate = (uint64_t *)(uintptr_t)(idtr.base + vec * 16);
    gate[0] = (h & 0xffff) | ((uint64_t)SEL_KCODE << 16) |
              ((uint64_t)0x8e << 40) | (((h >> 16) & 0xffff) << 48);
    gate[1] = h >> 32;
}

static void pic_init(void)
{
    outb(PIC1_CMD, 0x11);               /* ICW1: edge, cascade, ICW4 */
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, VEC_PIC_BASE);      /* ICW2: vector base */
    outb(PIC2_DATA, VEC_PIC_BASE + 8);
    outb(PIC1_DATA, 0x04);              /* ICW3: slave on IRQ2 */
    outb(PIC2_DATA, 0x02);
    outb(PIC1_DATA, 0x01);              /* ICW4: 8086 mode */
    outb(PIC2_DATA, 0x01);
    outb(PIC1_DATA, 0xff);              /* everything masked */
    outb(PIC2_DATA, 0xff);
}

static void pic_unmask(int irq, bool on)
{
    uint8_t m1 = 0xff, m2 = 0xff;

    if (on) {
        if (irq < 8) {
            m1 &= ~(1u << irq);
        } else {
            m1 &= ~(1u << 2);
            m2 &= ~(1u << (irq - 8));
        }
    }
    outb(PIC1_DATA, m1);
    outb(PIC2_DATA, m2);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
    mmio_write32(IOAPIC_BASE, reg);
    mmio_write32(IOAPIC_BASE + 0x10, v);
}

/* Edge-triggered: the guest acknowledges the device, no remote IRR. */
static void ioapic_route(int gsi, int vector, bool on)
{
    ioapic_write(0x11 + 2 * gsi, apic_id() << 24);
    ioapic_write(0x10 + 2 * gsi, vector | (on ? 0 : 1u << 16));
}

/*
 * Interrupts are enabled *before* the access that raises one: the boot
 * CPU then leaves that exit ready for injection, and the PIC's interrupt
 * goes in at once.  (Raising with IF=0 and executing sti later relies on
 * KVM's interrupt-window exit, which the software KVM of the development
 * machines never delivers.)
 */
static void irq_on(void)
{
    /* The nop ends sti's interrupt shadow before the triggering access. */
    __asm__ volatile("sti; nop" ::: "memory");
}

/* Wait until @count handlers ran or ~1 s passed, then disable again. */
static bool wait_irqs(unsigned count)
{
    uint64_t start = rdtsc();

    while (irq_count < count && rdtsc() - start < (1ull << 30)) {
        cpu_relax();
    }
    __asm__ volatile("cli" ::: "memory");
    return irq_count >= count;
}

/* ---- the device ----------------------------------------------------------- */

static bool find_hitb(void)
{
    for (int slot = 0; slot < 32; slot++) {
        uint32_t id = pci_read32(0, slot, 0, 0x00);

        if (id == (HITB_DEVICE << 16 | HITB_VENDOR)) {
            dev_slot = slot;
            return true;
        }
    }
    return false;
}

static void test_pci(void)
{
    uint32_t bar0, cmd;

    printf("PCI: scanning bus 0 for %04x:%04x\n", HITB_VENDOR, HITB_DEVICE);
    if (!find_hitb()) {
        fail("hitb not found on bus 0 (is -device hitb given?)");
    }
    printf("  found at 00:%02x.0\n", dev_slot);
    check("class/prog-if/revision", pci_read32(0, dev_slot, 0, 0x08),
          0x00ff0010);
    bar0 = pci_read32(0, dev_slot, 0, 0x10);
    cmd = pci_read16(0, dev_slot, 0, 0x04);
    if (!(bar0 & ~0xfu) || !(cmd & 0x2)) {
        /* No firmware and no preset: place it where the challenge had it. */
        printf("  BAR0 unprogrammed: placing it at 0xfea00000\n");
        pci_write32(0, dev_slot, 0, 0x10, 0xfea00000);
        pci_write16(0, dev_slot, 0, 0x04, cmd | 0x2);
        bar0 = pci_read32(0, dev_slot, 0, 0x10);
    }
    check("BAR0 (32-bit memory, non-prefetchable)", bar0 & 0xf, 0);
    bar = bar0 & ~0xfu;
    printf("  BAR0 at %#lx\n", (unsigned long)bar);
    pci_write32(0, dev_slot, 0, 0x10, 0xffffffff);
    check("BAR0 size mask", pci_read32(0, dev_slot, 0, 0x10), 0xfff00000);
    pci_write32(0, dev_slot, 0, 0x10, bar0);
    irq_line = pci_read32(0, dev_slot, 0, 0x3c) & 0xff;
    check("interrupt pin (INTA)", (pci_read32(0, dev_slot, 0, 0x3c) >> 8) &
          0xff, 1);
    printf("  interrupt line: IRQ %d\n", irq_line);
    if (irq_line < 1 || irq_line > 15 || irq_line == 2) {
        fail("interrupt line %d is not an ISA IRQ", irq_line);
    }
}

static void test_registers(void)
{
    printf("registers\n");
    check("0x00 identification", rd(REG_ID), 0x010000ed);
    wr(REG_LIVENESS, 0x12345678);
    check("0x04 liveness after writing 0x12345678", rd(REG_LIVENESS),
          0xedcba987);
    wr(REG_STATUS, 0);
    wr(REG_FACT, 10);
    check_true("factorial done (status bit 0 clears)",
               poll_clear(REG_STATUS, STATUS_COMPUTING, 1 << 16));
    check("0x08 factorial of 10 (polled)", rd(REG_FACT), 3628800);
    wr(REG_FACT, 13);
    poll_clear(REG_STATUS, STATUS_COMPUTING, 1 << 16);
    check("0x08 factorial of 13, wrapped to 32 bits", rd(REG_FACT),
          0x7328cc00);
    check("0x10 (no register) reads all-ones", rd(0x10), 0xffffffff);
}

static void test_access_widths(void)
{
    printf("access widths\n");
    check("1-byte read of 0x00", mmio_read8(bar + REG_ID), 0xff);
    check("2-byte read of 0x00", mmio_read16(bar + REG_ID), 0xffff);
    check("8-byte read of 0x00 (two 4-byte reads)", mmio_read64(bar + REG_ID),
          0xedcba987010000edull);
    mmio_write8(bar + REG_LIVENESS, 0x55);
    check("1-byte write to 0x04 ignored", rd(REG_LIVENESS), 0xedcba987);
    mmio_write64(bar + REG_DMA_SRC, 0x100040000ull);
    check("8-byte store of 0x1_0004_0000 to 0x80: low", rd(REG_DMA_SRC),
          0x40000);
    check("  high half went to 0x84 (no register)", rd(0x84), 0xffffffff);
    mmio_write64(bar + REG_DMA_SRC, 0);
}

static void test_interrupts(void)
{
    unsigned n;

    printf("interrupts (INTx, IRQ %d)\n", irq_line);
    idt_set_gate(VEC_PIC_BASE + irq_line, hitb_isr);
    idt_set_gate(VEC_IOAPIC, hitb_isr);
    pic_init();
    /*
     * The PIC reaches the CPU through LINT0 in ExtINT mode ("virtual wire"),
     * which a BIOS sets up and an OS re-programs; a LAPIC fresh from reset
     * masks it, so set it here rather than depend on who ran before us.
     */
    apic_enable();
    mmio_write32(APIC_BASE + APIC_LVT0, APIC_LVT_EXTINT);

    irq_route = 0;
    pic_unmask(irq_line, true);
    n = irq_count;
    irq_seen = 0;
    wr(REG_STATUS, STATUS_IRQFACT);
    irq_on();
    wr(REG_FACT, 10);
    check_true("PIC: factorial-done interrupt handled", wait_irqs(n + 1));
    check("  irq_status the handler saw", irq_seen, IRQ_FACT);
    check("  0x08 factorial of 10", rd(REG_FACT), 3628800);
    wr(REG_STATUS, 0);

    n = irq_count;
    irq_seen = 0;
    irq_on();
    wr(REG_IRQ_RAISE, 0x4);
    check_true("PIC: raise 0x4 handled", wait_irqs(n + 1));
    check("  irq_status the handler saw", irq_seen, 0x4);
    check("  irq_status after the handler's ack", rd(REG_IRQ_STATUS), 0);
    check("  handler runs", irq_count - n, 1);
    pic_unmask(irq_line, false);

    irq_route = 1;
    ioapic_route(irq_line, VEC_IOAPIC, true);
    n = irq_count;
    irq_seen = 0;
    irq_on();
    wr(REG_IRQ_RAISE, 0x20);
    check_true("IOAPIC: raise 0x20 handled", wait_irqs(n + 1));
    check("  irq_status the handler saw", irq_seen, 0x20);
    check("  irq_status after the handler's ack", rd(REG_IRQ_STATUS), 0);
    ioapic_route(irq_line, VEC_IOAPIC, false);
}

/* ---- DMA ------------------------------------------------------------------ */

/* 32-bit register writes, as the challenge's exploit did. */
static bool dma(uint32_t src, uint32_t dst, uint32_t cnt, uint32_t cmd)
{
    wr(REG_DMA_SRC, src);
    wr(REG_DMA_DST, dst);
    wr(REG_DMA_CNT, cnt);
    wr(REG_DMA_CMD, cmd);
    /* The transfer runs 100 ms of virtual time after the command. */
    return poll_clear(REG_DMA_CMD, DMA_RUN, 1 << 24);
}

static bool buf_equal(const uint8_t *a, const uint8_t *b, unsigned n,
                      uint8_t xor)
{
    for (unsigned i = 0; i < n; i++) {
        if (a[i] != (b[i] ^ xor)) {
            return false;
        }
    }
    return true;
}

static void test_dma(void)
{
    uint32_t p = (uintptr_t)pattern, g = (uintptr_t)guest_buf;
    unsigned n;

    printf("DMA (guest buffers at %#x and %#x)\n", p, g);
    for (unsigned i = 0; i < DMA_SIZE; i++) {
        pattern[i] = i * 13 + (i >> 8) + 1;
    }
    memset(guest_buf, 0, sizeof(guest_buf));

    check_true("RAM -> buffer, 4096 bytes",
               dma(p, DMA_BASE, DMA_SIZE, DMA_RUN));
    check_true("buffer -> RAM, 4096 bytes",
               dma(DMA_BASE, g, DMA_SIZE, DMA_RUN | DMA_TO_RAM));
    check_true("  round trip equal", buf_equal(guest_buf, pattern, DMA_SIZE,
                                              0));
    check("  irq_status (no encode, no irq)", rd(REG_IRQ_STATUS), 0);

    /* Encoded: irq 0x100, handled through the IOAPIC route. */
    irq_route = 1;
    ioapic_route(irq_line, VEC_IOAPIC, true);
    irq_seen = 0;
    n = irq_count;
    irq_on();
    check_true("RAM -> buffer +0x100, 256 bytes, encode",
               dma(p, DMA_BASE + 0x100, 256, DMA_RUN | DMA_ENCODE));
    check_true("  encode interrupt handled", wait_irqs(n + 1));
    check("  irq_status the handler saw", irq_seen, IRQ_DMA);
    memset(guest_buf, 0, 256);
    check_true("buffer +0x100 -> RAM, 256 bytes",
               dma(DMA_BASE + 0x100, g, 256, DMA_RUN | DMA_TO_RAM));
    check_true("  RAM holds data ^ 0x66", buf_equal(guest_buf, pattern, 256,
                                                   0x66));
    memset(guest_buf, 0, 256);
    irq_seen = 0;
    n = irq_count;
    irq_on();
    check_true("buffer +0x100 -> RAM, 256 bytes, encode",
               dma(DMA_BASE + 0x100, g, 256,
                   DMA_RUN | DMA_TO_RAM | DMA_ENCODE));
    check_true("  encode interrupt handled", wait_irqs(n + 1));
    check("  irq_status the handler saw", irq_seen, IRQ_DMA);
    check_true("  RAM holds the original data",
               buf_equal(guest_buf, pattern, 256, 0));
    ioapic_route(irq_line, VEC_IOAPIC, false);
}

static bool all_bytes(const uint8_t *a, unsigned n, uint8_t v)
{
    for (unsigned i = 0; i < n; i++) {
        if (a[i] != v) {
            return false;
        }
    }
    return true;
}

typedef struct Attack {
    const char *what;
    uint64_t src, dst, cnt;
    uint32_t cmd;
} Attack;

static void test_refused(void)
{
    uint32_t c = (uintptr_t)canary;
    const Attack attacks[] = {
        { "src 0x41000 cnt 8 -> RAM (leak past the buffer)",
          0x41000, c, 8, DMA_RUN | DMA_TO_RAM },
        { "RAM -> dst 0x41000 cnt 8 (write past the buffer)",
          c, 0x41000, 8, DMA_RUN },
        { "src 0x40ff8 cnt 16 -> RAM (straddles the end)",
          0x40ff8, c, 16, DMA_RUN | DMA_TO_RAM },
        { "RAM -> dst 0x40ff8 cnt 16",
          c, 0x40ff8, 16, DMA_RUN },
        { "src 0x40000 cnt 0x1001 -> RAM",
          0x40000, c, 0x1001, DMA_RUN | DMA_TO_RAM },
        { "src 0x3ffff cnt 8 -> RAM (below the window)",
          0x3ffff, c, 8, DMA_RUN | DMA_TO_RAM },
        { "src 0x41000 cnt 8 -> RAM, encode",
          0x41000, c, 8, DMA_RUN | DMA_TO_RAM | DMA_ENCODE },
        { "src 0x40000 cnt 0xfffffffffffffff8 (8-byte store)",
          0x40000, c, 0xfffffffffffffff8ull, DMA_RUN | DMA_TO_RAM },
        { "src 0xffffffff cnt 8 -> RAM",
          0xffffffff, c, 8, DMA_RUN | DMA_TO_RAM },
    };

    printf("exploit attempts (each must be refused)\n");
    check_true("device buffer loaded with the pattern",
               dma((uintptr_t)pattern, DMA_BASE, DMA_SIZE, DMA_RUN));
    for (unsigned i = 0; i < ARRAY_SIZE(attacks); i++) {
        const Attack *a = &attacks[i];
        bool done;

        memset(canary, 0xa5, sizeof(canary));
        printf(" %s\n", a->what);
        /* 8-byte stores: the device sees each as two 4-byte writes. */
        mmio_write64(bar + REG_DMA_SRC, a->src);
        mmio_write64(bar + REG_DMA_DST, a->dst);
        mmio_write64(bar + REG_DMA_CNT, a->cnt);
        wr(REG_DMA_CMD, a->cmd);
        done = poll_clear(REG_DMA_CMD, DMA_RUN, 1 << 24);
        check_true("  refused, bit 0 cleared", done);
        check_true("  guest buffer unchanged", all_bytes(canary,
                                                         sizeof(canary),
                                                         0xa5));
        check("  irq_status", rd(REG_IRQ_STATUS), 0);
    }

    /*
     * 0x1_0004_0000 would be index 0 to a 32-bit check, but a guest cannot
     * even name it: the 8-byte store splits and 0x84 ignores bits 63:32.
     */
    printf(" src 0x1_0004_0000 (8-byte store)\n");
    mmio_write64(bar + REG_DMA_SRC, 0x100040000ull);
    check("  device sees src", rd(REG_DMA_SRC), 0x40000);
    mmio_write64(bar + REG_DMA_SRC, 0);

    /* After all that, the device buffer still holds the pattern. */
    memset(guest_buf, 0, sizeof(guest_buf));
    check_true("device buffer read back, 4096 bytes",
               dma(DMA_BASE, (uintptr_t)guest_buf, DMA_SIZE,
                   DMA_RUN | DMA_TO_RAM));
    check_true("  device buffer unchanged by the attempts",
               buf_equal(guest_buf, pattern, DMA_SIZE, 0));
}

int main(void)
{
    printf("Where am I?\n");
    test_pci();
    test_registers();
    test_access_widths();
    test_interrupts();
    test_dma();
    test_refused();
    if (failures) {
        fail("%d check(s) failed", failures);
    }
    pass();
}
