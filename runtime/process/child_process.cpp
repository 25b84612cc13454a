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
#include "runtime_state.hpp"

namespace gofork::runtime {
namespace {

using clock = std::chrono::steady_clock;

// Reads what is available from a non-blocking descriptor into `out`, closing it at end of
// file. Returns to the caller's poll after `budget` bytes, so a child that writes without pause
// cannot keep the parent from its deadline or its limits. `expected` may announce the final
// size (a reply's header does) so `out` grows in few steps. Returns the errno of a failed
// read (the stream is closed then, as at end of file), 0 otherwise.
template <class Expected, class Read>
int drain(unique_fd& fd, std::string& out, Expected expected, Read read_some, std::size_t budget = std::size_t{1} << 20) {
  char buffer[1 << 16];
  std::size_t taken = 0;
  while (fd && taken < budget) {
    const std::uint64_t whole = expected();
    if (whole != 0 && out.size() >= whole) return 0;  // complete: leave the rest to the caller
    ssize_t r = read_some(buffer, std::min<std::uint64_t>(sizeof buffer, whole != 0 ? whole - out.size() : sizeof buffer));
    if (r > 0) {
      // Trust an announced size only as far as the data that came: a header alone reserves nothing big.
      const std::uint64_t want = std::min<std::uint64_t>(expected(), 2 * (out.size() + static_cast<std::size_t>(r)));
      if (want > out.capacity()) out.reserve(static_cast<std::size_t>(want));
      out.append(buffer, static_cast<std::size_t>(r));
      taken += static_cast<std::size_t>(r);
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    const int err = r < 0 ? errno : 0;
    fd.reset();  // EOF, or an error that ends the stream just the same
    return err;
  }
  return 0;
}

int drain(unique_fd& fd, std::string& out) {
  return drain(fd, out, [] { return std::uint64_t{0}; }, [&fd](char* buffer, std::size_t size) { return ::read(fd.get(), buffer, size); });
}

// Reads from the channel, taking in the one descriptor a child may pass (the memfd of a big
// reply, memfd_reply.hpp); any other is closed at once and marks the reply as malformed.
ssize_t receive(child_process& s, char* buffer, std::size_t size) {
  iovec part{buffer, size};
  alignas(cmsghdr) char control[CMSG_SPACE(4 * sizeof(int))];
  msghdr message{};
  message.msg_iov = &part;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  const ssize_t r = ::recvmsg(s.channel.get(), &message, MSG_CMSG_CLOEXEC);
  if (r < 0) return r;
  if ((message.msg_flags & MSG_CTRUNC) != 0) s.descriptors_refused = true;
  for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      if (!s.passed_fd && !s.descriptors_refused) {
        s.passed_fd.reset(fd);
      } else {
        ::close(fd);
        s.descriptors_refused = true;
      }
    }
  }
  return r;
}

bool reply_in_memfd(const child_process& s) {
  return s.reply.size() >= 4 && s.reply.compare(0, 4, memfd_reply_magic, 4) == 0;
}

std::uint64_t declared_size(const child_process& s) {
  std::uint64_t declared = 0;
  std::memcpy(&declared, s.reply.data() + 8, sizeof declared);
  return declared;
}

// The size a well-formed reply header announces (header included), if it is within limits:
// for a reply in a memfd, only its notice comes on the socket.
std::uint64_t announced_reply_size(const child_process& s) {
  if (s.reply.size() < reply_header_size) return 0;
  if (reply_in_memfd(s)) return memfd_notice_size;
  if (s.reply.compare(0, 4, "GFR1") != 0) return 0;
  const std::uint64_t declared = declared_size(s);
  return declared <= s.max_result_bytes ? declared + reply_header_size : 0;
}

// Stops listening to a child that broke the rules, and ends it.
void give_up_on(child_process& s, bool& flag) {
  flag = true;
  s.channel.reset();
  s.kill(SIGKILL);
}

// A read that failed lost data the caller would have had: the call cannot succeed.
void note_read_failure(child_process& s, const char* what, int err) {
  if (err == 0 || s.read_failed != nullptr) return;
  s.read_failed = what;
  s.read_errno = err;
  s.kill(SIGKILL);
}

// Stops listening to a child whose reply broke the rules, saying how, and ends it.
void refuse_reply(child_process& s, const char* why) {
  s.malformed_why = why;
  s.passed_fd.reset();
  give_up_on(s, s.reply_malformed);
}

// A complete notice of a reply in a memfd: map the memfd that came with it.
void take_memfd_reply(child_process& s) {
  if (!s.passed_fd) return refuse_reply(s, "it announced a reply in shared memory but passed no descriptor");
  const char* why = s.reply_mapping.map(s.passed_fd.get(), declared_size(s));
  s.passed_fd.reset();
  if (why != nullptr) refuse_reply(s, why);
}

void read_all(child_process& s) {
  if (s.channel && !s.result_too_large && !s.reply_malformed) {
    note_read_failure(s, "reply", drain(s.channel, s.reply, [&s] { return announced_reply_size(s); },
                                        [&s](char* buffer, std::size_t size) { return receive(s, buffer, size); }));
    // A whole reply is all a child sends: stop listening, so the next wake-up is its exit.
    const bool whole = s.reply.size() >= reply_header_size && s.reply.size() == announced_reply_size(s);
    if (whole) s.channel.reset();
    // Refuse a bad or oversized reply as soon as its first bytes show it, not after buffering.
    if (s.descriptors_refused) {
      refuse_reply(s, "it passed more than one descriptor");
    } else if (s.reply.size() >= 4 && s.reply.compare(0, 4, "GFR1") != 0 && !reply_in_memfd(s)) {
      refuse_reply(s, nullptr);
    } else if (s.reply.size() >= reply_header_size && reply_in_memfd(s)) {
      const std::uint64_t declared = declared_size(s);
      if (declared < reply_header_size) {
        refuse_reply(s, "its shared-memory reply is shorter than a reply header");
      } else if (declared - reply_header_size > s.max_result_bytes) {
        s.passed_fd.reset();
        give_up_on(s, s.result_too_large);
      } else if (whole && !s.reply_mapping) {
        take_memfd_reply(s);
      }
    } else if (s.reply.size() >= reply_header_size) {
      const std::uint64_t declared = declared_size(s);
      if (declared > s.max_result_bytes || s.reply.size() - reply_header_size > s.max_result_bytes) {
        give_up_on(s, s.result_too_large);
      } else if (s.passed_fd) {
        refuse_reply(s, "it passed a descriptor with a reply on the socket");
      }
    }
  }
  for (int stream = 1; stream <= 2; ++stream) {
    note_read_failure(s, stream == 1 ? "captured stdout" : "captured stderr",
                      drain(s.captured_fd[stream], s.captured[stream]));
    if (s.captured[stream].size() > s.max_captured_bytes && !s.capture_too_large) {
      s.captured_fd[stream].reset();
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
  if (info.si_code == CLD_EXITED) {
    s.status = exit_status::from_exit(info.si_status);
  } else {
    s.status = exit_status::from_signal(info.si_status, info.si_code == CLD_DUMPED);
  }
}

}  // namespace

bool child_process::wait_until(std::optional<clock::time_point> until) {
  while (!status) {
    std::optional<clock::time_point> limit = until;
    if (deadline && !timed_out && (!limit || *deadline < *limit)) limit = deadline;
    int timeout_ms = -1;
    const clock::time_point now = clock::now();
    if (limit) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*limit - now).count();
      timeout_ms = left < 0 ? 0 : (left > 1 << 30 ? 1 << 30 : static_cast<int>(left));
    }
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
    if (ready == 0 || clock::now() >= limit.value_or(clock::time_point::max())) {
      if (deadline && !timed_out && clock::now() >= *deadline) {
        timed_out = true;
        kill(SIGKILL);
        continue;
      }
      if (until && clock::now() >= *until) return false;
    }
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
