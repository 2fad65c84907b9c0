#!/bin/bash
# bench-kvm.sh [BUILD_DIR]: the -accel kvm figures of docs/benchmarks.md in
# one run, janus beside QEMU (when installed) and the raw/native floor.
#
#   exit round trip   pio-bench.elf (CPL3 out / MMIO store loops) under
#                     janus and qemu-system-x86_64 -accel kvm, vs
#                     bench-kvm-raw (its own VM, same loops, long mode CPL3)
#   CPL3 compute      cpl3-compute.elf vs cpl3-compute-native
#   start-up          process exec to the first KVM_RUN (strace timestamps)
#   memory            resident set beyond the guest RAM mapping
#
# Each figure: median of RUNS (default 5) runs, with min..max.  Needs
# /dev/kvm (exit 77 without it).  Env: RUNS, N (exits per loop), ITERS
# (cpl3-compute iterations), QEMU (binary, "" to skip).
set -u
. "$(dirname "$0")/bench-lib.sh"
B=${1:-build}
RUNS=${RUNS:-5}
N=${N:-5000}
ITERS=${ITERS:-10000}
QEMU=${QEMU-qemu-system-x86_64}
J=$B/janus
G=$B/tests/guests
RAW=$B/tools/bench-kvm-raw
EXIT_DEV=(-device isa-debug-exit,iobase=0xf4,iosize=0x04)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "bench-kvm: /dev/kvm unusable"; exit 77; }
for f in "$J" "$RAW"; do
    [ -x "$f" ] || { echo "bench-kvm: $f missing (build first)"; exit 1; }
done
if [ -n "$QEMU" ] && ! command -v "$QEMU" >/dev/null; then
    QEMU=
fi


MHZ=$("$RAW" -t | sed 's/tsc_mhz=//')
echo "host: $(nproc) CPUs, TSC $MHZ MHz, $(uname -r)"

# ---- exit round trip --------------------------------------------------
"$RAW" -l -n "$N" -r "$RUNS" > "$TMP/raw" || exit 1
RAW_PIO=$(sed -n 's/^pio=\([0-9.]*\) .*/\1/p' "$TMP/raw" | awk '{ print $1 / 1000 }' | stats)
RAW_MMIO=$(sed -n 's/.* mmio=\([0-9.]*\)$/\1/p' "$TMP/raw" | awk '{ print $1 / 1000 }' | stats)
"$RAW" -n "$N" -r "$RUNS" > "$TMP/raw-real" || exit 1
RAWR_PIO=$(sed -n 's/^pio=\([0-9.]*\) .*/\1/p' "$TMP/raw-real" | awk '{ print $1 / 1000 }' | stats)

# pio-bench prints "bench pio: N exits, T tsc ticks, P per exit"
pio_bench() {   # $1 = janus|qemu; appends us/exit to $TMP/$1-pio, -mmio
    local out=$TMP/$1.out
    if [ "$1" = janus ]; then
        "$J" -accel kvm -m 64M -nographic "${EXIT_DEV[@]}" \
            -kernel "$G/pio-bench.elf" -append "pio=$N mmio=$N" > "$out" 2>&1
    else
        "$QEMU" -accel kvm -m 64M -nographic "${EXIT_DEV[@]}" \
            -kernel "$G/pio-bench.elf" -append "pio=$N mmio=$N" > "$out" 2>&1
    fi
    awk -v mhz="$MHZ" '/^bench pio:/ { print $(NF-2) / mhz }' "$out" >> "$TMP/$1-pio"
    awk -v mhz="$MHZ" '/^bench mmio:/ { print $(NF-2) / mhz }' "$out" >> "$TMP/$1-mmio"
}
: > "$TMP/janus-pio"; : > "$TMP/janus-mmio"; : > "$TMP/qemu-pio"; : > "$TMP/qemu-mmio"
if [ -f "$G/pio-bench.elf" ]; then
    for _ in $(seq "$RUNS"); do
        pio_bench janus
        [ -n "$QEMU" ] && pio_bench qemu
    done
else
    echo "bench-kvm: $G/pio-bench.elf missing: no janus exit figures"
fi
JP=$(stats < "$TMP/janus-pio"); JM=$(stats < "$TMP/janus-mmio")
QP=$(stats < "$TMP/qemu-pio"); QM=$(stats < "$TMP/qemu-mmio")

# ---- CPL3 compute -------------------------------------------------------
: > "$TMP/c-janus"; : > "$TMP/c-qemu"; : > "$TMP/c-native"
if [ -f "$G/cpl3-compute.elf" ] && [ -x "$G/cpl3-compute-native" ]; then
    for _ in $(seq "$RUNS"); do
        "$J" -accel kvm -m 64M -nographic "${EXIT_DEV[@]}" \
            -kernel "$G/cpl3-compute.elf" -append "iters=$ITERS tsc=1" 2>&1 |
            awk -v mhz="$MHZ" '/^tsc ticks:/ { print $3 / mhz / 1000 }' >> "$TMP/c-janus"
        if [ -n "$QEMU" ]; then
            "$QEMU" -accel kvm -m 64M -nographic "${EXIT_DEV[@]}" \
                -kernel "$G/cpl3-compute.elf" -append "iters=$ITERS tsc=1" 2>&1 |
                awk -v mhz="$MHZ" '/^tsc ticks:/ { print $3 / mhz / 1000 }' >> "$TMP/c-qemu"
        fi
        "$G/cpl3-compute-native" "$ITERS" 2>&1 >/dev/null |
            awk '/^ns:/ { print $2 / 1e6 }' >> "$TMP/c-native"
    done
else
    echo "bench-kvm: cpl3-compute.elf or cpl3-compute-native missing"
fi
CJ=$(stats < "$TMP/c-janus"); CQ=$(stats < "$TMP/c-qemu"); CN=$(stats < "$TMP/c-native")

# ---- start-up: exec -> first KVM_RUN -------------------------------------
startup() {     # $@ = command; prints ms
    strace -f -ttt -e trace=execve,ioctl -o "$TMP/st" "$@" > /dev/null 2>&1
    awk '/execve\(/ && !t0 { t0 = $2 } /KVM_RUN/ { printf "%.2f\n", ($2 - t0) * 1000; exit }' "$TMP/st"
}
: > "$TMP/s-janus"; : > "$TMP/s-qemu"
if command -v strace > /dev/null; then
    for _ in $(seq "$RUNS"); do
        startup "$J" -accel kvm -m 256M -nographic "${EXIT_DEV[@]}" \
            -kernel "$G/hello.elf" >> "$TMP/s-janus"
        [ -n "$QEMU" ] && startup "$QEMU" -accel kvm -m 256M -nographic \
            "${EXIT_DEV[@]}" -kernel "$G/hello.elf" >> "$TMP/s-qemu"
    done
fi
SJ=$(stats < "$TMP/s-janus"); SQ=$(stats < "$TMP/s-qemu")

# ---- resident memory beyond guest RAM --------------------------------------
# Run hello.elf without isa-debug-exit (it halts at the end), then sum the
# Rss of every mapping except the 256 MiB guest RAM block.
rss_beyond() {  # $@ = command; prints MiB
    "$@" -m 256M -display none -serial none -kernel "$G/hello.elf" \
        > /dev/null 2>&1 &
    local pid=$!
    sleep 1.5
    awk '/^[0-9a-f]+-[0-9a-f]+ / { guest = 0 }
         /^Size:/ { guest = ($2 >= 262144 && $2 <= 262144 + 8192) }
         /^Rss:/ { if (!guest) sum += $2 }
         END { printf "%.1f\n", sum / 1024 }' "/proc/$pid/smaps"
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
}
: > "$TMP/r-janus"; : > "$TMP/r-qemu"
for _ in $(seq "$RUNS"); do
    rss_beyond "$J" -accel kvm >> "$TMP/r-janus"
    [ -n "$QEMU" ] && rss_beyond "$QEMU" -accel kvm >> "$TMP/r-qemu"
done
RJ=$(stats < "$TMP/r-janus"); RQ=$(stats < "$TMP/r-qemu")

# ---- table ---------------------------------------------------------------
echo
echo "| figure (median of $RUNS, min..max) | janus | qemu -accel kvm | floor | janus / floor |"
echo "| --- | --- | --- | --- | --- |"
echo "| PIO exit round trip, CPL3 long mode | $(fmt "$JP" us) | $(fmt "$QP" us) | raw $(fmt "$RAW_PIO" us) | $(div "$(m "$JP")" "$(m "$RAW_PIO")" %.2f) |"
echo "| MMIO exit round trip, CPL3 long mode | $(fmt "$JM" us) | $(fmt "$QM" us) | raw $(fmt "$RAW_MMIO" us) | $(div "$(m "$JM")" "$(m "$RAW_MMIO")" %.2f) |"
echo "| (raw PIO exit, real mode, for scale) | | | raw $(fmt "$RAWR_PIO" us) | |"
echo "| cpl3-compute, $ITERS iterations | $(fmt "$CJ" ms) | $(fmt "$CQ" ms) | native $(fmt "$CN" ms) | $(div "$(m "$CJ")" "$(m "$CN")" %.2f) |"
echo "| exec to first KVM_RUN (under strace) | $(fmt "$SJ" ms) | $(fmt "$SQ" ms) | | |"
echo "| RSS beyond guest RAM (-m 256M) | $(fmt "$RJ" MiB) | $(fmt "$RQ" MiB) | | |"
