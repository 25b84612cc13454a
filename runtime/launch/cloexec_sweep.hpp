// Marking every descriptor but the kept ones close-on-exec, from the cloned child: close_range
// where it works, else a walk of /proc/self/fd, else every number below the descriptor limit.
#pragma once

#include <fcntl.h>
#include <sys/syscall.h>

#include "launch/raw_syscall.hpp"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace gofork::runtime {

GOFORK_NO_SANITIZE inline long mark_cloexec_range(unsigned first, unsigned last) {
  return first <= last ? sys(SYS_close_range, first, last, CLOSE_RANGE_CLOEXEC) : 0;
}

// Without close_range (Linux < 5.11, or a seccomp filter): walk /proc/self/fd with getdents64,
// or, without /proc, every number below the descriptor limit.
GOFORK_NO_SANITIZE inline void mark_cloexec_by_walking(const int (&keep)[3], unsigned long top) {
  auto mark = [&keep](long fd) {
    if (fd > 2 && fd != keep[0] && fd != keep[1] && fd != keep[2]) sys(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC);
  };
  const long dir = sys(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    alignas(8) char buffer[2048];
    for (long n; (n = sys(SYS_getdents64, dir, buffer, sizeof buffer)) > 0;) {
      for (long at = 0; at < n;) {
        // struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, char name[]
        unsigned short reclen;
        __builtin_memcpy(&reclen, buffer + at + 16, sizeof reclen);
        const char* name = buffer + at + 19;
        long fd = 0;
        bool number = *name != '\0';
        for (const char* c = name; *c != '\0'; ++c) {
          number = number && *c >= '0' && *c <= '9';
          fd = fd * 10 + (*c - '0');
        }
        if (number && fd != dir) mark(fd);
        at += reclen;
      }
    }
    sys(SYS_close, dir);
    return;
  }
  for (unsigned long fd = 3; fd < top; ++fd) mark(static_cast<long>(fd));
}

}  // namespace gofork::runtime
