/*
 * nmi: NMIs are blocked from the delivery of one to the next IRET (SDM
 * "Handling Multiple NMIs"). The guest sends itself an NMI through the
 * local APIC (fixed destination: the self shorthand is for fixed IPIs
 * only); the handler sends a second one and checks that it does not nest,
 * then returns; the second NMI must arrive right after that IRET. A third
 * round checks that the handler's IRET really unblocked the next NMI.
 */
#include "runtime/runtime.h"

#define ICR_NMI     (4u << 8)       /* delivery mode NMI, edge, physical */

static volatile int nmis, depth, max_depth, sent_inside;

/*
 * Give a pending NMI every chance to arrive: a software KVM injects only
 * on an exit, and an APIC read is one.  Bounded, so a lost NMI fails.
 */
static void wait_for_nmis(int n)
{
    for (int i = 0; i < 10000 && nmis < n; i++) {
        (void)apic_id();
    }
}

static void send_self_nmi(void)
{
    if (!apic_send_ipi(apic_id(), ICR_NMI)) {
        fail("NMI IPI not accepted");
    }
}

static bool nmi_hook(TrapFrame *f)
{
    if (f->vector != 2) {
        return false;
    }
    depth++;
    if (depth > max_depth) {
        max_depth = depth;
    }
    nmis++;
    if (nmis == 1) {
        /* a second NMI now must wait for our IRET */
        send_self_nmi();
        sent_inside = 1;
        wait_for_nmis(2);           /* must time out: blocked */
    }
    depth--;
    return true;                    /* IRET */
}

int main(void)
{
    apic_enable();
    set_trap_hook(nmi_hook);
    send_self_nmi();
    /* the first handler's IRET lets the second NMI in */
    wait_for_nmis(2);
    printf("after the first IPI: %d NMIs, deepest nesting %d\n", nmis,
           max_depth);
    send_self_nmi();
    wait_for_nmis(3);
    printf("after the second IPI: %d NMIs, deepest nesting %d\n", nmis,
           max_depth);
    set_trap_hook(NULL);
    if (!sent_inside || nmis != 3 || max_depth != 1) {
        fail("NMIs nested or got lost");
    }
    pass();
}
