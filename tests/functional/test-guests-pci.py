"""pci: pci-testdev found by scanning bus 0, BARs sized and (without
firmware) programmed, its no-eventfd tests driven through the memory and
the I/O BAR. Output recorded from QEMU 7.2 TCG."""

TEXT = """\
found pci-testdev 1b36:0005 on bus 0
  class/revision = 0xff0000
BAR sizing (all-ones written)
  BAR0 = 0xfffff000
  BAR1 = 0xff01
  command = 0x3
BAR0 memory: select test 0
  test = 0
  width = 0x1
  offset = 0x800
  data = 0xfa
  count = 0
  name = "mmio-no-eventfd"
  wrote 0xfa three times and 0x11 once at the offset
  count = 0x3
BAR1 I/O: select test 0
  test = 0x3
  width = 0x1
  offset = 0x83
  data = 0xfa
  count = 0
  name = "portio-no-eventfd"
  wrote 0xfa three times and 0x11 once at the offset
  count = 0x3
PASS
"""


def expect(ctx):
    return {'args': ['-device', 'pci-testdev'], 'serial': TEXT.splitlines(),
            'exit': 1}
