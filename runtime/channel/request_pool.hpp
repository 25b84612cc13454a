// Shared-memory buffers for request frames, reused from one call to the next.
//
// A request travels in a memfd the child maps. Writing 20 MB into fresh shared-memory pages
// costs as much as the rest of a call together (each page is allocated, zeroed and charged);
// writing into pages a finished call already allocated costs a memcpy. So a buffer goes back
// to the pool when its child has been reaped, and the next call of a fitting size takes it.
#pragma once

#include <cstddef>

namespace gofork::runtime {

struct request_buffer;

// One call's use of a buffer: returned to the pool on destruction (or closed, if the pool is
// full or the buffer belongs to the process this one was forked from).
class request_lease {
 public:
  request_lease() = default;
  request_lease(request_lease&& other) noexcept;
  request_lease& operator=(request_lease&& other) noexcept;
  request_lease(const request_lease&) = delete;
  request_lease& operator=(const request_lease&) = delete;
  ~request_lease() { reset(); }

  explicit operator bool() const noexcept { return buffer_ != nullptr; }
  int fd() const noexcept;
  char* data() const noexcept;
  std::size_t capacity() const noexcept;
  // Records that [0, size) holds this call's frame, `written` bytes having been touched, and
  // clears whatever lies beyond `size`, so no child can read another call's arguments.
  void finish(std::size_t size, std::size_t written) noexcept;
  // The frame size given to finish().
  std::size_t frame_size() const noexcept;
  // The child wrote [from, to) (its reply): to be cleared before the buffer's next call.
  void child_wrote(std::size_t to) noexcept;
  // Only once the child that mapped the buffer is gone.
  void reset() noexcept;
  // Closes the buffer instead of pooling it: for one a process that lives on may have kept.
  void discard() noexcept;

 private:
  friend request_lease acquire_request_buffer(std::size_t size);
  explicit request_lease(request_buffer* buffer) noexcept : buffer_(buffer) {}
  request_buffer* buffer_ = nullptr;
};

// A buffer of at least `size` bytes; throws error(spawn_failed) if none can be made.
request_lease acquire_request_buffer(std::size_t size);

// What the pool keeps idle at most.
inline constexpr std::size_t max_idle_request_bytes = std::size_t{64} << 20;
inline constexpr std::size_t max_idle_request_buffers = 16;

}  // namespace gofork::runtime
