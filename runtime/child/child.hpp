// The child's side of a call (see child.cpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <gofork/detail/registry.hpp>

#include "channel/frame.hpp"
#include "channel/marker.hpp"

namespace gofork::runtime {

// Exit statuses a child uses when it could not deliver a value.
inline constexpr int exit_exception = 1;       // the function threw; the reply says what
inline constexpr int exit_refused = 121;       // the call was refused before any user code ran
inline constexpr int exit_channel_lost = 122;  // the reply could not be sent

// Serves the call described by `m` and exits; never returns. A worker's launch request (the
// request_worker flag) goes on to serve_calls instead.
[[noreturn]] void run_child(const marker& m);

// One call of a registered function: its encoded result or exception, or `refused` (the
// arguments could not be decoded, `payload` says why) when the function was not called.
struct served_call {
  reply_kind kind = reply_kind::value;
  std::string payload;
  bool refused = false;
};
served_call run_function(const detail::entry& target, std::string_view arguments);

// Flushes C stdio and the iostreams: the parent learns of a result only after the output.
void flush_stdio();
// A reply frame on the socket, header and payload in one sendmsg where it takes them.
bool send_reply(int channel, reply_kind kind, const std::string& payload);

// A pool worker (worker.cpp): serves call after call arriving on `channel` until the parent
// closes it, then exits.
[[noreturn]] void serve_calls(int channel);

// A zygote (zygote.cpp): forks a process per request arriving on `channel`, which then serves
// its call as a one-off child does (run_child), until the parent closes the channel.
[[noreturn]] void serve_forks(int channel);
// The far side of a launcher (remote.cpp): serves the one call that arrives on stdin, in a
// one-off child of this process, answering on stdout; never returns.
[[noreturn]] void serve_launcher_call();

// What after_zygote_fork registered, run in each process a zygote forks.
std::vector<void (*)()>& zygote_fork_hooks();

}  // namespace gofork::runtime
