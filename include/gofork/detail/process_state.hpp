// File: gofork/detail/process_state.hpp — internal; do not include directly.
//
// The untyped core of process<R>: one call in progress, wherever it runs, with its pidfd, its
// reply and its exit status. The runtime implements it (runtime/process/); process<R> only adds
// decoding of the result type.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <gofork/exit_status.hpp>
#include <gofork/options.hpp>

namespace gofork::detail {

class process_state;

struct process_state_deleter {
  // Kills (SIGKILL) and reaps a child nobody waited for, then releases its descriptors.
  void operator()(process_state* state) const noexcept;
};
using process_state_ptr = std::unique_ptr<process_state, process_state_deleter>;

class sink;

// Writes a call's msgpack argument array. spawn hands it a sink over the request buffer the
// child will map, so the arguments are encoded where the child reads them, with no copy.
struct argument_encoder {
  std::size_t size_hint = 0;  // an upper bound when the types have one; 0 if unknown
  void (*encode)(const void* context, sink& out) = nullptr;
  const void* context = nullptr;
};

// Starts the registered function `function_id` with the arguments `encoder` writes, at the
// call site `opts` choose (runtime/call/call_site.hpp).
// Throws error(spawn_failed) when no child could be started; no child is left behind then.
process_state_ptr spawn(const options& opts, const char* function_id, const argument_encoder& encoder);
// The same with arguments already encoded (an array).
process_state_ptr spawn(const options& opts, const char* function_id, std::string_view arguments);

pid_t state_pid(const process_state& state) noexcept;
int state_pidfd(const process_state& state) noexcept;
// Drains the result channel and reaps the child; idempotent.
exit_status state_wait(process_state& state);
// As state_wait, giving up after `limit`.
std::optional<exit_status> state_wait_for(process_state& state, std::chrono::nanoseconds limit);
void state_kill(process_state& state, int sig);
// Hands the child to a background reaper; it will not become a zombie.
void state_detach(process_state_ptr state) noexcept;
// Waits, then returns the msgpack bytes of the result, or throws the error that explains why
// there is none (child_exception, child_signaled, child_exited, protocol, timed_out).
std::string_view state_result(process_state& state);
// What the child wrote to a captured stdout (stream 1) or stderr (stream 2) so far.
const std::string& state_captured(const process_state& state, int stream) noexcept;

// For <gofork/async.hpp> (runtime/process/waiter.cpp):
// Whether the call has ended, after taking in what it sent, without blocking.
bool state_ended(process_state& state);
// Arranges for `resume(context)` to be called, from gofork's one waiter thread (which polls
// every awaited call), once the call has ended; false, arranging nothing, when it has already.
bool state_when_ended(process_state& state, void (*resume)(void*), void* context);
// Undoes state_when_ended before the call ends (an awaiting coroutine destroyed); false when
// the resume has been called or is under way.
bool state_stop_awaiting(const process_state& state);
// The index of the first of `states` to end, or -1 when `limit` passes first (no limit: none).
long state_wait_any(process_state* const* states, std::size_t count, std::optional<std::chrono::nanoseconds> limit);

// The state behind a handle (process<R>, future<R>), for the helpers above.
struct handle_access {
  template <class Handle>
  static process_state& state(const Handle& handle) {
    return handle.checked();
  }
};

}  // namespace gofork::detail
