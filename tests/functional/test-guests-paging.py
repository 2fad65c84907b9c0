"""paging: 4 KiB / 2 MiB / 1 GiB translations, A/D bits, NX, U/S, CR0.WP
and not-present faults. Output recorded from QEMU 7.2 TCG (-cpu max, which
has Page1GB). Under KVM the 1 GiB line depends on what KVM_GET_SUPPORTED_CPUID
offers (the software KVM offers no Page1GB)."""

import re

HEAD = """\
paging: 4-level, identity map in 2 MiB pages, CR0.WP=1
page sizes
 4 KiB: read 0x4b4b4b4b00000004 through the alias
 2 MiB: read 0x600dcafe12345678 through the alias
"""

GIB_TESTED = ' 1 GiB: wrote through the alias, read 0x1616161616161616 directly'
GIB_SKIPPED = ' 1 GiB: CPUID has no Page1GB, skipped'

TAIL = """\
accessed and dirty bits
 fresh PTE: A=0 D=0
 after a read: A=1 D=0
 after a write: A=1 D=1
 PDE above it: A=1
no-execute
 EFER.NXE=1
 fetch from NX page at CPL0: vector=14 error=0x11 cr2=address
 fetch from the same frame without NX: ok
user/supervisor
 read of supervisor page at CPL3: vector=14 error=0x5 cr2=address
 write to supervisor page at CPL3: vector=14 error=0x7 cr2=address
 read of supervisor page at CPL0: ok
write protect
 write to read-only page, CR0.WP=1, at CPL0: vector=14 error=0x3 cr2=address
 write to read-only page, CR0.WP=0, at CPL0: ok, value 0x5a5a5a5a5a5a5a5a
 write to read-only page at CPL3: vector=14 error=0x7 cr2=address
not present
 read at CPL0: vector=14 error=0 cr2=address
 write at CPL0: vector=14 error=0x2 cr2=address
 read at CPL3: vector=14 error=0x4 cr2=address
 write at CPL3: vector=14 error=0x6 cr2=address
PASS
"""


def expect(ctx):
    if ctx.pdpe1gb is None:
        gib = re.compile(re.escape(GIB_TESTED) + '|' + re.escape(GIB_SKIPPED))
    else:
        gib = GIB_TESTED if ctx.pdpe1gb else GIB_SKIPPED
    return {'serial': HEAD.splitlines() + [gib] + TAIL.splitlines(),
            'exit': 1}
