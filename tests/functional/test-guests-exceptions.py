"""exceptions: #DE, #UD, #GP (three kinds), #PF (read, write) and #BP at
CPL0 and CPL3, with vector, error code, RIP relative to the faulting
instruction, CR2 and the CPL they came from. Output recorded from QEMU 7.2
TCG. int3 at CPL0 lives in the softint guest."""

TEXT = """\
exceptions at CPL0
 #DE divl by zero: vector=0 error=0 rip=de_site+0 cpl=0
 #UD ud2: vector=6 error=0 rip=ud_site+0 cpl=0
 #GP non-canonical load: vector=13 error=0 rip=gp_site+0 cpl=0
 #GP mov fs, 0x1230: vector=13 error=0x1230 rip=sel_site+0 cpl=0
 #PF read of unmapped: vector=14 error=0 rip=pfr_site+0 cr2=0x123456078 cpl=0
 #PF write to unmapped: vector=14 error=0x2 rip=pfw_site+0 cr2=0x123456078 cpl=0
exceptions at CPL3
 #DE divl by zero: vector=0 error=0 rip=de_site+0 cpl=3
 #UD ud2: vector=6 error=0 rip=ud_site+0 cpl=3
 #GP non-canonical load: vector=13 error=0 rip=gp_site+0 cpl=3
 #GP mov fs, 0x1230: vector=13 error=0x1230 rip=sel_site+0 cpl=3
 #GP mov cr0 at CPL3: vector=13 error=0 rip=priv_site+0 cpl=3
 #PF read of unmapped: vector=14 error=0x4 rip=pfr_site+0 cr2=0x123456078 cpl=3
 #PF write to unmapped: vector=14 error=0x6 rip=pfw_site+0 cr2=0x123456078 cpl=3
 #BP int3: vector=3 error=0 rip=bp_site+1 cpl=3
PASS
"""


def expect(ctx):
    return {'serial': TEXT.splitlines(), 'exit': 1}
