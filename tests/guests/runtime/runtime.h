/*
 * Test guest runtime: what every freestanding test guest may call.
 *
 * The guest is a multiboot v1 image linked at 1 MiB. boot.S switches to long
 * mode with the first 4 GiB identity-mapped (2 MiB pages, user-accessible),
 * runtime.c installs the IDT and TSS and then calls the guest's main().
 * Everything runs with interrupts disabled.
 */
#ifndef GUEST_RUNTIME_H
#define GUEST_RUNTIME_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define noreturn __attribute__((noreturn))

/* For functions holding an asm label: one copy only, or the label clashes. */
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif

/* GDT selectors, fixed by boot.S */
#define SEL_KCODE   0x08
#define SEL_KDATA   0x10
#define SEL_UDATA   0x1b    /* 0x18 | RPL 3 */
#define SEL_UCODE   0x23    /* 0x20 | RPL 3 */
#define SEL_TSS     0x28
#define SEL_KCODE32 0x38

#define PTE_P   (1ull << 0)
#define PTE_W   (1ull << 1)
#define PTE_U   (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A   (1ull << 5)
#define PTE_D   (1ull << 6)
#define PTE_PS  (1ull << 7)
#define PTE_NX  (1ull << 63)

#define CR0_WP  (1ull << 16)
#define MSR_EFER 0xc0000080
#define EFER_NXE (1ull << 11)

/* ---- port and memory-mapped I/O ---- */

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint8_t mmio_read8(uintptr_t a)
{
    return *(volatile uint8_t *)a;
}

static inline uint16_t mmio_read16(uintptr_t a)
{
    return *(volatile uint16_t *)a;
}

static inline uint32_t mmio_read32(uintptr_t a)
{
    return *(volatile uint32_t *)a;
}

static inline uint64_t mmio_read64(uintptr_t a)
{
    return *(volatile uint64_t *)a;
}

static inline void mmio_write8(uintptr_t a, uint8_t v)
{
    *(volatile uint8_t *)a = v;
}

static inline void mmio_write16(uintptr_t a, uint16_t v)
{
    *(volatile uint16_t *)a = v;
}

static inline void mmio_write32(uintptr_t a, uint32_t v)
{
    *(volatile uint32_t *)a = v;
}

static inline void mmio_write64(uintptr_t a, uint64_t v)
{
    *(volatile uint64_t *)a = v;
}

/* ---- privileged registers (CPL0 only) ---- */

#define DEFINE_CR(n)                                                    \
    static inline uint64_t read_cr##n(void)                             \
    {                                                                   \
        uint64_t v;                                                     \
        __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));               \
        return v;                                                       \
    }                                                                   \
    static inline void write_cr##n(uint64_t v)                          \
    {                                                                   \
        __asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");      \
    }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return lo | ((uint64_t)hi << 32);
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
                     "d"((uint32_t)(v >> 32)));
}

static inline void invlpg(uintptr_t va)
{
    __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* ---- unprivileged helpers ---- */

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a,
                         uint32_t *b, uint32_t *c, uint32_t *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
                     : "a"(leaf), "c"(sub));
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return lo | ((uint64_t)hi << 32);
}

static inline void cpu_relax(void)
{
    __asm__ volatile("pause" ::: "memory");
}

static inline int current_cpl(void)
{
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    return cs & 3;
}

/* ---- freestanding C library (lib.c) ---- */

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);

/* ---- console and exit (printf.c) ---- */

/**
 * serial_putc: write one byte to COM1's transmit register.
 * @c: the byte; '\n' is sent as is (QEMU's and janus's stdio add the '\r').
 *
 * Works at CPL3 too (the TSS I/O bitmap allows every port).
 */
void serial_putc(char c);

/**
 * printf: formatted output on COM1.
 * @fmt: %d %i %u %x %X %p %s %c %%, flags '-', '0', '#', '+', a width, the
 *       length modifiers l, ll, z.
 *
 * Returns the number of bytes written.
 */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);

/**
 * exit: end the VM through isa-debug-exit (port 0xf4).
 * @code: written to the port; the VMM exits with (code << 1) | 1.
 */
noreturn void exit(int code);

/**
 * pass: print "PASS" and exit(0).
 */
noreturn void pass(void);

/**
 * fail: print "FAIL: <reason>" and exit(1).
 * @fmt: printf format of the reason.
 */
noreturn void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- boot information ---- */

/**
 * boot_cmdline: the multiboot command line ("" if the loader gave none).
 */
const char *boot_cmdline(void);

/**
 * cmdline_u64: find "@key=<number>" in the command line.
 * @key: the key without '='.
 * @val: set to the number (decimal, or hex with 0x) when found.
 *
 * Returns true when the key was present and its value parsed.
 */
bool cmdline_u64(const char *key, uint64_t *val);

/* ---- CPL3 and exceptions (runtime.c, boot.S) ---- */

/**
 * run_at_cpl3: call @fn(@arg) at CPL3 on the user stack and return its result.
 * @fn: code to run; it must be reachable from user mode (the identity map is).
 * @arg: its argument.
 *
 * Enters with iretq (IOPL 0, interrupts off); when @fn returns, a ud2 at
 * the known address cpl3_return brings the CPU back to CPL0 and
 * trap_dispatch resumes the caller. CPL3 code may print (port I/O is allowed by
 * the TSS bitmap) and may call exit(). Not reentrant.
 */
uint64_t run_at_cpl3(uint64_t (*fn)(uint64_t), uint64_t arg);

/* What the CPU pushed, plus the general registers the stub saved. */
typedef struct TrapFrame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
} TrapFrame;

typedef struct Trap {
    int vector;
    int cpl;            /* privilege level the exception came from */
    uint64_t error;     /* 0 for vectors without an error code */
    uint64_t rip;
    uint64_t cr2;       /* read on every exception; meaningful for #PF */
} Trap;

/**
 * trap_run: run @fn(@arg) at @cpl and catch the first exception it raises.
 * @cpl: 0 or 3.
 * @fn: the code expected (or not) to fault.
 * @arg: its argument.
 * @t: filled with the exception when one happened.
 *
 * Returns true when @fn raised an exception: execution resumes here and the
 * rest of @fn is abandoned. Returns false when @fn returned normally.
 */
bool trap_run(int cpl, uint64_t (*fn)(uint64_t), uint64_t arg, Trap *t);

/**
 * set_trap_hook: install a hook that sees every exception first.
 * @hook: returns true to resume with the (possibly edited) frame; false to
 *        fall back to trap_run's catch or the fatal report. NULL removes it.
 */
void set_trap_hook(bool (*hook)(TrapFrame *f));

/* ---- PCI configuration mechanism #1 (hw.c) ---- */

uint32_t pci_read32(int bus, int dev, int fn, int off);
void pci_write32(int bus, int dev, int fn, int off, uint32_t v);
uint16_t pci_read16(int bus, int dev, int fn, int off);
void pci_write16(int bus, int dev, int fn, int off, uint16_t v);

/* ---- local APIC, xAPIC mode at 0xfee00000 (hw.c) ---- */

#define APIC_BASE 0xfee00000ul

/**
 * apic_id: this CPU's local APIC ID (register 0x20, bits 31:24).
 */
uint32_t apic_id(void);

/**
 * apic_enable: set the software-enable bit (SVR) with spurious vector 0xff.
 */
void apic_enable(void);

/**
 * apic_send_ipi: write ICR (high then low) and wait for delivery.
 * @dest: destination APIC ID (ignored with a shorthand in @icr_low).
 * @icr_low: vector, delivery mode, level, shorthand.
 *
 * Returns false if the delivery-status bit never cleared.
 */
bool apic_send_ipi(uint32_t dest, uint32_t icr_low);

/* ---- fw_cfg, I/O interface at 0x510/0x511 (hw.c) ---- */

#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_NB_CPUS   0x05

/**
 * fw_cfg_read: select @key and read @len bytes of it.
 * @key: fw_cfg item.
 * @buf: destination.
 * @len: bytes to read.
 */
void fw_cfg_read(uint16_t key, void *buf, size_t len);

/* ---- application processors (smp.c) ---- */

/**
 * smp_start_aps: wake every other CPU with INIT-SIPI-SIPI (broadcast).
 * @fn: called on each AP at CPL0 with its start index (0, 1, ...); when it
 *      returns the AP halts with interrupts off.
 *
 * Returns false if an IPI could not be delivered. Does not wait for the APs.
 */
bool smp_start_aps(void (*fn)(int index));

/* ---- the guest ---- */

/**
 * main: the guest; called at CPL0 after the runtime is set up. Returning
 * exits with the returned code.
 */
int main(void);

#endif
