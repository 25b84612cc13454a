# Sourced by test.sh and fuzz.sh: configures the clang-14 sanitizer build trees beside the
# release tree $1, using its gofork-gen instead of building the generator again.

# configure_asan_build RELEASE_DIR: the ASan+UBSan tree RELEASE_DIR-asan, fuzzers included.
configure_asan_build() {
  # UBSan's vptr check probes memory through a pipe, so with the descriptor table full (T39
  # fills it on purpose) it reports every virtual call as an invalid object: leave it out.
  local flags="-fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=all -fno-omit-frame-pointer"
  configure_clang_build "$1" "$1-asan" "$flags" -DGOFORK_FUZZ=ON "-DCMAKE_SHARED_LINKER_FLAGS=$flags"
}

# configure_tsan_build RELEASE_DIR: the TSan tree RELEASE_DIR-tsan (no examples).
configure_tsan_build() {
  configure_clang_build "$1" "$1-tsan" "-fsanitize=thread -fno-omit-frame-pointer" -DGOFORK_BUILD_EXAMPLES=OFF
}

# configure_clang_build RELEASE_DIR TREE FLAGS [CMAKE_OPTION...]
configure_clang_build() {
  local release="$1" tree="$2" flags="$3"
  shift 3
  cmake -S "$root" -B "$tree" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGOFORK_DEVELOP=ON -DCMAKE_C_COMPILER=clang-14 \
    -DCMAKE_CXX_COMPILER=clang++-14 -DGOFORK_BUILD_GENERATOR=OFF -DGOFORK_BUILD_BENCHMARKS=OFF \
    "-DGOFORK_GENERATOR_EXECUTABLE=$release/generator/gofork-gen" "-DCMAKE_CXX_FLAGS=$flags" \
    "-DCMAKE_EXE_LINKER_FLAGS=$flags" "$@"
}
