// clone(CLONE_VM|CLONE_VFORK|CLONE_PIDFD) so a large parent is never copied, the child's steps
// before exec in their documented order, each a raw system call, and the exec of this build's
// executable through the descriptor init() opened. Read top to bottom: the child's side first,
// then the parent's.
#include "launch/clone_exec.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "launch/cloexec_sweep.hpp"
#include "launch/raw_syscall.hpp"
#include "launch/spawn_failure.hpp"
#include "runtime_state.hpp"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

// glibc's clone under its internal name: sanitizers intercept `clone` as if it were fork,
// which breaks a CLONE_VM child.
extern "C" int __clone(int (*fn)(void*), void* stack, int flags, void* arg, ...);

namespace gofork::runtime {
namespace {

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
    if (fd >= 0 && GOFORK_SYS(SYS_fcntl, fd, F_SETFD, 0) != 0) {
      stage = "fcntl channel";
      goto failed;
    }
  }
  // Whatever else is open (fds other threads made without O_CLOEXEC) must not reach the child.
  {
    bool marked = true;
    unsigned next = 3;
    for (int fd : plan.keep) {
      if (fd < 0) continue;  // sorted, so unused slots come first
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
  if (plan.exe_path != nullptr) {
    GOFORK_SYS(SYS_execve, plan.exe_path, plan.argv, plan.envp);
    stage = "execve";
  } else {
    GOFORK_SYS(SYS_execveat, plan.exe_fd, "", plan.argv, plan.envp, AT_EMPTY_PATH);
    stage = "execveat";
  }
failed:
  plan.failed_errno = result < 0 ? static_cast<int>(-result) : EIO;
  plan.failed_stage = stage;
  GOFORK_SYS(SYS_exit_group, 127);
  return 127;
}
#undef GOFORK_SYS

void reap(int pidfd) {
  siginfo_t info{};
  runtime::reap_pidfd(pidfd, info);
}


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

}  // namespace

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

}  // namespace gofork::runtime
