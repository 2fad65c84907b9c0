"""softint: int3 and int $0x80 (DPL3 gate) at CPL0 and CPL3. Output
recorded from QEMU 7.2 TCG."""

SKIP_ON_SOFTWARE_KVM = ('int3 at CPL0 in long mode is an emulation failure '
                        'and int n at CPL3 raises #UD')

TEXT = """\
software interrupts at CPL0
 int3: vector=3 error=0 rip=bp_site+1 cpl=0
 int $0x80: vector=128 error=0 rip=int80_site+2 cpl=0
software interrupts at CPL3
 int3: vector=3 error=0 rip=bp_site+1 cpl=3
 int $0x80: vector=128 error=0 rip=int80_site+2 cpl=3
PASS
"""


def expect(ctx):
    return {'serial': TEXT.splitlines(), 'exit': 1}
