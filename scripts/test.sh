#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test, in four builds, each with
# GOFORK_DEVELOP=ON (warnings are errors):
#   1. release (g++, -O3, gofork-gen against LLVM 14): unit, generator golden output and diagnostics, compile-fail,
#      end-to-end, examples, package consumption (install prefix, add_subdirectory, make and
#      pkg-config, the .deb), the child instruction-count guard;
#   2. clang++-14 -O3 with gofork-gen built against LLVM 16: the generator's golden and
#      diagnostic tests (the same expected files as with LLVM 14), the unit, type, target,
#      compile-fail and example tests;
#   3. ASan+UBSan (clang++-14): the whole runtime suite again, plus the libFuzzer targets run
#      for a bounded time;
#   4. TSan (clang++-14): the concurrency tests.
# --release-only skips 2 to 4 (a quick local run). Build trees: build/, build-llvm16/,
# build-asan/, build-tsan/ (GOFORK_BUILD_DIR moves the first; the others sit beside it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${GOFORK_BUILD_DIR:-$root/build}"
jobs="$(nproc)"
sanitizers=1
if [ "${1:-}" = "--release-only" ]; then
  sanitizers=0
fi

"$root/scripts/install-deps.sh" --test

passed=0
failed=0
# Runs ctest in $1 with the remaining arguments and adds its counts to the totals.
run_ctest() {
  local dir="$1"
  shift
  local log
  log="$(mktemp)"
  local status=0
  (cd "$dir" && ctest --output-on-failure -j"$jobs" --timeout 900 "$@") 2>&1 | tee "$log" || status=1
  local line
  line="$(grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" "$log" | tail -1 || true)"
  rm -f "$log"
  if [ -n "$line" ]; then
    local total fails
    total="$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")"
    fails="$(sed -E 's/.* ([0-9]+) tests failed.*/\1/' <<<"$line")"
    passed=$((passed + total - fails))
    failed=$((failed + fails))
  else
    failed=$((failed + 1))
  fi
  return $status
}

status=0
echo "== release build (g++ -O3) =="
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGOFORK_DEVELOP=ON -DGOFORK_LLVM_VERSION=14
cmake --build "$build" -- -j"$jobs"
run_ctest "$build" || status=1

if [ "$sanitizers" = 1 ]; then
  echo "== clang++-14 -O3 build, gofork-gen against LLVM 16 =="
  cmake -S "$root" -B "$build-llvm16" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGOFORK_DEVELOP=ON \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DGOFORK_LLVM_VERSION=16 -DGOFORK_BUILD_BENCHMARKS=OFF
  cmake --build "$build-llvm16" -- -j"$jobs"
  run_ctest "$build-llvm16" -R "^(generator|unit|types|targets|compile_fail|example)\." || status=1

  # shellcheck source=sanitizer_builds.sh
  source "$root/scripts/sanitizer_builds.sh"
  echo "== ASan+UBSan build (clang++-14), with the fuzzers =="
  configure_asan_build "$build"
  cmake --build "$build-asan" -- -j"$jobs"
  # A deliberate crash in a test must reach the parent as a signal, not as ASan's report.
  ASAN_OPTIONS=handle_segv=0:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run_ctest "$build-asan" || status=1

  echo "== TSan build (clang++-14): concurrency tests =="
  configure_tsan_build "$build"
  cmake --build "$build-tsan" --target gofork_dynamic_tests gofork_hardening_tests gofork_request_buffer_tests gofork_pool_tests gofork_zygote_tests gofork_async_tests gofork_testing_tests -- -j"$jobs"
  TSAN_OPTIONS=handle_segv=0:halt_on_error=1 run_ctest "$build-tsan" -R "^e2e\.(dynamic|hardening|request_buffers|pool|zygote|async|testing)\." || status=1
fi

echo "total: $passed passed, $failed failed"
exit $status
