// File: gofork/pool.hpp
//
// Warm worker pools: re-exec'd children of this build, started once and kept, each serving
// call after call. A call is submitted through the generated overload fork_f(pool&, ...) or
// gofork::fork<R>(pool&, "name", ...) and answered by a future<R>:
//
//   gofork::pool workers(4);
//   gofork::future<int> f = fork_square(workers, 7);
//   int v = f.get();                      // 49, or throws gofork::error
//
// A worker that dies during a call (a signal, exit, a time-out, a bad reply) fails that call
// alone, with the error kinds of process<R>::get(); the pool starts a replacement and every
// other call goes on. A function that throws is child_exception and its worker stays. State a
// function leaves in globals persists into its worker's next calls (max_calls_per_worker = 1
// gives a fresh process per call). Any thread may submit; futures are independent.
#pragma once

#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>

#include <gofork/detail/codec.hpp>
#include <gofork/detail/process_state.hpp>
#include <gofork/options.hpp>
#include <gofork/process.hpp>

namespace gofork {

class zygote;

struct pool_options {
  // How each worker is started: redirects, env, namespaces, credentials, rlimits, sealed_exe...
  // (its timeout is ignored: call_timeout limits calls; pdeathsig 0 becomes SIGKILL, so no
  // worker outlives the pool's process).
  options launch;
  std::size_t queue_limit = 0;           // calls waiting for a worker at most; 0: no limit
  std::size_t max_calls_per_worker = 0;  // a worker is replaced after this many calls; 0: never
  std::size_t max_worker_rss_bytes = 0;  // ... or once its resident set reaches this, between calls
  std::optional<std::chrono::milliseconds> call_timeout;  // past it, timed_out and the worker is killed
  // Workers (and their replacements) forked from this zygote instead of re-exec'd: a pool
  // that grows or replaces workers fast. `launch` must then suit a zygote (zygote.hpp); the
  // zygote must outlive the pool.
  zygote* from_zygote = nullptr;
  // Calls sent to a busy worker behind the one it runs, so it starts the next the moment it
  // replies (at most 16; 0: none): only while no worker is idle, and while the pool's recent
  // calls average under `ahead_while_calls_under` and the call in front has run for less. Such
  // a call waits for the one in front of it (docs/pools.md).
  std::size_t calls_ahead_per_worker = 3;
  std::chrono::microseconds ahead_while_calls_under{1000};
};

// What a pool has done, for tests and dashboards.
struct pool_stats {
  std::uint64_t calls = 0;            // calls that ended (any outcome)
  std::uint64_t workers_started = 0;  // including replacements
  std::uint64_t workers_lost = 0;     // died, were killed (time-out, cancel, bad reply) or failed to start
  std::uint64_t retired_by_calls = 0;  // replaced after max_calls_per_worker
  std::uint64_t retired_by_rss = 0;    // replaced after reaching max_worker_rss_bytes
  std::uint64_t calls_sent_ahead = 0;  // sent to a busy worker behind its running call
  std::uint64_t calls_requeued = 0;    // sent ahead to a worker that died first: run on the next
};

namespace detail {
class pool_state;
}

class pool {
 public:
  // Starts `workers` workers (at least one), in parallel, and returns once each has started: the
  // pool is warm. A worker that could not start is retried on the next call, which fails with
  // spawn_failed if it still cannot.
  explicit pool(std::size_t workers, pool_options opts = {});
  pool(pool&&) noexcept;
  pool& operator=(pool&&) noexcept;
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;
  // As shutdown().
  ~pool();

  // Finishes every submitted call, then stops the workers and reaps them. Submitting afterwards
  // throws error(spawn_failed).
  void shutdown();
  std::size_t size() const;
  pool_stats stats() const;

  // For the generated stubs and gofork::fork.
  detail::pool_state& state() const;

 private:
  std::unique_ptr<detail::pool_state> state_;
};

namespace detail {

// Queues the call; blocks while the pool's queue is at queue_limit.
process_state_ptr submit(pool& p, const char* function_id, const argument_encoder& encoder);
// As submit, but null at once, with no call made, when the queue is at queue_limit.
process_state_ptr try_submit(pool& p, const char* function_id, const argument_encoder& encoder);
// Whether the call ended within `limit` (0: a look without waiting).
bool state_done_within(process_state& state, std::chrono::nanoseconds limit);

}  // namespace detail

// The result of a call submitted to a pool. Move-only; one future is not meant to be used by
// two threads at once. Destroying it before the call ends lets the call run on, unobserved.
template <class R>
class future {
 public:
  // Made by the generated fork_* stubs and by gofork::fork; not by users.
  explicit future(detail::process_state_ptr state) : state_(std::move(state)) {}

  future(future&&) noexcept = default;
  future& operator=(future&&) noexcept = default;
  future(const future&) = delete;
  future& operator=(const future&) = delete;
  ~future() = default;

  // Waits and returns the function's result, or throws gofork::error: child_exception,
  // child_signaled, child_exited, protocol, timed_out, cancelled, or spawn_failed when no
  // worker could be started.
  R get() { return detail::result_of<R>(checked()); }

  void wait() { (void)detail::state_done_within(checked(), std::chrono::nanoseconds::max()); }

  // False when the call is still queued or running after `limit`.
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> limit) {
    const std::chrono::duration<double> seconds = limit;
    const auto bounded = seconds.count() >= 1e9 ? std::chrono::nanoseconds::max()
                                                : std::chrono::duration_cast<std::chrono::nanoseconds>(limit);
    return detail::state_done_within(checked(), bounded);
  }

  bool ready() const { return detail::state_done_within(checked(), std::chrono::nanoseconds(0)); }

  // A queued call never runs; a running one ends its worker, which the pool replaces. get()
  // then throws error(cancelled). A call that ended already keeps its result.
  void cancel() { detail::state_kill(checked(), SIGKILL); }

  bool valid() const noexcept { return state_ != nullptr; }

 private:
  friend struct detail::handle_access;
  detail::process_state& checked() const {
    if (!state_) throw std::logic_error("gofork::future: the handle is empty (moved from)");
    return *state_;
  }

  detail::process_state_ptr state_;
};

}  // namespace gofork
