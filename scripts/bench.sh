#!/usr/bin/env bash
# Installs what is missing, builds gofork's benchmarks and runs them all (a few minutes at most).
# Every result is a ratio against a baseline measured in the same run, interleaved with it.
#
#   scripts/bench.sh [--quick]
#
# Writes $build/bench/results.csv, $build/bench/environment.txt and the chart bench/results.svg.
# GOFORK_BUILD_DIR overrides the build directory (default build/), GOFORK_BENCH_SVG the chart.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${GOFORK_BUILD_DIR:-$root/build}"
svg="${GOFORK_BENCH_SVG:-$root/bench/results.svg}"
jobs="$(nproc)"
quick=()
gen_runs=10
if [ "${1:-}" = "--quick" ]; then
  quick=(--quick)
  gen_runs=4
fi

"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGOFORK_BUILD_BENCHMARKS=ON >/dev/null
cmake --build "$build" --target gofork_benchmarks -- -j"$jobs"

out="$build/bench"
mkdir -p "$out"
csv="$out/results.csv"
echo "name,subject,baseline,unit,subject_value,baseline_value,ratio,goal,goal_kind,holds,note" >"$csv"

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(uname -srm), $(nproc) cpus, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "cpu: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "compiler: $(awk -F= '/^CMAKE_CXX_COMPILER:/ { print $2 }' "$build/CMakeCache.txt") ($(awk -F= '/^CMAKE_BUILD_TYPE:/ { print $2 }' "$build/CMakeCache.txt"))"
  echo "load average before: $load_before"
} >"$out/environment.txt"

echo "== run-time benchmarks (load average: $load_before)"
"$build/bench/gofork_bench" "${quick[@]}" --csv "$csv"

echo "== generator: gofork-gen vs clang++-14 -fsyntax-only"
if [ -x "$build/generator/gofork-gen" ] && command -v clang++-14 >/dev/null; then
  gen_out="$("$root/bench/generator_speed.sh" "$build" "$root/examples/job/main.cpp" "$gen_runs")"
  echo "$gen_out"
  echo "$gen_out" | awk -v csv="$csv" '
    /^gofork-gen median:/ { g = $3 }
    /^clang\+\+ -fsyntax-only median:/ { c = $4 }
    END {
      if (g == "" || c == "") exit 1
      r = g / c
      printf "generator,gofork-gen on examples/job/main.cpp,clang++-14 -fsyntax-only on the same file,s,%.6g,%.6g,%.4f,1.20,max,%s,\n", g, c, r, (r <= 1.2 ? "yes" : "no") >> csv
    }'
else
  echo "skipped: no $build/generator/gofork-gen (GOFORK_BUILD_GENERATOR=OFF?) or no clang++-14"
fi

echo "== instructions a child runs before the user function (callgrind; load-independent)"
set +e
icount="$("$build/bench/gofork_bench_child_instructions" --check "$root/bench/child_instructions.threshold")"
icount_rc=$?
set -e
echo "$icount"
if [ "$icount_rc" -ne 77 ]; then
  echo "$icount" | awk -v csv="$csv" -v rc="$icount_rc" '
    /^child instructions before the user function:/ { child = $NF }
    /^floor/ { floor = $NF }
    /^gofork.s share/ { share = $6 }
    /^threshold/ { limit = $2; sub(/:$/, "", limit) }
    END {
      if (child == "" || floor == "") exit 1
      printf "child_instructions,child up to the user function (callgrind Ir),same binary exiting at the top of main,instr,%d,%d,%.4f,0,none,-,gofork share %d; threshold %s: %s\n", child, floor, child / floor, share, limit, (rc == 0 ? "ok" : "EXCEEDED") >> csv
    }'
fi
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "load average after: $load_after" >>"$out/environment.txt"

subtitle="$(date -u +%Y-%m-%d), $(nproc) cpus, load average $load_before (before) / $load_after (after); $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
awk -v subtitle="$subtitle" -f "$root/bench/plot_svg.awk" "$csv" >"$svg"

echo
echo "== summary (gofork vs baseline; load average $load_before -> $load_after)"
awk -F, 'NR > 1 {
  goal = $9 == "none" ? "-" : ($9 == "min" ? ">=" : "<=") $8 "x"
  printf "%-22s %12.4g %-7s vs %12.4g %-7s ratio %7.3fx  goal %-8s %s\n", $1, $5, $4, $6, $4, $7, goal, ($10 == "yes" ? "ok" : ($10 == "no" ? "MISSED" : ""))
}' "$csv"
echo
echo "results: $csv"
echo "chart:   $svg"
if [ "$icount_rc" -ne 0 ] && [ "$icount_rc" -ne 77 ]; then
  echo "child instruction count exceeded its threshold (bench/child_instructions.threshold)" >&2
  exit 1
fi
