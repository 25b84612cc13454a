// Descriptors on a channel (SCM_RIGHTS): a big argument's memfd to a worker, a big reply's
// memfd back. One sendmsg or recvmsg each; the callers own the loops around them.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstring>

namespace gofork::runtime {

// Sends what the socket takes of [data, data + size), with `fd` attached to its first byte
// (none when fd < 0); the result of sendmsg.
inline ssize_t send_with_descriptor(int socket, const char* data, std::size_t size, int fd) noexcept {
  iovec part{const_cast<char*>(data), size};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr message{};
  message.msg_iov = &part;
  message.msg_iovlen = 1;
  if (fd >= 0) {
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&message);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  return ::sendmsg(socket, &message, MSG_NOSIGNAL);
}

// Receives up to `size` bytes; every descriptor that came with them (close-on-exec) goes to
// `take(fd)`, which owns it from then on. `truncated` is set when the kernel dropped some
// because there was no room for them. The result of recvmsg.
template <class Take>
ssize_t receive_with_descriptors(int socket, char* data, std::size_t size, bool& truncated, Take&& take) {
  iovec part{data, size};
  alignas(cmsghdr) char control[CMSG_SPACE(8 * sizeof(int))];  // room for a zygote request's five
  msghdr message{};
  message.msg_iov = &part;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  const ssize_t r = ::recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
  if (r < 0) return r;
  if ((message.msg_flags & MSG_CTRUNC) != 0) truncated = true;
  for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      take(fd);
    }
  }
  return r;
}

}  // namespace gofork::runtime
