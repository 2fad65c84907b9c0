/*
 * unassigned-port: read and write port 0x1234, where no device lives.
 * Reads of unassigned ports float high: all-ones of the access width.
 */
#include "runtime/runtime.h"

#define PORT 0x1234

int main(void)
{
    uint8_t b = inb(PORT);
    uint16_t w = inw(PORT);
    uint32_t l = inl(PORT);
    uint8_t b2;

    printf("unassigned port %#x\n", PORT);
    printf(" inb = %#x\n", b);
    printf(" inw = %#x\n", w);
    printf(" inl = %#x\n", l);
    outb(PORT, 0x55);
    b2 = inb(PORT);
    printf(" outb 0x55, then inb = %#x\n", b2);
    if (b != 0xff || w != 0xffff || l != 0xffffffff || b2 != 0xff) {
        fail("unassigned port did not read all-ones");
    }
    pass();
}
