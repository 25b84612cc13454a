// A channel that carries many frames in order — a pool worker's calls, or its replies — read
// in pieces as large as the socket holds and handed out as asked, so one read serves a frame
// and the start of the next. A frame with a descriptor (a memfd) carries it on its first byte,
// so descriptors come in the order of their frames, by the time their frame's first byte is
// read, perhaps with frames ahead of it: they wait here for theirs, a few at most.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <deque>
#include <vector>

#include "unique_fd.hpp"

namespace gofork::runtime {

class frame_stream {
 public:
  frame_stream(unique_fd channel, std::size_t max_waiting_descriptors)
      : channel_(std::move(channel)), buffer_(std::size_t{64} << 10), max_waiting_(max_waiting_descriptors) {}

  // As recv(2) on the channel (blocking or not, as it is), from what was read in before first.
  // `exact`: with nothing read in, read no more than `size` bytes.
  ssize_t read_some(char* out, std::size_t size, bool exact = false);
  // Bytes read in and not yet handed out: the next frame may be whole without a read.
  bool buffered() const noexcept { return begin_ != end_; }
  // The next descriptor that came, if any.
  unique_fd take_descriptor();
  // More descriptors came than frames could be waiting for (the extra ones were closed).
  bool descriptors_overflowed() const noexcept { return overflowed_; }
  unique_fd& channel() noexcept { return channel_; }

 private:
  unique_fd channel_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0, end_ = 0;
  std::deque<unique_fd> descriptors_;
  std::size_t max_waiting_;
  bool overflowed_ = false;
};

}  // namespace gofork::runtime
