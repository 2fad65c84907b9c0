#!/usr/bin/env python3
"""test-babyqemu.py: the BabyQEMU guest against -device hitb.

    test-babyqemu.py JANUS BABYQEMU_ELF

1. Runs the guest under each accelerator that works here (KVM; TCG once it
   is built): it must print "Where am I?" and PASS, with every exploit
   attempt refused, and exit through isa-debug-exit with status 1.
2. Runs it again with
       -trace address_space_rw -trace 'memory_region_ops_*'
       -trace 'hitb_*' -trace 'serial_*' -trace 'kvm_*'
   and checks the two chains of docs/babyqemu.md appear in order: a serial
   `out` (exit -> address_space_rw on I/O -> region serial ->
   serial_ioport_write) and the guest's 8-byte store of 0x41000 to
   BAR0+0x80 (exit -> address_space_rw on memory -> region hitb-mmio ->
   two 4-byte hitb_mmio_write calls at 0x80 and 0x84).  Under TCG the same
   chain without the kvm_ line is required.

Exit status 77 (skip) when no accelerator can run the guest, e.g. no
/dev/kvm and no TCG yet.
"""
import os
import re
import subprocess
import sys
import tempfile

SKIP = 77
TIMEOUT = 120
BASE_ARGS = ['-device', 'hitb', '-nographic',
             '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04']
TRACE_ARGS = ['-trace', 'address_space_rw', '-trace', 'memory_region_ops_*',
              '-trace', 'hitb_*', '-trace', 'serial_*', '-trace', 'kvm_*']
N_REFUSED = 9       # attempts babyqemu.c makes that must be refused

failures = 0


def report(ok, what):
    global failures
    print(('ok   ' if ok else 'FAIL ') + what)
    if not ok:
        failures += 1


def kvm_usable():
    try:
        fd = os.open('/dev/kvm', os.O_RDWR)
    except OSError as e:
        print('# /dev/kvm: %s' % e.strerror)
        return False
    os.close(fd)
    return True


def run(janus, elf, accel, extra=()):
    cmd = [janus, '-accel', accel, '-kernel', elf] + BASE_ARGS + list(extra)
    print('# ' + ' '.join(cmd))
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        report(False, '%s: guest finished within %d s' % (accel, TIMEOUT))
        return None
    return p


def not_built(p):
    """janus refuses an accelerator it was built without before any guest
    code runs ("no accelerator available: tcg: not built yet")."""
    return p is not None and \
        'no accelerator available' in p.stderr.decode(errors='replace') and \
        b'Where am I?' not in p.stdout


def check_guest(accel, p):
    out = p.stdout.decode(errors='replace')
    report(p.returncode == 1,
           '%s: exit status 1 (isa-debug-exit 0), got %d' %
           (accel, p.returncode))
    report('Where am I?' in out, '%s: "Where am I?" printed' % accel)
    report('found at 00:04.0' in out, '%s: hitb found at 00:04.0' % accel)
    report('BAR0 at 0xfea00000' in out, '%s: BAR0 at 0xfea00000' % accel)
    report('MISMATCH' not in out, '%s: no check failed' % accel)
    refused = len(re.findall(r'refused, bit 0 cleared +yes', out))
    report(refused == N_REFUSED, '%s: %d/%d exploit attempts refused' %
           (accel, refused, N_REFUSED))
    report('device buffer unchanged by the attempts' in out and
           out.rstrip().endswith('PASS'), '%s: PASS' % accel)
    if failures:
        sys.stdout.write(out)
        sys.stdout.write(p.stderr.decode(errors='replace'))


def find_chain(lines, patterns):
    """Index of the first line where @patterns match consecutive lines."""
    regs = [re.compile(pat) for pat in patterns]
    for i in range(len(lines) - len(regs) + 1):
        if all(r.search(lines[i + k]) for k, r in enumerate(regs)):
            return i
    return -1


def check_trace(accel, janus, elf):
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, 'trace.log')
        p = run(janus, elf, accel, TRACE_ARGS + ['-D', log])
        if p is None:
            return
        report(p.returncode == 1, '%s: traced run passes' % accel)
        with open(log, errors='replace') as f:
            lines = f.read().splitlines()
    exit_io = [r'^kvm_exit_io port=0x3f8 size=1 write$'] \
        if accel == 'kvm' else []
    exit_mmio = [r'^kvm_exit_mmio gpa=0xfea00080 len=8 write$'] \
        if accel == 'kvm' else []
    pio = exit_io + [
        r'^address_space_rw as=I/O addr=0x3f8 len=1 write$',
        r'^memory_region_ops_write region serial addr=0x0 value=0x[0-9a-f]+ '
        r'size=1$',
        r'^serial_ioport_write addr=0x0 val=0x[0-9a-f]+$',
    ]
    mmio = exit_mmio + [
        r'^address_space_rw as=memory addr=0xfea00080 len=8 write$',
        r'^memory_region_ops_write region hitb-mmio addr=0x80 value=0x41000 '
        r'size=4$',
        r'^hitb_mmio_write addr=0x80 size=4 val=0x41000$',
        r'^memory_region_ops_write region hitb-mmio addr=0x84 value=0x0 '
        r'size=4$',
        r'^hitb_mmio_write addr=0x84 size=4 val=0x0$',
    ]
    i = find_chain(lines, pio)
    report(i >= 0, '%s: PIO chain (out 0x3f8 -> serial_ioport_write)' % accel)
    if i >= 0:
        print('\n'.join('#   ' + ln for ln in lines[i:i + len(pio)]))
    j = find_chain(lines, mmio)
    report(j >= 0, '%s: MMIO chain (8-byte store of 0x41000 at BAR0+0x80 '
           '-> two 4-byte hitb_mmio_write)' % accel)
    if j >= 0:
        print('\n'.join('#   ' + ln for ln in lines[j:j + len(mmio)]))
    refused = [ln for ln in lines if ln.startswith('hitb_guest_error')]
    report(len(refused) == N_REFUSED, '%s: %d hitb_guest_error lines '
           '(one per refused transfer)' % (accel, len(refused)))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    janus, elf = sys.argv[1], sys.argv[2]
    ran = 0
    for accel in ('kvm', 'tcg'):
        if accel == 'kvm' and not kvm_usable():
            print('# kvm: /dev/kvm unusable here, skipped')
            continue
        p = run(janus, elf, accel)
        if not_built(p):
            print('# %s: not available in this build, skipped' % accel)
            continue
        if p is None:
            continue
        ran += 1
        check_guest(accel, p)
        check_trace(accel, janus, elf)
    if not ran:
        print('# no accelerator can run the guest: skip')
        sys.exit(SKIP)
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
