#!/bin/bash
# Install everything janus needs to build and test, on Debian 12 as root.
# Idempotent: runs apt-get (update included) only when a package is missing.
set -euo pipefail

PACKAGES=(
    build-essential meson ninja-build pkg-config
    libglib2.0-dev liburing-dev libfdt-dev liburcu-dev linux-libc-dev
    libzydis-dev python3 clang qemu-system-x86 binutils
)

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
            grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "setup-debian: all ${#PACKAGES[@]} packages are installed"
    exit 0
fi

echo "setup-debian: installing ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
