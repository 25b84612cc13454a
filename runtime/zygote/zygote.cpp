// The zygote call site, the parent's side: start the zygote (a one-off child with the
// request_zygote flag, child/zygote.cpp), and for each call check the options, write the
// request as a one-off call does, send the zygote the plan and the call's descriptors, and
// turn the pidfd it passes back into the same child_process a one-off call returns.
#include <gofork/zygote.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gofork/error.hpp>

#include "call/call_site.hpp"
#include "channel/descriptor_passing.hpp"
#include "channel/frame.hpp"
#include "child/child.hpp"
#include "launch/launch_parts.hpp"
#include "launch/spawn_failure.hpp"
#include "process/child_process.hpp"
#include "runtime_state.hpp"
#include "zygote/fork_plan.hpp"
#include "zygote/zygote_site.hpp"

extern char** environ;

namespace gofork::detail {
namespace {

using runtime::fail;
using runtime::unique_fd;

using clock = std::chrono::steady_clock;

constexpr const char* bind_now_variable = "LD_BIND_NOW";

[[noreturn]] void refuse_option(const char* option, const char* why) {
  throw error(error_kind::spawn_failed,
              std::string("gofork: options::") + option + " cannot apply to a process a zygote forks: " + why);
}

// What a forked process cannot take is refused, never ignored.
void check_forkable_options(const options& opts) {
  if (opts.via.type() != via::launcher::kind::local) {
    refuse_option("via", "a zygote forks on this machine; a launcher starts a one-off call elsewhere");
  }
  if (!opts.argv.empty()) refuse_option("argv", "it is forked, not exec'd, so its argv is the zygote's");
  if (opts.sealed_exe) refuse_option("sealed_exe", "it runs the zygote's image; start a zygote for that instead");
  if (!opts.uid_map.empty() || !opts.gid_map.empty()) {
    refuse_option(opts.uid_map.empty() ? "gid_map" : "uid_map", "id maps are written by a parent before an exec");
  }
  if ((opts.clone_flags & CLONE_NEWPID) != 0) {
    refuse_option("clone_flags (CLONE_NEWPID)", "unshare gives a new pid namespace to children only");
  }
  constexpr int namespace_flags =
      CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUSER | CLONE_NEWCGROUP;
  if ((opts.clone_flags & ~namespace_flags) != 0) fail("clone_flags may only hold CLONE_NEW* namespace flags", EINVAL);
  if (opts.pdeathsig < 0 || opts.pdeathsig >= NSIG) fail("pdeathsig is not a signal number", EINVAL);
}

// The environment an exec would have given the child: ours (unless cleared) with the overrides.
std::vector<std::string> child_environment(const options& opts) {
  const std::string marker_prefix = std::string(runtime::marker_variable) + "=";
  std::vector<std::string> env;
  if (!opts.clear_env) {
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      const std::string_view entry(*e);
      if (entry.compare(0, marker_prefix.size(), marker_prefix) == 0) continue;
      if (!opts.env.empty() && opts.env.count(std::string(entry.substr(0, entry.find('=')))) != 0) continue;
      env.emplace_back(entry);
    }
  }
  for (const auto& [name, value] : opts.env) {
    if (name.empty() || name.find('=') != std::string::npos || name == runtime::marker_variable) {
      fail("environment variable name '" + name + "' is not allowed", EINVAL);
    }
    env.push_back(name + "=" + value);
  }
  return env;
}

// Kills and reaps a process forked for a call that will not be made, if there is one.
void reap_stray(unique_fd& pidfd) noexcept {
  if (!pidfd) return;
  ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
  siginfo_t info{};
  runtime::reap_pidfd(pidfd.get(), info);
  pidfd.reset();
}

// The process's umask, read without changing it (umask(2) would, for every thread, for a moment).
std::uint32_t current_umask() {
  std::FILE* status = std::fopen("/proc/self/status", "re");
  unsigned mask = 022;
  if (status != nullptr) {
    char line[256];
    while (std::fgets(line, sizeof line, status) != nullptr) {
      if (std::sscanf(line, "Umask: %o", &mask) == 1) break;
    }
    std::fclose(status);
  }
  return mask;
}

// Waits until `fd` has `events`; false when the process behind `pidfd` ended first.
bool wait_on_zygote(int fd, short events, int zygote_pidfd) {
  for (;;) {
    pollfd fds[2] = {{fd, events, 0}, {zygote_pidfd, POLLIN, 0}};
    const int ready = ::poll(fds, 2, -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) fail("poll the zygote", errno);
    if (fds[0].revents != 0) return true;
    if (fds[1].revents != 0) return false;
  }
}

}  // namespace

class zygote_state final : public runtime::call_site {
 public:
  explicit zygote_state(const options& base) : base_(base) {
    if (base_.out.type() == redirect::kind::capture || base_.err.type() == redirect::kind::capture) {
      throw error(error_kind::spawn_failed,
                  "gofork: a zygote's output cannot be redirect::capture(); capture each call's instead");
    }
    if ((base_.clone_flags & CLONE_NEWPID) != 0) {
      throw error(error_kind::spawn_failed,
                  "gofork: a zygote cannot be started with CLONE_NEWPID: as its namespace's init it could not "
                  "fork children of the caller");
    }
    base_.timeout.reset();  // the zygote lives on; each call has its own
    if (base_.pdeathsig == 0) base_.pdeathsig = SIGKILL;  // it never outlives this process
    // Every symbol bound once, in the zygote, at its start: a forked process then never binds
    // a lazy PLT entry itself (a symbol lookup and a copy-on-write fault of a GOT page, in
    // every process, for every function the zygote had not called). The forked processes get
    // the caller's environment, not this. A caller that sets LD_BIND_NOW (even empty) decides.
    if (base_.env.count(bind_now_variable) == 0 && (base_.clear_env || std::getenv(bind_now_variable) == nullptr)) {
      base_.env[bind_now_variable] = "1";
    }
    std::lock_guard<std::mutex> lock(mutex_);
    start_zygote();
  }
  ~zygote_state() override { retire(); }

  process_state_ptr start(const runtime::call& c) override;
  pid_t pid() {
    std::lock_guard<std::mutex> lock(mutex_);
    return zygote_ && !zygote_ended() ? zygote_->pid : -1;
  }

 private:
  void start_zygote();
  bool zygote_ended();
  // Reaps a zygote that ended and describes how.
  std::string bury_zygote();
  void retire() noexcept;

  options base_;
  std::mutex mutex_;  // one request at a time on the zygote's channel
  std::unique_ptr<runtime::child_process> zygote_;
};

void zygote_state::start_zygote() {
  static const char no_arguments = '\x90';  // an empty msgpack array
  argument_encoder encoder;
  encoder.size_hint = 1;
  encoder.encode = [](const void*, sink& out) { out.write(&no_arguments, 1); };
  runtime::call c{base_, "gofork::zygote", encoder};
  c.serve_forks = true;
  process_state_ptr started = runtime::one_off_site().start(c);
  zygote_.reset(static_cast<runtime::child_process*>(started.release()));
}

bool zygote_state::zygote_ended() {
  pollfd fd{zygote_->pid_fd.get(), POLLIN, 0};
  return zygote_->status.has_value() || (::poll(&fd, 1, 0) > 0 && fd.revents != 0);
}

std::string zygote_state::bury_zygote() {
  std::unique_ptr<runtime::child_process> gone = std::move(zygote_);
  gone->kill(SIGKILL);
  try {
    gone->wait_until(std::nullopt);
  } catch (...) {
    gone->abandon();
  }
  if (!gone->status) return "it could not be reaped";
  if (gone->status->signaled()) return std::string("killed by signal ") + ::strsignal(gone->status->signal());
  return "exit code " + std::to_string(gone->status->code());
}

void zygote_state::retire() noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!zygote_ || zygote_->status) return;
  zygote_->channel.reset();  // the zygote sees the end of its input and exits
  try {
    if (!zygote_->wait_until(clock::now() + std::chrono::seconds(10))) {
      zygote_->kill(SIGKILL);
      zygote_->wait_until(std::nullopt);
    }
  } catch (...) {
    zygote_->kill(SIGKILL);
    zygote_->abandon();
  }
}

process_state_ptr zygote_state::start(const runtime::call& c) {
  const options& opts = c.opts;
  check_forkable_options(opts);
  runtime::fork_plan plan;
  plan.call_nonce = random_nonce();
  plan.caller = ::getpid();
  // No executable descriptor: the zygote's child already holds the zygote's.
  if (c.serve_forks) fail("a zygote's process cannot be a zygote", EINVAL);
  runtime::request_lease request = make_request(plan.call_nonce, c.function_id, c.arguments, opts.pdeathsig,
                                                c.serve_calls ? runtime::request_worker : 0u, -1);
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) fail("socketpair", errno);
  unique_fd parent_end = runtime::checked_fd(pair[0], "socketpair");
  unique_fd child_end = runtime::checked_fd(pair[1], "socketpair");
  unique_fd captured[3];
  unique_fd stdio[3] = {stdio_source(opts.in, 0, captured[0]), stdio_source(opts.out, 1, captured[1]),
                        stdio_source(opts.err, 2, captured[2])};
  // The working directory as an exec'd child would inherit it: ours, now.
  unique_fd cwd = runtime::checked_fd(::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC), "open the working directory");
  std::vector<int> passed = {child_end.get(), request.fd(), cwd.get()};
  for (int k = 0; k < 3; ++k) {
    // Inherit: this process's own stream now, as an exec'd child would get it (none if closed).
    if (!stdio[k]) stdio[k] = unique_fd(::fcntl(k, F_DUPFD_CLOEXEC, 3));
    if (stdio[k]) {
      plan.stdio_mask |= 1u << k;
      passed.push_back(stdio[k].get());
    }
  }
  plan.env = child_environment(opts);
  plan.cwd = opts.cwd;
  plan.setsid = opts.setsid;
  plan.pgid = opts.pgid;
  plan.nofile_safe = opts.rlimit_nofile_safe;  // computed there, under the zygote's own limits
  plan.umask = current_umask();
  plan.rlimits.insert(plan.rlimits.end(), opts.rlimits.begin(), opts.rlimits.end());
  plan.chroot = opts.chroot;
  plan.set_groups = !opts.groups.empty() || ((opts.uid || opts.gid) && (opts.clone_flags & CLONE_NEWUSER) == 0);
  plan.groups = opts.groups;
  plan.gid = opts.gid;
  plan.uid = opts.uid;
  plan.no_new_privs = opts.no_new_privs;
  plan.pdeathsig = opts.pdeathsig;
  plan.unshare_flags = opts.clone_flags;
  const std::string message = runtime::encode_fork_request(plan, static_cast<std::uint32_t>(passed.size()));

  detail::flush_before_launch();

  std::string answer(runtime::fork_header_size, '\0');
  std::string stage;
  unique_fd pidfd;
  pid_t pid = -1;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!zygote_ || zygote_ended()) {
      if (zygote_) bury_zygote();
      start_zygote();  // the last one died: this call starts the next
    }
    const int channel = zygote_->channel.get();
    const int zygote_pidfd = zygote_->pid_fd.get();
    auto lost = [&](const char* when) {
      reap_stray(pidfd);  // a process forked before the zygote went: ours to end and reap
      const std::string how = bury_zygote();
      throw error(error_kind::spawn_failed, std::string("gofork: the zygote ended ") + when + " (" + how +
                                                "); the next call starts a new one");
    };
    std::size_t sent = 0;
    bool first = true;
    while (sent < message.size()) {
      if (!wait_on_zygote(channel, POLLOUT, zygote_pidfd)) lost("before it took the call");
      ssize_t n = -1;
      if (first) {
        // All the call's descriptors on the first byte.
        iovec part{const_cast<char*>(message.data()), message.size()};
        std::vector<char> control(CMSG_SPACE(sizeof(int) * passed.size()), 0);
        msghdr m{};
        m.msg_iov = &part;
        m.msg_iovlen = 1;
        m.msg_control = control.data();
        m.msg_controllen = control.size();
        cmsghdr* h = CMSG_FIRSTHDR(&m);
        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_RIGHTS;
        h->cmsg_len = CMSG_LEN(sizeof(int) * passed.size());
        std::memcpy(CMSG_DATA(h), passed.data(), sizeof(int) * passed.size());
        n = ::sendmsg(channel, &m, MSG_NOSIGNAL);
      } else {
        n = ::send(channel, message.data() + sent, message.size() - sent, MSG_NOSIGNAL);
      }
      if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;  // non-blocking
      // Nothing sent yet (no room for descriptors, no memory): the zygote is fine, the call fails.
      if (n < 0 && first && errno != EPIPE && errno != ECONNRESET) fail("send the call to the zygote", errno);
      if (n < 0) lost("before it took the call");
      first = false;
      sent += static_cast<std::size_t>(n);
    }
    // Our copies are not needed once sent: the zygote's new process has its own.
    for (unique_fd& s : stdio) s.reset();
    bool truncated = false;
    for (std::size_t got = 0; got < answer.size();) {
      if (!wait_on_zygote(channel, POLLIN, zygote_pidfd)) lost("while it forked the call's process");
      const ssize_t n = runtime::receive_with_descriptors(channel, answer.data() + got, answer.size() - got, truncated,
                                                          [&pidfd](int fd) {
                                                            if (!pidfd) {
                                                              // Above 2 where it can be; a low one still works.
                                                              const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
                                                              if (moved >= 0) ::close(fd);
                                                              pidfd.reset(moved >= 0 ? moved : fd);
                                                            } else {
                                                              ::close(fd);
                                                            }
                                                          });
      if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;  // non-blocking
      if (n <= 0) lost("while it forked the call's process");
      got += static_cast<std::size_t>(n);
    }
    const std::optional<runtime::fork_answer_header> h = runtime::parse_fork_answer_header(answer);
    if (!h) lost("with an answer that is not the zygote protocol's");
    stage.resize(h->stage_size);
    for (std::size_t got = 0; got < stage.size();) {
      if (!wait_on_zygote(channel, POLLIN, zygote_pidfd)) lost("while it answered");
      const ssize_t n = ::recv(channel, stage.data() + got, stage.size() - got, 0);
      if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;  // non-blocking
      if (n <= 0) lost("while it answered");
      got += static_cast<std::size_t>(n);
    }
    if (h->err != 0) {
      reap_stray(pidfd);
      fail(stage, h->err);  // no process was forked
    }
    if (h->pid <= 0 || !pidfd) {
      reap_stray(pidfd);
      lost("without passing the new process's pidfd");
    }
    pid = h->pid;
  }
  // The zygote is free for the next call; the new process reports its set-up on its channel.
  // From here every failure ends and reaps it (abandon); the record is made first so no
  // allocation can fail in between.
  std::unique_ptr<runtime::child_process> state;
  try {
    state = std::make_unique<runtime::child_process>();
  } catch (...) {
    reap_stray(pidfd);
    throw;
  }
  state->pid = pid;
  state->pid_fd = std::move(pidfd);
  // Until the record is handed out, any throw ends and reaps the process.
  struct end_unless_handed_out {
    runtime::child_process& process;
    runtime::request_lease& request;
    bool armed = true;
    ~end_unless_handed_out() {
      if (!armed) return;
      reap_stray(process.pid_fd);
      request.child_wrote(request.capacity());  // it may have got as far as a reply
    }
  } guard{*state, request};
  auto abandon = [](const std::string& why, int err) { fail(why, err); };
  std::string status(runtime::fork_header_size, '\0');
  for (std::size_t got = 0; got < status.size();) {
    if (!wait_on_zygote(parent_end.get(), POLLIN, state->pid_fd.get()) && got == 0) {
      // It ended before a word: a pdeathsig that fired, or a kill from outside.
      abandon("set up the zygote's new process (it ended first)", ECHILD);
    }
    const ssize_t n = ::recv(parent_end.get(), status.data() + got, status.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) abandon("set up the zygote's new process (it ended first)", ECHILD);
    got += static_cast<std::size_t>(n);
  }
  const std::optional<runtime::fork_answer_header> s = runtime::parse_fork_answer_header(status);
  if (!s) abandon("set up the zygote's new process (it sent no status)", EPROTO);
  std::string failed_stage(s->stage_size, '\0');
  for (std::size_t got = 0; got < failed_stage.size();) {
    const ssize_t n = ::recv(parent_end.get(), failed_stage.data() + got, failed_stage.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (s->err != 0) abandon(failed_stage, s->err);
  if (::send(parent_end.get(), "g", 1, MSG_NOSIGNAL) != 1) abandon("send the zygote's new process its go", errno);
  if (::fcntl(parent_end.get(), F_SETFL, O_NONBLOCK) != 0) abandon("fcntl channel", errno);
  guard.armed = false;
  hold_call(*state, opts, std::move(parent_end), std::move(child_end), std::move(request), captured);
  return process_state_ptr(state.release());
}

process_state_ptr spawn(zygote& z, const options& opts, const char* function_id, const argument_encoder& encoder) {
  return z.state().start(runtime::call{opts, function_id, encoder});
}

}  // namespace gofork::detail

namespace gofork::runtime {

detail::process_state_ptr start_in(zygote& z, const call& c) { return z.state().start(c); }

}  // namespace gofork::runtime

namespace gofork {

zygote::zygote() : zygote(options{}) {}
zygote::zygote(const options& base) : state_(std::make_unique<detail::zygote_state>(base)) {}
zygote::zygote(zygote&&) noexcept = default;
zygote& zygote::operator=(zygote&&) noexcept = default;
zygote::~zygote() = default;

pid_t zygote::pid() const { return state().pid(); }

detail::zygote_state& zygote::state() const {
  if (!state_) throw std::logic_error("gofork::zygote: the zygote is empty (moved from)");
  return *state_;
}

void after_zygote_fork(void (*hook)()) {
  if (runtime::state().initialized.load()) {
    throw std::logic_error("gofork::after_zygote_fork: register hooks before gofork::init()");
  }
  runtime::zygote_fork_hooks().push_back(hook);
}

}  // namespace gofork
