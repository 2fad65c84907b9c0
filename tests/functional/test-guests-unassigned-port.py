"""unassigned-port: port 0x1234 reads all-ones at every width and ignores
writes. Output recorded from QEMU 7.2 TCG."""

TEXT = """\
unassigned port 0x1234
 inb = 0xff
 inw = 0xffff
 inl = 0xffffffff
 outb 0x55, then inb = 0xff
PASS
"""


def expect(ctx):
    return {'serial': TEXT.splitlines(), 'exit': 1}
