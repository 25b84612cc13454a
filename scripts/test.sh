#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test (unit, generator golden and
# diagnostics, compile-fail, end-to-end, examples, package consumption).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${GOFORK_BUILD_DIR:-$root/build}"
jobs="$(nproc)"

"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -- -j"$jobs"
cd "$build"
ctest --output-on-failure -j"$jobs" --timeout 900
