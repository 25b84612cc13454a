#!/usr/bin/env bash
# The main job: install what is missing, build gofork-gen, the runtime and examples/hello, and
# run it. Prints "main() pid: A" and "child(1) pid: B" with A != B.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${GOFORK_BUILD_DIR:-$root/build}"

"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target hello -- -j"$(nproc)" >/dev/null
"$build/examples/hello/hello"
