/*
 * Test guest runtime: what its own files share and guests do not call.
 */
#ifndef GUEST_RUNTIME_INTERNAL_H
#define GUEST_RUNTIME_INTERNAL_H

/* smp.c sets it before waking the APs; runtime.c's ap_main calls it. */
extern void (*volatile smp_ap_fn)(int index);

#endif
