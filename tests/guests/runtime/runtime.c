/*
 * Test guest runtime: TSS, IDT, exception dispatch, CPL3 catch, boot info.
 */
#include "runtime.h"
#include "internal.h"

typedef struct Tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
    /*
     * One bit per port, all clear (allowed), plus the terminating 0xff byte
     * the CPU reads past the last port. A software KVM faults CPL3 in/out
     * without it even with IOPL=3, so every test guest carries it.
     */
    uint8_t iomap[8192 + 1];
} __attribute__((packed)) Tss;

typedef struct Ctx {
    uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
} Ctx;

typedef struct IdtPtr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed)) IdtPtr;

/* boot.S */
extern uint64_t gdt[];
extern const uint64_t isr_table[32];
extern const uint64_t isr_soft;
extern char cpl3_return[];
extern char ist1_stack_top[];
extern uint32_t mb_magic, mb_info;
int ctx_save(Ctx *c) __attribute__((returns_twice));
noreturn void ctx_jump(Ctx *c, int val);
noreturn void cpl3_exit_to(uint64_t val);
void runtime_start(void);
void trap_dispatch(TrapFrame *f);
void ap_main(int index);

/* Not static: run_at_cpl3 (boot.S) points tss.rsp[0] at its frame. */
Tss tss __attribute__((aligned(16)));
static uint64_t idt[256 * 2] __attribute__((aligned(16)));
static IdtPtr idt_ptr;

static bool (*trap_hook)(TrapFrame *f);
static Ctx catch_ctx;
static Trap *catch_out;
static volatile bool catch_armed;

static void set_gate(int vec, uint64_t handler, int dpl, int ist)
{
    idt[vec * 2] = (handler & 0xffff) | ((uint64_t)0x08 << 16) |
                   ((uint64_t)ist << 32) |
                   ((uint64_t)(0x8e | (dpl << 5)) << 40) |
                   (((handler >> 16) & 0xffff) << 48);
    idt[vec * 2 + 1] = handler >> 32;
}

static void load_idt(void)
{
    __asm__ volatile("lidt %0" : : "m"(idt_ptr));
}

static void setup_tss(void)
{
    uint64_t base = (uintptr_t)&tss;
    uint64_t limit = sizeof(tss) - 1;

    tss.ist[0] = (uintptr_t)ist1_stack_top;
    tss.iomap_base = offsetof(Tss, iomap);
    tss.iomap[8192] = 0xff;
    gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
             (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
             (((base >> 24) & 0xff) << 56);
    gdt[6] = base >> 32;
    __asm__ volatile("ltr %w0" : : "r"(SEL_TSS));
}

static void setup_idt(void)
{
    for (int i = 0; i < 32; i++) {
        /*
         * int3 may come from CPL3 (DPL3); a double fault gets its own
         * stack so a blown stack still prints.
         */
        set_gate(i, isr_table[i], i == 3 ? 3 : 0, i == 8 ? 1 : 0);
    }
    /* A DPL3 gate for software-interrupt tests; it reports like vector 0-31. */
    set_gate(0x80, isr_soft, 3, 0);
    idt_ptr.limit = sizeof(idt) - 1;
    idt_ptr.base = (uintptr_t)idt;
    load_idt();
}

void runtime_start(void)
{
    setup_tss();
    setup_idt();
    exit(main());
}

/* Each AP arrives here from boot.S on its own stack. */
void ap_main(int index)
{
    load_idt();
    if (smp_ap_fn) {
        smp_ap_fn(index);
    }
}

void trap_dispatch(TrapFrame *f)
{
    uint64_t cr2 = read_cr2();

    if (f->vector == 6 && f->rip == (uintptr_t)cpl3_return &&
        (f->cs & 3) == 3) {
        cpl3_exit_to(f->rdi);
    }
    if (trap_hook && trap_hook(f)) {
        return;
    }
    if (catch_armed) {
        catch_armed = false;
        catch_out->vector = f->vector;
        catch_out->error = f->error;
        catch_out->rip = f->rip;
        catch_out->cr2 = cr2;
        catch_out->cpl = f->cs & 3;
        ctx_jump(&catch_ctx, 1);
    }
    printf("EXCEPTION vector=%d error=%#lx rip=%#lx cr2=%#lx cpl=%d\n",
           (int)f->vector, f->error, f->rip, cr2, (int)(f->cs & 3));
    fail("unexpected exception");
}

void set_trap_hook(bool (*hook)(TrapFrame *f))
{
    trap_hook = hook;
}

bool trap_run(int cpl, uint64_t (*fn)(uint64_t), uint64_t arg, Trap *t)
{
    memset(t, 0, sizeof(*t));
    t->vector = -1;
    catch_out = t;
    if (ctx_save(&catch_ctx)) {
        return true;
    }
    catch_armed = true;
    if (cpl == 3) {
        run_at_cpl3(fn, arg);
    } else {
        fn(arg);
    }
    catch_armed = false;
    return false;
}

/* ---- multiboot information ---- */

const char *boot_cmdline(void)
{
    const uint32_t *mbi = (const uint32_t *)(uintptr_t)mb_info;

    if (mb_magic != 0x2badb002 || !mbi || !(mbi[0] & (1u << 2)) || !mbi[4]) {
        return "";
    }
    return (const char *)(uintptr_t)mbi[4];
}

bool cmdline_u64(const char *key, uint64_t *val)
{
    const char *s = boot_cmdline();
    size_t klen = strlen(key);

    while (*s) {
        while (*s == ' ') {
            s++;
        }
        if (!strncmp(s, key, klen) && s[klen] == '=') {
            const char *p = s + klen + 1;
            uint64_t v = 0;
            int base = 10;
            bool any = false;

            if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
                base = 16;
                p += 2;
            }
            for (;; p++) {
                int d;
                if (*p >= '0' && *p <= '9') {
                    d = *p - '0';
                } else if (base == 16 && *p >= 'a' && *p <= 'f') {
                    d = *p - 'a' + 10;
                } else if (base == 16 && *p >= 'A' && *p <= 'F') {
                    d = *p - 'A' + 10;
                } else {
                    break;
                }
                v = v * base + d;
                any = true;
            }
            if (any && (*p == ' ' || *p == '\0')) {
                *val = v;
                return true;
            }
        }
        while (*s && *s != ' ') {
            s++;
        }
    }
    return false;
}
