// Awaiting children from coroutines (<gofork/async.hpp>, C++20): a sweep where each
// coroutine awaits its own one-off calls and pool calls, suspended rather than blocking a
// thread — a hundred of them share gofork's one waiter thread — and wait_any picking the
// first of a race.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <csignal>
#include <cstdio>
#include <exception>
#include <mutex>
#include <string>
#include <vector>

#include <gofork/gofork.hpp>

[[gofork::forkable]] long collatz_steps(long n) {
  long steps = 0;
  for (; n != 1; ++steps) n = n % 2 == 0 ? n / 2 : 3 * n + 1;
  return steps;
}

[[gofork::forkable]] long never_ends(long) {
  for (;;) ::pause();  // the loser of the race below, whatever the machine's load
}

#include "main.gofork.hpp"  // generated from this file: fork_collatz_steps, fork_never_ends

namespace {

// The smallest coroutine type that will do: it starts at once, and its last act is to tell a
// counter it is done. Any other coroutine type (a library's task<T>) awaits gofork the same way.
struct countdown {
  std::mutex mutex;
  std::condition_variable zero;
  int left;
  void done() {
    std::lock_guard<std::mutex> lock(mutex);
    if (--left == 0) zero.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mutex);
    zero.wait(lock, [this] { return left == 0; });
  }
};

struct fire_and_forget {
  struct promise_type {
    fire_and_forget get_return_object() { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { std::terminate(); }
  };
};

struct point {
  long steps = 0;
  bool agreed = false;
};

// One sweep point: its steps computed in a fresh process, then checked in a warm worker.
fire_and_forget sweep_point(long n, gofork::pool& workers, point& out, countdown& all) {
  out.steps = co_await fork_collatz_steps(n);                      // suspended until the child ends
  out.agreed = co_await fork_collatz_steps(workers, n) == out.steps;  // a pool future, awaited the same way
  all.done();
}

}  // namespace

int main(int argc, char** argv) {
  gofork::init(argc, argv);
  gofork::pool workers(2);

  constexpr int points = 100;
  std::vector<point> results(points);
  countdown all{{}, {}, points};
  for (int i = 0; i < points; ++i) sweep_point(i + 1, workers, results[i], all);  // all in flight at once
  all.wait();
  long most = 0, at = 0, disagreements = 0;
  for (int i = 0; i < points; ++i) {
    if (results[i].steps > most) most = results[i].steps, at = i + 1;
    disagreements += results[i].agreed ? 0 : 1;
  }
  std::printf("1..%d: the most steps, %ld, at %ld; processes and workers disagree %ld times\n", points, most, at,
              disagreements);

  // A race: which of two calls ends first, without a thread each; the loser is then stopped.
  gofork::process<long> slow = fork_never_ends(27);
  gofork::process<long> quick = fork_collatz_steps(27);
  const std::size_t first = gofork::wait_any(slow, quick);
  std::printf("the race: %s first, with %ld steps\n", first == 1 ? "quick" : "slow", quick.get());
  const gofork::exit_status loser = slow.terminate(std::chrono::milliseconds(500));
  std::printf("the other stopped by %s\n", loser.signaled() && loser.signal() == SIGTERM ? "SIGTERM" : "SIGKILL");
  return 0;
}
