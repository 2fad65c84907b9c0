/*
 * hello: the smallest guest. Reaches long mode, names the CPU vendor and
 * makes one round trip through CPL3.
 */
#include "runtime/runtime.h"

static uint64_t hello_cpl3(uint64_t arg)
{
    printf("Hello from CPL%d (arg %lu)\n", current_cpl(), arg);
    return arg + 1;
}

int main(void)
{
    uint32_t a, b, c, d;
    char vendor[13];
    uint64_t efer = rdmsr(MSR_EFER);
    uint64_t r;

    printf("Hello from janus guest\n");
    printf("mode: %s, CPL%d\n",
           (efer & (1 << 10)) ? "long mode" : "not long mode", current_cpl());
    cpuid(0, 0, &a, &b, &c, &d);
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    vendor[12] = '\0';
    printf("cpuid vendor: %s\n", vendor);
    r = run_at_cpl3(hello_cpl3, 41);
    printf("back at CPL%d, result %lu\n", current_cpl(), r);
    if (r != 42) {
        fail("CPL3 returned %lu", r);
    }
    pass();
}
