#include "runtime_state.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace gofork::runtime {

runtime_state& state() noexcept {
  static runtime_state instance;
  return instance;
}

int above_stdio(int fd) noexcept {
  if (fd < 0 || fd > 2) return fd;
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  int saved = errno;
  ::close(fd);
  errno = saved;
  return moved;
}

}  // namespace gofork::runtime
