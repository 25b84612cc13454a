// File: gofork/async.hpp
//
// Waiting on calls without a thread each.
//
//   gofork::process<int> a = fork_square(7);
//   gofork::future<int> b = fork_square(workers, 8);
//   std::size_t first = gofork::wait_any(a, b);   // 0 or 1: which ended first (poll, no busy loop)
//
// With C++20, `co_await` on a process<R> or a future<R> gives R or throws gofork::error, from
// any coroutine type:
//
//   task<int> twice() { co_return 2 * co_await fork_square(7); }
//
// The coroutine is suspended, not blocked: gofork's one waiter thread polls every awaited
// call (pidfds, result channels, captured output) and resumes each coroutine on that thread
// once its call has ended; a coroutine that must go on elsewhere hands itself over there (to
// its executor). No SIGCHLD handler is installed and no process but gofork's own is reaped.
// Event loops that poll descriptors themselves (Asio, libuv, epoll) can instead wait on
// process::pidfd() and call get() when it is readable: see examples/asio.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include <gofork/detail/process_state.hpp>
#include <gofork/pool.hpp>
#include <gofork/process.hpp>

#if defined(__cpp_impl_coroutine) && __has_include(<coroutine>)
#include <coroutine>
#define GOFORK_HAS_COROUTINES 1
#endif

namespace gofork {

namespace detail {

inline std::optional<std::chrono::nanoseconds> bounded_limit(std::chrono::duration<double> seconds,
                                                             std::chrono::nanoseconds limit) {
  if (seconds.count() >= 1e9) return std::nullopt;  // hours::max() means "forever", not overflow
  return limit < std::chrono::nanoseconds::zero() ? std::chrono::nanoseconds::zero() : limit;
}

template <class Handle>
std::vector<process_state*> states_of(std::vector<Handle>& handles) {
  std::vector<process_state*> states;
  states.reserve(handles.size());
  for (Handle& h : handles) states.push_back(&handle_access::state(h));
  return states;
}

}  // namespace detail

// Blocks until one of the handles (process<R> or future<R>, mixed freely) has ended, and
// returns its position. Call get() on it afterwards; the others run on.
template <class... Handles>
std::size_t wait_any(Handles&... handles) {
  static_assert(sizeof...(Handles) > 0, "gofork::wait_any needs at least one handle");
  detail::process_state* states[] = {&detail::handle_access::state(handles)...};
  return static_cast<std::size_t>(detail::state_wait_any(states, sizeof...(Handles), std::nullopt));
}

// As wait_any, giving up after `limit`: std::nullopt when none ended by then.
template <class Rep, class Period, class... Handles>
std::optional<std::size_t> wait_any_for(std::chrono::duration<Rep, Period> limit, Handles&... handles) {
  static_assert(sizeof...(Handles) > 0, "gofork::wait_any_for needs at least one handle");
  detail::process_state* states[] = {&detail::handle_access::state(handles)...};
  const long ended = detail::state_wait_any(
      states, sizeof...(Handles),
      detail::bounded_limit(limit, std::chrono::duration_cast<std::chrono::nanoseconds>(limit)));
  if (ended < 0) return std::nullopt;
  return static_cast<std::size_t>(ended);
}

// wait_any over a vector of handles of one type.
template <class Handle>
std::size_t wait_any_of(std::vector<Handle>& handles) {
  if (handles.empty()) throw std::invalid_argument("gofork::wait_any_of: no handles");
  std::vector<detail::process_state*> states = detail::states_of(handles);
  return static_cast<std::size_t>(detail::state_wait_any(states.data(), states.size(), std::nullopt));
}

// Blocks until every handle has ended, whatever order they end in (each is taken in as it
// ends, so none is held up writing a large result).
template <class Handle>
void wait_all_of(std::vector<Handle>& handles) {
  std::vector<detail::process_state*> states = detail::states_of(handles);
  while (!states.empty()) {
    const long ended = detail::state_wait_any(states.data(), states.size(), std::nullopt);
    states.erase(states.begin() + ended);
  }
}

#ifdef GOFORK_HAS_COROUTINES
namespace detail {

// What `co_await` on a handle becomes: suspends until the call ends, then get(). An awaiter
// made from a temporary handle keeps it alive across the suspension.
template <class Handle>
class handle_awaiter {
 public:
  explicit handle_awaiter(Handle& handle) : handle_(&handle) {}
  explicit handle_awaiter(Handle&& handle) : owned_(std::move(handle)), handle_(&*owned_) {}
  handle_awaiter(const handle_awaiter&) = delete;
  handle_awaiter& operator=(const handle_awaiter&) = delete;
  // A coroutine destroyed while it waits: the waiter thread must not resume it.
  ~handle_awaiter() {
    if (suspended_) state_stop_awaiting(state());
  }

  bool await_ready() { return state_ended(state()); }
  bool await_suspend(std::coroutine_handle<> continuation) {
    continuation_ = continuation;
    suspended_ = true;  // before the waiter can see it: once registered, it may resume at once
    if (state_when_ended(state(), &handle_awaiter::resume, this)) return true;  // `this` may be gone now
    suspended_ = false;
    return false;
  }
  decltype(auto) await_resume() {
    suspended_ = false;
    return handle_->get();
  }

 private:
  static void resume(void* self) {
    auto* awaiter = static_cast<handle_awaiter*>(self);
    awaiter->suspended_ = false;
    awaiter->continuation_.resume();
  }
  process_state& state() const { return handle_access::state(*handle_); }

  std::optional<Handle> owned_;
  Handle* handle_;
  std::coroutine_handle<> continuation_;
  bool suspended_ = false;
};

}  // namespace detail

template <class R>
detail::handle_awaiter<process<R>> operator co_await(process<R>& p) {
  return detail::handle_awaiter<process<R>>(p);
}
template <class R>
detail::handle_awaiter<process<R>> operator co_await(process<R>&& p) {
  return detail::handle_awaiter<process<R>>(std::move(p));
}
template <class R>
detail::handle_awaiter<future<R>> operator co_await(future<R>& f) {
  return detail::handle_awaiter<future<R>>(f);
}
template <class R>
detail::handle_awaiter<future<R>> operator co_await(future<R>&& f) {
  return detail::handle_awaiter<future<R>>(std::move(f));
}
#endif

}  // namespace gofork
