#!/bin/bash
# The main job: install what is missing, build, and run janus.
set -euo pipefail

# What the job runs.  Interactive on a terminal; otherwise MONITOR_INPUT
# is piped into the monitor.
JANUS_ARGS=(-machine pc -m 256M -monitor stdio -S)
MONITOR_INPUT=$'info mtree\nquit\n'

cd "$(dirname "$0")/.."
BUILD=${JANUS_BUILD_DIR:-build}

bash tools/setup-debian.sh
if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD"
fi
ninja -C "$BUILD"

echo "main-job: ./$BUILD/janus ${JANUS_ARGS[*]}"
if [ -t 0 ]; then
    exec "./$BUILD/janus" "${JANUS_ARGS[@]}"
fi
printf '%s' "$MONITOR_INPUT" | exec "./$BUILD/janus" "${JANUS_ARGS[@]}"
