// A call running through a launcher (srun, ssh, a command): the process_state that
// via/launcher_site.cpp returns. The process this side waits on is the launcher; the call's
// outcome comes in the end frame its stdout carries (channel/launcher_stream.hpp).
#pragma once

#include <string>

#include "channel/launcher_stream.hpp"
#include "channel/request_pool.hpp"
#include "process/process_state.hpp"
#include "unique_fd.hpp"

namespace gofork::runtime {

class launcher_process final : public detail::process_state {
 public:
  int pidfd() const noexcept override { return pid_fd.get(); }
  bool wait_until(std::optional<clock::time_point> until) override;
  void kill(int sig) noexcept override;
  void abandon() noexcept override;
  void progress_fds(int (&fds)[4]) noexcept override {
    fds[0] = pid_fd.get();
    fds[1] = from_launcher ? from_launcher.get() : -1;
    fds[2] = launcher_err ? launcher_err.get() : -1;
    fds[3] = -1;
  }

  // Writes the request (blocking, while taking in what the launcher sends meanwhile), before
  // the launch returns: a call nobody waits on yet still starts.
  void send_request(request_lease request, std::string settings);

  std::string launcher_name;  // "srun", "ssh", or the command's program, for messages
  nonce call_nonce{};
  unique_fd pid_fd;
  unique_fd to_launcher;    // its stdin: the request, then held open (closing it ends the call)
  unique_fd from_launcher;  // its stdout: stream frames
  unique_fd launcher_err;   // its stderr: the child's and the launcher's own messages
  // Where the child's stdout ([1]) and the launcher's stderr ([2]) go: our own stream of that
  // number, a descriptor, captured[], or (none set) nowhere.
  struct stream_route {
    bool inherit = false;
    unique_fd fd;
    bool capture = false;
  };
  stream_route route[3];

 private:
  void take_in();
  void take_stream();
  void pass_on(int stream, std::string_view bytes);
  void conclude();
  void broken(const char* why) noexcept;

  std::string stream_;     // stream bytes not yet consumed
  std::string err_tail_;   // the last of the launcher's stderr, for messages
  bool hello_ = false;
  bool ended_ = false;
  bool signalled_ = false;  // the caller (or a time-out) sent the launcher a signal
  int sent_signal_ = 0;     // the last one
  std::optional<launch_end> end_;
};

}  // namespace gofork::runtime
