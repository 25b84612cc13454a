#!/usr/bin/env bash
# Times gofork-gen on one realistic translation unit against `clang++-14 -fsyntax-only` with the same
# flags, interleaved (one of each per round, so both see the same machine load), and prints the medians
# and their ratio. Goal: gofork-gen <= 1.2x the plain parse.
#
#   bench/generator_speed.sh [BUILD_DIR] [SOURCE] [RUNS]
#     BUILD_DIR  a built tree holding generator/gofork-gen (default /work/main/build)
#     SOURCE     the TU to scan (default examples/job/main.cpp); it must declare or include its forkables
#                (tests/types/echo.cpp is a heavier one: every supported type)
#     RUNS       rounds (default 10)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-/work/main/build}"
source="${2:-$root/examples/job/main.cpp}"
runs="${3:-10}"
gen="$build/generator/gofork-gen"
clang="${CLANG:-clang++-14}"

[[ -x "$gen" ]] || { echo "no $gen: build the gofork-gen target first" >&2; exit 1; }
command -v "$clang" >/dev/null || { echo "no $clang" >&2; exit 1; }

flags=(-std=c++17 "-I$root/include" -DMSGPACK_NO_BOOST -DMSGPACK_DEFAULT_API_VERSION=3)
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# clang parses the TU as the user's compile does: with the headers gofork-gen generated (the untimed
# first run below writes them), and with function bodies (gofork-gen skips those).
clang_flags=("${flags[@]}" -Wno-unknown-attributes "-I$out/gen")

# Wall-clock seconds of one command, stdout/stderr discarded; a failure aborts the benchmark.
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f\n", b - a }'  # awk, not bc: awk is always installed
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# One untimed run of each warms the page cache (and shows any error).
"$gen" --output-dir "$out/gen" "$source" -- "${flags[@]}"
"$clang" -fsyntax-only "${clang_flags[@]}" "$source"

gen_times=()
clang_times=()
for ((i = 0; i < runs; ++i)); do
  gen_times+=("$(seconds "$gen" --output-dir "$out/gen" "$source" -- "${flags[@]}")")
  clang_times+=("$(seconds "$clang" -fsyntax-only "${clang_flags[@]}" "$source")")
done

gen_median=$(median "${gen_times[@]}")
clang_median=$(median "${clang_times[@]}")
printf 'source:             %s (%d runs each, interleaved)\n' "$source" "$runs"
printf 'gofork-gen median:  %.3f s\n' "$gen_median"
printf 'clang++ -fsyntax-only median: %.3f s\n' "$clang_median"
printf 'ratio:              %.2fx (goal <= 1.20x)\n' "$(awk -v g="$gen_median" -v c="$clang_median" 'BEGIN { print g / c }')"
