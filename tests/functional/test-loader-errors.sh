#!/bin/bash
# test-loader-errors.sh JANUS: -kernel refuses malformed images before any
# guest runs: exit status 1 and exactly one stderr line
# "janus: FILE: what is wrong".  Needs no accelerator.
#
# SPDX-License-Identifier: GPL-2.0-or-later
set -u
JANUS=${1:?usage: $0 path/to/janus}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

# put FILE OFFSET BYTES: write printf-escaped BYTES at OFFSET
put() {
    printf "$3" | dd of="$1" bs=1 seek=$(($2)) conv=notrunc status=none
}

# expect NAME WANT ARGS...: janus ARGS must fail with exactly one line
# matching the extended regex WANT (which names the file at fault).
expect() {
    local name=$1 want=$2 out rc lines
    shift 2
    out=$(timeout 30 "$JANUS" "$@" 2>&1 >/dev/null </dev/null)
    rc=$?
    lines=$(printf '%s\n' "$out" | grep -c .)
    if [ "$rc" -ne 1 ] || [ "$lines" -ne 1 ] ||
       ! printf '%s' "$out" | grep -qE -- "$want"; then
        echo "FAIL $name: exit $rc, $lines line(s), want '$want':"
        printf '%s\n' "$out" | sed 's/^/    /'
        failed=1
    else
        echo "ok   $name: $out"
    fi
}

# A file of $2 bytes of zeros.
zeros() {
    head -c "$2" /dev/zero > "$1"
}

f=$tmp/empty.bin
: > "$f"
expect empty "^janus: $f: kernel file is empty" -kernel "$f"

f=$tmp/missing.bin
# main/cli.c checks that the file exists before the loader runs
expect missing "^janus: (-kernel )?$f: .*No such file or directory" -kernel "$f"

f=$tmp/text.bin
for i in $(seq 200); do echo "this is not a kernel"; done > "$f"
expect no-header "^janus: $f: not a kernel janus can boot" -kernel "$f"

f=$tmp/badsum.bin
zeros "$f" 4096
put "$f" 0x40 '\x02\xb0\xad\x1b\x03\x00\x00\x00\x78\x56\x34\x12'
expect bad-checksum "^janus: $f: multiboot header at offset 0x40 has a bad checksum" -kernel "$f"

f=$tmp/mbcut.bin
printf '\x02\xb0\xad\x1b\x00\x00' > "$f"
expect multiboot-truncated "^janus: $f: multiboot header at offset 0x0 is cut off" -kernel "$f"

# A bzImage whose file ends inside the setup code (4 sectors + boot sector).
f=$tmp/bzImage-truncated
zeros "$f" 1024
put "$f" 0x1f1 '\x04'
put "$f" 0x1fe '\x55\xaa\xeb\x6a'
put "$f" 0x202 'HdrS\x0f\x02'
put "$f" 0x211 '\x01'
put "$f" 0x238 '\xff\x07'
expect bzimage-truncated "^janus: $f: Linux kernel truncated" -kernel "$f"

f=$tmp/elf-truncated
printf '\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x03\x00' > "$f"
expect elf-truncated "^janus: $f: ELF file truncated" -kernel "$f"

expect initrd-without-kernel \
    "^janus: -initrd.*(needs -kernel|only allowed with -kernel option)" \
    -initrd "$tmp/empty.bin"

exit $failed
