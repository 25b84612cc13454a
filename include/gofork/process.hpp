// File: gofork/process.hpp
//
// process<R>: the move-only handle on one child running a forkable function returning R.
//
//   gofork::process<int> p = fork_square(7);
//   int v = p.get();                      // 49, or throws gofork::error
//
// Lifetime: a handle destroyed while its child still runs (no wait/get/detach) kills the child
// with SIGKILL and reaps it — deterministic, and never a zombie. detach() lets it run on.
// One handle is not meant to be used by two threads at once; distinct handles are independent.
#pragma once

#include <sys/types.h>

#include <csignal>
#include <chrono>
#include <cstdint>
#include <optional>
#include <ratio>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <gofork/detail/codec.hpp>
#include <gofork/detail/process_state.hpp>
#include <gofork/error.hpp>
#include <gofork/exit_status.hpp>

namespace gofork {

namespace detail {

// Waits, then decodes the call's result as R, or throws the error that explains why there is none.
template <class R>
R result_of(process_state& state) {
  std::string_view bytes = state_result(state);
  if constexpr (std::is_void_v<R>) {
    (void)bytes;
  } else {
    return decode_value<R>(bytes);
  }
}

}  // namespace detail

template <class R>
class process {
 public:
  // Made by the generated fork_* stubs and by gofork::fork; not by users.
  explicit process(detail::process_state_ptr state) : state_(std::move(state)) {}

  process(process&&) noexcept = default;
  process& operator=(process&&) noexcept = default;
  process(const process&) = delete;
  process& operator=(const process&) = delete;
  ~process() = default;

  pid_t pid() const { return detail::state_pid(checked()); }
  // A pidfd for the child: becomes readable when it ends (poll/epoll). Owned by the handle.
  int pidfd() const { return detail::state_pidfd(checked()); }

  // Blocks until the child ends and returns how; safe to call again.
  exit_status wait() { return detail::state_wait(checked()); }

  // std::nullopt when the child is still running after `limit`.
  template <class Rep, class Period>
  std::optional<exit_status> wait_for(std::chrono::duration<Rep, Period> limit) {
    // Saturate: hours::max() must mean "forever", not overflow into "now".
    const std::chrono::duration<double> seconds = limit;
    const auto bounded = seconds.count() >= 1e9 ? std::chrono::nanoseconds(std::chrono::seconds(1'000'000'000))
                                                : std::chrono::duration_cast<std::chrono::nanoseconds>(limit);
    return detail::state_wait_for(checked(), bounded);
  }

  // Sends `sig` to the child; does nothing once it has been reaped.
  void kill(int sig = SIGKILL) { detail::state_kill(checked(), sig); }

  // Asks the child to stop (SIGTERM), gives it `grace` to end, then kills it (SIGKILL); returns
  // how it ended. A child that ended already just reports its status.
  template <class Rep = std::int64_t, class Period = std::milli>
  exit_status terminate(std::chrono::duration<Rep, Period> grace = std::chrono::seconds(5)) {
    kill(SIGTERM);
    if (std::optional<exit_status> ended = wait_for(grace)) return *ended;
    kill(SIGKILL);
    return wait();
  }

  // Waits and returns the function's result. Throws gofork::error when the child did not
  // return normally: child_exception, child_signaled, child_exited, protocol or timed_out.
  R get() { return detail::result_of<R>(checked()); }

  // What the child wrote to stdout / stderr when options::out / err was redirect::capture();
  // complete once wait() or get() has returned, empty when not captured.
  const std::string& captured_stdout() const { return detail::state_captured(checked(), 1); }
  const std::string& captured_stderr() const { return detail::state_captured(checked(), 2); }

  // Lets the child run on unobserved; it is still reaped in the background. The handle is
  // empty afterwards.
  void detach() { detail::state_detach(std::move(state_)); }

  // False after detach() or a move.
  bool valid() const noexcept { return state_ != nullptr; }

 private:
  friend struct detail::handle_access;
  detail::process_state& checked() const {
    if (!state_) throw std::logic_error("gofork::process: the handle is empty (detached or moved from)");
    return *state_;
  }

  detail::process_state_ptr state_;
};

}  // namespace gofork
