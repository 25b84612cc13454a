// Waiting on many calls without a thread each (for <gofork/async.hpp>): one detached thread,
// started on the first co_await, polls every awaited call's progress descriptors (pidfd,
// channel, captured output; a pool call's eventfd), takes in what they bring, and resumes
// each awaiter once its call has ended. It reaps only gofork's own children, through their
// pidfds, and installs no signal handler.
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include <gofork/detail/process_state.hpp>

#include "process/process_state.hpp"
#include "unique_fd.hpp"

namespace gofork::detail {
namespace {

using clock = std::chrono::steady_clock;

// Whether `state` has ended, after one round of taking in what it sent, never blocking.
bool ended_now(process_state& state) { return state.wait_until(clock::now()); }

// The descriptors of `states` that can bring progress, and the earliest deadline among them.
void gather(process_state& state, std::vector<pollfd>& fds, std::optional<clock::time_point>& wake) {
  int progress[4];
  state.progress_fds(progress);
  for (const int fd : progress) {
    if (fd >= 0) fds.push_back(pollfd{fd, POLLIN, 0});
  }
  const std::optional<clock::time_point> deadline = state.wake_time(std::nullopt);
  if (deadline && (!wake || *deadline < *wake)) wake = deadline;
}

void poll_all(std::vector<pollfd>& fds, std::optional<clock::time_point> wake) {
  if (::poll(fds.data(), fds.size(), poll_timeout(wake)) < 0 && errno != EINTR) {
    throw std::system_error(errno, std::generic_category(), "gofork: poll");
  }
}

struct awaited {
  process_state* state;
  void (*resume)(void*);
  void* context;
};

class waiter {
 public:
  static waiter& instance() {
    static waiter* the_waiter = new waiter;  // never destroyed: its thread may outlive main
    return *the_waiter;
  }

  void add(const awaited& a) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!wake_) {
      wake_ = runtime::unique_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
      if (!wake_) throw std::system_error(errno, std::generic_category(), "gofork: eventfd for the waiter");
      std::thread([this] { run(); }).detach();
    }
    entries_.push_back(a);
    const std::uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
  }

  // Waits for a round in progress to finish, so the state is not touched afterwards.
  bool remove(const process_state& state) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto at = std::find_if(entries_.begin(), entries_.end(), [&](const awaited& a) { return a.state == &state; });
    if (at == entries_.end()) return false;
    entries_.erase(at);
    return true;
  }

 private:
  [[noreturn]] void run() {
    std::vector<awaited> ended;
    std::vector<pollfd> fds;
    for (;;) {
      ended.clear();
      fds.clear();
      std::optional<clock::time_point> wake;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        for (std::size_t i = 0; i < entries_.size();) {
          bool done = true;
          try {
            done = ended_now(*entries_[i].state);
          } catch (...) {
            // The awaiter's get() meets the same failure and reports it.
          }
          if (done) {
            ended.push_back(entries_[i]);
            entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
            continue;
          }
          gather(*entries_[i].state, fds, wake);
          ++i;
        }
        fds.push_back(pollfd{wake_.get(), POLLIN, 0});
      }
      // Resumed outside the lock: a coroutine may go on to await another call at once.
      for (const awaited& a : ended) a.resume(a.context);
      if (!ended.empty()) continue;
      try {
        poll_all(fds, wake);
      } catch (...) {
        continue;  // EINTR aside, poll fails only for lack of memory: try the round again
      }
      std::uint64_t count = 0;
      (void)!::read(wake_.get(), &count, sizeof count);
    }
  }

  std::mutex mutex_;  // guards entries_; held while a round takes in what calls sent
  std::vector<awaited> entries_;
  runtime::unique_fd wake_;  // written when an entry is added
};

}  // namespace

bool state_ended(process_state& state) { return ended_now(state); }

bool state_when_ended(process_state& state, void (*resume)(void*), void* context) {
  if (ended_now(state)) return false;
  waiter::instance().add(awaited{&state, resume, context});
  return true;
}

bool state_stop_awaiting(const process_state& state) { return waiter::instance().remove(state); }

long state_wait_any(process_state* const* states, std::size_t count, std::optional<std::chrono::nanoseconds> limit) {
  std::optional<clock::time_point> until;
  if (limit) until = deadline_after(std::chrono::ceil<std::chrono::milliseconds>(*limit));
  std::vector<pollfd> fds;
  for (;;) {
    fds.clear();
    std::optional<clock::time_point> wake = until;
    for (std::size_t i = 0; i < count; ++i) {
      if (ended_now(*states[i])) return static_cast<long>(i);
      gather(*states[i], fds, wake);
    }
    if (until && clock::now() >= *until) return -1;
    poll_all(fds, wake);
  }
}

}  // namespace gofork::detail
