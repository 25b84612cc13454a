// Helpers shared by the end-to-end tests.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <gofork/error.hpp>
#include <gofork/options.hpp>
#include <gofork/request_buffers.hpp>

// Defined in a sanitizer build (clang's and gcc's spellings), where some checks must differ.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define GOFORK_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define GOFORK_SANITIZED 1
#endif

extern "C" char** environ;

namespace gofork_test {

// A stress loop's length: the release build runs it whole; a sanitizer build, where a launch
// costs five to ten times as much, runs a fifth of it (CI time) with the same threads and mix.
constexpr int scaled(int iterations) {
#ifdef GOFORK_SANITIZED
  return iterations / 5;
#else
  return iterations;
#endif
}

// Starts `program` with `flag` as its one argument, and returns its pid and the first line it
// prints on stdout (it may go on running: the caller reaps it).
inline std::pair<pid_t, std::string> run_reporting(const char* program, const char* flag) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return {-1, {}};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  std::string program_text = program;
  std::string flag_text = flag;
  char* argv[] = {program_text.data(), flag_text.data(), nullptr};
  pid_t owner = -1;
  const int spawned = ::posix_spawn(&owner, program, &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  std::string line;
  char c = 0;
  while (spawned == 0 && ::read(out[0], &c, 1) == 1 && c != '\n') line += c;
  ::close(out[0]);
  return {spawned == 0 ? owner : -1, line};
}

// Starts this test program again with `flag` (its main() does the work and prints `count`
// numbers on one line, then waits), and returns its pid and the numbers.
inline std::pair<pid_t, std::vector<int>> run_self_reporting(const char* flag, int count) {
  const auto [owner, line] = run_reporting("/proc/self/exe", flag);
  std::vector<int> numbers;
  std::istringstream in(line);
  for (int n = 0; numbers.size() < static_cast<std::size_t>(count) && in >> n;) numbers.push_back(n);
  return {owner, numbers};
}

// SIGKILLs `owner` and reaps it, then expects every process of `pids` to end within a minute.
inline void expect_all_end_with(pid_t owner, const std::vector<int>& pids, const char* what) {
  std::vector<int> handles;
  for (int pid : pids) {
    handles.push_back(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    EXPECT_GE(handles.back(), 0) << what << " " << pid << " is not running";
  }
  ASSERT_EQ(::kill(owner, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(owner, &status, 0), owner);
  for (std::size_t i = 0; i < handles.size(); ++i) {
    if (handles[i] < 0) continue;
    pollfd ended{handles[i], POLLIN, 0};
    EXPECT_EQ(::poll(&ended, 1, 60'000), 1) << what << " " << pids[i] << " outlived its owner";
    ::close(handles[i]);
  }
}

// Runs `f`, which must throw gofork::error, and returns that error.
template <class F>
gofork::error expect_error(F&& f) {
  try {
    f();
  } catch (const gofork::error& e) {
    return e;
  }
  ADD_FAILURE() << "no gofork::error was thrown";
  return gofork::error(gofork::error_kind::protocol, "none");
}

// One byte carrying one descriptor (SCM_RIGHTS) over a unix socket.
struct descriptor_message {
  char byte = 'F';
  iovec data{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr header{};

  descriptor_message() {
    header.msg_iov = &data;
    header.msg_iovlen = 1;
    header.msg_control = control;
    header.msg_controllen = sizeof control;
  }
  descriptor_message(const descriptor_message&) = delete;
  descriptor_message& operator=(const descriptor_message&) = delete;
};

inline bool send_descriptor(int socket, int fd) {
  descriptor_message message;
  cmsghdr* rights = CMSG_FIRSTHDR(&message.header);
  rights->cmsg_level = SOL_SOCKET;
  rights->cmsg_type = SCM_RIGHTS;
  rights->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(rights), &fd, sizeof fd);
  return ::sendmsg(socket, &message.header, MSG_NOSIGNAL) == 1;
}

// Waits up to a minute for a descriptor (close-on-exec); -1 if none came.
inline int receive_descriptor(int socket) {
  pollfd ready{socket, POLLIN, 0};
  if (::poll(&ready, 1, 60'000) != 1) return -1;
  descriptor_message message;
  if (::recvmsg(socket, &message.header, MSG_CMSG_CLOEXEC) != 1) return -1;
  const cmsghdr* rights = CMSG_FIRSTHDR(&message.header);
  if (rights == nullptr || rights->cmsg_type != SCM_RIGHTS) return -1;
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(rights), sizeof fd);
  return fd;
}

// Waits up to a minute for one int (a pid, say) on a socket; -1 if none came.
inline int receive_int(int socket) {
  pollfd ready{socket, POLLIN, 0};
  int value = -1;
  if (::poll(&ready, 1, 60'000) != 1 || ::recv(socket, &value, sizeof value, MSG_WAITALL) != sizeof value) return -1;
  return value;
}

// Waits up to a minute for the process behind `pidfd` — an orphan re-parented to this process,
// a subreaper — to end, kills it if it does not, reaps it and closes `pidfd`. True if it ended
// by itself; `info` tells how.
inline bool wait_for_orphan(int pidfd, siginfo_t& info) {
  pollfd ended{pidfd, POLLIN, 0};
  const bool gone = ::poll(&ended, 1, 60'000) == 1;
  if (!gone) ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
  info = siginfo_t{};
  EXPECT_EQ(::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED | __WALL), 0);
  ::close(pidfd);
  return gone;
}

// The parent-death tests' middle process: `launch(options)` starts it with a unix socket as
// its stdin, on which it sends the pid of a child it launched; then the middle is SIGKILLed.
// Makes this process a subreaper first, so the orphan comes here. Returns a pidfd of the
// orphan, or -1 if none was reported.
template <class Launch>
int kill_middle_and_adopt(Launch launch) {
  EXPECT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
  int sockets[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) return -1;
  gofork::options o;
  o.in = gofork::redirect::fd(sockets[1]);
  auto middle = launch(o);
  ::close(sockets[1]);
  const int pid = receive_int(sockets[0]);
  ::close(sockets[0]);
  const int pidfd = pid > 0 ? static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)) : -1;
  middle.kill(SIGKILL);
  EXPECT_EQ(middle.wait().signal(), SIGKILL);
  return pidfd;
}

// No child of this process exists, running or zombie.
inline void expect_no_children() {
  siginfo_t info{};
  errno = 0;
  EXPECT_EQ(::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | __WALL), -1) << "a child is left over";
  EXPECT_EQ(errno, ECHILD);
}

// Descriptors this process has open (not counting the one used to list them), once gofork has
// closed its idle request buffers (kept on purpose; their bound is tested on its own).
inline int count_open_descriptors() {
  gofork::release_idle_request_buffers();
  int count = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  while (dirent* e = ::readdir(dir)) count += e->d_name[0] != '.';
  ::closedir(dir);
  return count - 1;
}

}  // namespace gofork_test
