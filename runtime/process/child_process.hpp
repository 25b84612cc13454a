// A call running in a one-off child of this process: the process_state that
// launch/one_off_site.cpp returns (see child_process.cpp).
#pragma once

#include "channel/request_pool.hpp"
#include "process/process_state.hpp"
#include "unique_fd.hpp"

namespace gofork::runtime {

class child_process final : public detail::process_state {
 public:
  int pidfd() const noexcept override { return pid_fd.get(); }
  bool wait_until(std::optional<clock::time_point> until) override;
  void kill(int sig) noexcept override;
  void abandon() noexcept override;
  void progress_fds(int (&fds)[4]) noexcept override {
    fds[0] = pid_fd.get();
    fds[1] = channel ? channel.get() : -1;
    fds[2] = captured_fd[1] ? captured_fd[1].get() : -1;
    fds[3] = captured_fd[2] ? captured_fd[2].get() : -1;
  }

  unique_fd pid_fd;   // from clone(CLONE_PIDFD); waited on with waitid(P_PIDFD)
  unique_fd channel;  // our end of the socketpair; closed at EOF
  // The child's end, held until the reap: its exit then closes no socket, so this process
  // wakes once (on the pidfd), not first for a hang-up and then for the exit.
  unique_fd child_end;
  request_lease request;  // the arguments the child maps; back to the pool once it is reaped
  unique_fd captured_fd[3];  // [1], [2]: read ends of captured stdout / stderr
};

}  // namespace gofork::runtime
