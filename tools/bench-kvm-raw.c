/*
 * bench-kvm-raw.c: the floor for janus's exit path.  A VM of its own with
 * 64 KiB of RAM and a hand-assembled guest that does N port writes then N
 * stores to unmapped memory; the host loop only counts exits.  ns per exit
 * round trip = elapsed / N, per phase.
 *
 *   bench-kvm-raw [-n N] [-r RUNS] [-u | -l]
 *     -u   run the loops at CPL3 in flat 32-bit mode without paging (the
 *          TSS carries an I/O bitmap allowing the port)
 *     -l   run them at CPL3 in 64-bit long mode with paging, the way
 *          janus's test guests (pio-bench) do
 *     default: real mode (CPL0)
 *   bench-kvm-raw -t
 *     print the host TSC frequency in MHz (guests that report TSC ticks
 *     run at the host's rate: KVM_CAP_TSC_CONTROL is not used)
 *
 * Prints one line per run, "pio=NS mmio=NS", then the median and spread.
 * Not part of janus: it opens /dev/kvm itself and is never run by janus.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define RAM_SIZE    0x10000
#define CODE        0x1000
#define GDT         0x2000
#define TSS         0x3000
#define PML4        0x8000      /* then PDPT, PD for 0-2M, PD for 3-4G */
#define PORT_LOOP   0x500
#define PORT_DONE   0x501
#define MAX_RUNS    64

static int kvm, vm, vcpu;
static struct kvm_run *run;
static uint8_t *ram;

static void die(const char *what)
{
    fprintf(stderr, "bench-kvm-raw: %s: %s\n", what, strerror(errno));
    exit(1);
}

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

/* Real mode: out dx,al x N; mov [bx],al (ds=e000: unmapped) x N; done. */
static void guest_real(uint32_t n)
{
    uint8_t *p = ram + CODE;

    *p++ = 0x66; *p++ = 0xb9; put32(p, n); p += 4;      /* mov ecx, n */
    *p++ = 0xba; *p++ = PORT_LOOP & 0xff; *p++ = PORT_LOOP >> 8;
    *p++ = 0xee;                                        /* 1: out dx, al */
    *p++ = 0x66; *p++ = 0x49;                           /* dec ecx */
    *p++ = 0x75; *p++ = 0xfb;                           /* jnz 1b */
    *p++ = 0x66; *p++ = 0xb9; put32(p, n); p += 4;      /* mov ecx, n */
    *p++ = 0xb8; *p++ = 0x00; *p++ = 0xe0;              /* mov ax, e000 */
    *p++ = 0x8e; *p++ = 0xd8;                           /* mov ds, ax */
    *p++ = 0x88; *p++ = 0x07;                           /* 2: mov [bx], al */
    *p++ = 0x66; *p++ = 0x49;                           /* dec ecx */
    *p++ = 0x75; *p++ = 0xfa;                           /* jnz 2b */
    *p++ = 0xba; *p++ = PORT_DONE & 0xff; *p++ = PORT_DONE >> 8;
    *p++ = 0xee;                                        /* out dx, al */
    *p++ = 0xeb; *p++ = 0xfe;                           /* jmp . */
}

/* Flat 32-bit at CPL3: same loops, MMIO at 0xd0000000. */
static void guest_user(uint32_t n)
{
    uint8_t *p = ram + CODE;
    uint64_t *gdt = (uint64_t *)(ram + GDT);

    *p++ = 0xb9; put32(p, n); p += 4;                   /* mov ecx, n */
    *p++ = 0x66; *p++ = 0xba; *p++ = PORT_LOOP & 0xff; *p++ = PORT_LOOP >> 8;
    *p++ = 0xee;                                        /* 1: out dx, al */
    *p++ = 0x49;                                        /* dec ecx */
    *p++ = 0x75; *p++ = 0xfc;                           /* jnz 1b */
    *p++ = 0xb9; put32(p, n); p += 4;                   /* mov ecx, n */
    *p++ = 0xbb; put32(p, 0xd0000000); p += 4;          /* mov ebx, .. */
    *p++ = 0x88; *p++ = 0x03;                           /* 2: mov [ebx], al */
    *p++ = 0x49;                                        /* dec ecx */
    *p++ = 0x75; *p++ = 0xfb;                           /* jnz 2b */
    *p++ = 0x66; *p++ = 0xba; *p++ = PORT_DONE & 0xff; *p++ = PORT_DONE >> 8;
    *p++ = 0xee;                                        /* out dx, al */
    *p++ = 0xeb; *p++ = 0xfe;                           /* jmp . */

    /* GDT: null, kernel code/data, user code/data, TSS */
    gdt[1] = 0x00cf9b000000ffffULL;
    gdt[2] = 0x00cf93000000ffffULL;
    gdt[3] = 0x00cffb000000ffffULL;
    gdt[4] = 0x00cff3000000ffffULL;
    gdt[5] = 0x00008b0000000000ULL | ((uint64_t)TSS << 16) |
             (0x68 + 8192);                             /* limit */
    /* TSS: I/O map base right after the 104-byte TSS; bitmap all zero
     * (every port allowed), then the terminating 0xff byte. */
    memset(ram + TSS, 0, 0x68 + 8193);
    ram[TSS + 0x66] = 0x68;
    ram[TSS + 0x68 + 8192] = 0xff;
}

/* 64-bit CPL3, paging on: MMIO at 0xd0000000 through a 2 MiB page. */
static void guest_long(uint32_t n)
{
    uint8_t *p = ram + CODE;
    uint64_t *gdt = (uint64_t *)(ram + GDT);
    uint64_t *pml4 = (uint64_t *)(ram + PML4);
    uint64_t *pdpt = pml4 + 512, *pd0 = pml4 + 1024, *pd3 = pml4 + 1536;

    guest_user(n);                  /* GDT and TSS with the I/O bitmap */
    memset(p, 0, 64);               /* then 64-bit code over its code */
    *p++ = 0xb9; put32(p, n); p += 4;                   /* mov ecx, n */
    *p++ = 0x66; *p++ = 0xba; *p++ = PORT_LOOP & 0xff; *p++ = PORT_LOOP >> 8;
    *p++ = 0xee;                                        /* 1: out dx, al */
    *p++ = 0xff; *p++ = 0xc9;                           /* dec ecx */
    *p++ = 0x75; *p++ = 0xfb;                           /* jnz 1b */
    *p++ = 0xb9; put32(p, n); p += 4;                   /* mov ecx, n */
    *p++ = 0xbb; put32(p, 0xd0000000); p += 4;          /* mov ebx, .. */
    *p++ = 0x88; *p++ = 0x03;                           /* 2: mov [rbx], al */
    *p++ = 0xff; *p++ = 0xc9;                           /* dec ecx */
    *p++ = 0x75; *p++ = 0xfa;                           /* jnz 2b */
    *p++ = 0x66; *p++ = 0xba; *p++ = PORT_DONE & 0xff; *p++ = PORT_DONE >> 8;
    *p++ = 0xee;                                        /* out dx, al */
    *p++ = 0xeb; *p++ = 0xfe;                           /* jmp . */

    gdt[3] = 0x00affb000000ffffULL;                     /* 0x1b: code64 */
    gdt[6] = 0x00008b0000000000ULL | ((uint64_t)TSS << 16) |
             (0x68 + 8192);                             /* 0x30: TSS64 */
    gdt[7] = 0;
    memset(pml4, 0, 4 * 4096);
    pml4[0] = (PML4 + 0x1000) | 7;                      /* P, W, U */
    pdpt[0] = (PML4 + 0x2000) | 7;
    pdpt[3] = (PML4 + 0x3000) | 7;
    pd0[0] = 0x87;                                      /* 2 MiB page */
    pd3[(0xd0000000 - 0xc0000000) >> 21] = 0xd0000000 | 0x87;
}

static void seg(struct kvm_segment *s, uint16_t sel, int type, int dpl,
                int code_data)
{
    memset(s, 0, sizeof(*s));
    s->selector = sel;
    s->limit = code_data ? 0xffffffff : 0x68 + 8192;
    s->type = type;
    s->present = 1;
    s->dpl = dpl;
    s->s = code_data;
    s->db = code_data;
    s->g = code_data;
}

static void set_state(int user, int lm)
{
    struct kvm_regs regs = { .rip = CODE, .rflags = 0x2 };
    struct kvm_sregs sregs;

    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) {
        die("KVM_GET_SREGS");
    }
    if (user) {
        seg(&sregs.cs, 0x1b, 0xb, 3, 1);
        seg(&sregs.ds, 0x23, 0x3, 3, 1);
        sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
        seg(&sregs.tr, 0x28, 0xb, 0, 0);
        sregs.tr.base = TSS;
        sregs.gdt.base = GDT;
        sregs.gdt.limit = 6 * 8 - 1;
        sregs.cr0 = 0x11;               /* PE, ET */
        regs.rflags = 0x3002;           /* IOPL 3 as well */
        if (lm) {
            sregs.cs.l = 1;
            sregs.cs.db = 0;
            sregs.tr.selector = 0x30;
            sregs.gdt.limit = 8 * 8 - 1;
            sregs.cr3 = PML4;
            sregs.cr4 = 0x20;           /* PAE */
            sregs.cr0 = 0x80000011;     /* PG, PE, ET */
            sregs.efer = 0x500;         /* LME, LMA */
        }
    } else {
        sregs.cs.base = 0;
        sregs.cs.selector = 0;
        sregs.ds.base = sregs.ds.selector = 0;
    }
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0) {
        die("KVM_SET_SREGS");
    }
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0) {
        die("KVM_SET_REGS");
    }
}

/* One pass; ns per exit of each phase. */
static void one_run(uint32_t n, int user, int lm, double *pio,
                    double *mmio)
{
    uint32_t npio = 0, nmmio = 0;
    double t0 = 0, t1 = 0, t2;

    set_state(user, lm);
    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("KVM_RUN");
        }
        if (run->exit_reason == KVM_EXIT_IO && run->io.port == PORT_LOOP) {
            if (npio++ == 0) {
                t0 = now_ns();
            }
        } else if (run->exit_reason == KVM_EXIT_MMIO) {
            if (nmmio++ == 0) {
                t1 = now_ns();
            }
        } else if (run->exit_reason == KVM_EXIT_IO &&
                   run->io.port == PORT_DONE) {
            t2 = now_ns();
            break;
        } else {
            fprintf(stderr, "bench-kvm-raw: unexpected exit %u\n",
                    run->exit_reason);
            exit(1);
        }
    }
    if (npio != n || nmmio != n) {
        fprintf(stderr, "bench-kvm-raw: %u pio / %u mmio exits, wanted %u\n",
                npio, nmmio, n);
        exit(1);
    }
    /* The first exit of a phase starts its clock: n-1 round trips to the
     * next phase's first exit. */
    *pio = (t1 - t0) / (n > 1 ? n - 1 : 1);
    *mmio = (t2 - t1) / (n > 1 ? n - 1 : 1);
}

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static void print_tsc_mhz(void)
{
    double t0 = now_ns();
    uint64_t c0 = rdtsc();

    usleep(200000);
    printf("tsc_mhz=%.1f\n", (rdtsc() - c0) * 1e3 / (now_ns() - t0));
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static void summary(const char *name, double *v, int n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    printf("%s: median %.0f ns/exit (min %.0f, max %.0f, %d runs)\n", name,
           v[n / 2], v[0], v[n - 1], n);
}

int main(int argc, char **argv)
{
    uint32_t n = 20000;
    int runs = 5, user = 0, lm = 0, opt;
    double pio[MAX_RUNS], mmio[MAX_RUNS];
    struct kvm_userspace_memory_region mem;
    int mmap_size;

    while ((opt = getopt(argc, argv, "n:r:ult")) != -1) {
        switch (opt) {
        case 'n': n = strtoul(optarg, NULL, 0); break;
        case 'r': runs = atoi(optarg); break;
        case 'u': user = 1; break;
        case 'l': user = lm = 1; break;
        case 't': print_tsc_mhz(); return 0;
        default:
            fprintf(stderr, "usage: %s [-n N] [-r RUNS] [-u | -l] | -t\n",
                    argv[0]);
            return 2;
        }
    }
    if (runs < 1 || runs > MAX_RUNS || n < 2) {
        fprintf(stderr, "bench-kvm-raw: 1 <= RUNS <= %d, N >= 2\n",
                MAX_RUNS);
        return 2;
    }
    kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) {
        fprintf(stderr, "bench-kvm-raw: /dev/kvm: %s\n", strerror(errno));
        return 77;
    }
    vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) {
        die("KVM_CREATE_VM");
    }
    if (ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000UL) < 0) {
        die("KVM_SET_TSS_ADDR");
    }
    ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ram == MAP_FAILED) {
        die("mmap");
    }
    mem = (struct kvm_userspace_memory_region) {
        .slot = 0, .guest_phys_addr = 0, .memory_size = RAM_SIZE,
        .userspace_addr = (uintptr_t)ram,
    };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &mem) < 0) {
        die("KVM_SET_USER_MEMORY_REGION");
    }
    vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0) {
        die("KVM_CREATE_VCPU");
    }
    mmap_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) {
        die("mmap kvm_run");
    }
    if (lm) {
        guest_long(n);
    } else if (user) {
        guest_user(n);
    } else {
        guest_real(n);
    }
    for (int i = 0; i < runs; i++) {
        one_run(n, user, lm, &pio[i], &mmio[i]);
        printf("pio=%.0f mmio=%.0f\n", pio[i], mmio[i]);
        fflush(stdout);
    }
    summary(lm ? "raw pio (cpl3, long mode)" : user ? "raw pio (cpl3, flat32)"
            : "raw pio (real mode)", pio, runs);
    summary(lm ? "raw mmio (cpl3, long mode)" : user
            ? "raw mmio (cpl3, flat32)" : "raw mmio (real mode)", mmio, runs);
    return 0;
}
