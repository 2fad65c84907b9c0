"""smp: fw_cfg's CPU count, INIT-SIPI-SIPI to three APs through the local
APIC, each reporting its APIC ID. Output recorded from QEMU 7.2 TCG."""

TEXT = """\
fw_cfg signature: QEMU
fw_cfg CPU count: 4
BSP APIC ID: 0
APs checked in: 3 of 3
AP APIC IDs: 1 2 3
PASS
"""


def expect(ctx):
    return {'args': ['-smp', '4'], 'serial': TEXT.splitlines(), 'exit': 1}
