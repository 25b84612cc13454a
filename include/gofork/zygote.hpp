// File: gofork/zygote.hpp
//
// A zygote: a re-exec'd, single-threaded template process of this build, started once, that
// forks a fresh process for each call — a new process at the cost of a fork of a small
// process, not an exec and the program's start-up:
//
//   gofork::zygote z;                              // started here
//   gofork::process<int> p = fork_square(z, 7);    // forked from the zygote
//   int v = p.get();
//
// The new process is a child of the caller (forked with CLONE_PARENT, its pidfd passed back),
// so the process<R> is an ordinary one: pid, pidfd, wait, kill, timeout, get, detach and every
// error kind as for fork_square(7). Per-call options apply where a forked process can take
// them; argv, sealed_exe, uid_map, gid_map and CLONE_NEWPID cannot, and are refused with
// spawn_failed naming the option. A forked child shares with the zygote and its siblings what
// the zygote had when it forked: the address-space layout (ASLR) and whatever static
// constructors and code before init() set up, random-number state included — re-seed it in
// an after_zygote_fork hook. Thread-safe; calls through one zygote are started one at a time.
#pragma once

#include <memory>

#include <gofork/detail/process_state.hpp>
#include <gofork/options.hpp>

namespace gofork {

namespace detail {
class zygote_state;
}

class zygote {
 public:
  // Starts the zygote with default options, or with `base`: what the zygote itself runs with
  // (env, cwd, rlimits, credentials, namespaces: every forked child inherits them). Its
  // timeout is ignored and its pdeathsig is SIGKILL unless set, so it never outlives this
  // process; its out and err cannot be capture(). Throws error(spawn_failed).
  zygote();
  explicit zygote(const options& base);
  zygote(zygote&&) noexcept;
  zygote& operator=(zygote&&) noexcept;
  zygote(const zygote&) = delete;
  zygote& operator=(const zygote&) = delete;
  // Stops the zygote; the processes it forked are the caller's and run on.
  ~zygote();

  // The zygote's pid, or -1 while none runs (it died; the next call starts a new one).
  pid_t pid() const;

  // For the generated stubs and gofork::fork.
  detail::zygote_state& state() const;

 private:
  std::unique_ptr<detail::zygote_state> state_;
};

// Registers `hook` to run in every process a zygote forks, right after the fork and before the
// function: re-seed random-number generators, reopen what must not be shared. Register it
// before init() (the zygote is a re-exec of this program and registers its own).
void after_zygote_fork(void (*hook)());

namespace detail {
// Starts a call in a process forked from `z`; throws error(spawn_failed).
process_state_ptr spawn(zygote& z, const options& opts, const char* function_id, const argument_encoder& encoder);
}  // namespace detail

}  // namespace gofork
