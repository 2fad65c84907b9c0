#!/bin/bash
# difftest-long.sh [SECONDS [INSNS [BUILD_DIR]]]: the differential tester
# (tests/difftest/, docs/tcg.md "Difftest") for longer than meson test's
# fixed seed: fresh random seeds, INSNS instructions each (default
# 200,000), until SECONDS (default 600) have passed.  Each failing seed's
# full report (with its reproducer) is kept in difftest-long-SEED.log in
# the current directory.  Extra difftest.py options go in DIFFTEST_ARGS,
# e.g. DIFFTEST_ARGS="--ref qemu-tcg --gen-args=--qemu-compat".
# Exit: 0 all seeds agreed, 1 some failed, 77 no usable /dev/kvm.
set -u
SECONDS_WANTED=${1:-600}
INSNS=${2:-200000}
B=${3:-build}
SRC=$(cd "$(dirname "$0")/.." && pwd)
read -r -a extra <<< "${DIFFTEST_ARGS:-}"

for f in "$B/janus" "$B/tests/difftest/difftest-gen" \
         "$B/tests/difftest/difftest-guest.elf"; do
    [ -e "$f" ] || { echo "difftest-long: $f missing (build first)"; exit 1; }
done

seeds=0
bad=()
end=$((SECONDS + SECONDS_WANTED))
while [ "$SECONDS" -lt "$end" ]; do
    seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
    log=$(mktemp)
    python3 "$SRC/tests/difftest/difftest.py" --janus "$B/janus" \
        --gen "$B/tests/difftest/difftest-gen" \
        --guest "$B/tests/difftest/difftest-guest.elf" \
        --seed "$seed" --insns "$INSNS" "${extra[@]}" > "$log" 2>&1
    rc=$?
    if [ $rc -eq 77 ]; then
        cat "$log"
        rm -f "$log"
        exit 77
    fi
    seeds=$((seeds + 1))
    if [ $rc -ne 0 ]; then
        mv "$log" "difftest-long-$seed.log"
        bad+=("$seed")
        echo "difftest-long: seed $seed FAILED: difftest-long-$seed.log"
        grep -m1 -E 'MISMATCH|differ|gave different' "difftest-long-$seed.log"
    else
        grep -E '^NOTE' "$log"
        rm -f "$log"
    fi
done
echo "difftest-long: $seeds seeds of $INSNS instructions in $SECONDS_WANTED s," \
     "${#bad[@]} failed${bad[*]:+: ${bad[*]}}"
[ ${#bad[@]} -eq 0 ]
