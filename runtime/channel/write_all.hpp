// Writing every byte of a few buffers with a call that may take only part of them.
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstddef>
#include <string_view>

namespace gofork::runtime {

// Calls `write_some(next, count)` (a writev or a sendmsg over the parts not yet written) until
// all of `parts` is out, retrying EINTR; false when a call fails otherwise or writes nothing.
template <class WriteSome>
bool write_all(iovec* parts, std::size_t count, WriteSome write_some) noexcept {
  iovec* next = parts;
  while (count > 0) {
    if (next->iov_len == 0) {
      ++next;
      --count;
      continue;
    }
    const ssize_t written = write_some(next, count);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    // Step past the parts that went out whole, then into the one that went out in part.
    auto left = static_cast<std::size_t>(written);
    for (; count > 0 && left >= next->iov_len; ++next, --count) left -= next->iov_len;
    if (count > 0) {
      next->iov_base = static_cast<char*>(next->iov_base) + left;
      next->iov_len -= left;
    }
  }
  return true;
}

// All of `bytes` to a pipe or file with write(2); false when a write fails (EPIPE, say).
inline bool write_all(int fd, std::string_view bytes) noexcept {
  iovec part{const_cast<char*>(bytes.data()), bytes.size()};
  return write_all(&part, 1, [fd](iovec* next, std::size_t count) { return ::writev(fd, next, static_cast<int>(count)); });
}

}  // namespace gofork::runtime
