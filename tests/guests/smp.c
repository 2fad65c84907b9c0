/*
 * smp: read the CPU count from fw_cfg, wake the other CPUs with
 * INIT-SIPI-SIPI through the local APIC (real-mode trampoline at 0x8000 ->
 * protected mode -> long mode), let each report its APIC ID, and print the
 * IDs in order once all have checked in. Run with -smp 4.
 */
#include "runtime/runtime.h"

#define MAX_CPUS 16

static volatile uint32_t ap_ids[MAX_CPUS];
static volatile int checked_in;

static void ap_report(int index)
{
    if (index < MAX_CPUS) {
        ap_ids[index] = apic_id();
    }
    __atomic_fetch_add(&checked_in, 1, __ATOMIC_SEQ_CST);
}

/* Spinning at CPL3 is native speed on a software KVM. */
static uint64_t wait_for_aps(uint64_t want)
{
    uint64_t deadline = rdtsc() + (1ull << 35);

    while ((uint64_t)checked_in < want && rdtsc() < deadline) {
        cpu_relax();
    }
    return checked_in;
}

int main(void)
{
    char sig[5] = { 0 };
    uint16_t ncpus = 0;
    uint32_t ids[MAX_CPUS], bsp;
    int n, aps;

    fw_cfg_read(FW_CFG_SIGNATURE, sig, 4);
    printf("fw_cfg signature: %s\n", sig);
    fw_cfg_read(FW_CFG_NB_CPUS, &ncpus, sizeof(ncpus));
    printf("fw_cfg CPU count: %u\n", ncpus);
    if (ncpus < 1 || ncpus > MAX_CPUS) {
        fail("CPU count %u out of range 1..%d", ncpus, MAX_CPUS);
    }
    bsp = apic_id();
    printf("BSP APIC ID: %u\n", bsp);
    aps = ncpus - 1;
    if (aps && !smp_start_aps(ap_report)) {
        fail("INIT/SIPI not delivered (ICR busy)");
    }
    n = run_at_cpl3(wait_for_aps, aps);
    printf("APs checked in: %d of %d\n", n, aps);
    if (n != aps) {
        fail("only %d of %d APs started", n, aps);
    }
    /* APs arrive in any order: sort for a deterministic line. */
    for (int i = 0; i < n; i++) {
        ids[i] = ap_ids[i];
        for (int j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
            uint32_t t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
        }
    }
    printf("AP APIC IDs:");
    for (int i = 0; i < n; i++) {
        printf(" %u", ids[i]);
    }
    printf("\n");
    for (int i = 0; i < n; i++) {
        if (ids[i] == bsp || (i && ids[i] == ids[i - 1])) {
            fail("APIC ID %u repeated", ids[i]);
        }
    }
    pass();
}
