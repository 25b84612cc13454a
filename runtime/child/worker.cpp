// A pool worker's side: after the launch checks of any child (trust.cpp, then run_child's
// nonce and build checks), serve call after call from the channel — read a call frame, run the
// function, flush stdio, reply — until the parent closes the channel. A function that throws
// leaves the worker serving; one that crashes ends it, and the parent replaces it.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include <gofork/detail/codec.hpp>
#include <gofork/detail/registry.hpp>

#include "channel/frame.hpp"
#include "channel/memfd_reply.hpp"
#include "child/child.hpp"
#include "runtime_state.hpp"

namespace gofork::runtime {
namespace {

// Reads exactly `size` bytes; false at end of file or on an error (the parent is gone).
bool receive_exactly(int channel, char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t r = ::recv(channel, data, size, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    data += r;
    size -= static_cast<std::size_t>(r);
  }
  return true;
}

bool reply(int channel, reply_kind kind, const std::string& payload) {
  return (payload.size() >= memfd_reply_threshold && send_reply_in_memfd(channel, kind, payload)) ||
         send_reply(channel, kind, payload);
}

}  // namespace

void serve_calls(int channel) {
  state().in_child = true;
  std::string header(call_header_size, '\0');
  std::string id;
  std::string arguments;
  for (;;) {
    if (!receive_exactly(channel, header.data(), header.size())) ::_exit(0);  // the pool is done with us
    const std::optional<call_header> h = parse_call_header(header);
    if (!h) ::_exit(exit_refused);  // not our parent's protocol: nothing else can be trusted
    id.resize(h->id_size);
    arguments.resize(static_cast<std::size_t>(h->arguments_size));
    if (!receive_exactly(channel, id.data(), id.size()) || !receive_exactly(channel, arguments.data(), arguments.size())) {
      ::_exit(exit_channel_lost);
    }
    served_call served;
    if (const detail::entry* target = detail::find_entry(id.c_str())) {
      served = run_function(*target, arguments);
    } else {
      served.refused = true;
      served.payload = "function '" + id + "' is not registered in this program";
    }
    if (served.refused) {
      served.kind = reply_kind::refused;
      served.payload = detail::encode_value(served.payload);
    }
    flush_stdio();
    if (!reply(channel, served.kind, served.payload)) ::_exit(exit_channel_lost);
  }
}

}  // namespace gofork::runtime
