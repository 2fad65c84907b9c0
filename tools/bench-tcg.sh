#!/bin/bash
# bench-tcg.sh [BUILD_DIR]: the -accel tcg figures of docs/benchmarks.md in
# one run, janus beside qemu-system-x86_64 -accel tcg on the same
# multiboot guests (-kernel), runs interleaved (janus, QEMU, janus, ...).
#
#   cpl3-compute   integer workload at CPL3 (tests/guests/compute.h)
#   bench-mem      1-8 byte loads/stores over 256 KiB: the TLB hit path
#   bench-tlb      one word per 4 KiB page over 32 MiB: a page walk each
#   start-up       cpl3-compute iters=0: process start to isa-debug-exit
#
# Each time: median of RUNS (default 5) wall times, with min..max; the
# ratio janus/QEMU is of the medians, with the min..max of the per-pair
# ratios.  Every run must exit through isa-debug-exit with PASS and print
# the same checksum line under both, or the script fails.  Then one more
# janus run per workload with -monitor stdio reads "info jit" after the
# guest's PASS (no isa-debug-exit: the guest halts): once with -d nochain,
# where every block is entered from the loop and counted, for the exact
# guest instruction count, and once normally for translations, lookups,
# chains and TLB misses.  QEMU's "info jit" gives its TB count.
# Env: RUNS, CITERS, MITERS, TITERS (iterations of the three workloads),
# QEMU (binary, "" to skip).
set -u
. "$(dirname "$0")/bench-lib.sh"
B=${1:-build}
RUNS=${RUNS:-5}
CITERS=${CITERS:-60000}
MITERS=${MITERS:-12000}
TITERS=${TITERS:-1500}
QEMU=${QEMU-qemu-system-x86_64}
J=$B/janus
G=$B/tests/guests
EXIT_DEV=(-device isa-debug-exit,iobase=0xf4,iosize=0x04)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

die() {
    echo "bench-tcg: $*" >&2
    exit 1
}

[ -x "$J" ] || die "$J missing (build first)"
for g in cpl3-compute bench-mem bench-tlb; do
    [ -f "$G/$g.elf" ] || die "$G/$g.elf missing (build first)"
done
if [ -n "$QEMU" ] && ! command -v "$QEMU" >/dev/null; then
    echo "bench-tcg: $QEMU not installed: janus figures only"
    QEMU=
fi

mega() { awk '{ if ($1 == "n/a") print $1; else printf "%.0f\n", $1 / 1e6 }'; }

# run_timed VMM GUEST ITERS: one timed run; appends seconds to
# $TMP/t-GUEST-VMM and checks the exit status and checksum line.
run_timed() {
    local vmm=$1 guest=$2 iters=$3 out=$TMP/out t0 t1 rc sum bin
    [ "$vmm" = janus ] && bin=$J || bin=$QEMU
    t0=$(date +%s%N)
    "$bin" -accel tcg -m 256M -nographic "${EXIT_DEV[@]}" \
        -kernel "$G/$guest.elf" -append "iters=$iters" > "$out" 2>&1 < /dev/null
    rc=$?
    t1=$(date +%s%N)
    tr -d '\r' < "$out" > "$out.txt"
    grep -aq '^PASS$' "$out.txt" && [ "$rc" = 1 ] ||
        die "$vmm $guest iters=$iters: exit $rc, output:$(echo; tail -5 "$out.txt")"
    sum=$(grep -a '^checksum:' "$out.txt")
    [ -n "$sum" ] || die "$vmm $guest: no checksum line"
    if [ -f "$TMP/sum-$guest-$iters" ]; then
        [ "$sum" = "$(cat "$TMP/sum-$guest-$iters")" ] ||
            die "$vmm $guest iters=$iters: '$sum', expected" \
                "'$(cat "$TMP/sum-$guest-$iters")'"
    else
        echo "$sum" > "$TMP/sum-$guest-$iters"
    fi
    echo "$t0 $t1" | awk '{ printf "%.3f\n", ($2 - $1) / 1e9 }' \
        >> "$TMP/t-$guest-$iters-$vmm"
}

# monitor_run OUT CMD...: run CMD with the monitor on stdio, type
# "info jit" once the guest printed PASS, then quit.
monitor_run() {
    local out=$1 ser=$TMP/serial
    shift
    rm -f "$ser" "$TMP/vmm-done"
    (
        for _ in $(seq 12000); do       # 10 minutes
            grep -aq '^\(PASS\|FAIL\)' "$ser" 2>/dev/null && break
            [ -e "$TMP/vmm-done" ] && break     # it died before PASS
            sleep 0.05
        done
        echo "info jit"
        echo "quit"
    ) | {
        "$@" -m 256M -display none -serial "file:$ser" -monitor stdio \
            > "$out" 2>&1
        touch "$TMP/vmm-done"
    }
    grep -aq '^PASS' "$ser" || die "$* under the monitor: no PASS"
    tr -d '\r' < "$out" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' > "$out.txt"
}

echo "host: $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
     "$(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "$QEMU" ] && echo "reference: $("$QEMU" --version | head -1)"

WORKLOADS=("cpl3-compute $CITERS" "bench-mem $MITERS" "bench-tlb $TITERS"
           "cpl3-compute 0")
for _ in $(seq "$RUNS"); do
    for w in "${WORKLOADS[@]}"; do
        set -- $w
        run_timed janus "$1" "$2"
        [ -n "$QEMU" ] && run_timed qemu "$1" "$2"
    done
done

# ---- wall times -----------------------------------------------------------
echo
echo "| workload (median of $RUNS, min..max) | janus -accel tcg | qemu -accel tcg | janus / qemu |"
echo "| --- | --- | --- | --- |"
for w in "${WORKLOADS[@]}"; do
    set -- $w
    f=$TMP/t-$1-$2
    JT=$(stats %.3f < "$f-janus")
    QT="- - -"
    PR=""
    [ -s "$f-qemu" ] && QT=$(stats %.3f < "$f-qemu")
    if [ -s "$f-qemu" ]; then
        PR=$(paste "$f-janus" "$f-qemu" | awk '{ print $1 / $2 }' | stats %.3f |
             awk '{ printf "(%.2f..%.2f)", $2, $3 }')
    fi
    name="$1, iters=$2"
    [ "$2" = 0 ] && name="start-up to exit (cpl3-compute iters=0)"
    echo "| $name | $(fmt "$JT" s) | $(fmt "$QT" s) | $(div "$(m "$JT")" "$(m "$QT")" %.2f) $PR |"
done

# ---- info jit -------------------------------------------------------------
# jit FILE PATTERN FIELD: a number from an "info jit" dump
jit() {
    awk -v p="$2" -v f="$3" 'index($0, p) == 1 { gsub(/[(~%,]/, " "); print $f; exit }' "$1"
}
echo
echo "| workload | guest insns | janus Minsn/s | QEMU Minsn/s | blocks translated (QEMU TBs) | translated/s | jump cache hits / misses | goto_ptr hits / misses | chains | TLB misses (victim hits) | TLB misses/s |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for w in "${WORKLOADS[@]:0:3}"; do
    set -- $w
    args=(-kernel "$G/$1.elf" -append "iters=$2")
    monitor_run "$TMP/nochain" "$J" -accel tcg -d nochain "${args[@]}"
    monitor_run "$TMP/chain" "$J" -accel tcg "${args[@]}"
    QTB=n/a
    if [ -n "$QEMU" ]; then
        monitor_run "$TMP/qemu" "$QEMU" -accel tcg "${args[@]}"
        QTB=$(jit "$TMP/qemu.txt" "TB count" 3)
    fi
    c=$TMP/chain.txt
    INSNS=$(jit "$TMP/nochain.txt" "  blocks run" 4)
    JT=$(m "$(stats %.3f < "$TMP/t-$1-$2-janus")")
    QT=-
    [ -s "$TMP/t-$1-$2-qemu" ] && QT=$(m "$(stats %.3f < "$TMP/t-$1-$2-qemu")")
    XL=$(jit "$c" "  blocks translated" 3)
    JC="$(jit "$c" "  jump cache" 3) / $(jit "$c" "  jump cache" 5) ($(jit "$c" "  jump cache" 7)%)"
    GP="$(jit "$c" "  goto_ptr lookups" 3) / $(jit "$c" "  goto_ptr lookups" 5)"
    TM=$(jit "$c" "  TLB misses" 4)
    echo "| $1, iters=$2 | $INSNS | $(div "$INSNS" "$JT" "%.0f" | mega) | $(div "$INSNS" "$QT" "%.0f" | mega) | $XL ($QTB) | $(div "$XL" "$JT" %.0f) | $JC | $GP | $(jit "$c" "  chains made" 3) | $TM ($(jit "$c" "  TLB misses" 7)) | $(div "$TM" "$JT" %.3g) |"
done
