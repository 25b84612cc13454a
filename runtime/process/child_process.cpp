// Waiting on a one-off child: poll its pidfd and its channel together, so a big result never
// blocks the child, and a grandchild holding the channel open never blocks us; take a reply it
// left in the request buffer; reap it and read its exit status.
#include "process/child_process.hpp"

#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <system_error>

#include <gofork/error.hpp>

#include "channel/frame.hpp"
#include "channel/memfd_reply.hpp"
#include "process/reply_reader.hpp"
#include "runtime_state.hpp"

namespace gofork::runtime {
namespace {

using clock = std::chrono::steady_clock;

void read_all(child_process& s) {
  // A whole reply is all a child sends: stop listening, so the next wake-up is its exit.
  if (read_reply(s, s.channel)) s.channel.reset();
  for (int stream = 1; stream <= 2; ++stream) {
    note_read_failure(s, stream == 1 ? "captured stdout" : "captured stderr",
                      drain(s.captured_fd[stream], s.captured[stream]));
    if (s.captured[stream].size() > s.max_captured_bytes && !s.capture_too_large) {
      s.captured_fd[stream].reset();
      s.channel.reset();
      give_up_on(s, s.capture_too_large);
    }
  }
}


// The status from the pidfd itself (Linux 6.15+ records it at exit), for when waitid finds
// nothing: exec gives every child SIGCHLD as exit signal again, so a host's waitpid(-1) loop
// or SIGCHLD set to SIG_IGN can reap our child before we do.
std::optional<int> exit_status_from_pidfd(int pidfd) {
  struct pidfd_info {
    std::uint64_t mask, cgroupid;
    std::uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
    std::int32_t exit_code;
  } info{};
  constexpr std::uint64_t info_exit = 1u << 3;
  // The other waiter first claims the zombie, then releases it, and only the release records
  // the status: between the two, waitid already says ECHILD. That window is short but a loaded
  // machine can stretch it, so look again for up to 10 s, waking early when the pidfd changes.
  for (int attempt = 0; attempt < 10'000; ++attempt) {
    info = pidfd_info{};
    info.mask = info_exit;
    if (::ioctl(pidfd, _IOWR(0xFF, 11, pidfd_info), &info) != 0) return std::nullopt;  // before Linux 6.15
    if ((info.mask & info_exit) != 0) return info.exit_code;
    pollfd released{pidfd, 0, 0};  // only POLLHUP, which a reaped pidfd reports
    ::poll(&released, 1, 1);
  }
  return std::nullopt;
}

// A reply the child left in the request buffer (when it did not use the socket): where it is
// and what its header announces; `at` is null when there is none (the buffer was cleared for
// this call, so its magic is there only if this child wrote it).
struct buffered_reply {
  const char* at = nullptr;
  std::uint64_t declared = 0;
  std::size_t room = 0;  // bytes after the header
};

buffered_reply find_buffered_reply(child_process& s) noexcept {
  if (!s.request) return {};
  const std::size_t offset = reply_offset(s.request.frame_size());
  const std::size_t capacity = s.request.capacity();
  if (offset > capacity || capacity - offset < reply_header_size) return {};
  const char* at = s.request.data() + offset;
  if (std::memcmp(at, "GFR1", 4) != 0) return {};
  buffered_reply r{at, 0, capacity - offset - reply_header_size};
  std::memcpy(&r.declared, at + 8, sizeof r.declared);
  // Before anything can throw: the pool must clear these bytes before the buffer's next call.
  s.request.child_wrote(offset + reply_header_size + static_cast<std::size_t>(std::min<std::uint64_t>(r.declared, r.room)));
  return r;
}

// Takes the reply out of the buffer, once the child is gone, copying it before it is parsed:
// nothing can change the bytes under the parser, not even a process the child left holding
// the buffer.
void take_buffered_reply(child_process& s, const buffered_reply& r) {
  if (r.at == nullptr || !s.reply.empty() || s.reply_malformed || s.result_too_large) return;
  if (r.declared > s.max_result_bytes) {
    s.result_too_large = true;
  } else if (r.declared > r.room) {
    s.reply.assign(r.at, reply_header_size);  // announces more than the buffer holds: a bad reply
  } else {
    s.reply.assign(r.at, reply_header_size + static_cast<std::size_t>(r.declared));
  }
}

void reap(child_process& s) {
  siginfo_t info{};
  const int wait_errno = reap_pidfd(s.pid_fd.get(), info);
  take_buffered_reply(s, find_buffered_reply(s));
  s.child_end.reset();
  s.request.reset();  // the child's memory, and with it its mapping of the request, is gone
  if (wait_errno != 0) {
    if (std::optional<int> code = exit_status_from_pidfd(s.pid_fd.get())) {
      s.status = WIFEXITED(*code) ? exit_status::from_exit(WEXITSTATUS(*code))
                                  : exit_status::from_signal(WTERMSIG(*code), WCOREDUMP(*code));
      return;
    }
    throw error(error_kind::protocol, "gofork: the exit status of child " + std::to_string(s.pid) +
                                          " was taken by another waiter (" + std::strerror(wait_errno) +
                                          "; this kernel keeps no copy of it)");
  }
  s.status = reaped_status(info);
}

}  // namespace

bool child_process::wait_until(std::optional<clock::time_point> until) {
  while (!status) {
    const std::optional<clock::time_point> limit = wake_time(until);
    const int timeout_ms = detail::poll_timeout(limit);
    auto watch = [](const unique_fd& fd) { return pollfd{fd ? fd.get() : -1, POLLIN, 0}; };
    pollfd fds[4] = {{pid_fd.get(), POLLIN, 0}, watch(channel), watch(captured_fd[1]), watch(captured_fd[2])};
    int ready = ::poll(fds, 4, timeout_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "gofork: poll");
    }
    if (fds[1].revents != 0 || fds[2].revents != 0 || fds[3].revents != 0) read_all(*this);
    if (fds[0].revents != 0) {
      read_all(*this);  // the child is gone: take what it left, never wait for EOF
      reap(*this);
      return true;
    }
    if (kill_at_deadline()) continue;
    if (until && clock::now() >= *until) return false;
  }
  return true;
}

void child_process::kill(int sig) noexcept {
  if (status) return;
  ::syscall(SYS_pidfd_send_signal, pid_fd.get(), sig, nullptr, 0);
}

void child_process::abandon() noexcept {
  siginfo_t info{};
  reap_pidfd(pid_fd.get(), info);
  find_buffered_reply(*this);  // to learn what to clear before the buffer's next call
  child_end.reset();
  request.reset();
}

}  // namespace gofork::runtime
