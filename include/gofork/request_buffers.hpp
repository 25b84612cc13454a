// File: gofork/request_buffers.hpp
//
// The shared-memory buffers that carry arguments to children. A call's arguments are encoded
// into a memfd that its child maps; when the child has been reaped the buffer is kept for the
// next call (up to 16 buffers and 64 MiB idle), because writing into pages that already exist
// is several times faster than into fresh ones. Whatever a call leaves beyond the next call's
// arguments is cleared before that child starts.
#pragma once

#include <cstddef>

namespace gofork {

// Closes the idle buffers (a program that is done with large calls can give the memory back);
// returns the bytes they spanned. Buffers of running children are not touched.
std::size_t release_idle_request_buffers() noexcept;

struct request_buffer_usage {
  std::size_t idle_buffers = 0;
  std::size_t idle_bytes = 0;
};
request_buffer_usage idle_request_buffers() noexcept;

}  // namespace gofork
