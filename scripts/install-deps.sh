#!/usr/bin/env bash
# Installs the Debian 12 packages gofork needs, only those missing (through sudo when not root).
# --test adds what scripts/test.sh needs beyond a build: LLVM 16 (the generator is tested
# against 14 and 16), pkg-config and make (the Makefile example), dpkg-dev (the .deb), Slurm,
# munge and OpenSSH (the launcher tests start their own daemons on 127.0.0.1), standalone Asio
# (examples/asio).
set -euo pipefail

packages=(
  cmake ninja-build g++ git
  clang-14 libclang-14-dev libclang-cpp14-dev llvm-14-dev  # gofork-gen (ClangConfig.cmake is in clang-14)
  libmsgpack-cxx-dev                                       # the wire format
  libgtest-dev libgmock-dev                                # tests
  libclang-rt-14-dev                                       # clang's ASan/UBSan/TSan/libFuzzer runtimes
  valgrind                                                 # bench: a child's instruction count (ctest -L bench)
)
if [ "${1:-}" = "--test" ]; then
  packages+=(
    clang-16 libclang-16-dev libclang-cpp16-dev llvm-16-dev  # gofork-gen built against LLVM 16 too
    pkgconf make                                             # examples/makefile
    dpkg-dev                                                 # cpack -G DEB
    slurmctld slurmd slurm-client munge                      # via::srun against a one-node Slurm (tests/remote/)
    openssh-server openssh-client                            # via::ssh against a loopback sshd (tests/remote/)
    libasio-dev                                              # examples/asio: children awaited on an io_context
  )
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "gofork: installing ${missing[*]}"
$sudo apt-get -o DPkg::Lock::Timeout=900 update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}"
