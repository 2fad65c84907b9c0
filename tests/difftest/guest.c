/*
 * difftest guest: runs the cases of a difftest blob (the first multiboot
 * module, -initrd) at CPL3 and prints digests of the results.
 *
 * Each case starts from its own registers and flags with both scratch
 * windows refilled from its seed; dt_enter loads every register (rsp
 * included), jumps to the case's code, which ends by jumping to dt_back;
 * dt_back stores every register and RFLAGS. An exception inside the case
 * code (a deliberate #DE or #UD) is caught by dt_trap, which records the
 * vector, error code, offset and the register state at the fault, and
 * resumes at dt_fault_resume. The digest of a case hashes the registers
 * and flags the manuals define, the exception and both windows.
 *
 * Command line (-append): first=K count=N (a range of cases), verbose=1
 * (one digest line per case), full=1 (the whole state per case),
 * feat=MASK (DT_FEAT_* to assume instead of CPUID's), repeat=N (run each
 * case N times, the last one counts: cold against warm caches).
 *
 * Output: "features F", "chunk I HASH" per DT_CHUNK cases (the last may be
 * short), "faults N", "total HASH", then PASS. Everything runs at CPL3,
 * where a software KVM runs natively; only printing exits.
 */
#include "runtime/runtime.h"
#include "difftest.h"

typedef struct DtState {
    uint64_t regs[16];
    uint64_t rflags;
} DtState;

/* boot.S */
extern uint32_t mb_magic, mb_info;

/* dt_enter and friends (below) address these by name. */
DtState dt_in, dt_out;
uint64_t dt_saved_rsp, dt_jump;
int dt_enter(DtState *in, uint64_t code);
extern char dt_back[], dt_fault_resume[];

/* Window 0: straddles the boundary of two pages in the middle of three. */
static uint8_t scratch[3 * 4096] __attribute__((aligned(4096)));
#define WIN0 ((uint64_t *)(scratch + 2 * 4096 - DT_WIN_SPLIT))

static uint8_t *blob;
static const DtHeader *hdr;
static const DtCase *cases;
static uint64_t *win1;
static uint64_t code_lo, code_hi, cur_code;
static uint64_t initial[2][DT_WIN_SIZE / 8];

static volatile struct {
    int vector;
    uint64_t error, offset;
} dt_fault;

static struct {
    uint64_t first, count, verbose, full, feat, repeat;
    unsigned long faults;
} opt;

__asm__(
    "   .text\n"
    "   .global dt_enter\n"
    "dt_enter:\n"                       /* rdi = DtState *, rsi = code */
    "   push %rbx\n"
    "   push %rbp\n"
    "   push %r12\n"
    "   push %r13\n"
    "   push %r14\n"
    "   push %r15\n"
    "   mov %rsp, dt_saved_rsp(%rip)\n"
    "   mov %rsi, dt_jump(%rip)\n"
    "   pushq 128(%rdi)\n"
    "   popfq\n"
    "   mov 0(%rdi), %rax\n"
    "   mov 8(%rdi), %rcx\n"
    "   mov 16(%rdi), %rdx\n"
    "   mov 24(%rdi), %rbx\n"
    "   mov 32(%rdi), %rsp\n"
    "   mov 40(%rdi), %rbp\n"
    "   mov 48(%rdi), %rsi\n"
    "   mov 64(%rdi), %r8\n"
    "   mov 72(%rdi), %r9\n"
    "   mov 80(%rdi), %r10\n"
    "   mov 88(%rdi), %r11\n"
    "   mov 96(%rdi), %r12\n"
    "   mov 104(%rdi), %r13\n"
    "   mov 112(%rdi), %r14\n"
    "   mov 120(%rdi), %r15\n"
    "   mov 56(%rdi), %rdi\n"
    "   jmp *dt_jump(%rip)\n"
    "   .global dt_back\n"
    "dt_back:\n"                        /* the case's code jumps here */
    "   mov %rax, dt_out+0(%rip)\n"
    "   mov %rcx, dt_out+8(%rip)\n"
    "   mov %rdx, dt_out+16(%rip)\n"
    "   mov %rbx, dt_out+24(%rip)\n"
    "   mov %rsp, dt_out+32(%rip)\n"
    "   mov %rbp, dt_out+40(%rip)\n"
    "   mov %rsi, dt_out+48(%rip)\n"
    "   mov %rdi, dt_out+56(%rip)\n"
    "   mov %r8, dt_out+64(%rip)\n"
    "   mov %r9, dt_out+72(%rip)\n"
    "   mov %r10, dt_out+80(%rip)\n"
    "   mov %r11, dt_out+88(%rip)\n"
    "   mov %r12, dt_out+96(%rip)\n"
    "   mov %r13, dt_out+104(%rip)\n"
    "   mov %r14, dt_out+112(%rip)\n"
    "   mov %r15, dt_out+120(%rip)\n"
    "   mov dt_saved_rsp(%rip), %rsp\n"
    "   pushfq\n"
    "   popq dt_out+128(%rip)\n"
    "   xor %eax, %eax\n"
    "   jmp 1f\n"
    "   .global dt_fault_resume\n"
    "dt_fault_resume:\n"                /* dt_trap already saved the state */
    "   mov dt_saved_rsp(%rip), %rsp\n"
    "   mov $1, %eax\n"
    "1: cld\n"
    "   pop %r15\n"
    "   pop %r14\n"
    "   pop %r13\n"
    "   pop %r12\n"
    "   pop %rbp\n"
    "   pop %rbx\n"
    "   ret\n");

/* CPL0: an exception in a case's code ends that case. */
static bool dt_trap(TrapFrame *f)
{
    if ((f->cs & 3) != 3 || f->rip < code_lo || f->rip >= code_hi) {
        return false;
    }
    dt_fault.vector = f->vector;
    dt_fault.error = f->error;
    dt_fault.offset = f->rip - cur_code;
    dt_out = (DtState) {
        .regs = { f->rax, f->rcx, f->rdx, f->rbx, f->rsp, f->rbp, f->rsi,
                  f->rdi, f->r8, f->r9, f->r10, f->r11, f->r12, f->r13,
                  f->r14, f->r15 },
        .rflags = f->rflags,
    };
    /* resume with clean flags: no TF or RF the fault may have left */
    f->rip = (uintptr_t)dt_fault_resume;
    f->rflags = 0x2;
    return true;
}

static const char *const reg_names[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

static void print_window(const char *name, const uint64_t *now,
                         const uint64_t *before)
{
    for (unsigned i = 0; i < DT_WIN_SIZE / 8; i++) {
        if (now[i] != before[i]) {
            printf("%s+%#05x %016lx -> %016lx\n", name, i * 8, before[i],
                   now[i]);
        }
    }
}

static void print_full(uint64_t index, const DtCase *c, bool faulted,
                       uint64_t digest)
{
    printf("case %lu digest %016lx\n", index, digest);
    printf("win0 %#lx win1 %#lx\n", (uint64_t)(uintptr_t)WIN0,
           (uint64_t)(uintptr_t)win1);
    for (int i = 0; i < 16; i++) {
        printf("%-3s %016lx -> %016lx%s\n", reg_names[i], dt_in.regs[i],
               dt_out.regs[i], c->reg_undef & (1u << i) ? " (undefined)" : "");
    }
    printf("rflags %#06lx -> %#06lx checked %#06x\n", dt_in.rflags,
           dt_out.rflags, DT_FLAGS_CHECKED & ~c->flags_undef);
    if (faulted) {
        printf("exception vector=%d error=%#lx at +%lu\n", dt_fault.vector,
               dt_fault.error, dt_fault.offset);
    } else {
        printf("exception none\n");
    }
    print_window("win0", WIN0, initial[0]);
    print_window("win1", win1, initial[1]);
}

/* Run case @index; returns its digest. */
static uint64_t run_case(uint64_t index)
{
    const DtCase *c = &cases[index];
    uint64_t h = 0x243f6a8885a308d3ull;
    bool faulted;

    if (c->feat & ~opt.feat) {
        h = dt_mix(h, 0x736b6970ull);       /* "skip": the same everywhere */
        if (opt.verbose || opt.full) {
            printf("case %lu %016lx skipped\n", index, h);
        }
        return h;
    }
    dt_fill_windows(c->mem_seed, WIN0, win1);
    if (opt.full) {
        dt_fill_windows(c->mem_seed, initial[0], initial[1]);
    }
    for (int i = 0; i < 16; i++) {
        dt_in.regs[i] = c->regs[i] +
                        (c->reloc & (1u << i) ? (uintptr_t)WIN0 : 0);
    }
    dt_in.rflags = c->rflags;
    dt_fault.vector = -1;
    cur_code = (uintptr_t)blob + c->code_off;
    faulted = dt_enter(&dt_in, cur_code);

    for (int i = 0; i < 16; i++) {
        if (!(c->reg_undef & (1u << i))) {
            h = dt_mix(h, dt_out.regs[i]);
        }
    }
    h = dt_mix(h, dt_out.rflags & DT_FLAGS_CHECKED & ~c->flags_undef);
    if (faulted) {
        opt.faults++;
        h = dt_mix(h, dt_fault.vector);
        h = dt_mix(h, dt_fault.error);
        h = dt_mix(h, dt_fault.offset);
    } else {
        h = dt_mix(h, ~0ull);
    }
    for (unsigned i = 0; i < DT_WIN_SIZE / 8; i++) {
        h = dt_mix(h, WIN0[i]);
        h = dt_mix(h, win1[i]);
    }
    if (opt.full) {
        print_full(index, c, faulted, h);
    } else if (opt.verbose) {
        printf("case %lu %016lx\n", index, h);
    }
    return h;
}

/* CPL3: every case of the range, one hash line per chunk. */
static uint64_t run_all(uint64_t unused)
{
    uint64_t end = opt.first + opt.count, total = 0, chunk = 0;

    (void)unused;
    /*
     * Read every code page once first. A software KVM (PVM) with shadow
     * paging emulates the instruction that takes the first fetch fault on a
     * page, and its emulator lacks some (popcnt raises #UD there); a read
     * maps the page so that every case runs natively.
     */
    for (uint64_t a = code_lo & ~4095ull; a < code_hi; a += 4096) {
        (void)*(volatile uint8_t *)a;
    }
    for (uint64_t i = opt.first; i < end; i++) {
        for (uint64_t r = 1; r < opt.repeat; r++) {
            run_case(i);                    /* warm up: caches, TBs */
        }
        chunk = dt_mix(chunk, run_case(i));
        if ((i + 1) % DT_CHUNK == 0 || i + 1 == end) {
            printf("chunk %lu %016lx\n", i / DT_CHUNK, chunk);
            total = dt_mix(total, chunk);
            chunk = 0;
        }
    }
    printf("faults %lu\n", opt.faults);
    printf("total %016lx\n", total);
    return 0;
}

static bool find_blob(void)
{
    const uint32_t *mbi = (const uint32_t *)(uintptr_t)mb_info;
    const uint32_t *mod;

    if (mb_magic != 0x2badb002 || !mbi || !(mbi[0] & (1u << 3)) ||
        mbi[5] == 0) {
        return false;
    }
    mod = (const uint32_t *)(uintptr_t)mbi[6];
    blob = (uint8_t *)(uintptr_t)mod[0];
    hdr = (const DtHeader *)blob;
    if (mod[1] - mod[0] < DT_RIP_OFF + DT_RIP_PAGES * DT_PAGE ||
        hdr->magic != DT_MAGIC || hdr->version != DT_VERSION ||
        hdr->case_off + (uint64_t)hdr->ncases * sizeof(DtCase) >
            mod[1] - mod[0]) {
        return false;
    }
    cases = (const DtCase *)(blob + hdr->case_off);
    win1 = (uint64_t *)(blob + DT_RIP_WIN);
    code_lo = (uintptr_t)blob + hdr->code_off;
    code_hi = code_lo + hdr->code_size;
    return true;
}

static uint32_t cpu_features(void)
{
    uint32_t a, b, c, d, f = 0, max;

    cpuid(0, 0, &max, &b, &c, &d);
    cpuid(1, 0, &a, &b, &c, &d);
    f |= c & (1u << 23) ? DT_FEAT_POPCNT : 0;
    f |= c & (1u << 13) ? DT_FEAT_CX16 : 0;
    if (max >= 7) {
        cpuid(7, 0, &a, &b, &c, &d);
        f |= b & (1u << 3) ? DT_FEAT_BMI1 : 0;
    }
    cpuid(0x80000000, 0, &max, &b, &c, &d);
    if (max >= 0x80000001) {
        cpuid(0x80000001, 0, &a, &b, &c, &d);
        f |= c & (1u << 5) ? DT_FEAT_LZCNT : 0;
        f |= c & (1u << 0) ? DT_FEAT_LAHF : 0;
    }
    return f;
}

int main(void)
{
    if (!find_blob()) {
        fail("no difftest blob: pass one with -initrd");
    }
    opt.feat = cpu_features();
    cmdline_u64("feat", &opt.feat);
    cmdline_u64("first", &opt.first);
    opt.count = hdr->ncases;
    cmdline_u64("count", &opt.count);
    cmdline_u64("verbose", &opt.verbose);
    cmdline_u64("full", &opt.full);
    cmdline_u64("repeat", &opt.repeat);
    if (opt.first > hdr->ncases) {
        opt.first = hdr->ncases;
    }
    if (opt.count > hdr->ncases - opt.first) {
        opt.count = hdr->ncases - opt.first;
    }
    printf("difftest: seed %lu, %u cases, %lu instructions\n", hdr->seed,
           hdr->ncases, hdr->ninsns);
    printf("features %#lx\n", opt.feat);
    ((DtHeader *)blob)->back_slot = (uintptr_t)dt_back;
    set_trap_hook(dt_trap);
    run_at_cpl3(run_all, 0);
    set_trap_hook(NULL);
    pass();
}
