"""mmio: pc-testdev's 64 KiB window at 0xff000000 with 1/2/4/8-byte
accesses, read-modify-write and string instructions, then unassigned memory
at 0xc0000000. Output recorded from QEMU 7.2 TCG, except that QEMU reads
unassigned memory as zeros where janus (like real hardware) reads all-ones:
the QEMU reference run passes "unassigned=0" so the guest expects zeros."""

DEVICE = """\
pc-testdev iomem at CPL{cpl}
 write64 +0x0 0x1122334455667788
  read64 +0x0 = 0x1122334455667788
  read32 +0x0 = 0x55667788
  read32 +0x4 = 0x11223344
  read16 +0x2 = 0x5566
  read16 +0x6 = 0x1122
  read8 +0x0 = 0x88
  read8 +0x5 = 0x33
 write8 +0x10..+0x17 0xa0..0xa7
  read64 +0x10 = 0xa7a6a5a4a3a2a1a0
 write16 +0x20 0xbeef, +0x22 0xdead
  read32 +0x20 = 0xdeadbeef
 write32 +0x30 0xcafef00d
  read8 +0x31 = 0xf0
  read16 +0x32 = 0xcafe
"""

COMPLEX = """\
instructions that read and write the device (CPL0)
 addl $1 to +0x40 holding 41
  read32 +0x40 = 0x2a
 rep movsl 4 dwords RAM -> +0x50
  read64 +0x50 = 0x202020201010101
  read64 +0x58 = 0x404040403030303
 rep movsb 16 bytes +0x10 -> RAM
  ram[0] = 0xa7a6a5a4a3a2a1a0
  ram[1] = 0
"""

UNASSIGNED_ONES = """\
unassigned memory at 0xc0000000, CPL{cpl}
  read8 = 0xff
  read16 = 0xffff
  read32 = 0xffffffff
  read64 = 0xffffffffffffffff
 write32 0x12345678
  read32 = 0xffffffff
"""

UNASSIGNED_ZEROS = """\
unassigned memory at 0xc0000000, CPL{cpl}
  read8 = 0
  read16 = 0
  read32 = 0
  read64 = 0
 write32 0x12345678
  read32 = 0
"""


def expect(ctx):
    args = ['-device', 'pc-testdev']
    unassigned = UNASSIGNED_ONES
    if ctx.vmm == 'qemu':
        args += ['-append', 'unassigned=0']
        unassigned = UNASSIGNED_ZEROS
    text = (DEVICE.format(cpl=0) + COMPLEX + unassigned.format(cpl=0) +
            DEVICE.format(cpl=3) + unassigned.format(cpl=3))
    return {'args': args, 'serial': text.splitlines() + ['PASS'], 'exit': 1}
