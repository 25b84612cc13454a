// A reply too big for the request buffer travels in a memfd of its own: the child writes the
// reply frame into it, seals it against every change (write, grow, shrink), and passes the
// descriptor on the channel (SCM_RIGHTS) behind a 16-byte notice:
//   "GFRM" | 4 zero bytes | u64 size of the frame in the memfd
// The parent maps it read-only and decodes straight from the mapping: the seals make the bytes
// immutable and the size fixed, so no one can change them under the parser or cut the mapping
// short (SIGBUS), and there is no copy through the socket. A sealed memfd cannot be written
// again, so it is not pooled; the child's write() fills it without page faults in user space.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "channel/frame.hpp"

namespace gofork::runtime {

// Payloads at least this large that do not fit the request buffer go through a memfd.
inline constexpr std::size_t memfd_reply_threshold = std::size_t{256} << 10;
inline constexpr char memfd_reply_magic[] = "GFRM";
inline constexpr std::size_t memfd_notice_size = 16;

// The child's side: false when no memfd could be made, filled or sealed (nothing was sent
// then: the caller falls back to the socket), true once the notice went out.
bool send_reply_in_memfd(int channel, reply_kind kind, const std::string& payload) noexcept;

// The parent's side: a read-only mapping of a received memfd.
class sealed_mapping {
 public:
  sealed_mapping() = default;
  sealed_mapping(sealed_mapping&& other) noexcept;
  sealed_mapping& operator=(sealed_mapping&& other) noexcept;
  sealed_mapping(const sealed_mapping&) = delete;
  sealed_mapping& operator=(const sealed_mapping&) = delete;
  ~sealed_mapping();

  explicit operator bool() const noexcept { return data_ != nullptr; }
  std::string_view bytes() const noexcept { return {data_, size_}; }

  // Maps `fd` if it is a memfd sealed against writing, growing and shrinking that holds exactly
  // `size` bytes; otherwise leaves this empty and returns why not.
  const char* map(int fd, std::uint64_t size) noexcept;

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace gofork::runtime
