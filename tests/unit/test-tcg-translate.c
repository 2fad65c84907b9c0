/*
 * test-tcg-translate.c: the x86 frontend (tcg/i386/translate*.c).
 *
 * Two kinds of checks:
 * - IR: translate a snippet and look at the op list (fast paths really
 *   avoid the flags helper, blocks end where they must, bad opcodes
 *   become #UD rather than a translation failure).
 * - Execution: run snippets through the whole JIT (cpu_exec on a vCPU in
 *   64-bit mode with identity paging over 16 MiB of RAM) and compare the
 *   registers and the defined flags with the same bytes run natively on
 *   the host, over random and edge-case inputs.  The host CPU is the
 *   reference, so a wrong lazy-flags rule fails here.
 *
 * Guest memory: PML4 0x1000, PDPT 0x2000 (one 1 GiB page), GDT 0x3000,
 * IDT 0x4000, exception stubs 0x5000 (vector v: "mov $v, %r15d; hlt" at
 * 0x5000 + 16 v), stack top 0x80000, data 0x20000, code from 0x100000.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <cpuid.h>
#include <string.h>
#include <sys/mman.h>
#include <Zydis/Zydis.h>
#include "tcg/exec-internal.h"
#include "tcg/exec.h"
#include "tcg/tcg.h"
#include "tcg/code-buffer.h"
#include "tcg/softmmu.h"
#include "tcg/i386/translate.h"
#include "hw/machine.h"
#include "memory/memory.h"
#include "main/main-loop.h"
#include "guest-ram.h"

#define RAM_SIZE    (16 * MiB)
#define PML4        0x1000
#define PDPT        0x2000
#define GDT         0x3000
#define IDT         0x4000
#define STUBS       0x5000
#define STACK_TOP   0x80000
#define DATA        0x20000
#define CODE_BASE   0x100000
#define NO_EXC      0xffff

static MemoryRegion ram;
static X86CPU *cpu;
static Machine machine;
static uint64_t code_next = CODE_BASE;

/* ---- Encoding (Zydis encoder) --------------------------------------------- */

typedef struct Code {
    uint8_t b[256];
    size_t n;
} Code;

static ZydisEncoderOperand R(ZydisRegister r)
{
    ZydisEncoderOperand o = { .type = ZYDIS_OPERAND_TYPE_REGISTER };

    o.reg.value = r;
    return o;
}

static ZydisEncoderOperand I(int64_t v)
{
    ZydisEncoderOperand o = { .type = ZYDIS_OPERAND_TYPE_IMMEDIATE };

    o.imm.s = v;
    return o;
}

static ZydisEncoderOperand M(ZydisRegister base, int64_t disp, unsigned size)
{
    ZydisEncoderOperand o = { .type = ZYDIS_OPERAND_TYPE_MEMORY };

    o.mem.base = base;
    o.mem.displacement = disp;
    o.mem.size = size;
    return o;
}

static ZydisMachineMode enc_mode = ZYDIS_MACHINE_MODE_LONG_64;

static void emit(Code *c, ZydisMnemonic m, int n, ...)
{
    ZydisEncoderRequest req;
    ZyanUSize len = sizeof(c->b) - c->n;
    va_list ap;

    memset(&req, 0, sizeof(req));
    req.mnemonic = m;
    req.machine_mode = enc_mode;
    req.operand_count = n;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        req.operands[i] = va_arg(ap, ZydisEncoderOperand);
    }
    va_end(ap);
    if (ZYAN_FAILED(ZydisEncoderEncodeInstruction(&req, c->b + c->n, &len))) {
        g_error("cannot encode %s", ZydisMnemonicGetString(m));
    }
    c->n += len;
}

static void emit_bytes(Code *c, const void *b, size_t n)
{
    memcpy(c->b + c->n, b, n);
    c->n += n;
}

/* ---- Native reference ------------------------------------------------------ */

typedef struct Regs {
    uint64_t r[16];
    uint64_t flags;
} Regs;

void native_run(Regs *regs, void *code);
asm(".text\n"
    ".globl native_run\n"
    "native_run:\n"
    "  push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
    "  push %rdi\n"
    "  push %rsi\n"
    "  pushq 128(%rdi); popfq\n"
    "  mov 0(%rdi), %rax; mov 8(%rdi), %rcx; mov 16(%rdi), %rdx\n"
    "  mov 24(%rdi), %rbx; mov 40(%rdi), %rbp; mov 48(%rdi), %rsi\n"
    "  mov 64(%rdi), %r8; mov 72(%rdi), %r9; mov 80(%rdi), %r10\n"
    "  mov 88(%rdi), %r11; mov 96(%rdi), %r12; mov 104(%rdi), %r13\n"
    "  mov 112(%rdi), %r14; mov 120(%rdi), %r15; mov 56(%rdi), %rdi\n"
    "  call *(%rsp)\n"
    "  push %rdi\n"
    "  mov 16(%rsp), %rdi\n"
    "  mov %rax, 0(%rdi); mov %rcx, 8(%rdi); mov %rdx, 16(%rdi)\n"
    "  mov %rbx, 24(%rdi); mov %rbp, 40(%rdi); mov %rsi, 48(%rdi)\n"
    "  mov %r8, 64(%rdi); mov %r9, 72(%rdi); mov %r10, 80(%rdi)\n"
    "  mov %r11, 88(%rdi); mov %r12, 96(%rdi); mov %r13, 104(%rdi)\n"
    "  mov %r14, 112(%rdi); mov %r15, 120(%rdi)\n"
    "  pushfq; popq 128(%rdi)\n"
    "  popq 56(%rdi)\n"
    "  add $16, %rsp\n"
    "  pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
    "  ret\n");

static uint8_t *native_code;

static void run_native(const Code *c, Regs *regs)
{
    memcpy(native_code, c->b, c->n);
    native_code[c->n] = 0xc3;           /* ret */
    native_run(regs, native_code);
}

/* ---- Guest setup ------------------------------------------------------------ */

static void setup_guest_tables(void)
{
    /* identity map of the first GiB, user accessible */
    put64(PML4, PDPT | 0x7);
    put64(PDPT, 0x87);
    put64(GDT + 8, 0x00af9a000000ffffULL);      /* 0x08 code64 */
    put64(GDT + 16, 0x00cf92000000ffffULL);     /* 0x10 data */
    for (int v = 0; v < 32; v++) {
        uint64_t h = STUBS + v * 16;
        uint8_t stub[] = { 0x41, 0xbf, v, 0, 0, 0, 0xf4 };

        memcpy(guest_ram + h, stub, sizeof(stub));
        /* 64-bit interrupt gate, DPL 0, selector 0x08 */
        put64(IDT + v * 16, (h & 0xffff) | (0x08ULL << 16) |
              (0x8eULL << 40) | ((h >> 16) & 0xffff) << 48);
        put64(IDT + v * 16 + 8, h >> 32);
    }
}

static void reset_cpu(uint64_t rip)
{
    cpu->cr0 = CR0_PE | CR0_ET | CR0_PG | CR0_WP;
    cpu->cr3 = PML4;
    cpu->cr4 = CR4_PAE;
    cpu->efer = EFER_LME | EFER_LMA | EFER_SCE;
    cpu->segs[R_CS] = (SegmentCache){ 0x08, 0, 0xffffffff,
                                      SEG_ATTR_P | SEG_ATTR_S | SEG_ATTR_L |
                                      0xb };
    for (int s = R_ES; s <= R_GS; s++) {
        if (s != R_CS) {
            cpu->segs[s] = (SegmentCache){ 0x10, 0, 0xffffffff,
                                           SEG_ATTR_P | SEG_ATTR_S |
                                           SEG_ATTR_DB | SEG_ATTR_G | 0x3 };
        }
    }
    cpu->gdt = (DescriptorTable){ GDT, 23 };
    cpu->idt = (DescriptorTable){ IDT, 32 * 16 - 1 };
    cpu->rip = rip;
    cpu->rflags = RFLAGS_FIXED;
    cpu->cc_op = CC_OP_EFLAGS;
    cpu->halted = false;
    cpu->exception_index = -1;
    tlb_flush(cpu);
}

/* Code is placed once per distinct byte string, so no block goes stale. */
static uint64_t place_code(const Code *c)
{
    static GHashTable *placed;
    GBytes *key;
    gpointer addr;

    if (!placed) {
        placed = g_hash_table_new(g_bytes_hash, g_bytes_equal);
    }
    key = g_bytes_new(c->b, c->n);
    addr = g_hash_table_lookup(placed, key);
    if (addr) {
        g_bytes_unref(key);
        return (uint64_t)(uintptr_t)addr;
    }
    g_assert_cmpuint(code_next + c->n + 1, <, RAM_SIZE);
    memcpy(guest_ram + code_next, c->b, c->n);
    guest_ram[code_next + c->n] = 0xf4;          /* hlt */
    g_hash_table_insert(placed, key, (gpointer)(uintptr_t)code_next);
    code_next = (code_next + c->n + 1 + 15) & ~15ULL;
    return (uint64_t)(uintptr_t)g_hash_table_lookup(placed, key);
}

/* Load @regs, run the vCPU until it halts, store the result in @regs. */
static void exec_to_hlt(Regs *regs)
{
    int r;

    memcpy(cpu->regs, regs->r, sizeof(regs->r));
    x86_load_eflags(cpu, regs->flags, ~0ULL);
    do {
        cpu->exit_request = 0;
        r = cpu_exec(cpu);
    } while (r == EXCP_INTERRUPT);
    g_assert_cmpint(r, ==, EXCP_HLT);
    x86_cpu_sync_eflags(cpu);
    memcpy(regs->r, cpu->regs, sizeof(regs->r));
    regs->flags = cpu->rflags;
}

/*
 * Run @c under TCG from @regs (rsp is replaced by the guest stack); on
 * return @regs holds the result.  Returns the exception vector the guest
 * took (its stub stores it in r15), or NO_EXC.
 */
static unsigned run_tcg(const Code *c, Regs *regs)
{
    uint64_t rip = place_code(c);

    reset_cpu(rip);
    regs->r[R_ESP] = STACK_TOP;
    exec_to_hlt(regs);
    if (cpu->rip >= STUBS && cpu->rip < STUBS + 32 * 16) {
        return regs->r[R_R15] & 0xff;
    }
    g_assert_cmphex(cpu->rip, ==, rip + c->n + 1);
    return NO_EXC;
}

/* ---- Differential tests --------------------------------------------------- */

static const uint64_t edge[] = {
    0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
    0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
    0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL, ~1ULL, 31, 32, 33,
    63, 64, 65,
};

static uint64_t rnd_value(GRand *g)
{
    switch (g_rand_int_range(g, 0, 4)) {
    case 0:
        return edge[g_rand_int_range(g, 0, G_N_ELEMENTS(edge))];
    case 1:
        return g_rand_int_range(g, 0, 70);
    default:
        return (uint64_t)g_rand_int(g) << 32 | g_rand_int(g);
    }
}

static void rnd_regs(GRand *g, Regs *r)
{
    for (int i = 0; i < 16; i++) {
        r->r[i] = rnd_value(g);
    }
    r->r[R_ESP] = 0;
    r->flags = RFLAGS_FIXED | (g_rand_int(g) & CC_ARITH_MASK);
}

/* Compare TCG against the host for @iters random inputs; @undef: flags
 * the instruction leaves undefined. */
static bool host_has_abm(void)
{
    unsigned a, b, c, d;

    return __get_cpuid(0x80000001, &a, &b, &c, &d) && (c & (1u << 5));
}

static void diff_test(const char *name, const Code *c, uint64_t undef,
                      int iters, GRand *g)
{
    for (int it = 0; it < iters; it++) {
        Regs in, nat, emu;

        rnd_regs(g, &in);
        nat = in;
        emu = in;
        run_native(c, &nat);
        g_assert_cmpuint(run_tcg(c, &emu), ==, NO_EXC);
        for (int i = 0; i < 16; i++) {
            if (i == R_ESP) {
                continue;
            }
            if (nat.r[i] != emu.r[i]) {
                g_test_message("%s: input %d reg %d: host 0x%" PRIx64
                               " tcg 0x%" PRIx64 " (in: rax 0x%" PRIx64
                               " rbx 0x%" PRIx64 " rcx 0x%" PRIx64
                               " flags 0x%" PRIx64 ")", name, it, i,
                               nat.r[i], emu.r[i], in.r[0], in.r[3], in.r[1],
                               in.flags);
                for (size_t k = 0; k < c->n; k++) {
                    g_test_message("  code[%zu] = %02x", k, c->b[k]);
                }
            }
            g_assert_cmphex(emu.r[i], ==, nat.r[i]);
        }
        if ((nat.flags ^ emu.flags) & CC_ARITH_MASK & ~undef) {
            g_test_message("%s: input %d flags: in 0x%" PRIx64 " host 0x%"
                           PRIx64 " tcg 0x%" PRIx64 " (rax 0x%" PRIx64
                           " rbx 0x%" PRIx64 " rcx 0x%" PRIx64 ")", name, it,
                           in.flags, nat.flags, emu.flags, in.r[0], in.r[3],
                           in.r[1]);
        }
        g_assert_cmphex(emu.flags & CC_ARITH_MASK & ~undef, ==,
                        nat.flags & CC_ARITH_MASK & ~undef);
    }
}

typedef struct SizedRegs {
    ZydisRegister a, b, cl;
} SizedRegs;

static const SizedRegs sized[4] = {
    { ZYDIS_REGISTER_AL, ZYDIS_REGISTER_BL, ZYDIS_REGISTER_CL },
    { ZYDIS_REGISTER_AX, ZYDIS_REGISTER_BX, ZYDIS_REGISTER_CL },
    { ZYDIS_REGISTER_EAX, ZYDIS_REGISTER_EBX, ZYDIS_REGISTER_CL },
    { ZYDIS_REGISTER_RAX, ZYDIS_REGISTER_RBX, ZYDIS_REGISTER_CL },
};

/* setcc of all 16 conditions into r8b..r15b (two snippets) after @op */
static void emit_all_setcc(Code *c, int half)
{
    static const ZydisMnemonic setcc[16] = {
        ZYDIS_MNEMONIC_SETO, ZYDIS_MNEMONIC_SETNO, ZYDIS_MNEMONIC_SETB,
        ZYDIS_MNEMONIC_SETNB, ZYDIS_MNEMONIC_SETZ, ZYDIS_MNEMONIC_SETNZ,
        ZYDIS_MNEMONIC_SETBE, ZYDIS_MNEMONIC_SETNBE, ZYDIS_MNEMONIC_SETS,
        ZYDIS_MNEMONIC_SETNS, ZYDIS_MNEMONIC_SETP, ZYDIS_MNEMONIC_SETNP,
        ZYDIS_MNEMONIC_SETL, ZYDIS_MNEMONIC_SETNL, ZYDIS_MNEMONIC_SETLE,
        ZYDIS_MNEMONIC_SETNLE,
    };

    for (int i = 0; i < 8; i++) {
        emit(c, setcc[half * 8 + i], 1, R(ZYDIS_REGISTER_R8B + i));
    }
}

typedef struct AluCase {
    ZydisMnemonic m;
    int form;               /* 0: a, b   1: a   2: a, cl   3: a, imm */
    uint64_t undef;         /* AF only: no condition reads it */
} AluCase;

static const AluCase alu_cases[] = {
    { ZYDIS_MNEMONIC_ADD, 0, 0 },
    { ZYDIS_MNEMONIC_ADC, 0, 0 },
    { ZYDIS_MNEMONIC_SUB, 0, 0 },
    { ZYDIS_MNEMONIC_SBB, 0, 0 },
    { ZYDIS_MNEMONIC_CMP, 0, 0 },
    { ZYDIS_MNEMONIC_AND, 0, CC_A },
    { ZYDIS_MNEMONIC_OR, 0, CC_A },
    { ZYDIS_MNEMONIC_XOR, 0, CC_A },
    { ZYDIS_MNEMONIC_TEST, 0, CC_A },
    { ZYDIS_MNEMONIC_INC, 1, 0 },
    { ZYDIS_MNEMONIC_DEC, 1, 0 },
    { ZYDIS_MNEMONIC_NEG, 1, 0 },
    { ZYDIS_MNEMONIC_NOT, 1, 0 },
    { ZYDIS_MNEMONIC_ADD, 3, 0 },
    { ZYDIS_MNEMONIC_SUB, 3, 0 },
    { ZYDIS_MNEMONIC_CMP, 3, 0 },
    { ZYDIS_MNEMONIC_AND, 3, CC_A },
};

static void test_diff_alu(void)
{
    GRand *g = g_rand_new_with_seed(1);

    for (size_t k = 0; k < G_N_ELEMENTS(alu_cases); k++) {
        const AluCase *ac = &alu_cases[k];

        for (int sz = 0; sz < 4; sz++) {
            for (int half = 0; half < 3; half++) {
                Code c = { .n = 0 };
                char name[64];

                switch (ac->form) {
                case 0:
                    emit(&c, ac->m, 2, R(sized[sz].a), R(sized[sz].b));
                    break;
                case 1:
                    emit(&c, ac->m, 1, R(sized[sz].a));
                    break;
                default:
                    emit(&c, ac->m, 2, R(sized[sz].a), I(sz ? -3 : 0x7f));
                    break;
                }
                if (half < 2) {
                    emit_all_setcc(&c, half);
                }
                snprintf(name, sizeof(name), "%s/%d/%d",
                         ZydisMnemonicGetString(ac->m), 8 << sz, half);
                diff_test(name, &c, ac->undef, 60, g);
            }
        }
    }
    g_test_message("ALU: %zu cases x 4 sizes x (flags + 16 conditions)",
                   G_N_ELEMENTS(alu_cases));
    g_rand_free(g);
}

static void test_diff_shift(void)
{
    static const ZydisMnemonic ms[] = {
        ZYDIS_MNEMONIC_SHL, ZYDIS_MNEMONIC_SHR, ZYDIS_MNEMONIC_SAR,
        ZYDIS_MNEMONIC_ROL, ZYDIS_MNEMONIC_ROR, ZYDIS_MNEMONIC_RCL,
        ZYDIS_MNEMONIC_RCR,
    };
    GRand *g = g_rand_new_with_seed(2);

    for (size_t k = 0; k < G_N_ELEMENTS(ms); k++) {
        for (int sz = 0; sz < 4; sz++) {
            /* count 1 (OF defined), an immediate, and CL */
            for (int form = 0; form < 3; form++) {
                Code c = { .n = 0 };
                char name[64];
                /* OF is defined for count 1 only; AF after shifts never */
                uint64_t undef = CC_A | (form ? CC_O : 0);

                if (form == 0) {
                    emit(&c, ms[k], 2, R(sized[sz].a), I(1));
                } else if (form == 1) {
                    emit(&c, ms[k], 2, R(sized[sz].a), I(sz == 3 ? 37 : 5));
                } else {
                    emit(&c, ms[k], 2, R(sized[sz].a), R(ZYDIS_REGISTER_CL));
                }
                /* 8/16-bit shifts past the width leave CF undefined */
                if (form == 2 && sz < 2) {
                    undef |= CC_C;
                }
                snprintf(name, sizeof(name), "%s/%d/%s",
                         ZydisMnemonicGetString(ms[k]), 8 << sz,
                         form == 0 ? "1" : form == 1 ? "imm" : "cl");
                diff_test(name, &c, undef, 80, g);
            }
        }
    }
    g_rand_free(g);
}

static void test_diff_muldiv_bits(void)
{
    GRand *g = g_rand_new_with_seed(3);
    uint64_t mul_undef = CC_S | CC_Z | CC_A | CC_P;

    for (int sz = 0; sz < 4; sz++) {
        Code c = { .n = 0 };

        emit(&c, ZYDIS_MNEMONIC_MUL, 1, R(sized[sz].b));
        diff_test("mul", &c, mul_undef, 60, g);
        c.n = 0;
        emit(&c, ZYDIS_MNEMONIC_IMUL, 1, R(sized[sz].b));
        diff_test("imul1", &c, mul_undef, 60, g);
        if (sz) {
            c.n = 0;
            emit(&c, ZYDIS_MNEMONIC_IMUL, 2, R(sized[sz].a), R(sized[sz].b));
            diff_test("imul2", &c, mul_undef, 60, g);
            c.n = 0;
            emit(&c, ZYDIS_MNEMONIC_IMUL, 3, R(sized[sz].a), R(sized[sz].b),
                 I(-1000));
            diff_test("imul3", &c, mul_undef, 60, g);
            c.n = 0;
            emit(&c, ZYDIS_MNEMONIC_BSF, 2, R(sized[sz].a), R(sized[sz].b));
            diff_test("bsf", &c, ~(uint64_t)CC_Z, 60, g);
            c.n = 0;
            emit(&c, ZYDIS_MNEMONIC_BSR, 2, R(sized[sz].a), R(sized[sz].b));
            diff_test("bsr", &c, ~(uint64_t)CC_Z, 60, g);
            c.n = 0;
            emit(&c, ZYDIS_MNEMONIC_BT, 2, R(sized[sz].a), R(sized[sz].b));
            diff_test("bt", &c, CC_O | CC_S | CC_A | CC_P, 60, g);
            c.n = 0;
            emit(&c, ZYDIS_MNEMONIC_BTS, 2, R(sized[sz].a), I(sz * 9 + 3));
            diff_test("bts", &c, CC_O | CC_S | CC_A | CC_P, 60, g);
            c.n = 0;
            emit(&c, ZYDIS_MNEMONIC_BTC, 2, R(sized[sz].a), R(sized[sz].b));
            diff_test("btc", &c, CC_O | CC_S | CC_A | CC_P, 60, g);
            c.n = 0;
            emit(&c, ZYDIS_MNEMONIC_SHLD, 3, R(sized[sz].a), R(sized[sz].b),
                 I(sz == 3 ? 40 : 7));
            diff_test("shld", &c, CC_O | CC_A, 60, g);
            c.n = 0;
            emit(&c, ZYDIS_MNEMONIC_SHRD, 3, R(sized[sz].a), R(sized[sz].b),
                 I(1));
            diff_test("shrd", &c, CC_A, 60, g);
            c.n = 0;
            emit(&c, ZYDIS_MNEMONIC_CMOVL, 2, R(sized[sz].a), R(sized[sz].b));
            diff_test("cmovl", &c, 0, 30, g);
            if (sz >= 2) {
                c.n = 0;
                emit(&c, ZYDIS_MNEMONIC_BSWAP, 1, R(sized[sz].a));
                diff_test("bswap", &c, 0, 20, g);
            }
        }
        c.n = 0;
        emit(&c, ZYDIS_MNEMONIC_XADD, 2, R(sized[sz].a), R(sized[sz].b));
        diff_test("xadd", &c, 0, 40, g);
        c.n = 0;
        emit(&c, ZYDIS_MNEMONIC_CMPXCHG, 2, R(sized[sz].b), R(sized[sz].a));
        diff_test("cmpxchg-reg", &c, 0, 40, g);
        c.n = 0;
        if (sz < 2) {
            emit(&c, ZYDIS_MNEMONIC_MOVSX, 2, R(ZYDIS_REGISTER_RDX),
                 R(sized[sz].b));
        } else if (sz == 2) {
            emit(&c, ZYDIS_MNEMONIC_MOVSXD, 2, R(ZYDIS_REGISTER_RDX),
                 R(ZYDIS_REGISTER_EBX));
        } else {
            emit(&c, ZYDIS_MNEMONIC_MOVZX, 2, R(ZYDIS_REGISTER_EDX),
                 R(ZYDIS_REGISTER_BX));
        }
        diff_test("movsx", &c, 0, 20, g);
    }
    {
        static const uint8_t misc[][4] = {
            { 0x98 }, { 0x66, 0x98 }, { 0x48, 0x98 },       /* cbw family */
            { 0x99 }, { 0x66, 0x99 }, { 0x48, 0x99 },       /* cwd family */
            { 0xf5 }, { 0xf8 }, { 0xf9 },                   /* cmc clc stc */
            { 0x9f }, { 0x9e },                             /* lahf sahf */
            { 0xf3, 0x0f, 0xb8, 0xc3 },                     /* popcnt eax,ebx */
        };
        static const int len[] = { 1, 2, 2, 1, 2, 2, 1, 1, 1, 1, 1, 4 };

        for (size_t i = 0; i < G_N_ELEMENTS(misc); i++) {
            Code c = { .n = 0 };

            emit_bytes(&c, misc[i], len[i]);
            emit(&c, ZYDIS_MNEMONIC_ADC, 2, R(ZYDIS_REGISTER_R9),
                 R(ZYDIS_REGISTER_R10));
            diff_test("misc", &c, 0, 30, g);
        }
    }
    {
        /* rol/ror/bts skip the helper that keeps their other flags when
         * the next instruction overwrites every flag (add), not when it
         * reads one (adc) or is the block's last: all agree with the host */
        static const ZydisMnemonic next[] = {
            ZYDIS_MNEMONIC_ADD, ZYDIS_MNEMONIC_ADC, ZYDIS_MNEMONIC_TEST,
        };

        for (size_t i = 0; i < G_N_ELEMENTS(next); i++) {
            Code c = { .n = 0 };

            emit(&c, ZYDIS_MNEMONIC_ADD, 2, R(ZYDIS_REGISTER_R9),
                 R(ZYDIS_REGISTER_R10));
            emit(&c, ZYDIS_MNEMONIC_ROL, 2, R(ZYDIS_REGISTER_RAX), I(7));
            emit(&c, next[i], 2, R(ZYDIS_REGISTER_RSI),
                 R(ZYDIS_REGISTER_R14));
            diff_test("rol-then", &c, 0, 30, g);
            c.n = 0;
            emit(&c, ZYDIS_MNEMONIC_SUB, 2, R(ZYDIS_REGISTER_R9),
                 R(ZYDIS_REGISTER_R10));
            emit(&c, ZYDIS_MNEMONIC_ROR, 2, R(ZYDIS_REGISTER_EAX), I(3));
            emit(&c, next[i], 2, R(ZYDIS_REGISTER_ESI), I(0x55));
            diff_test("ror-then", &c, 0, 30, g);
            c.n = 0;
            emit(&c, ZYDIS_MNEMONIC_ADD, 2, R(ZYDIS_REGISTER_R9),
                 R(ZYDIS_REGISTER_R10));
            emit(&c, ZYDIS_MNEMONIC_BTS, 2, R(ZYDIS_REGISTER_RAX),
                 R(ZYDIS_REGISTER_RCX));
            emit(&c, next[i], 2, R(ZYDIS_REGISTER_RSI),
                 R(ZYDIS_REGISTER_R14));
            diff_test("bts-then", &c, 0, 30, g);
        }
        g_test_message("rol/ror/bts followed by add, adc, test: as the host");
    }
    if (host_has_abm()) {
        /* lzcnt r32/r64/r16, rbx; the random values include zero rarely,
         * so once more from zero: CF set, result = the operand width */
        static const uint8_t lz[][5] = {
            { 0xf3, 0x0f, 0xbd, 0xc3 }, { 0xf3, 0x48, 0x0f, 0xbd, 0xc3 },
            { 0x66, 0xf3, 0x0f, 0xbd, 0xc3 },
        };
        static const int len[] = { 4, 5, 5 };

        for (size_t i = 0; i < G_N_ELEMENTS(lz); i++) {
            Code c = { .n = 0 };

            emit_bytes(&c, lz[i], len[i]);
            diff_test("lzcnt", &c, CC_O | CC_S | CC_A | CC_P, 30, g);
            c.n = 0;
            emit(&c, ZYDIS_MNEMONIC_XOR, 2, R(ZYDIS_REGISTER_EBX),
                 R(ZYDIS_REGISTER_EBX));
            emit_bytes(&c, lz[i], len[i]);
            diff_test("lzcnt-zero", &c, CC_O | CC_S | CC_A | CC_P, 2, g);
        }
    }
    g_rand_free(g);
}

/* ---- Memory, stack, strings, exceptions (TCG only, exact values) ------------ */

static void test_memory_and_stack(void)
{
    Regs r = { .flags = RFLAGS_FIXED };
    Code c = { .n = 0 };

    memset(guest_ram + DATA, 0, 4096);
    /* mov [rsi+8], rax; add [rsi+8], rbx; mov rcx, [rsi+8]; push rcx;
     * pop rdx; lock xadd [rsi], rdx */
    emit(&c, ZYDIS_MNEMONIC_MOV, 2, M(ZYDIS_REGISTER_RSI, 8, 8),
         R(ZYDIS_REGISTER_RAX));
    emit(&c, ZYDIS_MNEMONIC_ADD, 2, M(ZYDIS_REGISTER_RSI, 8, 8),
         R(ZYDIS_REGISTER_RBX));
    emit(&c, ZYDIS_MNEMONIC_MOV, 2, R(ZYDIS_REGISTER_RCX),
         M(ZYDIS_REGISTER_RSI, 8, 8));
    emit(&c, ZYDIS_MNEMONIC_PUSH, 1, R(ZYDIS_REGISTER_RCX));
    emit(&c, ZYDIS_MNEMONIC_POP, 1, R(ZYDIS_REGISTER_RDX));
    emit_bytes(&c, "\xf0\x48\x0f\xc1\x16", 5);    /* lock xadd [rsi], rdx */
    r.r[R_EAX] = 40;
    r.r[R_EBX] = 2;
    r.r[R_ESI] = DATA;
    put64(DATA, 100);
    g_assert_cmpuint(run_tcg(&c, &r), ==, NO_EXC);
    g_test_message("mem: [data+8]=%" PRIu64 " rcx=%" PRIu64 " rdx=%" PRIu64
                   " [data]=%" PRIu64, get64(DATA + 8), r.r[R_ECX],
                   r.r[R_EDX], get64(DATA));
    g_assert_cmpuint(get64(DATA + 8), ==, 42);
    g_assert_cmpuint(r.r[R_ECX], ==, 42);
    g_assert_cmpuint(r.r[R_EDX], ==, 100);
    g_assert_cmpuint(get64(DATA), ==, 142);
    g_assert_cmphex(r.r[R_ESP], ==, STACK_TOP);
}

static void test_strings(void)
{
    Regs r = { .flags = RFLAGS_FIXED };
    Code c = { .n = 0 };

    for (int i = 0; i < 300; i++) {
        guest_ram[DATA + i] = i * 7;
    }
    memset(guest_ram + DATA + 0x800, 0, 512);
    emit_bytes(&c, "\xf3\xa4", 2);                 /* rep movsb */
    r.r[R_ECX] = 300;
    r.r[R_ESI] = DATA;
    r.r[R_EDI] = DATA + 0x800;
    g_assert_cmpuint(run_tcg(&c, &r), ==, NO_EXC);
    g_test_message("rep movsb: rcx=%" PRIu64 " rsi=0x%" PRIx64 " rdi=0x%"
                   PRIx64, r.r[R_ECX], r.r[R_ESI], r.r[R_EDI]);
    g_assert_cmpuint(r.r[R_ECX], ==, 0);
    g_assert_cmphex(r.r[R_ESI], ==, DATA + 300);
    g_assert_cmphex(r.r[R_EDI], ==, DATA + 0x800 + 300);
    g_assert_cmpmem(guest_ram + DATA, 300, guest_ram + DATA + 0x800, 300);

    /* repne scasb finds the first 0x23 (= 5 * 7) */
    c.n = 0;
    emit_bytes(&c, "\xf2\xae", 2);
    memset(&r, 0, sizeof(r));
    r.flags = RFLAGS_FIXED;
    r.r[R_EAX] = 0x23;
    r.r[R_ECX] = 100;
    r.r[R_EDI] = DATA;
    g_assert_cmpuint(run_tcg(&c, &r), ==, NO_EXC);
    g_test_message("repne scasb: rcx=%" PRIu64 " rdi=0x%" PRIx64 " ZF=%d",
                   r.r[R_ECX], r.r[R_EDI], !!(r.flags & CC_Z));
    g_assert_cmphex(r.r[R_EDI], ==, DATA + 6);
    g_assert_cmpuint(r.r[R_ECX], ==, 94);
    g_assert_true(r.flags & CC_Z);

    /* std; rep stosd backwards; cld */
    c.n = 0;
    emit_bytes(&c, "\xfd\xf3\xab\xfc", 4);
    memset(&r, 0, sizeof(r));
    r.flags = RFLAGS_FIXED;
    r.r[R_EAX] = 0xabcdef01;
    r.r[R_ECX] = 4;
    r.r[R_EDI] = DATA + 0x100c;
    g_assert_cmpuint(run_tcg(&c, &r), ==, NO_EXC);
    g_assert_cmphex(r.r[R_EDI], ==, DATA + 0x0ffc);
    g_assert_cmphex(get64(DATA + 0x1000) & 0xffffffff, ==, 0xabcdef01);
    g_assert_cmphex(get64(DATA + 0x1008) >> 32, ==, 0xabcdef01);
}

static void test_exceptions(void)
{
    Regs r = { .flags = RFLAGS_FIXED };
    Code c = { .n = 0 };
    unsigned v;

    /* div by zero: #DE at the div, registers untouched */
    emit(&c, ZYDIS_MNEMONIC_INC, 1, R(ZYDIS_REGISTER_RAX));
    emit(&c, ZYDIS_MNEMONIC_DIV, 1, R(ZYDIS_REGISTER_RBX));
    r.r[R_EAX] = 5;
    v = run_tcg(&c, &r);
    g_test_message("div 0: vector %u, pushed rip 0x%" PRIx64, v,
                   get64(r.r[R_ESP]));
    g_assert_cmpuint(v, ==, EXCP_DE);
    g_assert_cmpuint(r.r[R_EAX], ==, 6);
    g_assert_cmphex(get64(r.r[R_ESP]), ==, place_code(&c) + 3);

    /* idiv overflow */
    c.n = 0;
    emit(&c, ZYDIS_MNEMONIC_IDIV, 1, R(ZYDIS_REGISTER_EBX));
    memset(&r, 0, sizeof(r));
    r.flags = RFLAGS_FIXED;
    r.r[R_EAX] = 0x80000000;
    r.r[R_EDX] = 0xffffffff;
    r.r[R_EBX] = 0xffffffff;
    g_assert_cmpuint(run_tcg(&c, &r), ==, EXCP_DE);

    /* a good division */
    c.n = 0;
    emit(&c, ZYDIS_MNEMONIC_IDIV, 1, R(ZYDIS_REGISTER_EBX));
    memset(&r, 0, sizeof(r));
    r.flags = RFLAGS_FIXED;
    r.r[R_EAX] = (uint32_t)-100;
    r.r[R_EDX] = 0xffffffff;
    r.r[R_EBX] = 7;
    g_assert_cmpuint(run_tcg(&c, &r), ==, NO_EXC);
    g_assert_cmphex(r.r[R_EAX], ==, (uint32_t)-14);
    g_assert_cmphex(r.r[R_EDX], ==, (uint32_t)-2);

    /* ud2 and an undecodable byte: #UD, never an abort */
    c.n = 0;
    emit_bytes(&c, "\x90\x0f\x0b", 3);
    memset(&r, 0, sizeof(r));
    r.flags = RFLAGS_FIXED;
    g_assert_cmpuint(run_tcg(&c, &r), ==, EXCP_UD);
    g_assert_cmphex(get64(r.r[R_ESP]), ==, place_code(&c) + 1);
    c.n = 0;
    emit_bytes(&c, "\x90\x06", 2);                 /* push es: #UD in 64-bit */
    g_assert_cmpuint(run_tcg(&c, &r), ==, EXCP_UD);
    g_assert_cmphex(get64(r.r[R_ESP]), ==, place_code(&c) + 1);

    /* a store to an unmapped page: #PF with CR2, rcx not yet written */
    c.n = 0;
    emit(&c, ZYDIS_MNEMONIC_MOV, 2, R(ZYDIS_REGISTER_RCX), I(7));
    emit(&c, ZYDIS_MNEMONIC_XCHG, 2, M(ZYDIS_REGISTER_RSI, 0, 8),
         R(ZYDIS_REGISTER_RCX));
    memset(&r, 0, sizeof(r));
    r.flags = RFLAGS_FIXED;
    r.r[R_ESI] = 0x40000000;                       /* past the 1 GiB page */
    v = run_tcg(&c, &r);
    g_test_message("xchg unmapped: vector %u cr2 0x%" PRIx64, v, cpu->cr2);
    g_assert_cmpuint(v, ==, EXCP_PF);
    g_assert_cmphex(cpu->cr2, ==, 0x40000000);
    g_assert_cmpuint(r.r[R_ECX], ==, 7);
}

/* ---- 32-bit protected mode and 16-bit real mode ------------------------------ */

static SegmentCache seg32(uint16_t sel, uint64_t base, uint16_t type)
{
    return (SegmentCache){ sel, base, 0xffffffff,
                           SEG_ATTR_P | SEG_ATTR_S | SEG_ATTR_DB |
                           SEG_ATTR_G | type };
}

/* Run @c at @rip (already in RAM) until hlt; returns with @regs filled. */
static void run_to_hlt(uint64_t pc, Regs *regs)
{
    cpu->halted = false;
    cpu->exception_index = -1;
    tlb_flush(cpu);
    exec_to_hlt(regs);
    g_test_message("stopped at pc 0x%" PRIx64 " (code at 0x%" PRIx64 ")",
                   x86_tb_pc(cpu), pc);
}

static void test_mode32(void)
{
    Regs r = { .flags = RFLAGS_FIXED };
    Code c = { .n = 0 };
    uint64_t pc;

    enc_mode = ZYDIS_MACHINE_MODE_LEGACY_32;
    emit(&c, ZYDIS_MNEMONIC_PUSH, 1, R(ZYDIS_REGISTER_EAX));
    emit(&c, ZYDIS_MNEMONIC_PUSH, 1, I(0x12345678));
    emit(&c, ZYDIS_MNEMONIC_POP, 1, R(ZYDIS_REGISTER_ECX));
    emit(&c, ZYDIS_MNEMONIC_POP, 1, R(ZYDIS_REGISTER_EDX));
    emit_bytes(&c, "\xe8\x00\x00\x00\x00", 5);   /* call +0 */
    emit(&c, ZYDIS_MNEMONIC_POP, 1, R(ZYDIS_REGISTER_EBX));
    /* DS has base DATA: [0x100] is linear DATA + 0x100 */
    emit_bytes(&c, "\x8b\x35\x00\x01\x00\x00", 6); /* mov esi, [0x100] */
    emit(&c, ZYDIS_MNEMONIC_MOV, 2, M(ZYDIS_REGISTER_EDI, 4, 4),
         R(ZYDIS_REGISTER_ESI));
    emit_bytes(&c, "\x60\x31\xc0\x61", 4);       /* pushad; xor; popad */
    emit_bytes(&c, "\x66\x05\x01\x00", 4);       /* add ax, 1 */
    enc_mode = ZYDIS_MACHINE_MODE_LONG_64;
    pc = place_code(&c);

    reset_cpu(pc);
    cpu->cr0 = CR0_PE | CR0_ET;
    cpu->cr4 = 0;
    cpu->efer = 0;
    cpu->segs[R_CS] = seg32(0x08, 0, 0xb);
    cpu->segs[R_SS] = seg32(0x10, 0, 0x3);
    cpu->segs[R_ES] = seg32(0x10, 0, 0x3);
    cpu->segs[R_DS] = seg32(0x10, DATA, 0x3);
    put64(DATA + 0x100, 0xcafef00d);
    put64(DATA + 0x204, 0);
    r.r[R_EAX] = 0xffffaaaa;
    r.r[R_EDI] = 0x200;
    r.r[R_ESP] = STACK_TOP;
    run_to_hlt(pc, &r);
    g_test_message("32-bit: ecx 0x%" PRIx64 " edx 0x%" PRIx64 " ebx 0x%"
                   PRIx64 " esi 0x%" PRIx64 " eax 0x%" PRIx64, r.r[R_ECX],
                   r.r[R_EDX], r.r[R_EBX], r.r[R_ESI], r.r[R_EAX]);
    g_assert_cmphex(r.r[R_ECX], ==, 0x12345678);
    g_assert_cmphex(r.r[R_EDX], ==, 0xffffaaaa);
    g_assert_cmphex(r.r[R_EBX], ==, pc + 8 + 5);     /* after the call */
    g_assert_cmphex(r.r[R_ESI], ==, 0xcafef00d);
    g_assert_cmphex(get64(DATA + 0x204), ==, 0xcafef00d);
    g_assert_cmphex(r.r[R_EAX], ==, 0xffffaaab);     /* popad restored */
    g_assert_cmphex(r.r[R_ESP], ==, STACK_TOP);
    g_assert_cmphex(cpu->rip, ==, pc + c.n + 1);
}

static void test_mode16(void)
{
    static const uint8_t code[] = {
        0x8b, 0x40, 0x02,               /* mov ax, [bx+si+2] (DS) */
        0x50,                           /* push ax */
        0x5a,                           /* pop dx */
        0xb9, 0x03, 0x00,               /* mov cx, 3 */
        0x47,                           /* 1: inc di */
        0xe2, 0xfd,                     /* loop 1b */
        0x66, 0xb8, 0x78, 0x56, 0x34, 0x12,     /* mov eax, 0x12345678 */
        0x66, 0x0f, 0x01, 0x16, 0x00, 0x01,     /* lgdtl [0x100] */
        0xf4,                           /* hlt */
    };
    Regs r = { .flags = RFLAGS_FIXED };
    uint64_t base = 0x60000;

    memcpy(guest_ram + base, code, sizeof(code));
    put64(DATA + 0x10 + 0x20 + 2, 0xbeef);
    put64(DATA + 0x100, 0x0012345600ffULL);     /* limit 0xff, base */
    reset_cpu(0);
    cpu->cr0 = CR0_ET;
    cpu->cr4 = 0;
    cpu->efer = 0;
    cpu->segs[R_CS] = (SegmentCache){ base >> 4, base, 0xffff,
                                      SEG_ATTR_P | SEG_ATTR_S | 0xb };
    cpu->segs[R_DS] = (SegmentCache){ DATA >> 4, DATA, 0xffff,
                                      SEG_ATTR_P | SEG_ATTR_S | 0x3 };
    cpu->segs[R_SS] = (SegmentCache){ 0x7000, 0x70000, 0xffff,
                                      SEG_ATTR_P | SEG_ATTR_S | 0x3 };
    r.r[R_EBX] = 0x10;
    r.r[R_ESI] = 0x20;
    r.r[R_EDI] = 0xffff;                         /* wraps at 16 bits */
    r.r[R_ESP] = 0xfffe;
    r.r[R_EAX] = 0xaaaa0000;
    run_to_hlt(base, &r);
    g_test_message("16-bit: dx 0x%" PRIx64 " cx 0x%" PRIx64 " di 0x%" PRIx64
                   " eax 0x%" PRIx64 " gdt 0x%" PRIx64 "/0x%x", r.r[R_EDX],
                   r.r[R_ECX], r.r[R_EDI], r.r[R_EAX], cpu->gdt.base,
                   cpu->gdt.limit);
    g_assert_cmphex(r.r[R_EDX], ==, 0xbeef);
    g_assert_cmphex(r.r[R_ECX], ==, 0);
    g_assert_cmphex(r.r[R_EDI], ==, 2);
    g_assert_cmphex(r.r[R_EAX], ==, 0x12345678);
    g_assert_cmphex(r.r[R_ESP], ==, 0xfffe);
    g_assert_cmphex(get64(0x70000 + 0xfffc) & 0xffff, ==, 0xbeef);
    g_assert_cmphex(cpu->gdt.base, ==, 0x123456);
    g_assert_cmphex(cpu->gdt.limit, ==, 0xff);
    g_assert_cmphex(cpu->rip, ==, sizeof(code));
}

/* TF: a #DB trap after each instruction, with the next rip pushed */
static void test_single_step(void)
{
    Regs r = { .flags = RFLAGS_FIXED | RFLAGS_TF };
    Code c = { .n = 0 };
    unsigned v;

    emit(&c, ZYDIS_MNEMONIC_INC, 1, R(ZYDIS_REGISTER_RAX));
    emit(&c, ZYDIS_MNEMONIC_INC, 1, R(ZYDIS_REGISTER_RAX));
    v = run_tcg(&c, &r);
    g_test_message("TF: vector %u rax %" PRIu64 " pushed rip 0x%" PRIx64
                   " dr6 0x%" PRIx64, v, r.r[R_EAX], get64(r.r[R_ESP]),
                   cpu->dr[6]);
    g_assert_cmpuint(v, ==, EXCP_DB);
    g_assert_cmpuint(r.r[R_EAX], ==, 1);
    g_assert_cmphex(get64(r.r[R_ESP]), ==, place_code(&c) + 3);
    g_assert_true(cpu->dr[6] & (1 << 14));
}

/* ---- IR checks ---------------------------------------------------------------- */

static GString *translate_ir(const Code *c, int *icount, unsigned *calls)
{
    TCGCPUState *t = tcg_cpu(cpu);
    static TCGContext *s;
    TranslationBlock tb;
    GString *out = g_string_new(NULL);
    const char *p;

    if (!s) {
        s = tcg_context_new();
        x86_translate_init(s);
    }
    reset_cpu(place_code(c));
    memset(&tb, 0, sizeof(tb));
    tb.flags = x86_tb_flags(cpu, &tb.cs_base);
    tb.pc = x86_tb_pc(cpu);
    tb.phys_pc[0] = tb.phys_pc[1] = (uint64_t)-1;
    t->in_exec = true;
    *icount = x86_translate_block(s, cpu, &tb, TB_MAX_INSNS);
    t->in_exec = false;
    tcg_dump_ops(s, out);
    *calls = 0;
    for (p = out->str; (p = strstr(p, " call ")); p++) {
        (*calls)++;
    }
    return out;
}

static void test_ir(void)
{
    Code c = { .n = 0 };
    GString *ir;
    unsigned calls;
    int n;

    /* cmp; jl: the branch is one signed compare, no flags helper */
    emit(&c, ZYDIS_MNEMONIC_CMP, 2, R(ZYDIS_REGISTER_EAX),
         R(ZYDIS_REGISTER_EBX));
    emit_bytes(&c, "\x7c\x02", 2);                 /* jl +2 */
    ir = translate_ir(&c, &n, &calls);
    g_test_message("cmp+jl: %d insns, %u calls\n%s", n, calls, ir->str);
    g_assert_cmpint(n, ==, 2);
    g_assert_cmpuint(calls, ==, 0);
    g_assert_nonnull(strstr(ir->str, "lt"));
    g_string_free(ir, true);

    /* test; jle; and the block ends at the branch */
    c.n = 0;
    emit(&c, ZYDIS_MNEMONIC_TEST, 2, R(ZYDIS_REGISTER_RAX),
         R(ZYDIS_REGISTER_RAX));
    emit_bytes(&c, "\x7e\x00\x90\x90", 4);         /* jle +0; nop; nop */
    ir = translate_ir(&c, &n, &calls);
    g_test_message("test+jle: %d insns, %u calls", n, calls);
    g_assert_cmpint(n, ==, 2);
    g_assert_cmpuint(calls, ==, 0);
    g_string_free(ir, true);

    /* jo after add needs the flags: one call */
    c.n = 0;
    emit(&c, ZYDIS_MNEMONIC_ADD, 2, R(ZYDIS_REGISTER_EAX),
         R(ZYDIS_REGISTER_EBX));
    emit_bytes(&c, "\x70\x00", 2);
    ir = translate_ir(&c, &n, &calls);
    g_test_message("add+jo: %u calls", calls);
    g_assert_cmpuint(calls, ==, 1);
    g_string_free(ir, true);

    /* an undecodable byte still translates (to a #UD call) */
    c.n = 0;
    emit_bytes(&c, "\x90\xd6", 2);                 /* salc: #UD in 64-bit */
    ir = translate_ir(&c, &n, &calls);
    g_test_message("bad opcode: %d insns, %u calls", n, calls);
    g_assert_cmpint(n, ==, 2);
    g_assert_cmpuint(calls, ==, 1);
    g_string_free(ir, true);
}

int main(int argc, char **argv)
{
    GError *err = NULL;

    g_test_init(&argc, &argv, NULL);
    main_loop_init();
    bql_lock();
    memory_init();
    guest_ram_add(&ram, "ram", RAM_SIZE);
    g_assert_cmpint(tcg_code_buffer_init(32 * MiB, &err), ==, 0);
    cpu = x86_cpu_new(&machine, 0);
    machine.cpus = &cpu;
    machine.ncpus = 1;
    current_machine = &machine;
    tcg_cpu_state_init(cpu);
    current_cpu = cpu;
    bql_unlock();
    setup_guest_tables();
    native_code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert_true(native_code != MAP_FAILED);

    g_test_add_func("/tcg/translate/ir", test_ir);
    g_test_add_func("/tcg/translate/diff-alu", test_diff_alu);
    g_test_add_func("/tcg/translate/diff-shift", test_diff_shift);
    g_test_add_func("/tcg/translate/diff-muldiv-bits", test_diff_muldiv_bits);
    g_test_add_func("/tcg/translate/memory-stack", test_memory_and_stack);
    g_test_add_func("/tcg/translate/strings", test_strings);
    g_test_add_func("/tcg/translate/exceptions", test_exceptions);
    g_test_add_func("/tcg/translate/mode32", test_mode32);
    g_test_add_func("/tcg/translate/mode16", test_mode16);
    g_test_add_func("/tcg/translate/single-step", test_single_step);
    return g_test_run();
}
