/*
 * softint: software interrupts through the IDT: int3 and "int $0x80"
 * (a DPL3 gate) at CPL0 and at CPL3. Both are traps, so the saved RIP is
 * past the instruction.
 *
 * Kept apart from the exceptions guest because the software KVM this
 * project develops on cannot run them: int3 at CPL0 in long mode is an
 * emulation failure, and "int n" at CPL3 raises #UD instead of using the
 * guest's gate. run-guest.py skips this guest there.
 */
#include "runtime/runtime.h"

extern char bp_site[], int80_site[];

static NOINLINE uint64_t do_bp(uint64_t unused)
{
    (void)unused;
    __asm__ volatile("bp_site: int3");
    return 0;
}

static NOINLINE uint64_t do_int80(uint64_t unused)
{
    (void)unused;
    __asm__ volatile("int80_site: int $0x80");
    return 0;
}

int main(void)
{
    static const struct {
        const char *name;
        uint64_t (*fn)(uint64_t);
        const char *site_name;
        const char *site;
        int vector, len;
    } cases[] = {
        { "int3", do_bp, "bp_site", bp_site, 3, 1 },
        { "int $0x80", do_int80, "int80_site", int80_site, 0x80, 2 },
    };
    int failures = 0;

    for (int cpl = 0; cpl <= 3; cpl += 3) {
        printf("software interrupts at CPL%d\n", cpl);
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
            Trap t;

            if (!trap_run(cpl, cases[i].fn, 0, &t)) {
                printf(" %s: no exception\n", cases[i].name);
                failures++;
                continue;
            }
            printf(" %s: vector=%d error=%#lx rip=%s%+ld cpl=%d\n",
                   cases[i].name, t.vector, t.error, cases[i].site_name,
                   (long)(t.rip - (uintptr_t)cases[i].site), t.cpl);
            if (t.vector != cases[i].vector || t.error || t.cpl != cpl ||
                t.rip != (uintptr_t)cases[i].site + cases[i].len) {
                printf("  MISMATCH\n");
                failures++;
            }
        }
    }
    if (failures) {
        fail("%d mismatches", failures);
    }
    pass();
}
