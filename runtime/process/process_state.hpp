// The parent's record of one call in progress (the untyped core behind gofork::process<R>).
// Where the call runs is the implementation's business (child_process.hpp: a one-off child);
// what the caller learns is the same for all: the reply, the captured output, an exit status,
// and the flags that say why there is no value. process_state.cpp turns those into the result
// or the error, once for every way a call can run.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <gofork/detail/process_state.hpp>
#include <gofork/exit_status.hpp>

#include "channel/memfd_reply.hpp"
#include "unique_fd.hpp"

namespace gofork::detail {

class process_state {
 public:
  using clock = std::chrono::steady_clock;

  process_state() = default;
  process_state(const process_state&) = delete;
  process_state& operator=(const process_state&) = delete;
  virtual ~process_state() = default;

  // A descriptor that polls readable once the call's process has ended (its pidfd); -1 when
  // there is no process (a launch that failed before it had one).
  virtual int pidfd() const noexcept = 0;
  // Takes in the reply and captured output until the process is reaped (true, `status` set)
  // or `until` passes (false). Past `deadline` the process is killed and `timed_out` set.
  virtual bool wait_until(std::optional<clock::time_point> until) = 0;
  // Sends `sig` unless the process has been reaped.
  virtual void kill(int sig) noexcept = 0;
  // The descriptors whose readiness lets wait_until make progress — the process's end, its
  // reply, its captured output — for one thread polling many calls (process/waiter.cpp);
  // unused entries are -1.
  virtual void progress_fds(int (&fds)[4]) noexcept {
    fds[0] = pidfd();
    fds[1] = fds[2] = fds[3] = -1;
  }
  // Called when waiting threw: reap the (killed) process whatever else fails, so it never
  // becomes a zombie, and release what it held.
  virtual void abandon() noexcept = 0;

  pid_t pid = -1;
  std::string reply;  // the reply frame, header included, as the process sent it
  runtime::sealed_mapping reply_mapping;  // or the frame in a sealed memfd; `reply` then holds its notice
  runtime::unique_fd passed_fd;            // that memfd, until it is mapped
  bool descriptors_refused = false;        // the process passed more descriptors than that one
  std::string captured[3];  // [1], [2]: captured stdout / stderr so far
  std::optional<exit_status> status;  // set once reaped
  // From options::timeout: past `deadline` the process is killed and the call reports timed_out.
  std::optional<clock::time_point> deadline;
  std::chrono::milliseconds timeout{0};
  bool timed_out = false;
  bool timed_out_by_launcher = false;  // a launcher's own limit ended it (srun --time), not `timeout`
  std::uint64_t max_result_bytes = 0;
  bool result_too_large = false;
  bool reply_malformed = false;
  const char* malformed_why = nullptr;  // what was wrong with it, where more can be said
  std::uint64_t max_captured_bytes = 0;
  bool capture_too_large = false;
  // A read of the reply or a captured stream failed (not EINTR or EAGAIN): what, and errno.
  const char* read_failed = nullptr;
  int read_errno = 0;
  bool cancelled = false;     // ended by a cancel before it returned
  std::string start_failure;  // no process could be started for the call: why
  std::string where;          // for messages: " through srun" when a launcher ran the call
  std::string launcher_said;  // the end of a launcher's stderr, when it ended without a reply

  // The reply frame, wherever it came.
  std::string_view reply_frame() const noexcept { return reply_mapping ? reply_mapping.bytes() : std::string_view(reply); }
  // Takes what `from` learned of its call: the reply, the status and every flag.
  void take_outcome(process_state& from);
  // Sets `deadline` and `timeout` from a call's options::timeout, counted from now.
  void start_clock(std::optional<std::chrono::milliseconds> limit);
  // For a wait_until loop: the earlier of `until` and a deadline not yet acted on; then, after
  // each poll, whether the deadline has passed, in which case the process was just killed
  // (SIGKILL) and `timed_out` set.
  std::optional<clock::time_point> wake_time(std::optional<clock::time_point> until) const noexcept;
  bool kill_at_deadline() noexcept;
};

// Now plus `limit`, or the clock's end when that is beyond it.
std::chrono::steady_clock::time_point deadline_after(std::chrono::milliseconds limit) noexcept;
// What is left until `deadline` as a poll(2) time-out: -1 for none, rounded up, capped at 2^30 ms.
int poll_timeout(std::optional<std::chrono::steady_clock::time_point> deadline) noexcept;

}  // namespace gofork::detail
