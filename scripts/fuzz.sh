#!/usr/bin/env bash
# The long fuzzing run (the nightly budget of T19): builds the ASan+UBSan libFuzzer targets and
# runs each for SECONDS (default 1800) with the reference limits, starting from the seeds and
# the checked-in corpus tests/fuzz/corpus/<target>. New coverage is merged back into that
# corpus (commit it: CTest replays it on every test run); a crash stops with its input saved.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      TARGET: request reply marker (default: all)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${GOFORK_BUILD_DIR:-$root/build}"
seconds="${1:-1800}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(request reply marker)

"$root/scripts/install-deps.sh"
# shellcheck source=sanitizer_builds.sh
source "$root/scripts/sanitizer_builds.sh"
if [ ! -x "$build/generator/gofork-gen" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
  cmake --build "$build" --target gofork-gen
fi
configure_asan_build "$build" >/dev/null
fuzz="$build-asan/tests/fuzz"
cmake --build "$build-asan" --target gofork_fuzz_seeds "${targets[@]/#/gofork_fuzz_}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && mkdir -p seeds/request seeds/reply seeds/marker && "$fuzz/gofork_fuzz_seeds" seeds)
for target in "${targets[@]}"; do
  corpus="$root/tests/fuzz/corpus/$target"
  mkdir -p "$corpus" "$work/run-$target" "$root/tests/fuzz/crashes"
  cp "$work/seeds/$target"/* "$work/run-$target/"
  cp "$corpus"/* "$work/run-$target/" 2>/dev/null || true
  dictionary="$root/tests/fuzz/msgpack.dict"
  [ "$target" != marker ] || dictionary="$root/tests/fuzz/marker.dict"
  echo "== $target: $seconds s =="
  "$fuzz/gofork_fuzz_$target" -max_total_time="$seconds" -malloc_limit_mb=64 -rss_limit_mb=512 -timeout=2 \
    -max_len=65536 -print_final_stats=1 "-dict=$dictionary" "-artifact_prefix=$root/tests/fuzz/crashes/$target-" "$work/run-$target" \
    2>"$work/$target.log" || { tail -40 "$work/$target.log"; exit 1; }
  grep -E "stat::(number_of_executed_units|peak_rss_mb)|^Done" "$work/$target.log" || true
  # Keep only the inputs that add coverage.
  "$fuzz/gofork_fuzz_$target" -merge=1 "$corpus" "$work/run-$target" 2>"$work/$target.merge.log" ||
    { tail -20 "$work/$target.merge.log"; exit 1; }
  echo "$target corpus: $(ls "$corpus" | wc -l) inputs"
done
rmdir "$root/tests/fuzz/crashes" 2>/dev/null || true
