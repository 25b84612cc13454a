// Reading a reply from a child's channel, for every kind of process that answers on one: the
// reply frame on the socket or the notice of one in a sealed memfd (memfd_reply.hpp), checked
// against the call's limits as the bytes come. A reply that breaks the rules ends the process.
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>

#include "channel/frame_stream.hpp"
#include "process/process_state.hpp"
#include "unique_fd.hpp"

namespace gofork::runtime {

// Reads what is available from a non-blocking descriptor into `out`, closing it at end of
// file. Returns to the caller's poll after `budget` bytes, so a child that writes without pause
// cannot keep the parent from its deadline or its limits. `expected` may announce the final
// size (a reply's header does) so `out` grows in few steps. Returns the errno of a failed
// read (the stream is closed then, as at end of file), 0 otherwise.
template <class Expected, class Read>
int drain(unique_fd& fd, std::string& out, Expected expected, Read read_some, std::size_t budget = std::size_t{1} << 20) {
  char buffer[1 << 16];
  std::size_t taken = 0;
  while (fd && taken < budget) {
    const std::uint64_t whole = expected();
    if (whole != 0 && out.size() >= whole) return 0;  // complete: leave the rest to the caller
    ssize_t r = read_some(buffer, std::min<std::uint64_t>(sizeof buffer, whole != 0 ? whole - out.size() : sizeof buffer));
    if (r > 0) {
      // Trust an announced size only as far as the data that came: a header alone reserves nothing big.
      const std::uint64_t want = std::min<std::uint64_t>(expected(), 2 * (out.size() + static_cast<std::size_t>(r)));
      if (want > out.capacity()) out.reserve(static_cast<std::size_t>(want));
      out.append(buffer, static_cast<std::size_t>(r));
      taken += static_cast<std::size_t>(r);
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    const int err = r < 0 ? errno : 0;
    fd.reset();  // EOF, or an error that ends the stream just the same
    return err;
  }
  return 0;
}

// The same for a plain stream (captured output).
int drain(unique_fd& fd, std::string& out);

// Takes in what the channel has of the reply; true once a whole, acceptable reply is in hand.
// On a violation it sets the state's flag, stops reading (`channel` is closed) and kills.
bool read_reply(detail::process_state& s, unique_fd& channel);

// As read_reply, for the next of a pool worker's replies, many in order on its channel.
bool read_reply(detail::process_state& s, frame_stream& replies);

// Stops listening to a process that broke the rules (`flag` says which), and ends it.
void give_up_on(detail::process_state& s, bool& flag);
// A read that failed lost data the caller would have had: the call cannot succeed.
void note_read_failure(detail::process_state& s, const char* what, int err);

}  // namespace gofork::runtime
