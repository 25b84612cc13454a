// Launching a child: prepare everything in the parent, clone(CLONE_VM|CLONE_VFORK|CLONE_PIDFD)
// so a large parent is never copied, run only raw async-signal-safe calls in the child, and
// exec this build's executable through the descriptor opened by init().
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <gofork/error.hpp>

#include "frame.hpp"
#include "marker.hpp"
#include "process_state.hpp"
#include "runtime_state.hpp"
#include "unique_fd.hpp"

extern char** environ;

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

// The cloned child shares the parent's memory and runs on a private stack: sanitizer
// bookkeeping there would corrupt the parent's.
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 8)
#define GOFORK_NO_SANITIZE __attribute__((no_sanitize("address", "thread", "undefined")))
#else
#define GOFORK_NO_SANITIZE
#endif

namespace gofork::detail {
namespace {

using runtime::unique_fd;

[[noreturn]] void fail(const std::string& stage, int err) {
  std::string message = "gofork: could not start a child: " + stage;
  if (err != 0) message += ": " + std::string(std::strerror(err));
  throw error(error_kind::spawn_failed, message, err);
}

unique_fd checked_fd(int fd, const char* stage) {
  if (fd < 0) fail(stage, errno);
  fd = runtime::above_stdio(fd);
  if (fd < 0) fail(stage, errno);
  return unique_fd(fd);
}

runtime::nonce random_nonce() {
  runtime::nonce n{};
  std::size_t got = 0;
  while (got < n.size()) {
    ssize_t r = ::getrandom(n.data() + got, n.size() - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      fail("getrandom", errno);
    }
    got += static_cast<std::size_t>(r);
  }
  return n;
}

void write_all(int fd, const char* data, std::size_t size, const char* stage) {
  while (size > 0) {
    ssize_t w = ::write(fd, data, size);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail(stage, errno);
    }
    data += w;
    size -= static_cast<std::size_t>(w);
  }
}

// The request frame in a sealed memfd: written before the child exists, so a big argument
// never waits on a reader, and sealed so the child can trust its size.
unique_fd make_request(const runtime::nonce& n, const char* function_id, std::string_view arguments) {
  unique_fd fd = checked_fd(::memfd_create("gofork-call", MFD_CLOEXEC | MFD_ALLOW_SEALING), "memfd_create");
  std::string prefix = runtime::encode_request_prefix(n, function_id, arguments.size());
  if (::ftruncate(fd.get(), static_cast<off_t>(prefix.size() + arguments.size())) != 0) fail("ftruncate", errno);
  write_all(fd.get(), prefix.data(), prefix.size(), "write arguments");
  write_all(fd.get(), arguments.data(), arguments.size(), "write arguments");
  if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    fail("seal arguments", errno);
  }
  return fd;
}

// A descriptor to install as the child's fd `target`, or an empty one for "inherit". For a
// capture, `parent_end` receives the pipe's read end.
unique_fd stdio_source(const redirect& r, int target, unique_fd& parent_end) {
  switch (r.type()) {
    case redirect::kind::capture: {
      if (target == 0) fail("redirect::capture() is for stdout and stderr, not stdin", EINVAL);
      int p[2];
      if (::pipe2(p, O_CLOEXEC) != 0) fail("pipe for captured output", errno);
      unique_fd read_end = checked_fd(p[0], "pipe for captured output");
      unique_fd write_end = checked_fd(p[1], "pipe for captured output");
      if (::fcntl(read_end.get(), F_SETFL, O_NONBLOCK) != 0) fail("fcntl captured output", errno);
      parent_end = std::move(read_end);
      return write_end;
    }
    case redirect::kind::inherit:
      return unique_fd();
    case redirect::kind::null:
      return checked_fd(::open("/dev/null", (target == 0 ? O_RDONLY : O_WRONLY) | O_CLOEXEC), "open /dev/null");
    case redirect::kind::fd:
      // A private duplicate above 2, so installing one stream never clobbers another's source.
      return checked_fd(::fcntl(r.descriptor(), F_DUPFD_CLOEXEC, 3), "duplicate redirect descriptor");
    case redirect::kind::file: {
      int flags = target == 0 ? O_RDONLY : (O_WRONLY | O_CREAT | O_TRUNC);
      int fd = ::open(r.path().c_str(), flags | O_CLOEXEC, 0666);
      if (fd < 0) fail("open " + r.path(), errno);
      return checked_fd(fd, "open redirect file");
    }
  }
  return unique_fd();
}

// Everything the cloned child needs, built by the parent: the child only reads it, and writes
// the failed stage back (the memory is shared until exec).
struct child_plan {
  int exe_fd = -1;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  int stdio[3] = {-1, -1, -1};
  const char* cwd = nullptr;
  int keep[2] = {-1, -1};  // sorted; survive exec
  sigset_t child_mask{};
  struct sigaction default_action {};
  const char* failed_stage = nullptr;
  int failed_errno = 0;
};

GOFORK_NO_SANITIZE void mark_cloexec_range(unsigned first, unsigned last) {
  if (first <= last) ::syscall(SYS_close_range, first, last, CLOSE_RANGE_CLOEXEC);
}

GOFORK_NO_SANITIZE int run_in_child(void* raw) {
  child_plan& plan = *static_cast<child_plan*>(raw);
  const char* stage = nullptr;
  // Handlers first, mask last: a signal delivered in between must not run a parent's handler
  // on this shared memory.
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &plan.default_action, nullptr);
  }
  for (int target = 0; target < 3; ++target) {
    if (plan.stdio[target] >= 0 && ::dup2(plan.stdio[target], target) < 0) {
      stage = "dup2 standard stream";
      goto failed;
    }
  }
  if (plan.cwd != nullptr && ::chdir(plan.cwd) != 0) {
    stage = "chdir";
    goto failed;
  }
  for (int fd : plan.keep) {
    if (::fcntl(fd, F_SETFD, 0) != 0) {
      stage = "fcntl channel";
      goto failed;
    }
  }
  // Whatever else is open (fds other threads made without O_CLOEXEC) must not reach the child.
  mark_cloexec_range(3, static_cast<unsigned>(plan.keep[0]) - 1);
  mark_cloexec_range(static_cast<unsigned>(plan.keep[0]) + 1, static_cast<unsigned>(plan.keep[1]) - 1);
  mark_cloexec_range(static_cast<unsigned>(plan.keep[1]) + 1, ~0U);
  ::sigprocmask(SIG_SETMASK, &plan.child_mask, nullptr);
  ::syscall(SYS_execveat, plan.exe_fd, "", plan.argv, plan.envp, AT_EMPTY_PATH);
  stage = "execveat";
failed:
  plan.failed_errno = errno;
  plan.failed_stage = stage;
  ::_exit(127);
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::vector<std::string> child_environment(const options& opts, const std::string& marker_text) {
  std::vector<std::string> env;
  const std::string marker_prefix = std::string(runtime::marker_variable) + "=";
  if (!opts.clear_env) {
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      std::string_view entry(*e);
      if (entry.compare(0, marker_prefix.size(), marker_prefix) == 0) continue;
      std::string_view name = entry.substr(0, entry.find('='));
      if (opts.env.find(std::string(name)) != opts.env.end()) continue;
      env.emplace_back(entry);
    }
  }
  for (const auto& [name, value] : opts.env) {
    if (name.empty() || name.find('=') != std::string::npos || name == runtime::marker_variable) {
      fail("environment variable name '" + name + "' is not allowed", EINVAL);
    }
    env.push_back(name + "=" + value);
  }
  env.push_back(marker_prefix + marker_text);
  return env;
}

void reap(int pidfd) {
  siginfo_t info{};
  while (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED | __WALL) != 0 &&
         errno == EINTR) {
  }
}

}  // namespace

process_state_ptr spawn(const options& opts, const char* function_id, std::string_view arguments) {
  runtime::runtime_state& rt = runtime::state();
  if (!rt.initialized.load()) {
    if (std::getenv(runtime::marker_variable) != nullptr) {
      // A child not dispatched yet (a launch from a static initialiser, say): launching again
      // would recurse, so refuse; init() will run the requested function afterwards.
      throw error(error_kind::spawn_failed,
                  "gofork: this process is a gofork child that gofork::init() has not dispatched yet; it "
                  "cannot launch children before init() has run");
    }
    throw error(error_kind::spawn_failed,
                "gofork: gofork::init(argc, argv) was not called; call it first in main() before launching a "
                "child (a child of a program without it would run main() again)");
  }
  if (rt.exe_fd < 0) fail("this program's executable could not be opened at start-up", rt.exe_errno);

  // Output the parent wrote before the launch should come out before the child's.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(stdout);
  std::fflush(stderr);

  const runtime::nonce n = random_nonce();
  unique_fd request = make_request(n, function_id, arguments);
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) fail("socketpair", errno);
  unique_fd parent_end = checked_fd(pair[0], "socketpair");
  unique_fd child_end = checked_fd(pair[1], "socketpair");
  unique_fd captured[3];
  unique_fd stdio[3] = {stdio_source(opts.in, 0, captured[0]), stdio_source(opts.out, 1, captured[1]),
                        stdio_source(opts.err, 2, captured[2])};

  runtime::marker m;
  m.call_nonce = n;
  m.parent = ::getpid();
  m.channel_fd = child_end.get();
  m.arguments_fd = request.get();

  std::vector<std::string> argv_strings = opts.argv.empty() ? std::vector<std::string>{rt.argv0} : opts.argv;
  std::vector<std::string> env_strings = child_environment(opts, runtime::format_marker(m));
  std::vector<char*> argv = pointers(argv_strings);
  std::vector<char*> envp = pointers(env_strings);

  child_plan plan;
  plan.exe_fd = rt.exe_fd;
  plan.argv = argv.data();
  plan.envp = envp.data();
  for (int i = 0; i < 3; ++i) plan.stdio[i] = stdio[i].get();
  plan.cwd = opts.cwd.empty() ? nullptr : opts.cwd.c_str();
  plan.keep[0] = std::min(child_end.get(), request.get());
  plan.keep[1] = std::max(child_end.get(), request.get());
  sigemptyset(&plan.child_mask);
  plan.default_action.sa_handler = SIG_DFL;
  sigemptyset(&plan.default_action.sa_mask);

  constexpr std::size_t stack_size = 128 * 1024;
  void* stack = ::mmap(nullptr, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) fail("mmap child stack", errno);

  // All signals blocked across clone: the child starts with none deliverable until it has
  // reset every handler.
  sigset_t all, previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  int pidfd = -1;
  pid_t pid = ::clone(run_in_child, static_cast<char*>(stack) + stack_size, CLONE_VM | CLONE_VFORK | CLONE_PIDFD,
                      &plan, &pidfd);
  int clone_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  ::munmap(stack, stack_size);
  if (pid < 0) fail("clone", clone_errno);

  unique_fd pid_handle(pidfd);
  if (plan.failed_stage != nullptr) {
    reap(pid_handle.get());
    fail(plan.failed_stage, plan.failed_errno);
  }

  process_state_ptr state(new process_state);
  state->pid = pid;
  state->pidfd = std::move(pid_handle);
  if (::fcntl(parent_end.get(), F_SETFL, O_NONBLOCK) != 0) fail("fcntl channel", errno);
  state->channel = std::move(parent_end);
  for (int i = 1; i < 3; ++i) state->captured_fd[i] = std::move(captured[i]);
  if (opts.timeout) {
    state->timeout = *opts.timeout;
    state->deadline = std::chrono::steady_clock::now() + *opts.timeout;
  }
  return state;
}

}  // namespace gofork::detail
