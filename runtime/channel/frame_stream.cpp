#include "channel/frame_stream.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "channel/descriptor_passing.hpp"

namespace gofork::runtime {

ssize_t frame_stream::read_some(char* out, std::size_t size, bool exact) {
  if (begin_ == end_) {
    bool truncated = false;
    char* into = exact ? out : buffer_.data();
    const ssize_t r = receive_with_descriptors(channel_.get(), into, exact ? size : buffer_.size(), truncated, [this](int fd) {
      if (descriptors_.size() < max_waiting_) {
        descriptors_.emplace_back(fd);
      } else {
        ::close(fd);
        overflowed_ = true;
      }
    });
    if (truncated) overflowed_ = true;
    if (r <= 0 || exact) return r;
    begin_ = 0;
    end_ = static_cast<std::size_t>(r);
  }
  const std::size_t n = std::min(size, end_ - begin_);
  std::memcpy(out, buffer_.data() + begin_, n);
  begin_ += n;
  return static_cast<ssize_t>(n);
}

unique_fd frame_stream::take_descriptor() {
  if (descriptors_.empty()) return unique_fd();
  unique_fd fd = std::move(descriptors_.front());
  descriptors_.pop_front();
  return fd;
}

}  // namespace gofork::runtime
