/*
 * Test guest runtime: waking the application processors.
 */
#include "runtime.h"
#include "internal.h"

#define TRAMP_BASE 0x8000

#define ICR_ALL_BUT_SELF (3u << 18)
#define ICR_ASSERT       (1u << 14)
#define ICR_INIT         (5u << 8)
#define ICR_STARTUP      (6u << 8)

extern const char ap_tramp_start[], ap_tramp_end[];

void (*volatile smp_ap_fn)(int index);

bool smp_start_aps(void (*fn)(int index))
{
    uint32_t sipi = ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_STARTUP |
                    (TRAMP_BASE >> 12);

    smp_ap_fn = fn;
    memcpy((void *)TRAMP_BASE, ap_tramp_start, ap_tramp_end - ap_tramp_start);
    apic_enable();
    /*
     * INIT puts the APs in wait-for-SIPI whatever a firmware left them
     * doing; the second SIPI is the architectural retry and is ignored by an
     * AP that already started. Neither KVM nor QEMU needs the 10 ms and
     * 200 us delays real hardware wants.
     */
    return apic_send_ipi(0, ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_INIT) &&
           apic_send_ipi(0, sipi) && apic_send_ipi(0, sipi);
}
