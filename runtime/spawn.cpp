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

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <gofork/detail/codec.hpp>
#include <gofork/error.hpp>

#include "frame.hpp"
#include "marker.hpp"
#include "process_state.hpp"
#include "request_pool.hpp"
#include "runtime_state.hpp"
#include "spawn_failure.hpp"
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

// glibc's clone under its internal name: sanitizers intercept `clone` as if it were fork,
// which breaks a CLONE_VM child.
extern "C" int __clone(int (*fn)(void*), void* stack, int flags, void* arg, ...);

namespace gofork::detail {
namespace {

using runtime::unique_fd;

using runtime::checked_fd;
using runtime::fail;

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

// The request frame in a memfd sealed at its size, written before the child exists so a big
// argument never waits on a reader. The arguments are encoded straight into the buffer the
// child will map; only types without a size bound can outgrow it, and then move once.
runtime::request_lease make_request(const runtime::nonce& n, const char* function_id,
                                    const argument_encoder& encoder, int pdeathsig, bool sealed, int exe_fd) {
  const std::size_t prefix_size = runtime::request_header_size + std::strlen(function_id);
  runtime::request_lease request = runtime::acquire_request_buffer(prefix_size + std::max<std::size_t>(encoder.size_hint, 1));
  sink arguments(request.data() + prefix_size, request.capacity() - prefix_size);
  encoder.encode(encoder.context, arguments);
  if (!arguments.in_external()) {
    runtime::request_lease bigger = runtime::acquire_request_buffer(prefix_size + arguments.bytes().size());
    std::memcpy(bigger.data() + prefix_size, arguments.bytes().data(), arguments.bytes().size());
    request.finish(0, prefix_size + arguments.external_written());
    request = std::move(bigger);
  }
  const std::string prefix = runtime::encode_request_prefix(n, function_id, arguments.bytes().size(),
                                                           static_cast<std::uint32_t>(pdeathsig),
                                                           sealed ? runtime::request_sealed : 0, exe_fd);
  std::memcpy(request.data(), prefix.data(), prefix.size());
  const std::size_t size = prefix.size() + arguments.bytes().size();
  request.finish(size, size);
  return request;
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
  int keep[3] = {-1, -1, -1};  // sorted: the channel, the request, the executable; survive exec
  unsigned long descriptor_limit = 1024;  // the parent's, for the sweep without close_range or /proc
  int sync_fd = -1;  // user namespaces: wait here until the parent has written the id maps
  bool new_session = false;
  bool set_pgid = false;
  pid_t pgid = 0;
  const rlimit_setting* rlimits = nullptr;
  std::size_t rlimit_count = 0;
  const char* chroot_dir = nullptr;
  bool set_groups = false;
  const gid_t* groups = nullptr;
  std::size_t group_count = 0;
  bool set_gid = false;
  gid_t gid = 0;
  bool set_uid = false;
  uid_t uid = 0;
  bool no_new_privs = false;
  int pdeathsig = 0;
  pid_t expected_parent = 0;  // what getppid() says while the parent lives (0 in a new pid namespace)
  const char* volatile failed_stage = nullptr;
  volatile int failed_errno = 0;
};

// The child shares the parent's memory until exec, so it makes raw system calls only: libc
// wrappers may take locks or signal other threads (setuid), sanitizer interceptors would
// update the parent's bookkeeping (TSan's fd and signal tables) from the child, and even
// syscall() writes errno — the launching thread's own errno (the child has no TLS of its own),
// which that thread may be using meanwhile when a launch writes id maps. So these go straight
// to the kernel and return -errno.
GOFORK_NO_SANITIZE inline long raw_syscall(long n, long a, long b, long c, long d, long e, long f) {
#if defined(__x86_64__)
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  long result;
  __asm__ volatile("syscall"
                   : "=a"(result)
                   : "0"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return result;
#elif defined(__aarch64__)
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory", "cc");
  return x0;
#else
  const long result = ::syscall(n, a, b, c, d, e, f);
  return result < 0 ? -errno : result;
#endif
}

template <class T>
GOFORK_NO_SANITIZE inline long syscall_argument(T value) {
  if constexpr (std::is_null_pointer_v<T>) {
    return 0;
  } else if constexpr (std::is_pointer_v<T>) {
    return reinterpret_cast<long>(value);
  } else {
    return static_cast<long>(value);
  }
}

// A system call from the child: the result, or -errno.
template <class... Args>
GOFORK_NO_SANITIZE inline long sys(long number, Args... args) {
  static_assert(sizeof...(Args) <= 6);
  const long a[6] = {syscall_argument(args)...};
  return raw_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

// The kernel's struct sigaction, as rt_sigaction takes it.
struct kernel_sigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)();
  unsigned long mask;
};

GOFORK_NO_SANITIZE long mark_cloexec_range(unsigned first, unsigned last) {
  return first <= last ? sys(SYS_close_range, first, last, CLOSE_RANGE_CLOEXEC) : 0;
}

// Without close_range (Linux < 5.11, or a seccomp filter): walk /proc/self/fd with getdents64,
// or, without /proc, every number below the descriptor limit.
GOFORK_NO_SANITIZE void mark_cloexec_by_walking(const int (&keep)[3], unsigned long top) {
  auto mark = [&keep](long fd) {
    if (fd > 2 && fd != keep[0] && fd != keep[1] && fd != keep[2]) sys(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC);
  };
  const long dir = sys(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    alignas(8) char buffer[2048];
    for (long n; (n = sys(SYS_getdents64, dir, buffer, sizeof buffer)) > 0;) {
      for (long at = 0; at < n;) {
        // struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, char name[]
        unsigned short reclen;
        __builtin_memcpy(&reclen, buffer + at + 16, sizeof reclen);
        const char* name = buffer + at + 19;
        long fd = 0;
        bool number = *name != '\0';
        for (const char* c = name; *c != '\0'; ++c) {
          number = number && *c >= '0' && *c <= '9';
          fd = fd * 10 + (*c - '0');
        }
        if (number && fd != dir) mark(fd);
        at += reclen;
      }
    }
    sys(SYS_close, dir);
    return;
  }
  for (unsigned long fd = 3; fd < top; ++fd) mark(static_cast<long>(fd));
}

// Runs in the clone, in the documented order. Returns only through exec or exit_group.
// GOFORK_SYS keeps the last result, so a failed step reports its errno.
#define GOFORK_SYS(...) (result = sys(__VA_ARGS__))
GOFORK_NO_SANITIZE int run_in_child(void* raw) {
  child_plan& plan = *static_cast<child_plan*>(raw);
  const char* stage = nullptr;
  long result = 0;
  // Handlers first, mask last: a signal delivered in between must not run a parent's handler
  // on this shared memory.
  const kernel_sigaction default_action{SIG_DFL, 0, nullptr, 0};
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) GOFORK_SYS(SYS_rt_sigaction, sig, &default_action, nullptr, sizeof(unsigned long));
  }
  if (plan.sync_fd >= 0) {
    char byte;
    long r;
    while ((r = GOFORK_SYS(SYS_read, plan.sync_fd, &byte, 1)) == -EINTR) {
    }
    if (r != 1) {
      stage = "wait for user namespace id maps";
      goto failed;
    }
  }
  if (plan.new_session && GOFORK_SYS(SYS_setsid) < 0) {
    stage = "setsid";
    goto failed;
  }
  if (plan.set_pgid && GOFORK_SYS(SYS_setpgid, 0, plan.pgid) != 0) {
    stage = "setpgid";
    goto failed;
  }
  for (int target = 0; target < 3; ++target) {
    if (plan.stdio[target] >= 0 && GOFORK_SYS(SYS_dup3, plan.stdio[target], target, 0) < 0) {
      stage = "dup2 standard stream";
      goto failed;
    }
  }
  for (std::size_t i = 0; i < plan.rlimit_count; ++i) {
    const rlimit limit{plan.rlimits[i].soft, plan.rlimits[i].hard};
    if (GOFORK_SYS(SYS_prlimit64, 0, plan.rlimits[i].resource, &limit, nullptr) != 0) {
      stage = "setrlimit";
      goto failed;
    }
  }
  if (plan.chroot_dir != nullptr) {
    if (GOFORK_SYS(SYS_chroot, plan.chroot_dir) != 0) {
      stage = "chroot";
      goto failed;
    }
    if (plan.cwd == nullptr && GOFORK_SYS(SYS_chdir, "/") != 0) {
      stage = "chdir";
      goto failed;
    }
  }
  if (plan.set_groups && GOFORK_SYS(SYS_setgroups, plan.group_count, plan.groups) != 0) {
    stage = "setgroups";
    goto failed;
  }
  if (plan.set_gid && GOFORK_SYS(SYS_setresgid, plan.gid, plan.gid, plan.gid) != 0) {
    stage = "setgid";
    goto failed;
  }
  if (plan.set_uid && GOFORK_SYS(SYS_setresuid, plan.uid, plan.uid, plan.uid) != 0) {
    stage = "setuid";
    goto failed;
  }
  if (plan.cwd != nullptr && GOFORK_SYS(SYS_chdir, plan.cwd) != 0) {
    stage = "chdir";
    goto failed;
  }
  if (plan.no_new_privs && GOFORK_SYS(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    stage = "no_new_privs";
    goto failed;
  }
  // After the credential change, which clears it; then make sure the parent did not die first.
  if (plan.pdeathsig != 0) {
    if (GOFORK_SYS(SYS_prctl, PR_SET_PDEATHSIG, plan.pdeathsig, 0, 0, 0) != 0) {
      stage = "pdeathsig";
      goto failed;
    }
    if (GOFORK_SYS(SYS_getppid) != plan.expected_parent) {
      GOFORK_SYS(SYS_kill, GOFORK_SYS(SYS_getpid), plan.pdeathsig);
      GOFORK_SYS(SYS_exit_group, 128 + plan.pdeathsig);
    }
  }
  for (int fd : plan.keep) {
    if (GOFORK_SYS(SYS_fcntl, fd, F_SETFD, 0) != 0) {
      stage = "fcntl channel";
      goto failed;
    }
  }
  // Whatever else is open (fds other threads made without O_CLOEXEC) must not reach the child.
  {
    bool marked = true;
    unsigned next = 3;
    for (int fd : plan.keep) {
      marked = marked && mark_cloexec_range(next, static_cast<unsigned>(fd) - 1) == 0;
      next = static_cast<unsigned>(fd) + 1;
    }
    marked = marked && mark_cloexec_range(next, ~0U) == 0;
    if (!marked) mark_cloexec_by_walking(plan.keep, plan.descriptor_limit);
  }
  {
    const unsigned long empty_mask = 0;
    GOFORK_SYS(SYS_rt_sigprocmask, SIG_SETMASK, &empty_mask, nullptr, sizeof empty_mask);
  }
  GOFORK_SYS(SYS_execveat, plan.exe_fd, "", plan.argv, plan.envp, AT_EMPTY_PATH);
  stage = "execveat";
failed:
  plan.failed_errno = result < 0 ? static_cast<int>(-result) : EIO;
  plan.failed_stage = stage;
  GOFORK_SYS(SYS_exit_group, 127);
  return 127;
}
#undef GOFORK_SYS

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// The child's environment: pointers to the parent's own entries, then the overrides and the
// marker, whose text lives in `own`. With `copy_inherited` the parent's entries are copied into
// `own` too, for a launch whose child execs long after this returns (pdeathsig's spawner
// thread, id maps): a user's putenv string may change by then.
std::vector<char*> child_environment(const options& opts, const std::string& marker_text, bool copy_inherited,
                                     std::vector<std::string>& own) {
  const std::string marker_prefix = std::string(runtime::marker_variable) + "=";
  std::vector<char*> env;
  if (!opts.clear_env) {
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      std::string_view entry(*e);
      if (entry.compare(0, marker_prefix.size(), marker_prefix) == 0) continue;
      if (!opts.env.empty() && opts.env.count(std::string(entry.substr(0, entry.find('=')))) != 0) continue;
      env.push_back(*e);
    }
  }
  // Reserved first: the pointers into `own` must not move.
  own.reserve((copy_inherited ? env.size() : 0) + opts.env.size() + 1);
  if (copy_inherited) {
    for (char*& entry : env) entry = own.emplace_back(entry).data();
  }
  for (const auto& [name, value] : opts.env) {
    if (name.empty() || name.find('=') != std::string::npos || name == runtime::marker_variable) {
      fail("environment variable name '" + name + "' is not allowed", EINVAL);
    }
    env.push_back(own.emplace_back(name + "=" + value).data());
  }
  env.push_back(own.emplace_back(marker_prefix + marker_text).data());
  env.push_back(nullptr);
  return env;
}

void reap(int pidfd) {
  siginfo_t info{};
  runtime::reap_pidfd(pidfd, info);
}


struct launched {
  pid_t pid = -1;
  unique_fd pidfd;
};

void write_proc_file(pid_t pid, const char* name, const std::string& text) {
  const std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  unique_fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) fail(std::string("open ") + name, errno);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) fail(std::string("write ") + name, errno);
}

std::string format_map(const std::vector<id_map>& map) {
  std::string text;
  for (const id_map& m : map) {
    text += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " + std::to_string(m.size) + "\n";
  }
  return text;
}

// Where a child runs until its exec. One per launching thread, kept: the thread waits for the
// exec (CLONE_VFORK, or the exec pipe) before it can launch again, and a kept stack spares each
// launch an mmap, a munmap (a TLB shootdown across the other threads' CPUs) and fresh pages.
// Launches after the thread's kept stack is gone (from a later thread_local or static
// destructor) map one of their own.
class child_stack {
 public:
  static constexpr std::size_t size = 128 * 1024;

  child_stack() {
    if (!kept_gone && kept_stack().base != nullptr) {
      base_ = kept_stack().base;
      return;
    }
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) fail("mmap child stack", errno);
    base_ = p;
    if (kept_gone) {
      own_ = true;
    } else {
      kept_stack().base = p;
    }
  }
  ~child_stack() {
    if (own_) ::munmap(base_, size);
  }
  child_stack(const child_stack&) = delete;
  child_stack& operator=(const child_stack&) = delete;

  char* top() const noexcept { return static_cast<char*>(base_) + size; }

 private:
  struct kept {
    void* base = nullptr;
    kept() = default;
    kept(const kept&) = delete;
    kept& operator=(const kept&) = delete;
    ~kept() {
      if (base != nullptr) ::munmap(base, size);
      kept_gone = true;
    }
  };
  static kept& kept_stack() {
    static thread_local kept k;
    return k;
  }
  // Trivially destructible, so it can be read after kept's destructor ran.
  static thread_local bool kept_gone;

  void* base_ = nullptr;
  bool own_ = false;
};
thread_local bool child_stack::kept_gone = false;

// User-namespace id maps are written by the parent while the child waits before its exec.
bool writes_id_maps(const options& opts) { return !opts.uid_map.empty() || !opts.gid_map.empty(); }

// clone → the child runs run_in_child → exec. Without id maps to write, CLONE_VFORK keeps this
// thread parked until the exec, the cheapest way; with them the parent must act while the child
// waits, so it waits for the exec on a close-on-exec pipe instead.
launched clone_child(child_plan& plan, const options& opts, bool deny_setgroups) {
  const bool write_maps = writes_id_maps(opts);
  unique_fd sync_read, sync_write, exec_read, exec_write;
  if (write_maps) {
    int p[2];
    // A socket pair, so a write to a child that already died is EPIPE, not SIGPIPE.
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) != 0) fail("socketpair for the id maps", errno);
    sync_read = checked_fd(p[0], "socketpair for the id maps");
    sync_write = checked_fd(p[1], "socketpair for the id maps");
    if (::pipe2(p, O_CLOEXEC) != 0) fail("pipe for the exec", errno);
    exec_read = checked_fd(p[0], "pipe for the exec");
    exec_write = checked_fd(p[1], "pipe for the exec");
    plan.sync_fd = sync_read.get();
  }

  const child_stack stack;

  // All signals blocked across clone: the child starts with none deliverable until it has
  // reset every handler.
  sigset_t all, previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  int pidfd = -1;
  const int flags = CLONE_VM | CLONE_PIDFD | (write_maps ? 0 : CLONE_VFORK) | opts.clone_flags;
  pid_t pid = __clone(run_in_child, stack.top(), flags, &plan, &pidfd);
  int clone_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (pid < 0) fail("clone", clone_errno);
  launched child{pid, unique_fd(pidfd)};
  // Above 2 like every gofork descriptor, so host code reopening stdin cannot replace it.
  if (child.pidfd.get() <= 2) {
    const int moved = ::fcntl(child.pidfd.get(), F_DUPFD_CLOEXEC, 3);
    if (moved < 0) {
      const int err = errno;
      ::syscall(SYS_pidfd_send_signal, child.pidfd.get(), SIGKILL, nullptr, 0);
      reap(child.pidfd.get());
      fail("pidfd", err);
    }
    child.pidfd.reset(moved);
  }

  if (write_maps) {
    sync_read.reset();
    exec_write.reset();
    try {
      if (!opts.uid_map.empty()) write_proc_file(pid, "uid_map", format_map(opts.uid_map));
      if (deny_setgroups) write_proc_file(pid, "setgroups", "deny");
      if (!opts.gid_map.empty()) write_proc_file(pid, "gid_map", format_map(opts.gid_map));
    } catch (...) {
      ::syscall(SYS_pidfd_send_signal, child.pidfd.get(), SIGKILL, nullptr, 0);
      reap(child.pidfd.get());
      throw;
    }
    // Until the exec the child runs on this process's memory: if either step fails it must be
    // killed and reaped before this frame (its plan and stack) goes away.
    auto abandon = [&](const char* stage, int err) {
      ::syscall(SYS_pidfd_send_signal, child.pidfd.get(), SIGKILL, nullptr, 0);
      reap(child.pidfd.get());
      fail(stage, err);
    };
    ssize_t sent;
    while ((sent = ::send(sync_write.get(), "x", 1, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
    }
    // EPIPE: the child died already, which the exec pipe's EOF and the reap below report.
    if (sent < 0 && errno != EPIPE) abandon("send to release the child", errno);
    // EOF: the child exec'd (closing its copy) or died; either way it no longer uses our memory.
    char byte;
    ssize_t got;
    while ((got = ::read(exec_read.get(), &byte, 1)) < 0 && errno == EINTR) {
    }
    if (got < 0) abandon("read the exec pipe", errno);
  }
  if (plan.failed_stage != nullptr) {
    reap(child.pidfd.get());
    fail(plan.failed_stage, plan.failed_errno);
  }
  return child;
}

// Launches with a pdeathsig run here: PR_SET_PDEATHSIG fires when the *thread* that cloned
// exits, so that thread must live as long as the process.
template <class F>
launched on_spawner_thread(F&& launch) {
  struct spawner {
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::function<void()>> tasks;
    spawner() {
      std::thread([this] {
        for (;;) {
          std::unique_lock<std::mutex> lock(mutex);
          wake.wait(lock, [this] { return !tasks.empty(); });
          auto task = std::move(tasks.front());
          tasks.pop_front();
          lock.unlock();
          task();
        }
      }).detach();
    }
  };
  // Never destroyed: its thread never ends. A process forked (without exec) from this one has
  // no such thread, so it makes its own.
  static std::atomic<spawner*> instance{nullptr};
  static std::atomic<pid_t> owner{0};
  static std::mutex creation;
  if (owner.load() != ::getpid()) {
    std::lock_guard<std::mutex> lock(creation);
    if (owner.load() != ::getpid()) {
      instance = new spawner;
      owner = ::getpid();
    }
  }
  std::packaged_task<launched()> task(std::forward<F>(launch));
  std::future<launched> result = task.get_future();
  {
    std::lock_guard<std::mutex> lock(instance.load()->mutex);
    instance.load()->tasks.emplace_back([&task] { task(); });
  }
  instance.load()->wake.notify_one();
  return result.get();
}

}  // namespace

process_state_ptr spawn(const options& opts, const char* function_id, std::string_view arguments) {
  argument_encoder copy;
  copy.size_hint = arguments.size();
  copy.context = &arguments;
  copy.encode = [](const void* context, sink& out) {
    const auto* bytes = static_cast<const std::string_view*>(context);
    out.write(bytes->data(), bytes->size());
  };
  return spawn(opts, function_id, copy);
}

process_state_ptr spawn(const options& opts, const char* function_id, const argument_encoder& encoder) {
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

  // Output the parent wrote before the launch should come out before the child's.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(stdout);
  std::fflush(stderr);

  const int exe_fd = opts.sealed_exe ? runtime::sealed_exe_fd() : runtime::self_exe_fd();
  if (exe_fd < 0 && opts.sealed_exe) fail("sealed copy of the executable", rt.sealed_errno);
  if (exe_fd < 0) fail("this program's executable could not be opened", rt.exe_errno);

  const runtime::nonce n = random_nonce();
  if (opts.pdeathsig < 0 || opts.pdeathsig >= NSIG) fail("pdeathsig is not a signal number", EINVAL);
  // Only new namespaces: anything else (CLONE_FILES, CLONE_FS, CLONE_SIGHAND, an exit signal,
  // ...) would let the child, which shares our memory until exec, change this process.
  constexpr int namespace_flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
                                  CLONE_NEWUSER | CLONE_NEWCGROUP;
  if ((opts.clone_flags & ~namespace_flags) != 0) fail("clone_flags may only hold CLONE_NEW* namespace flags", EINVAL);
  runtime::request_lease request = make_request(n, function_id, encoder, opts.pdeathsig, opts.sealed_exe, exe_fd);
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) fail("socketpair", errno);
  unique_fd parent_end = checked_fd(pair[0], "socketpair");
  unique_fd child_end = checked_fd(pair[1], "socketpair");
  unique_fd captured[3];
  unique_fd stdio[3] = {stdio_source(opts.in, 0, captured[0]), stdio_source(opts.out, 1, captured[1]),
                        stdio_source(opts.err, 2, captured[2])};

  const pid_t self = ::getpid();
  runtime::marker m;
  m.call_nonce = n;
  m.parent = self;
  m.channel_fd = child_end.get();
  m.arguments_fd = request.fd();

  std::vector<std::string> argv_strings = opts.argv.empty() ? std::vector<std::string>{rt.argv0} : opts.argv;
  std::vector<std::string> env_strings;
  const bool late_exec = opts.pdeathsig != 0 || writes_id_maps(opts);
  std::vector<char*> envp = child_environment(opts, runtime::format_marker(m), late_exec, env_strings);
  std::vector<char*> argv = pointers(argv_strings);

  child_plan plan;
  plan.exe_fd = exe_fd;
  plan.argv = argv.data();
  plan.envp = envp.data();
  for (int i = 0; i < 3; ++i) plan.stdio[i] = stdio[i].get();
  plan.cwd = opts.cwd.empty() ? nullptr : opts.cwd.c_str();
  plan.keep[0] = child_end.get();
  plan.keep[1] = request.fd();
  plan.keep[2] = exe_fd;
  {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    plan.descriptor_limit = std::min<unsigned long>(limit.rlim_cur, 1ul << 20);
  }
  std::sort(std::begin(plan.keep), std::end(plan.keep));
  plan.new_session = opts.setsid;
  plan.set_pgid = opts.pgid.has_value();
  plan.pgid = opts.pgid.value_or(0);
  // rlimit_nofile_safe first, so an RLIMIT_NOFILE the caller lists explicitly still wins.
  std::vector<rlimit_setting> rlimits;
  if (opts.rlimit_nofile_safe) {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    rlimits.push_back({RLIMIT_NOFILE, std::min<unsigned long long>(limit.rlim_cur, FD_SETSIZE), limit.rlim_max});
  }
  rlimits.insert(rlimits.end(), opts.rlimits.begin(), opts.rlimits.end());
  plan.rlimits = rlimits.data();
  plan.rlimit_count = rlimits.size();
  plan.chroot_dir = opts.chroot.empty() ? nullptr : opts.chroot.c_str();
  const bool deny_setgroups = !opts.gid_map.empty() && opts.groups.empty();
  // Clearing supplementary groups on a credential change is the safe default, but in a new user
  // namespace they are unmapped anyway and setgroups may be denied.
  plan.set_groups = !opts.groups.empty() || ((opts.uid || opts.gid) && (opts.clone_flags & CLONE_NEWUSER) == 0);
  plan.groups = opts.groups.data();
  plan.group_count = opts.groups.size();
  plan.set_gid = opts.gid.has_value();
  plan.gid = opts.gid.value_or(0);
  plan.set_uid = opts.uid.has_value();
  plan.uid = opts.uid.value_or(0);
  plan.no_new_privs = opts.no_new_privs;
  plan.pdeathsig = opts.pdeathsig;
  plan.expected_parent = (opts.clone_flags & CLONE_NEWPID) != 0 ? 0 : self;

  // Everything that can fail is done before the child exists.
  process_state_ptr state(new process_state);
  if (::fcntl(parent_end.get(), F_SETFL, O_NONBLOCK) != 0) fail("fcntl channel", errno);

  launched child;
  try {
    child = opts.pdeathsig != 0 ? on_spawner_thread([&] { return clone_child(plan, opts, deny_setgroups); })
                                : clone_child(plan, opts, deny_setgroups);
  } catch (...) {
    // A child that got as far as its exec may have left a reply anywhere in the buffer.
    request.child_wrote(request.capacity());
    throw;
  }

  state->pid = child.pid;
  state->pidfd = std::move(child.pidfd);
  state->channel = std::move(parent_end);
  state->child_end = std::move(child_end);
  state->request = std::move(request);
  state->max_result_bytes = opts.max_result_bytes;
  state->max_captured_bytes = opts.max_captured_bytes;
  for (int i = 1; i < 3; ++i) state->captured_fd[i] = std::move(captured[i]);
  if (opts.timeout) {
    state->timeout = *opts.timeout;
    const auto now = std::chrono::steady_clock::now();
    const auto room = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::time_point::max() - now);
    state->deadline = *opts.timeout >= room ? std::chrono::steady_clock::time_point::max() : now + *opts.timeout;
  }
  return state;
}

}  // namespace gofork::detail
