#!/usr/bin/env python3
"""Run one test guest (tests/guests/) under janus or QEMU and check it.

Usage:
  run-guest.py --vmm janus --binary build/janus [--accel kvm] \\
               --guest build/tests/guests/hello.elf [--extra NAME=PATH] \\
               tests/functional/test-guests-hello.py
  run-guest.py --vmm qemu [--binary qemu-system-x86_64] ...

The test file is Python defining expect(ctx), which returns a dict:
  serial  list of expected serial lines; a compiled regex matches a whole line
  exit    expected exit status of the VMM (isa-debug-exit: (code << 1) | 1)
  args    extra VMM arguments (optional)
  stderr  regex that must match somewhere in the VMM's stderr (optional)
  timeout seconds (optional, default 90)
and may set SKIP_ON_SOFTWARE_KVM = "reason" for guests the software KVM
(kvm_pvm) cannot run. ctx carries vmm, accel, vendor (CPUID vendor to
expect), pdpe1gb (True/False, or None when unknown) and extra (the --extra
paths).

The serial output is compared exactly, line by line ('\\r' removed). Exit
status 77 (meson's "skipped") when /dev/kvm cannot be opened read-write for
-accel kvm, or when QEMU is not installed for --vmm qemu.
"""

import argparse
import difflib
import fcntl
import os
import re
import runpy
import shutil
import struct
import subprocess
import sys

SKIP = 77
DEBUG_EXIT = 'isa-debug-exit,iobase=0xf4,iosize=0x04'
KVM_GET_SUPPORTED_CPUID = 0xc008ae05     # _IOWR(KVMIO, 0x05, kvm_cpuid2)


class Ctx:
    pass


def skip(reason):
    print(f'SKIP: {reason}')
    sys.exit(SKIP)


def fail(reason):
    print(f'FAIL: {reason}')
    sys.exit(1)


def host_vendor():
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('vendor_id'):
                return line.split(':', 1)[1].strip()
    return 'unknown'


def open_kvm():
    """Return an fd of /dev/kvm opened read-write, or skip the test."""
    try:
        return os.open('/dev/kvm', os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        skip(f'/dev/kvm is not usable: {e.strerror}')


def kvm_supported_cpuid(fd, function):
    """(eax, ebx, ecx, edx) that KVM can offer for a leaf, or None."""
    nent = 128
    while nent <= 4096:
        buf = bytearray(struct.pack('II', nent, 0) + bytes(40 * nent))
        try:
            fcntl.ioctl(fd, KVM_GET_SUPPORTED_CPUID, buf)
        except OSError:
            nent *= 2
            continue
        count = struct.unpack_from('I', buf, 0)[0]
        for i in range(count):
            fn, idx, _, a, b, c, d = struct.unpack_from('7I', buf, 8 + 40 * i)
            if fn == function and idx == 0:
                return a, b, c, d
        return None
    return None


def software_kvm():
    """The software KVM this project develops on (PVM) is a kernel module."""
    return os.path.isdir('/sys/module/kvm_pvm')


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--vmm', choices=['janus', 'qemu'], default='janus')
    p.add_argument('--binary', help='the VMM (default: qemu-system-x86_64 '
                   'for --vmm qemu)')
    p.add_argument('--accel', default=None,
                   help='accelerator (janus: default kvm; qemu: always tcg)')
    p.add_argument('--guest', required=True, help='the guest .elf')
    p.add_argument('--extra', action='append', default=[],
                   help='NAME=PATH handed to the test file as ctx.extra')
    p.add_argument('test', help='the test-guests-*.py expectation file')
    return p.parse_args()


def build_ctx(args):
    ctx = Ctx()
    ctx.vmm = args.vmm
    ctx.accel = args.accel or ('kvm' if args.vmm == 'janus' else 'tcg')
    ctx.vendor = host_vendor()
    ctx.extra = dict(e.split('=', 1) for e in args.extra)
    ctx.pdpe1gb = None
    if ctx.vmm == 'qemu':
        # -cpu max has Page1GB under TCG; its vendor is forced to the host's.
        ctx.pdpe1gb = True
    elif ctx.accel == 'kvm':
        fd = open_kvm()
        print('check: /dev/kvm opens read-write')
        leaf = kvm_supported_cpuid(fd, 0x80000001)
        os.close(fd)
        if leaf is not None:
            ctx.pdpe1gb = bool(leaf[3] & (1 << 26))
    return ctx


def vmm_command(args, ctx, guest, extra_args):
    if ctx.vmm == 'qemu':
        binary = args.binary or shutil.which('qemu-system-x86_64')
        if not binary or not os.access(binary, os.X_OK):
            skip('qemu-system-x86_64 is not installed')
        # -display none -serial stdio rather than -nographic: SeaBIOS would
        # print its banner on the serial console.
        return [binary, '-accel', 'tcg', '-cpu', f'max,vendor={ctx.vendor}',
                '-m', '256M', '-kernel', guest, '-display', 'none',
                '-serial', 'stdio', '-device', DEBUG_EXIT] + extra_args
    if not args.binary:
        fail('--binary is required for --vmm janus')
    return [args.binary, '-accel', ctx.accel, '-m', '256M', '-kernel', guest,
            '-nographic', '-device', DEBUG_EXIT] + extra_args


def line_matches(want, got):
    if isinstance(want, re.Pattern):
        return want.fullmatch(got) is not None
    return want == got


def main():
    args = parse_args()
    test = runpy.run_path(args.test)
    ctx = build_ctx(args)
    reason = test.get('SKIP_ON_SOFTWARE_KVM')
    if reason and ctx.vmm == 'janus' and ctx.accel == 'kvm' and software_kvm():
        skip(f'software KVM (kvm_pvm): {reason}')
    exp = test['expect'](ctx)
    cmd = vmm_command(args, ctx, args.guest, exp.get('args', []))
    timeout = exp.get('timeout', 90)
    print('run: ' + ' '.join(cmd))
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=timeout)
        out, err, status = r.stdout, r.stderr, r.returncode
    except subprocess.TimeoutExpired as e:
        out, err, status = e.stdout or b'', e.stderr or b'', None
    got = out.decode(errors='replace').replace('\r', '').split('\n')
    if got and got[-1] == '':
        got.pop()
    errtext = err.decode(errors='replace')

    failures = 0
    want = exp['serial']
    same = len(want) == len(got) and all(
        line_matches(w, g) for w, g in zip(want, got))
    if same:
        print(f'check: serial output matches ({len(got)} lines)')
    else:
        failures += 1
        print('check: serial output DIFFERS (-expected +got):')
        shown = [w.pattern if isinstance(w, re.Pattern) else w for w in want]
        for d in difflib.unified_diff(shown, got, lineterm='', n=2):
            print('  ' + d)
    if status is None:
        failures += 1
        print(f'check: exit status: TIMEOUT after {timeout} s')
    elif status == exp['exit']:
        print(f'check: exit status {status}')
    else:
        failures += 1
        print(f'check: exit status {status}, expected {exp["exit"]}')
    if 'stderr' in exp:
        if re.search(exp['stderr'], errtext):
            print(f'check: stderr has /{exp["stderr"]}/')
        else:
            failures += 1
            print(f'check: stderr lacks /{exp["stderr"]}/')
    if failures:
        print('--- serial output ---')
        print('\n'.join(got))
        print('--- stderr (first 40 lines) ---')
        print('\n'.join(errtext.split('\n')[:40]))
        fail(f'{failures} check(s) failed')
    print('PASS')


if __name__ == '__main__':
    main()
