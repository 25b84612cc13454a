// Creating the memfds a call's frames travel in.
#pragma once

#include <sys/mman.h>

#include <cerrno>

namespace gofork::runtime {

// A new memfd that may be sealed and can never be made executable where the kernel knows
// MFD_NOEXEC_SEAL (Linux 6.3+; vm.memfd_noexec=2 demands it); -1 with errno set on failure.
inline int create_sealable_memfd(const char* name) noexcept {
  constexpr unsigned noexec_seal = 0x0008u;
  int fd = ::memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | noexec_seal);
  if (fd < 0 && errno == EINVAL) fd = ::memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  return fd;
}

}  // namespace gofork::runtime
