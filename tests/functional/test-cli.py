#!/usr/bin/env python3
# test-cli.py: the command line and the monitor, run on the built janus.
#
# Usage: test-cli.py PATH/TO/janus
# Each check prints one line, "ok: ..." or "FAIL: ...".  Exits 1 on any
# failure.
#
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import signal
import subprocess
import sys
import tempfile
import time

JANUS = sys.argv[1]
failures = 0


def check(ok, what, detail=""):
    global failures
    if ok:
        print(f"ok: {what}")
    else:
        failures += 1
        print(f"FAIL: {what}" + (f"\n      {detail}" if detail else ""))


def run(args, stdin_text=None, timeout=60):
    return subprocess.run([JANUS] + args, input=stdin_text,
                          capture_output=True, text=True, timeout=timeout,
                          stdin=None if stdin_text is not None
                          else subprocess.DEVNULL)


# (arguments, text the one error line must contain)
BAD = [
    (["-no-such-option"], "-no-such-option"),
    (["--no-such-option"], "--no-such-option"),
    (["-m", "0"], "-m 0"),
    (["-m", "99999999G"], "99999999G"),
    (["-m", "1T"], "-m 1T"),
    (["-m", "99999999999999999999G"], "99999999999999999999G"),
    (["-m", "abc"], "-m abc"),
    (["-m", "size=abc"], "size=abc"),
    (["-m", "256M,slots=2"], "slots"),
    (["-m"], "-m"),
    (["-smp", "0"], "-smp 0"),
    (["-smp", "65"], "-smp 65"),
    (["-smp", "two"], "-smp two"),
    (["-kernel", "/nonexistent"], "/nonexistent"),
    (["-kernel", "/"], "-kernel /"),
    (["-initrd", "/nonexistent-initrd"], "only allowed with -kernel"),
    (["-machine", "foo"], "foo"),
    (["-M", "q35"], "q35"),
    (["-machine", "pc,bogus=1"], "bogus"),
    (["-machine", "pc,accel=bogus"], "bogus"),
    (["-serial", "bogus"], "bogus"),
    (["-serial", "file:"], "file:"),
    (["-serial", "file:/nonexistent-dir/out"], "/nonexistent-dir/out"),
    (["-monitor", "vc"], "vc"),
    (["-display", "gtk"], "gtk"),
    (["-d", "foo"], "foo"),
    (["-accel", "bogus"], "bogus"),
    (["-accel", "kvm:bogus"], "bogus"),
    (["-device", "no-such-device"], "no-such-device"),
    (["-drive", "file=disk.img"], "-drive: not supported yet"),
    (["-s"], "-s: not supported yet"),
    (["disk.img"], "disk.img"),
    (["-append", "console=ttyS0"], "-append"),
]

for args, needle in BAD:
    r = run(args)
    lines = r.stderr.splitlines()
    what = f"janus {' '.join(args)}: exit 1, one 'janus: ' line naming " \
           f"'{needle}'"
    check(r.returncode == 1 and len(lines) == 1 and
          lines[0].startswith("janus: ") and needle in lines[0],
          what, f"exit {r.returncode}, stderr {r.stderr!r}")

# Information options exit 0 and print on stdout
r = run(["--version"])
check(r.returncode == 0 and r.stdout == "janus version 0.1.0\n" and
      not r.stderr, "--version prints 'janus version 0.1.0'",
      f"exit {r.returncode}, {r.stdout!r} {r.stderr!r}")
r = run(["-version"])
check(r.returncode == 0 and "janus version" in r.stdout,
      "-version (one dash) works too")
for opt in ["--help", "-h", "-help"]:
    r = run([opt])
    check(r.returncode == 0 and "-accel" in r.stdout and
          "-nographic" in r.stdout and not r.stderr,
          f"{opt} lists the options and exits 0")
r = run(["-trace", "help"])
check(r.returncode == 0 and "vm_request_shutdown" in r.stdout.split(),
      "-trace help lists trace events", r.stdout[:200])
for args in (["-device", "help"], ["-d", "help"], ["-machine", "help"],
             ["-accel", "help"]):
    r = run(args)
    check(r.returncode == 0 and not r.stderr,
          f"{' '.join(args)} exits 0 without errors", r.stderr)

# The monitor on a stopped machine: no accelerator needed
MACHINE = ["-machine", "pc", "-m", "256M", "-monitor", "stdio", "-S"]
r = run(MACHINE, "info mtree\nquit\n")
check(r.returncode == 0, "'info mtree' then 'quit' exits 0",
      f"exit {r.returncode}, stderr {r.stderr!r}")
check("address-space: memory" in r.stdout,
      "info mtree shows 'address-space: memory'", r.stdout[-400:])
check("address-space: I/O" in r.stdout,
      "info mtree shows 'address-space: I/O'")
check("pc.ram" in r.stdout or "ram-below-4g" in r.stdout,
      "info mtree shows pc.ram / ram-below-4g", r.stdout[-800:])
check(r.stdout.startswith("janus 0.1.0 monitor") and "(janus) " in r.stdout,
      "the monitor prints its banner and the '(janus) ' prompt")

r = run(MACHINE, "info mtree -f\nquit\n")
check(r.returncode == 0 and "FlatView #" in r.stdout,
      "info mtree -f prints the flat views", r.stdout[-400:])

r = run(MACHINE, "help\ninfo\ninfo version\nfoo\ninfo bar\nquit\n")
check("cont|c" in r.stdout and "system_reset" in r.stdout,
      "help lists the commands")
check("info mtree [-f]" in r.stdout, "info with no argument lists subcommands")
check("(janus) 0.1.0\n" in r.stdout, "info version prints 0.1.0")
check("unknown command: 'foo'" in r.stdout,
      "an unknown command says unknown command: 'foo'")
check("unknown command: 'info bar'" in r.stdout,
      "an unknown info subcommand is reported")
check(r.returncode == 0 and not r.stderr, "nothing on stderr, exit 0",
      r.stderr)

r = run(MACHINE, "info version\n")
check(r.returncode == 0 and "0.1.0" in r.stdout,
      "EOF on a piped monitor quits with exit 0")

r = run(MACHINE + ["--nographic"], "quit\n")
check(r.returncode == 0, "-nographic with an explicit -monitor stdio works",
      r.stderr)

# Tracing to a -D file, and a pattern that matches nothing
with tempfile.TemporaryDirectory() as tmp:
    log = os.path.join(tmp, "trace.log")
    r = run(MACHINE + ["-trace", "vm_request_*", "-D", log], "quit\n")
    text = open(log).read() if os.path.exists(log) else ""
    check(r.returncode == 0 and "vm_request_shutdown code=0\n" in text,
          "-trace vm_request_* -D FILE writes 'vm_request_shutdown code=0'",
          f"exit {r.returncode}, log {text!r}, stderr {r.stderr!r}")
    r = run(MACHINE + ["-trace", "enable=no_such_event_*"], "quit\n")
    lines = r.stderr.splitlines()
    check(r.returncode == 0 and len(lines) == 1 and
          "no_such_event_*" in lines[0] and "warning" in lines[0],
          "-trace matching nothing warns once and still runs", r.stderr)
    r = run(MACHINE + ["-D", os.path.join(tmp, "no/such/dir/log")])
    check(r.returncode == 1 and r.stderr.startswith("janus: -D ") and
          "no/such/dir/log" in r.stderr, "-D in a missing directory fails",
          r.stderr)

# SIGINT ends the VM cleanly, as QEMU does
p = subprocess.Popen([JANUS] + MACHINE, stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                     text=True)
time.sleep(0.5)
p.send_signal(signal.SIGINT)
try:
    out, err = p.communicate(timeout=20)
    check(p.returncode == 0 and "terminating on signal 2" in err,
          "SIGINT: 'terminating on signal 2', exit 0",
          f"exit {p.returncode}, stderr {err!r}")
except subprocess.TimeoutExpired:
    p.kill()
    check(False, "SIGINT ends janus within 20 s")

print(f"{'FAILED' if failures else 'passed'}: {failures} failure(s)")
sys.exit(1 if failures else 0)
