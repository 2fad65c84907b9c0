/*
 * romwrite: write to the BIOS ROM window just below 4 GiB and read back.
 * ROM ignores writes (QEMU maps its BIOS read-only; a VMM with nothing there
 * has unassigned memory, which ignores them too); the value is not printed
 * because it is whatever firmware image is loaded.
 */
#include "runtime/runtime.h"

#define ROM_ADDR 0xffff0000ul

int main(void)
{
    uint32_t before, after;

    before = mmio_read32(ROM_ADDR);
    mmio_write32(ROM_ADDR, ~before);
    after = mmio_read32(ROM_ADDR);
    printf("romwrite: wrote the complement of the dword at %#lx\n", ROM_ADDR);
    printf("read back: %s\n", after == before ? "unchanged" : "CHANGED");
    if (after != before) {
        fail("ROM at %#lx changed from %#x to %#x", ROM_ADDR, before, after);
    }
    pass();
}
