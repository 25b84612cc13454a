// Process-wide facts fixed by init(): this build's executable and who we are.
#pragma once

#include <signal.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include <gofork/detail/registry.hpp>
#include <gofork/exit_status.hpp>
#include <gofork/options.hpp>

namespace gofork::runtime {

struct runtime_state {
  std::atomic<bool> initialized{false};
  std::atomic<bool> in_child{false};
  std::once_flag exe_once;
  int exe_fd = -1;     // O_PATH descriptor of this build's executable, see self_exe_fd()
  int exe_errno = 0;   // why exe_fd could not be opened
  std::string argv0;   // the parent's argv[0], the default argv of a child
  std::once_flag sealed_once;
  int sealed_exe_fd = -1;  // a sealed memfd copy of the executable, see sealed_exe_fd()
  int sealed_errno = 0;
  std::atomic<sealed_exe_copy> sealed_kind{sealed_exe_copy::not_made};  // set once sealed_exe_fd is
};

// The table of functions a child can run.
struct registry {
  std::mutex mutex;  // registrations may come from libraries loaded at any time
  // Nodes never move, so find_entry can hand out pointers.
  std::map<std::string, detail::entry, std::less<>> entries;
};

// One per process, even when several modules (an executable and shared libraries) each link a
// copy of the static runtime: every copy uses the instance of the first module that exports
// `gofork_runtime_v2` (the executable, through the link option gofork::gofork adds).
runtime_state& state() noexcept;
registry& functions() noexcept;

// This build's executable (O_PATH, close-on-exec), opened on first use: by init() in a parent,
// by the first launch in a child. -1 with state().exe_errno set when it cannot be opened.
int self_exe_fd() noexcept;

// A sealed, executable memfd copy of this build (or, where vm.memfd_noexec=2 forbids that, a
// nameless read-only O_TMPFILE copy), made on first use and kept for the life of the process:
// one copy, however many launches. -1 with state().sealed_errno set on failure.
int sealed_exe_fd() noexcept;

// Waits for and reaps the child behind `pidfd` (waitid P_PIDFD, __WALL: exit signal 0 or not),
// retrying on EINTR. Returns 0, or the errno of the failure (ECHILD: someone else reaped it).
int reap_pidfd(int pidfd, siginfo_t& info) noexcept;
// How the process reap_pidfd reaped ended.
inline exit_status reaped_status(const siginfo_t& info) noexcept {
  return info.si_code == CLD_EXITED ? exit_status::from_exit(info.si_status)
                                    : exit_status::from_signal(info.si_status, info.si_code == CLD_DUMPED);
}

// Moves `fd` to a number above 2 (a closed stdin can hand out 0), keeping close-on-exec.
// Returns the new descriptor, or -1 with errno set.
int above_stdio(int fd) noexcept;

}  // namespace gofork::runtime
