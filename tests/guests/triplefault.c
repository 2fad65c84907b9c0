/*
 * triplefault: load an empty IDT and execute ud2. #UD cannot be delivered,
 * nor the #GP and #DF that follow: the CPU shuts down. The VMM decides what
 * that means (QEMU resets, or exits 0 with -no-reboot); nothing after the
 * first line may appear.
 */
#include "runtime/runtime.h"

int main(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) empty = { 0, 0 };

    printf("triplefault: loading an empty IDT and raising #UD\n");
    __asm__ volatile("lidt %0\n\tud2" : : "m"(empty));
    fail("still running after a triple fault");
}
