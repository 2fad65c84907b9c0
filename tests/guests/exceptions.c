/*
 * exceptions: #DE, #UD, #GP (null error code, selector error code,
 * privileged instruction), #PF (read and write, error code and CR2) and
 * #BP, each raised at CPL0 and at CPL3, caught and reported. RIPs are shown
 * relative to a label at the faulting instruction so the text does not
 * depend on the code layout.
 */
#include "runtime/runtime.h"

#define UNMAPPED 0x123456078ull     /* PDPT[4] is not present */

/* Labels at the faulting instructions, defined by the asm below. */
extern char de_site[], ud_site[], gp_site[], sel_site[], priv_site[],
            pfr_site[], pfw_site[], bp_site[];

static NOINLINE uint64_t do_de(uint64_t zero)
{
    __asm__ volatile("xor %%edx, %%edx\n\tmov $1, %%eax\n"
                     "de_site: divl %k0" : : "r"(zero) : "rax", "rdx");
    return 0;
}

static NOINLINE uint64_t do_ud(uint64_t unused)
{
    (void)unused;
    __asm__ volatile("ud_site: ud2");
    return 0;
}

static NOINLINE uint64_t do_gp_noncanonical(uint64_t unused)
{
    (void)unused;
    __asm__ volatile("movabs $0x8000000000000000, %%rax\n"
                     "gp_site: mov (%%rax), %%rax" : : : "rax", "memory");
    return 0;
}

static NOINLINE uint64_t do_gp_selector(uint64_t unused)
{
    (void)unused;
    /* Index 0x246 is far past the GDT limit: #GP(selector). */
    __asm__ volatile("mov $0x1230, %%ax\n"
                     "sel_site: mov %%ax, %%fs\n"
                     "xor %%eax, %%eax\n\tmov %%ax, %%fs" : : : "rax");
    return 0;
}

static NOINLINE uint64_t do_gp_privileged(uint64_t unused)
{
    (void)unused;
    __asm__ volatile("priv_site: mov %%cr0, %%rax" : : : "rax");
    return 0;
}

static NOINLINE uint64_t do_pf_read(uint64_t addr)
{
    __asm__ volatile("pfr_site: mov (%0), %%rax" : : "r"(addr) : "rax",
                     "memory");
    return 0;
}

static NOINLINE uint64_t do_pf_write(uint64_t addr)
{
    __asm__ volatile("pfw_site: movl $1, (%0)" : : "r"(addr) : "memory");
    return 0;
}

static NOINLINE uint64_t do_bp(uint64_t unused)
{
    (void)unused;
    __asm__ volatile("bp_site: int3");
    return 0;
}

typedef struct Case {
    const char *name;
    uint64_t (*fn)(uint64_t);
    uint64_t arg;
    const char *site_name;
    const char *site;
    int cpl_mask;           /* bit n: run at CPL n */
    int vector;
    uint64_t error[4];      /* expected error code per CPL */
    bool has_cr2;
    int rip_off;            /* faults: 0; traps: instruction length */
} Case;

static const Case cases[] = {
    { "#DE divl by zero", do_de, 0, "de_site", de_site, 9, 0,
      { 0, 0, 0, 0 }, false, 0 },
    { "#UD ud2", do_ud, 0, "ud_site", ud_site, 9, 6,
      { 0, 0, 0, 0 }, false, 0 },
    { "#GP non-canonical load", do_gp_noncanonical, 0, "gp_site", gp_site,
      9, 13, { 0, 0, 0, 0 }, false, 0 },
    { "#GP mov fs, 0x1230", do_gp_selector, 0, "sel_site", sel_site, 9, 13,
      { 0x1230, 0, 0, 0x1230 }, false, 0 },
    { "#GP mov cr0 at CPL3", do_gp_privileged, 0, "priv_site", priv_site, 8,
      13, { 0, 0, 0, 0 }, false, 0 },
    { "#PF read of unmapped", do_pf_read, UNMAPPED, "pfr_site", pfr_site, 9,
      14, { 0x0, 0, 0, 0x4 }, true, 0 },
    { "#PF write to unmapped", do_pf_write, UNMAPPED, "pfw_site", pfw_site,
      9, 14, { 0x2, 0, 0, 0x6 }, true, 0 },
    { "#BP int3", do_bp, 0, "bp_site", bp_site, 8, 3,
      { 0, 0, 0, 0 }, false, 1 },
};

int main(void)
{
    int failures = 0;

    for (int cpl = 0; cpl <= 3; cpl += 3) {
        printf("exceptions at CPL%d\n", cpl);
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
            const Case *c = &cases[i];
            bool ok;
            Trap t;

            if (!(c->cpl_mask & (1 << cpl))) {
                continue;
            }
            if (!trap_run(cpl, c->fn, c->arg, &t)) {
                printf(" %s: no exception\n", c->name);
                failures++;
                continue;
            }
            printf(" %s: vector=%d error=%#lx rip=%s%+ld", c->name, t.vector,
                   t.error, c->site_name,
                   (long)(t.rip - (uintptr_t)c->site));
            if (c->has_cr2) {
                printf(" cr2=%#lx", t.cr2);
            }
            printf(" cpl=%d\n", t.cpl);
            ok = t.vector == c->vector && t.error == c->error[cpl] &&
                 t.rip == (uintptr_t)c->site + c->rip_off && t.cpl == cpl &&
                 (!c->has_cr2 || t.cr2 == c->arg);
            if (!ok) {
                printf("  MISMATCH (expected vector=%d error=%#lx rip=%s+%d)\n",
                       c->vector, c->error[cpl], c->site_name, c->rip_off);
                failures++;
            }
        }
    }
    if (failures) {
        fail("%d mismatches", failures);
    }
    pass();
}
