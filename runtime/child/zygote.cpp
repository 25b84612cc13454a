// A zygote's side: after the launch checks of any child (trust.cpp, then run_child's nonce and
// build checks), read fork requests from the channel (zygote/fork_plan.hpp) and fork a process
// for each — with CLONE_PARENT, so it is the caller's child — that sets itself up as the plan
// says and then serves its call exactly as a one-off child does (run_child). The zygote stays
// single-threaded and runs no user code itself.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/select.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <grp.h>
#include <string>
#include <vector>

#include "channel/descriptor_passing.hpp"
#include "child/child.hpp"
#include "child/trust.hpp"
#include "runtime_state.hpp"
#include "unique_fd.hpp"
#include "zygote/fork_plan.hpp"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

extern char** environ;

namespace gofork::runtime {

std::vector<void (*)()>& zygote_fork_hooks() {
  static std::vector<void (*)()>* hooks = new std::vector<void (*)()>;  // read in forked children
  return *hooks;
}

namespace {

// One request, as the zygote received it. Descriptors are above 2, in the order of the header.
struct fork_call {
  fork_plan plan;
  std::vector<unique_fd> fds;  // channel, request, the caller's working directory, then the streams of stdio_mask
  const std::vector<int>* own = nullptr;  // what the program opened before serve_forks: kept
};

// Closes every descriptor but `keep` (sorted): close_range, or one by one where it is missing
// (Linux before 5.9, a seccomp filter), so nothing of the zygote's reaches the function.
bool close_all_but(const std::vector<int>& keep) {
  unsigned from = 0;
  bool ranged = true;
  for (int fd : keep) {
    if (static_cast<unsigned>(fd) > from) {
      ranged = ranged && ::syscall(SYS_close_range, from, static_cast<unsigned>(fd) - 1, 0) == 0;
    }
    from = static_cast<unsigned>(fd) + 1;
  }
  ranged = ranged && ::syscall(SYS_close_range, from, ~0U, 0) == 0;
  if (ranged) return true;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  const int end = static_cast<int>(std::min<rlim_t>(limit.rlim_cur, 1u << 20));
  for (int fd = 0; fd < end; ++fd) {
    if (!std::binary_search(keep.begin(), keep.end(), fd)) ::close(fd);
  }
  return true;
}

bool read_exactly(int fd, char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t r = ::read(fd, data, size);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    data += r;
    size -= static_cast<std::size_t>(r);
  }
  return true;
}

bool write_exactly(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t w = ::send(fd, data, size, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    size -= static_cast<std::size_t>(w);
  }
  return true;
}

// The new process's set-up, in the order a one-off child takes before its exec; the stage that
// failed, or nullptr (errno says why).
const char* set_up(fork_call& c) {
  const fork_plan& p = c.plan;
  // Signal dispositions are the zygote's, reset once when it started (serve_forks).
  if (p.unshare_flags != 0 && ::unshare(p.unshare_flags) != 0) return "unshare (clone_flags)";
  if (p.setsid && ::setsid() < 0) return "setsid";
  if (p.pgid && ::setpgid(0, *p.pgid) != 0) return "setpgid";
  std::size_t next = 3;
  for (int target = 0; target < 3; ++target) {
    if ((p.stdio_mask & (1u << target)) != 0) {
      if (::dup3(c.fds[next++].get(), target, 0) < 0) return "dup2 standard stream";
    } else {
      ::close(target);  // closed in the caller: closed here too
    }
  }
  for (const rlimit_setting& r : p.rlimits) {
    const rlimit limit{r.soft, r.hard};
    if (::prlimit(0, static_cast<__rlimit_resource>(r.resource), &limit, nullptr) != 0) return "setrlimit";
  }
  if (p.nofile_safe) {
    // As a one-off child: the soft limit select() can handle, under the hard limit this process has.
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return "getrlimit";
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_cur, FD_SETSIZE);
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) return "setrlimit";
  }
  // The caller's working directory, as an exec'd child would have it; then the options'.
  if (::fchdir(c.fds[2].get()) != 0) return "fchdir to the caller's working directory";
  ::umask(static_cast<mode_t>(p.umask));
  if (!p.chroot.empty()) {
    if (::chroot(p.chroot.c_str()) != 0) return "chroot";
    if (p.cwd.empty() && ::chdir("/") != 0) return "chdir";
  }
  if (p.set_groups && ::setgroups(p.groups.size(), p.groups.data()) != 0) return "setgroups";
  if (p.gid && ::setresgid(*p.gid, *p.gid, *p.gid) != 0) return "setgid";
  if (p.uid && ::setresuid(*p.uid, *p.uid, *p.uid) != 0) return "setuid";
  if (!p.cwd.empty() && ::chdir(p.cwd.c_str()) != 0) return "chdir";
  if (p.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return "no_new_privs";
  if (p.pdeathsig != 0) {
    if (::prctl(PR_SET_PDEATHSIG, p.pdeathsig, 0, 0, 0) != 0) return "pdeathsig";
    if (::getppid() != p.caller) {
      ::kill(::getpid(), p.pdeathsig);
      ::_exit(128 + p.pdeathsig);
    }
  }
  // The call's descriptors, the executable and what the program itself opened before it became
  // a zygote (a log file, a syslog socket: a one-off child's static constructors would have
  // opened them again) stay open; the rest, the zygote's channel first, is closed.
  std::vector<int> keep = {0, 1, 2, c.fds[0].get(), c.fds[1].get(), state().exe_fd, state().sealed_exe_fd};
  keep.insert(keep.end(), c.own->begin(), c.own->end());
  keep.erase(std::remove(keep.begin(), keep.end(), -1), keep.end());
  std::sort(keep.begin(), keep.end());
  keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
  if (!close_all_but(keep)) return "close the zygote's descriptors";
  // The environment, whole, as the caller would have passed it to an exec.
  char** env = new char*[p.env.size() + 1];
  for (std::size_t i = 0; i < p.env.size(); ++i) env[i] = ::strdup(p.env[i].c_str());
  env[p.env.size()] = nullptr;
  environ = env;
  return nullptr;
}

// The new process: set up, tell the caller how that went on the call's channel, and wait for
// its go — sent once it holds our pidfd, so a zygote that dies before it passes that on never
// leaves a call running that no one waits for — then serve the call.
int forked(void* raw) {
  fork_call& c = *static_cast<fork_call*>(raw);
  const char* stage = set_up(c);
  const int err = stage != nullptr ? (errno != 0 ? errno : EIO) : 0;
  const std::string status = encode_fork_answer(0, err, stage != nullptr ? stage : "");
  const int channel = c.fds[0].get();
  if (!write_exactly(channel, status.data(), status.size()) || stage != nullptr) ::_exit(127);
  char go = 0;
  if (!read_exactly(channel, &go, 1) || go != 'g') ::_exit(exit_refused);
  for (void (*hook)() : zygote_fork_hooks()) hook();
  marker m;
  m.call_nonce = c.plan.call_nonce;
  m.parent = c.plan.caller;
  m.channel_fd = c.fds[0].release();
  m.arguments_fd = c.fds[1].release();
  if (!channel_from_parent(m)) {
    std::fprintf(stderr, "gofork: a zygote's child %d refuses its call: the channel is not its parent's\n",
                 static_cast<int>(::getpid()));
    ::_exit(exit_refused);
  }
  run_child(m);
}

// Reads one request; false at the end of the channel (the caller is done with us).
bool receive_request(int channel, fork_call& c) {
  char header[fork_header_size];
  std::vector<int> passed;
  bool truncated = false;
  for (std::size_t got = 0; got < sizeof header;) {
    const ssize_t r = receive_with_descriptors(channel, header + got, sizeof header - got, truncated,
                                               [&passed](int fd) { passed.push_back(fd); });
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    got += static_cast<std::size_t>(r);
  }
  for (int fd : passed) {
    const int moved = above_stdio(fd);  // so that installing the streams never clobbers one
    if (moved < 0) ::_exit(exit_refused);
    c.fds.emplace_back(moved);
  }
  const std::optional<fork_request_header> h = parse_fork_request_header(std::string_view(header, sizeof header));
  if (!h || truncated || c.fds.size() != h->descriptor_count) ::_exit(exit_refused);
  std::string body(static_cast<std::size_t>(h->plan_size), '\0');
  if (!read_exactly(channel, body.data(), body.size())) ::_exit(exit_channel_lost);
  std::optional<fork_plan> plan = decode_fork_plan(body);
  if (!plan) ::_exit(exit_refused);
  std::size_t streams = 0;
  for (int k = 0; k < 3; ++k) streams += (plan->stdio_mask >> k) & 1u;
  if (c.fds.size() != 3 + streams) ::_exit(exit_refused);
  c.plan = std::move(*plan);
  return true;
}

std::size_t thread_count() {
  std::size_t n = 0;
  if (DIR* tasks = ::opendir("/proc/self/task")) {
    while (dirent* e = ::readdir(tasks)) n += e->d_name[0] != '.';
    ::closedir(tasks);
  }
  return n == 0 ? 1 : n;  // no /proc: assume what it must be
}

// The descriptors open now, but the zygote's channel.
std::vector<int> own_descriptors(int channel) {
  std::vector<int> fds;
  if (DIR* open = ::opendir("/proc/self/fd")) {
    const int listing = ::dirfd(open);
    while (dirent* e = ::readdir(open)) {
      if (e->d_name[0] == '.') continue;
      const int fd = std::atoi(e->d_name);
      if (fd != listing && fd != channel) fds.push_back(fd);
    }
    ::closedir(open);
  }
  return fds;
}

}  // namespace

void serve_forks(int channel) {
  // The zygote was exec'd with default dispositions and an empty mask; what static constructors
  // set since (a sanitizer's or a crash reporter's handlers, SIGPIPE ignored) a one-off child
  // sets again too, so each forked process keeps it.
  //
  // fork from clone runs no pthread_atfork handler: only a single-threaded zygote can fork
  // safely. One whose static constructors started threads refuses every call, saying why.
  const bool single_threaded = thread_count() == 1;
  const std::vector<int> own = own_descriptors(channel);
  // Where the new process runs until its call ends: this process's own stack below this frame,
  // which in the copy is the new process's (CLONE_VM is not set), so it has the main thread's
  // whole stack to grow into.
  for (;;) {
    fork_call c;
    c.own = &own;
    if (!receive_request(channel, c)) ::_exit(0);
    if (!single_threaded) {
      const std::string refusal = encode_fork_answer(
          -1, EDEADLK, "fork in the zygote: it is not single-threaded (a static constructor started a thread)");
      if (!write_exactly(channel, refusal.data(), refusal.size())) ::_exit(exit_channel_lost);
      continue;
    }
    int pidfd = -1;
    char* here = static_cast<char*>(__builtin_frame_address(0));
    void* stack = reinterpret_cast<void*>((reinterpret_cast<std::uintptr_t>(here) - 8192) & ~std::uintptr_t{63});
    const pid_t pid = ::clone(forked, stack, CLONE_PARENT | CLONE_PIDFD, &c, &pidfd);
    const int clone_errno = errno;
    c.fds.clear();
    unique_fd new_process(pid >= 0 ? pidfd : -1);
    const std::string answer = pid < 0 ? encode_fork_answer(-1, clone_errno, "clone") : encode_fork_answer(pid, 0, "");
    const ssize_t sent = send_with_descriptor(channel, answer.data(), answer.size(), new_process.get());
    if (sent < 0) ::_exit(exit_channel_lost);  // the caller is gone: the new process sees EOF and ends
    if (static_cast<std::size_t>(sent) < answer.size() &&
        !write_exactly(channel, answer.data() + sent, answer.size() - static_cast<std::size_t>(sent))) {
      ::_exit(exit_channel_lost);
    }
  }
}

}  // namespace gofork::runtime
