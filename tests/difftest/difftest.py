#!/usr/bin/env python3
"""Differential test: the same random instruction cases under two VMMs.

Usage:
  difftest.py --janus build/janus --gen build/tests/difftest/difftest-gen \\
              --guest build/tests/difftest/difftest-guest.elf \\
              [--seed N] [--insns N] [--ref kvm] [--test tcg]

The generator writes a blob of cases (tests/difftest/README.md); the guest
runs them at CPL3 and prints one hash per 1,000 cases. The reference
(default: janus -accel kvm, i.e. the hardware) and the tested VMM (default:
janus -accel tcg) must print the same hashes. On a mismatch the driver
narrows it down: the first differing chunk, then case (per-case digests),
then the first instruction group of that case whose result differs (the
case cut after each group), and prints that as a reproducer: the
disassembly, the state before, both states after, and the commands that
replay it.

VMMs: kvm, tcg (janus -accel ...), qemu-tcg, qemu-kvm (qemu-system-x86_64).
Exit status: 0 same results, 1 mismatch or failure, 77 skipped (no usable
/dev/kvm, or janus says the accelerator is not built yet).
"""

import argparse
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
CHUNK = 1000
DEBUG_EXIT = 'isa-debug-exit,iobase=0xf4,iosize=0x04'
REGS = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi',
        'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15']


class Skip(Exception):
    pass


class Failure(Exception):
    pass


class Runner:
    def __init__(self, args, tmp):
        self.args = args
        self.tmp = tmp
        self.times = {}

    def command(self, vmm, blob, append):
        a = self.args
        if vmm in ('kvm', 'tcg'):
            return [a.janus, '-accel', vmm, '-m', a.mem, '-nographic',
                    '-device', DEBUG_EXIT, '-kernel', a.guest,
                    '-initrd', blob, '-append', append]
        accel = vmm.split('-')[1]
        return [a.qemu, '-accel', accel, '-cpu',
                'host' if accel == 'kvm' else 'max', '-m', a.mem,
                '-display', 'none', '-serial', 'stdio', '-device', DEBUG_EXIT,
                '-kernel', a.guest, '-initrd', blob, '-append', append]

    def run(self, vmm, blob, append=''):
        """Serial lines of one guest run; raises Skip or Failure."""
        cmd = self.command(vmm, blob, append)
        t0 = time.monotonic()
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=self.args.timeout)
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b'').decode(errors='replace')
            raise Failure(f'{vmm}: no result after {self.args.timeout} s:\n'
                          f'  {shlex.join(cmd)}\n' + tail(out))
        self.times[vmm] = self.times.get(vmm, 0) + time.monotonic() - t0
        out = p.stdout.decode(errors='replace').replace('\r', '')
        err = p.stderr.decode(errors='replace')
        if 'not built yet' in err:
            raise Skip(f'{vmm}: ' + err.strip().splitlines()[-1])
        lines = out.splitlines()
        if p.returncode != 1 or 'PASS' not in lines:
            raise Failure(f'{vmm}: exit status {p.returncode}:\n'
                          f'  {shlex.join(cmd)}\n' + tail(out) + tail(err))
        return lines


def tail(text, n=15):
    lines = text.strip().splitlines()[-n:]
    return ''.join(f'  | {line}\n' for line in lines)


def check_available(args, vmm):
    if vmm in ('kvm', 'qemu-kvm'):
        try:
            os.close(os.open('/dev/kvm', os.O_RDWR | os.O_CLOEXEC))
        except OSError as e:
            raise Skip(f'/dev/kvm is not usable: {e.strerror}')
    if vmm.startswith('qemu') and not shutil.which(args.qemu):
        raise Skip(f'{args.qemu} is not installed')


def gen(args, out, *extra):
    cmd = [args.gen, '-s', str(args.seed), '-n', str(args.insns)]
    cmd += shlex.split(args.gen_args) + [str(x) for x in extra]
    if out:
        cmd += ['-o', out]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise Failure(f'{shlex.join(cmd)} failed:\n{p.stderr}')
    return p.stdout, p.stderr.strip()


def field(lines, key):
    for line in lines:
        if line.startswith(key + ' '):
            return line[len(key) + 1:]
    return None


def keyed(lines, key):
    """{index: hash} of the "key INDEX HASH" lines."""
    d = {}
    for line in lines:
        m = re.fullmatch(key + r' (\d+) ([0-9a-f]{16})( skipped)?', line)
        if m:
            d[int(m.group(1))] = m.group(2)
    return d


def first_difference(a, b):
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            return k
    return None


def disassemble(code_hex, vma, marks):
    """objdump lines of the case's code, '>' before the marked range."""
    path = os.path.join(tempfile.mkdtemp(), 'code.bin')
    with open(path, 'wb') as f:
        f.write(bytes.fromhex(code_hex))
    try:
        p = subprocess.run(['objdump', '-D', '-b', 'binary', '-m',
                            'i386:x86-64', f'--adjust-vma={vma:#x}', path],
                           capture_output=True, text=True)
        lines = [line for line in p.stdout.splitlines()
                 if re.match(r'\s+[0-9a-f]+:\t', line)]
    except OSError:
        lines = []
    if not lines:
        return [f'    {code_hex}']
    out = []
    for line in lines:
        at = int(line.split(':')[0], 16) - vma
        mark = '>' if marks[0] <= at < marks[1] else ' '
        out.append(f'  {mark} {line.strip()}')
    return out


def full_state(lines):
    """The per-case dump of full=1 as a dict."""
    st = {'regs': {}, 'mem': [], 'exc': 'none', 'flags': ''}
    for line in lines:
        m = re.fullmatch(r'(\w+)\s+([0-9a-f]{16}) -> ([0-9a-f]{16})(.*)', line)
        if m and m.group(1) in REGS:
            st['regs'][m.group(1)] = (m.group(2), m.group(3), m.group(4))
        elif line.startswith('rflags '):
            st['flags'] = line
        elif line.startswith('exception '):
            st['exc'] = line[len('exception '):]
        elif re.match(r'win[01]\+', line):
            st['mem'].append(line)
        elif line.startswith('win0 '):
            st['wins'] = line
    return st


def report(args, runner, k, chunk_hint):
    """Narrow case k down to its first differing group and print it."""
    ref, test = args.ref, args.test
    tmp = runner.tmp
    show, _ = gen(args, None, '--show', k)
    import json
    case = json.loads(show)
    units = case['units']
    print(f'MISMATCH: seed {args.seed}, case {k} ({len(units)} instruction '
          f'groups){chunk_hint}')

    only = os.path.join(tmp, f'case{k}.bin')
    gen(args, only, '--only', k)
    r1 = runner.run(ref, only, 'full=1' + args.feat_arg)
    t1 = runner.run(test, only, 'full=1' + args.feat_arg)
    alone = field(r1, 'case 0 digest') != field(t1, 'case 0 digest')

    pre = os.path.join(tmp, f'case{k}-prefixes.bin')
    gen(args, pre, '--prefixes', k)
    rv = keyed(runner.run(ref, pre, 'verbose=1' + args.feat_arg), 'case')
    tv = keyed(runner.run(test, pre, 'verbose=1' + args.feat_arg), 'case')
    j = first_difference(rv, tv)
    if j is None or j == 0:
        j = len(units)
        print('  (the cut-down cases agree: the whole sequence is needed)')
    lo = units[j - 2][0] if j >= 2 else 0
    hi = units[j - 1][0]
    print(f'  first differing result after group {j}: code bytes '
          f'{lo}..{hi} (marked >)')
    for line in disassemble(case['code'], case['code_off'], (lo, hi)):
        print(line)

    before = full_state(runner.run(ref, pre, f'first={j - 1} count=1 full=1'
                                   + args.feat_arg))
    ra = full_state(runner.run(ref, pre, f'first={j} count=1 full=1'
                               + args.feat_arg))
    ta = full_state(runner.run(test, pre, f'first={j} count=1 full=1'
                               + args.feat_arg))
    print(f'  {before.get("wins", "")}; reloc mask {case["reloc"]:#x}')
    print(f'  {"reg":<4} {"before (" + ref + ")":<18} {ref + " after":<18} '
          f'{test + " after":<18}')
    for r in REGS:
        b = before['regs'].get(r, ('?', '?', ''))[1]
        x = ra['regs'].get(r, ('?', '?', ''))
        y = ta['regs'].get(r, ('?', '?', ''))
        flag = ' <--' if x[1] != y[1] and 'undefined' not in x[2] else ''
        print(f'  {r:<4} {b:<18} {x[1]:<18} {y[1]:<18}{x[2]}{flag}')
    bflags = re.search(r'-> (\S+)', before['flags'])
    print(f'  flags before {bflags.group(1) if bflags else "?"}')
    print(f'  {ref}: {ra["flags"]}; exception {ra["exc"]}')
    print(f'  {test}: {ta["flags"]}; exception {ta["exc"]}')
    for name, st in ((ref, ra), (test, ta)):
        mem = [m for m in st['mem'] if m not in before['mem']]
        for m in mem:
            print(f'  {name} memory: {m}')
    mem_r = set(ra['mem'])
    mem_t = set(ta['mem'])
    if mem_r != mem_t:
        for m in sorted(mem_r ^ mem_t):
            print(f'  memory differs: {"ref " if m in mem_r else "test"} {m}')
    gpath = os.path.abspath(args.gen)
    print('  reproduce:')
    print(f'    {shlex.quote(gpath)} -s {args.seed} -n {args.insns} '
          f'{args.gen_args} --only {k} -o case.bin'.replace('  ', ' '))
    for vmm in (ref, test):
        cmd = runner.command(vmm, 'case.bin', 'full=1' + args.feat_arg)
        print(f'    {shlex.join(cmd)}')
    if not alone:
        print('  note: case run alone agrees; it differs only after the '
              'cases before it (a translation-cache or state leak):')
        print(f'    run the full blob with -append "first={k - k % CHUNK} '
              f'count={CHUNK} verbose=1"')


def reference_flake(args, runner, blob, rc, tc, tries=3):
    """After a mismatch, run both sides again.

    This machine's software KVM sometimes emulates a CPL3 instruction
    instead of running it, and its emulator raises #UD for some (seen:
    popcnt right after a locked memory instruction); the hardware never
    would. A mismatch therefore only counts when no reference run out of
    @tries agrees with the tested VMM; a tested VMM that does not
    reproduce its own result is a failure in itself.
    """
    t2 = keyed(runner.run(args.test, blob, args.feat_arg.strip()), 'chunk')
    if t2 != tc:
        print(f'{args.test} gave different results for the same blob in two '
              f'runs (first differing chunk {first_difference(tc, t2)})')
        return False
    for i in range(tries):
        r2 = keyed(runner.run(args.ref, blob, args.feat_arg.strip()), 'chunk')
        if r2 == tc:
            print(f'NOTE: {args.ref} differed from {args.test} in chunk '
                  f'{first_difference(rc, tc)}, then agreed on rerun '
                  f'{i + 1}: {args.ref} is not reproducible here, not a '
                  f'{args.test} bug')
            print(f'PASS: seed {args.seed}: {args.ref} (rerun) and '
                  f'{args.test} agree')
            return True
        if r2 == rc:
            return False        # the reference reproduces its result
    return False


def difftest(args, runner):
    tmp = runner.tmp
    blob = os.path.join(tmp, 'cases.bin')
    _, summary = gen(args, blob)
    print(summary)
    args.feat_arg = f' feat={args.feat}' if args.feat else ''
    # The tested VMM first: it is the one that may not exist yet.
    t = runner.run(args.test, blob, args.feat_arg.strip())
    r = runner.run(args.ref, blob, args.feat_arg.strip())
    fr, ft = field(r, 'features'), field(t, 'features')
    if fr != ft:
        feat = int(fr, 0) & int(ft, 0)
        print(f'features differ ({args.ref} {fr}, {args.test} {ft}): '
              f'rerunning both with feat={feat:#x}')
        args.feat_arg = f' feat={feat:#x}'
        t = runner.run(args.test, blob, args.feat_arg.strip())
        r = runner.run(args.ref, blob, args.feat_arg.strip())
    rc, tc = keyed(r, 'chunk'), keyed(t, 'chunk')
    print(f'{args.ref}: {len(rc)} chunks, {field(r, "faults")} exceptions, '
          f'total {field(r, "total")}, {runner.times[args.ref]:.1f} s')
    print(f'{args.test}: {len(tc)} chunks, {field(t, "faults")} exceptions, '
          f'total {field(t, "total")}, {runner.times[args.test]:.1f} s')
    c = first_difference(rc, tc)
    if c is None and rc:
        print(f'PASS: seed {args.seed}: {args.ref} and {args.test} agree')
        return 0
    if c is None:
        raise Failure('no chunk lines in the output')
    if reference_flake(args, runner, blob, rc, tc):
        return 0
    bad = sum(1 for k in rc if rc.get(k) != tc.get(k))
    print(f'{bad} of {len(rc)} chunks differ; the first is chunk {c}')
    append = f'first={c * CHUNK} count={CHUNK} verbose=1' + args.feat_arg
    rv = keyed(runner.run(args.ref, blob, append), 'case')
    tv = keyed(runner.run(args.test, blob, append), 'case')
    k = first_difference(rv, tv)
    if k is None:
        print(f'chunk {c} agrees when run alone: results depend on the '
              f'cases before it. Replay: -append "first=0 count='
              f'{(c + 1) * CHUNK} verbose=1"')
        return 1
    report(args, runner, k, f', chunk {c}')
    return 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--janus', default='build/janus')
    ap.add_argument('--qemu', default='qemu-system-x86_64')
    ap.add_argument('--gen', required=True, help='difftest-gen')
    ap.add_argument('--guest', required=True, help='difftest-guest.elf')
    ap.add_argument('--seed', type=lambda s: int(s, 0),
                    help='random when omitted')
    ap.add_argument('--insns', type=int, default=100000)
    ap.add_argument('--ref', default='kvm',
                    choices=['kvm', 'tcg', 'qemu-tcg', 'qemu-kvm'])
    ap.add_argument('--test', default='tcg',
                    choices=['kvm', 'tcg', 'qemu-tcg', 'qemu-kvm'])
    ap.add_argument('--gen-args', default='',
                    help='more difftest-gen options, e.g. --qemu-compat')
    ap.add_argument('--mem', default='256M')
    ap.add_argument('--timeout', type=int, default=300)
    ap.add_argument('--feat', help='DT_FEAT_* mask both guests assume '
                    'instead of their CPUID (e.g. when the reference CPU has '
                    'an instruction its CPUID does not advertise)')
    ap.add_argument('--keep', help='keep the blobs in this directory')
    args = ap.parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().getrandbits(32)
    print(f'difftest: seed {args.seed}, {args.insns} instructions, '
          f'{args.ref} (reference) against {args.test}')
    tmp = args.keep or tempfile.mkdtemp(prefix='difftest-')
    os.makedirs(tmp, exist_ok=True)
    try:
        for vmm in (args.ref, args.test):
            check_available(args, vmm)
        return difftest(args, Runner(args, tmp))
    except Skip as e:
        print(f'SKIP: {e}')
        return SKIP
    except Failure as e:
        print(f'FAIL: {e}')
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
