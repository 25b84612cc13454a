// One warm pool worker: a child launched like any other (launch/one_off_site.cpp, with the
// request_worker flag) that serves call after call on its channel (child/worker.cpp).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include <gofork/options.hpp>
#include <gofork/zygote.hpp>

#include "process/child_process.hpp"
#include "process/process_state.hpp"
#include "process/reply_reader.hpp"

namespace gofork::runtime {

class worker;

// What one call in a worker learned, read as any reply is (process/reply_reader.hpp); a
// process_state only so that the reading and the error mapping are the one-off child's own.
class call_outcome final : public detail::process_state {
 public:
  int pidfd() const noexcept override { return -1; }
  bool wait_until(std::optional<clock::time_point>) override { return true; }
  void kill(int sig) noexcept override;
  void abandon() noexcept override {}

  worker* running_on = nullptr;
};

class worker {
 public:
  // Starts a worker with `launch`, re-exec'd or forked from `from` when given; throws
  // error(spawn_failed).
  explicit worker(const options& launch, zygote* from = nullptr);
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;
  // Stops the worker (as retire()) if it still runs.
  ~worker();

  // A call in two steps. send: the call frame (frame.hpp) and, for a "GFCM" frame, the memfd
  // holding its arguments (else -1); false when the worker ended or `deadline` passed first.
  // receive: the next reply into `out`, killing the worker past `deadline`; true when the
  // worker answered well and can serve again, false when it is gone (died, killed for a
  // time-out or a bad reply, or `sent` was false) — collect_end then tells `out` how it ended.
  // Calls go out in order, one sender at a time, and their replies come in that order; one
  // thread may send while another receives.
  bool send(const std::string& frame, int arguments_fd, call_outcome& out,
            std::optional<std::chrono::steady_clock::time_point> deadline);
  bool receive(call_outcome& out, std::optional<std::chrono::steady_clock::time_point> deadline, bool sent);
  // Reaps the worker that receive found gone, into `out.status`; once no thread sends to it.
  void collect_end(call_outcome& out) noexcept;

  // Closes the channel, so the worker exits, and reaps it.
  void retire() noexcept;
  // Safe from any thread while the worker object lives (its pidfd stays open until then).
  void kill(int sig) noexcept;
  // Sent SIGKILL (a cancel, a time-out, a bad reply): it serves no more calls, even one whose
  // reply came first.
  bool killed() const noexcept { return killed_; }
  pid_t pid() const noexcept { return process_->pid; }
  std::size_t resident_bytes() const noexcept;

 private:
  // Waits for the worker's end, reads what it left and reaps it; `out`, if given, learns how.
  void reap(call_outcome* out) noexcept;

  std::unique_ptr<child_process> process_;
  std::unique_ptr<frame_stream> replies_;
  int pidfd_ = -1;  // process_'s, read by kill() without touching what the driver writes
  std::atomic<bool> killed_{false};
};

}  // namespace gofork::runtime
