#!/bin/bash
# Every test: the normal build runs all suites, the ASan+UBSan build the
# suites in ASAN_SUITES.  Exits non-zero if anything fails.
set -uo pipefail

ASAN_SUITES=(unit cli kvm babyqemu tcg)

cd "$(dirname "$0")/.."
BUILD=${JANUS_BUILD_DIR:-build}
ASAN_BUILD=${JANUS_ASAN_BUILD_DIR:-build-asan}
failed=()

bash tools/setup-debian.sh || exit 1

# build DIR [meson options...]: configure once, then build
build() {
    local dir=$1
    shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" "$@" || return 1
    fi
    ninja -C "$dir"
}

if build "$BUILD"; then
    meson test -C "$BUILD" --print-errorlogs || failed+=("tests in $BUILD")
else
    failed+=("build of $BUILD")
fi

suite_args=()
for s in "${ASAN_SUITES[@]}"; do
    suite_args+=(--suite "$s")
done
if build "$ASAN_BUILD" -Db_sanitize=address,undefined -Db_lundef=false; then
    # UBSan only warns by default: make a finding fail the test
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        meson test -C "$ASAN_BUILD" "${suite_args[@]}" --print-errorlogs ||
        failed+=("ASan+UBSan tests in $ASAN_BUILD")
else
    failed+=("build of $ASAN_BUILD")
fi

# show_failures DIR: each failed test's name and the end of its output,
# printed last so that a CI log cut to its tail still shows them
show_failures() {
    local log=$1/meson-logs/testlog.json
    [ -f "$log" ] || return 0
    python3 - "$log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    t = json.loads(line)
    if t.get('result') in ('OK', 'SKIP', 'EXPECTEDFAIL'):
        continue
    out = (t.get('stdout') or '') + (t.get('stderr') or '')
    print(f"test-all: {t['result']}: {t['name']}; the end of its output:")
    for l in out.splitlines()[-25:]:
        print('    ' + l)
PY
}

if [ ${#failed[@]} -ne 0 ]; then
    for dir in "$BUILD" "$ASAN_BUILD"; do
        show_failures "$dir"
    done
    printf 'test-all: FAILED: %s\n' "${failed[@]}"
    exit 1
fi
echo "test-all: everything passed"
