// The parent's record of one child (the untyped core behind gofork::process<R>).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <gofork/detail/process_state.hpp>
#include <gofork/exit_status.hpp>

#include "channel/request_pool.hpp"
#include "unique_fd.hpp"

namespace gofork::detail {

class process_state {
 public:
  pid_t pid = -1;
  runtime::unique_fd pidfd;    // from clone(CLONE_PIDFD); waited on with waitid(P_PIDFD)
  runtime::unique_fd channel;  // our end of the socketpair; closed at EOF
  // The child's end, held until the reap: its exit then closes no socket, so this process
  // wakes once (on the pidfd), not first for a hang-up and then for the exit.
  runtime::unique_fd child_end;
  runtime::request_lease request;  // the arguments the child maps; back to the pool once it is reaped
  std::string reply;           // everything the child sent
  runtime::unique_fd captured_fd[3];  // [1], [2]: read ends of captured stdout / stderr
  std::string captured[3];
  std::optional<exit_status> status;  // set once reaped
  // From options::timeout: past `deadline` the child is killed and the call reports timed_out.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::chrono::milliseconds timeout{0};
  bool timed_out = false;
  std::uint64_t max_result_bytes = 0;
  bool result_too_large = false;
  bool reply_malformed = false;
  std::uint64_t max_captured_bytes = 0;
  bool capture_too_large = false;
  // A read of the reply or a captured stream failed (not EINTR or EAGAIN): what, and errno.
  const char* read_failed = nullptr;
  int read_errno = 0;
};

}  // namespace gofork::detail
