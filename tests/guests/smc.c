/*
 * smc: self-modifying code. Each case copies hand-encoded machine code into
 * a page of its own (the identity map is writable, executable and
 * user-accessible), runs it, rewrites some of its bytes and runs it again;
 * a translator that kept a stale copy of the old bytes returns the old
 * value. Cases:
 *   1. a block rewriting instructions later in itself: a store patching
 *      the very next instruction, a loop incrementing the immediate of the
 *      instruction after the increment, rep movsb copying over the next
 *      instruction;
 *   2. code on a page whose data next to it is written all the time, then
 *      the code patched;
 *   3. a routine straddling a 4 KiB boundary, patched on its second page,
 *      then on its first; a straddling block storing into its own rest;
 *   4. the same from CPL3, a patch written through an alias mapping of the
 *      same frame, and jumps into freshly copied code.
 * No jump or serializing instruction separates a store from the code it
 * modifies unless the case says so: x86 detects such stores itself.
 */
#include "runtime/runtime.h"

#define GIB (1ull << 30)
#define MIB2 (1ull << 21)
#define VA_ALIAS (5 * GIB)

typedef uint64_t (*Routine)(uint64_t);

extern uint64_t boot_pdpt[512];

static uint8_t code_page[4096] __attribute__((aligned(4096)));
static uint8_t shared_page[4096] __attribute__((aligned(4096)));
static uint8_t span_pages[4][4096] __attribute__((aligned(4096)));
static uint8_t jit_page[4096] __attribute__((aligned(4096)));
static uint64_t pd_alias[512] __attribute__((aligned(4096)));

static int failures;
static uint32_t count_imm = 0x10;    /* count_loop's immediate, carried on */

static void check(uint64_t got, uint64_t want, const char *what)
{
    if (got != want) {
        printf("  MISMATCH: %s: got %#lx, expected %#lx\n", what, got, want);
        failures++;
    }
}

/* The compiler must not move or drop stores into code it cannot see run. */
static void install(void *dst, const void *src, size_t n)
{
    memcpy(dst, src, n);
    __asm__ volatile("" ::: "memory");
}

static void poke32(uint8_t *p, uint32_t v)
{
    *(volatile uint32_t *)p = v;
    __asm__ volatile("" ::: "memory");
}

static void poke8(uint8_t *p, uint8_t v)
{
    *(volatile uint8_t *)p = v;
    __asm__ volatile("" ::: "memory");
}

static uint64_t call(void *code, uint64_t arg)
{
    return ((Routine)code)(arg);
}

/* ---- 1. a block rewriting its own next instructions ---- */

/* returns its argument, stored into the immediate it then executes */
static const uint8_t patch_next[] = {
    0x89, 0x3d, 0x01, 0x00, 0x00, 0x00, /* mov [rip+1], edi              */
    0xb8, 0x00, 0x00, 0x00, 0x00,       /* mov eax, imm32 (patched)      */
    0xc3,                               /* ret                           */
};

/* sums (imm+1) + (imm+2) + ... + (imm+n) for n = edi >= 1 */
#define COUNT_IMM 11
static const uint8_t count_loop[] = {
    0x31, 0xc0,                         /* xor eax, eax                  */
    0x89, 0xf9,                         /* mov ecx, edi                  */
    0xff, 0x05, 0x01, 0x00, 0x00, 0x00, /* 1: inc dword [rip+1]          */
    0x05, 0x10, 0x00, 0x00, 0x00,       /* add eax, imm32 (= 0x10)       */
    0xff, 0xc9,                         /* dec ecx                       */
    0x75, 0xf1,                         /* jnz 1b                        */
    0xc3,                               /* ret                           */
};

/* copies 6 bytes from rdi over its own last instruction and runs them */
static const uint8_t movs_over[] = {
    0x48, 0x89, 0xfe,                   /* mov rsi, rdi                  */
    0x48, 0x8d, 0x3d, 0x07, 0x00, 0x00, 0x00, /* lea rdi, [rip+7] (tail) */
    0xb9, 0x06, 0x00, 0x00, 0x00,       /* mov ecx, 6                    */
    0xf3, 0xa4,                         /* rep movsb                     */
    0xb8, 0x00, 0x00, 0x00, 0x00, 0xc3, /* tail: mov eax, 0; ret         */
};

static const struct {
    const char *text;
    uint8_t bytes[6];
    uint32_t result;
} movs_tails[] = {
    { "mov eax, 0x11223344; ret", { 0xb8, 0x44, 0x33, 0x22, 0x11, 0xc3 },
      0x11223344 },
    { "xor eax, eax; not eax; nop; ret", { 0x31, 0xc0, 0xf7, 0xd0, 0x90,
      0xc3 }, 0xffffffff },
    { "push 42; pop rax; nop; nop; ret", { 0x6a, 0x2a, 0x58, 0x90, 0x90,
      0xc3 }, 42 },
    { "mov eax, 0xdeadbeef; ret", { 0xb8, 0xef, 0xbe, 0xad, 0xde, 0xc3 },
      0xdeadbeef },
};

static uint32_t count_expected(uint32_t *imm, uint32_t n)
{
    uint32_t sum = 0;

    for (uint32_t i = 0; i < n; i++) {
        sum += ++*imm;
    }
    return sum;
}

static void test_own_block(void)
{
    static const uint32_t values[] = {
        0x11111111, 0x22222222, 0xdeadbeef, 5, 0x0badf00d,
    };

    printf("1. a block rewriting its own next instructions\n");
    install(code_page, patch_next, sizeof(patch_next));
    for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
        uint64_t r = call(code_page, values[i]);

        printf(" store to the next mov's immediate %#x: returned %#lx\n",
               values[i], r);
        check(r, values[i], "patched immediate");
    }

    install(code_page, count_loop, sizeof(count_loop));
    for (uint32_t n = 1; n <= 4; n++) {
        uint32_t want = count_expected(&count_imm, n);
        uint64_t r = call(code_page, n);

        printf(" loop incrementing the next add's immediate, %u times: "
               "sum %lu, immediate now %u\n", n, r,
               *(volatile uint32_t *)(code_page + COUNT_IMM));
        check(r, want, "incremented immediates");
    }

    install(code_page, movs_over, sizeof(movs_over));
    for (size_t i = 0; i < ARRAY_SIZE(movs_tails); i++) {
        uint64_t r = call(code_page, (uintptr_t)movs_tails[i].bytes);

        printf(" rep movsb over the next instruction (%s): returned %#lx\n",
               movs_tails[i].text, r);
        check(r, movs_tails[i].result, "copied tail");
    }
}

/* ---- 2. code and busy data on one page ---- */

/* returns ++counter + imm; the counter is at +0x18, data at +0x800 */
#define SHARED_OP 14
#define SHARED_IMM 16
#define SHARED_COUNTER 0x18
#define SHARED_TABLE 0x800
static const uint8_t shared_code[] = {
    0x48, 0xff, 0x05, 0x11, 0x00, 0x00, 0x00, /* inc qword [rip+0x11]   */
    0x48, 0x8b, 0x05, 0x0a, 0x00, 0x00, 0x00, /* mov rax, [rip+0xa]     */
    0x48, 0x05, 0xe8, 0x03, 0x00, 0x00,       /* add rax, 1000          */
    0xc3,                                     /* ret                    */
};

static void test_shared_page(void)
{
    volatile uint64_t *counter = (void *)(shared_page + SHARED_COUNTER);
    volatile uint32_t *table = (void *)(shared_page + SHARED_TABLE);
    uint64_t want = 1000, r;

    printf("2. code on a page with busy data\n");
    install(shared_page, shared_code, sizeof(shared_code));
    *counter = 0;
    for (uint32_t i = 1; i <= 64; i++) {
        table[i * 7 % 512] = i * i;
        *counter += 10;
        if (i % 16 == 0) {
            r = call(shared_page, 0);
            printf(" after %u rounds of data writes: returned %lu\n",
                   i * 2, r);
            check(r, *counter + want, "routine beside the data");
            check(table[i * 7 % 512], i * i, "data beside the code");
        }
    }

    poke32(shared_page + SHARED_IMM, 2000000);
    want = 2000000;
    r = call(shared_page, 0);
    printf(" immediate patched to 2000000: returned %lu\n", r);
    check(r, *counter + want, "patched immediate");

    poke8(shared_page + SHARED_OP + 1, 0x2d);      /* add -> sub rax, imm */
    r = call(shared_page, 0);
    printf(" add patched to sub: returned %ld\n", (long)r);
    check(r, *counter - want, "patched opcode");
}

/* ---- 3. a routine straddling a page boundary ---- */

/* returns A + B + C; the second add straddles the boundary */
#define SPAN_START (4096 - 8)
static const uint8_t span_code[] = {
    0x31, 0xc0,                         /* -8: xor eax, eax              */
    0x05, 0x01, 0x00, 0x00, 0x00,       /* -6: add eax, 0x1 (A)          */
    0x05, 0x20, 0x00, 0x00, 0x00,       /* -1: add eax, 0x20 (B)         */
    0x05, 0x00, 0x03, 0x00, 0x00,       /* +4: add eax, 0x300 (C)        */
    0xc3,                               /* +9: ret                       */
};

/* returns edi + esi, stored into its own instructions on both pages */
#define SPAN2_START (2 * 4096 - 14)
static const uint8_t span_self[] = {
    0x89, 0x3d, 0x07, 0x00, 0x00, 0x00, /* -14: mov [rip+7], edi (-1..2) */
    0x89, 0x35, 0x06, 0x00, 0x00, 0x00, /* -8: mov [rip+6], esi (4..7)   */
    0xb8, 0x00, 0x00, 0x00, 0x00,       /* -2: mov eax, imm32 (patched)  */
    0x05, 0x00, 0x00, 0x00, 0x00,       /* +3: add eax, imm32 (patched)  */
    0xc3,                               /* +8: ret                       */
};

/* returns 0x1234 | di << 16: a store on the second page only, into the
 * tail of the block's last instruction */
#define SPAN3_START (3 * 4096 - 13)
static const uint8_t span_tail[] = {
    0x66, 0x89, 0x3d, 0x07, 0x00, 0x00, 0x00, /* -13: mov [rip+7], di  */
    0x31, 0xc0,                         /* -6: xor eax, eax              */
    0x31, 0xd2,                         /* -4: xor edx, edx              */
    0xb8, 0x34, 0x12, 0x00, 0x00,       /* -2: mov eax, 0x1234 (+1..2)   */
    0xc3,                               /* +3: ret                       */
};

static uint8_t *span_at(int off)
{
    return (uint8_t *)span_pages + SPAN_START + 8 + off;
}

static uint64_t span_run(const char *what, uint64_t want)
{
    uint64_t r = 0;

    /* a few calls so the translation is cached (and chained) first */
    for (int i = 0; i < 3; i++) {
        r = call(span_at(-8), 0);
        check(r, want, what);
    }
    printf(" %s: returned %#lx\n", what, r);
    return r;
}

static void test_span(void)
{
    static const uint32_t span_args[][2] = {
        { 1, 2 }, { 0x10000, 0x20 }, { 0xdead0000, 0xbeef },
    };
    static const uint32_t tail_args[] = { 0xbeef, 0xcafe, 0xf00d };

    printf("3. a routine across a page boundary\n");
    install(span_at(-8), span_code, sizeof(span_code));
    span_run("first run", 0x321);

    poke32(span_at(0), 0x4000);                     /* B, second page */
    poke32(span_at(5), 0x50000);                    /* C, second page */
    span_run("B and C patched on the second page", 0x54001);

    poke8(span_at(-1), 0x2d);                       /* first page */
    span_run("B's add made sub on the first page", 0x4c001);

    poke8(span_at(4), 0x2d);                        /* second page */
    span_run("C's add made sub on the second page", 0xfffac001);

    install((uint8_t *)span_pages + SPAN2_START, span_self,
            sizeof(span_self));
    for (size_t i = 0; i < ARRAY_SIZE(span_args); i++) {
        uint64_t r = ((uint64_t (*)(uint64_t, uint64_t))
                      ((uint8_t *)span_pages + SPAN2_START))(
                          span_args[i][0], span_args[i][1]);

        printf(" stores into its own rest, across and after the boundary "
               "(%#x, %#x): returned %#lx\n", span_args[i][0],
               span_args[i][1], r);
        check(r, (uint32_t)(span_args[i][0] + span_args[i][1]),
              "straddling block patching itself");
    }

    install((uint8_t *)span_pages + SPAN3_START, span_tail,
            sizeof(span_tail));
    for (size_t i = 0; i < ARRAY_SIZE(tail_args); i++) {
        uint32_t v = tail_args[i];
        uint64_t r = call((uint8_t *)span_pages + SPAN3_START, v);

        printf(" stores into its own tail on the second page only (%#x): "
               "returned %#lx\n", v, r);
        check(r, 0x1234 | v << 16, "straddling block patching its tail");
    }
}

/* ---- 4. CPL3, an alias mapping, jumps into copied code ---- */

/* jmp to @code with the return address in rcx; it ends with jmp rcx */
static uint64_t jump_into(void *code)
{
    uint64_t rax;

    __asm__ volatile("lea 1f(%%rip), %%rcx\n\t"
                     "jmp *%1\n"
                     "1:"
                     : "=a"(rax) : "r"(code) : "rcx", "memory", "cc");
    return rax;
}

static void test_more(void)
{
    static const uint8_t ret_imm[] = {
        0xb8, 0x00, 0x00, 0x00, 0x00,       /* mov eax, imm32            */
        0xc3,                               /* ret                       */
    };
    static const struct {
        const char *text;
        uint8_t bytes[7];
        uint32_t result;
    } snippets[] = {
        { "mov eax, 0x600d; jmp rcx",
          { 0xb8, 0x0d, 0x60, 0x00, 0x00, 0xff, 0xe1 }, 0x600d },
        { "or eax, -1; nop; nop; jmp rcx",
          { 0x83, 0xc8, 0xff, 0x90, 0x90, 0xff, 0xe1 }, 0xffffffff },
        { "xor eax, eax; inc eax; jmp rcx",
          { 0x31, 0xc0, 0xff, 0xc0, 0x90, 0xff, 0xe1 }, 1 },
    };
    uintptr_t alias;
    uint64_t r;

    printf("4. CPL3, an alias mapping, jumps into copied code\n");
    install(code_page, count_loop, sizeof(count_loop));
    poke32(code_page + COUNT_IMM, count_imm);
    for (uint32_t n = 2; n <= 3; n++) {
        uint32_t want = count_expected(&count_imm, n);

        r = run_at_cpl3((Routine)code_page, n);
        printf(" CPL3 loop incrementing the next add's immediate, %u "
               "times: sum %lu\n", n, r);
        check(r, want, "incremented immediates at CPL3");
    }

    install(code_page, patch_next, sizeof(patch_next));
    r = run_at_cpl3((Routine)code_page, 0x7777);
    printf(" CPL3 store to the next mov's immediate: returned %#lx\n", r);
    check(r, 0x7777, "patched immediate at CPL3");

    poke32(span_at(5), 0x60000);        /* C = -0x60000, second page */
    r = run_at_cpl3((Routine)span_at(-8), 0);
    printf(" CPL3 run across the boundary after a CPL0 patch: "
           "returned %#lx\n", r);
    check(r, (uint32_t)(1 - 0x4000 - 0x60000), "straddling routine at CPL3");

    /* a 2 MiB alias of the frame at 5 GiB: same bytes, other address */
    pd_alias[0] = ((uintptr_t)jit_page & ~(MIB2 - 1)) | PTE_P | PTE_W |
                  PTE_U | PTE_PS;
    boot_pdpt[5] = (uintptr_t)pd_alias | PTE_P | PTE_W | PTE_U;
    write_cr3(read_cr3());
    alias = VA_ALIAS + ((uintptr_t)jit_page & (MIB2 - 1));
    install(jit_page, ret_imm, sizeof(ret_imm));
    poke32(jit_page + 1, 0x1234);
    r = call(jit_page, 0);
    poke32((uint8_t *)alias + 1, 0x5678);
    printf(" run 0x1234, patch through the alias: returned %#lx\n",
           call(jit_page, 0));
    check(r, 0x1234, "before the alias write");
    check(call(jit_page, 0), 0x5678, "patched through the alias");
    r = call((void *)alias, 0);
    poke32(jit_page + 1, 0x9abc);
    printf(" run at the alias, patch directly: returned %#lx\n",
           call((void *)alias, 0));
    check(r, 0x5678, "at the alias before the write");
    check(call((void *)alias, 0), 0x9abc, "at the alias after the write");
    boot_pdpt[5] = 0;
    write_cr3(read_cr3());

    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < ARRAY_SIZE(snippets); i++) {
            install(jit_page, snippets[i].bytes, sizeof(snippets[i].bytes));
            r = jump_into(jit_page);
            printf(" jmp into freshly copied \"%s\": eax=%#lx\n",
                   snippets[i].text, r);
            check(r, snippets[i].result, "copied snippet");
        }
    }
}

int main(void)
{
    test_own_block();
    test_shared_page();
    test_span();
    test_more();
    if (failures) {
        fail("%d mismatches", failures);
    }
    pass();
}
