// The far side of a launcher (srun, ssh, a command): init() found GOFORK_REMOTE=1 and this
// process's standard streams are the launcher's. It reads the request from stdin, starts the
// function in a one-off child of its own (the same launch, trust check and reply as any local
// call), forwards that child's stdout in frames, forwards the signals the launcher delivers,
// and ends with a frame saying how the call ended. When stdin closes — the caller or its
// launcher is gone — it kills the child: nothing outlives the caller on the remote side.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include <gofork/detail/process_state.hpp>
#include <gofork/error.hpp>

#include "channel/launcher_stream.hpp"
#include "channel/write_all.hpp"
#include "child/child.hpp"
#include "process/child_process.hpp"
#include "runtime_state.hpp"

namespace gofork::runtime {
namespace {

// The signals a launcher forwards (srun: TERM, INT, HUP, QUIT, USR1, USR2), passed on to the
// function's process; SIGPIPE is blocked so a lost caller is an EPIPE, not our death.
constexpr int forwarded_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

// Exactly `size` bytes from stdin appended to `out`, growing it only as the bytes come (a
// header may lie about the size); false at end of file or on an error.
bool read_fully(std::string& out, std::uint64_t size) {
  char chunk[1 << 16];
  while (size > 0) {
    const ssize_t n = ::read(0, chunk, static_cast<std::size_t>(std::min<std::uint64_t>(size, sizeof chunk)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out.append(chunk, static_cast<std::size_t>(n));
    size -= static_cast<std::uint64_t>(n);
  }
  return true;
}

class remote_call {
 public:
  explicit remote_call(int stream) : stream_(stream) {}

  [[noreturn]] void finish(launch_end e) {
    e.call_nonce = nonce_;
    write_all(stream_, encode_end_frame(e));
    ::_exit(0);
  }
  [[noreturn]] void refuse(const std::string& why) {
    launch_end e;
    e.outcome = launch_outcome::refused;
    e.exited = true;
    e.code = exit_refused;
    e.reply = why;
    finish(std::move(e));
  }

  void serve() {
    if (!write_all(stream_, encode_stream_frame(stream_tag::hello, 0,
                                                  std::string_view(reinterpret_cast<const char*>(own_build_id().data()),
                                                                   own_build_id().size())))) {
      ::_exit(exit_channel_lost);
    }
    std::string request;
    if (!read_fully(request, request_header_size)) ::_exit(exit_channel_lost);
    const std::optional<std::uint64_t> size = request_frame_size(request);
    if (!size) refuse("the launcher's stdin does not start with a gofork request");
    if (!read_fully(request, *size - request_header_size)) ::_exit(exit_channel_lost);
    std::string why;
    const std::optional<request_view> parsed = parse_request(request, why);
    if (!parsed) refuse(why);
    nonce_ = parsed->call_nonce;
    if (parsed->parent_build != own_build_id()) {
      refuse("the program at this path on the far side of the launcher is a different build from the caller's "
             "(version skew)");
    }
    std::string settings_frame;
    if (!read_fully(settings_frame, stream_header_size)) ::_exit(exit_channel_lost);
    const std::optional<std::uint64_t> settings_bytes_size = settings_size(settings_frame);
    if (!settings_bytes_size) refuse("the request is not followed by its settings");
    std::string settings_bytes;
    if (!read_fully(settings_bytes, *settings_bytes_size)) ::_exit(exit_channel_lost);
    const std::optional<remote_settings> settings = parse_settings(settings_bytes);
    if (!settings) refuse("the call's settings do not decode");
    run(*parsed, *settings);
  }

 private:
  void run(const request_view& request, const remote_settings& settings) {
    options o;
    o.env = settings.env;
    o.clear_env = settings.clear_env;
    o.cwd = settings.cwd;
    o.argv = settings.argv;
    o.in = redirect::null();  // stdin is the call's channel here
    o.out = redirect::capture();
    o.max_result_bytes = settings.max_result_bytes;
    o.max_captured_bytes = ~std::uint64_t{0};  // forwarded as it comes, never held
    // A launcher that execs (env, setpriv, ...) makes this process the one the caller kills
    // on a time-out: the call's process must not outlive it.
    o.pdeathsig = SIGKILL;
    detail::process_state_ptr started;
    try {
      started = detail::spawn(o, std::string(request.function_id).c_str(), request.arguments);
    } catch (const std::exception& e) {
      launch_end end;
      end.outcome = launch_outcome::spawn_failed;
      end.reply = e.what();
      finish(std::move(end));
    }
    auto* child = dynamic_cast<child_process*>(started.get());
    if (child == nullptr) refuse("the call did not start as a one-off child");
    watch(*child);
    forward_output(*child);
    launch_end end;
    const exit_status& status = *child->status;
    end.exited = !status.signaled();
    end.code = status.signaled() ? status.signal() : status.code();
    end.core_dumped = status.core_dumped();
    end.result_too_large = child->result_too_large;
    end.reply.assign(child->reply_frame());
    finish(std::move(end));
  }

  // Until the child is reaped: its output out, forwarded signals in, and an eye on stdin.
  void watch(child_process& child) {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : forwarded_signals) sigaddset(&set, sig);
    const int signals = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    bool stdin_open = true;
    while (!child.status) {
      auto watch_fd = [](const unique_fd& fd) { return pollfd{fd ? fd.get() : -1, POLLIN, 0}; };
      pollfd fds[5] = {{child.pid_fd.get(), POLLIN, 0}, watch_fd(child.channel), watch_fd(child.captured_fd[1]),
                       {stdin_open ? 0 : -1, POLLIN, 0}, {signals, POLLIN, 0}};
      if (::poll(fds, 5, -1) < 0) {
        if (errno == EINTR) continue;
        child.kill(SIGKILL);
      }
      if (fds[4].revents != 0) {
        signalfd_siginfo info{};
        while (::read(signals, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
          child.kill(static_cast<int>(info.ssi_signo));
        }
      }
      if (fds[3].revents != 0) {
        char byte;
        const ssize_t n = ::read(0, &byte, 1);
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
          // The caller is gone: end the call and leave without a word, nobody is listening.
          child.kill(SIGKILL);
          child.wait_until(std::nullopt);
          ::_exit(exit_channel_lost);
        }
        if (n > 0) {
          child.kill(SIGKILL);
          child.wait_until(std::nullopt);
          refuse("the caller wrote past its request");
        }
      }
      if (fds[0].revents != 0 || fds[1].revents != 0 || fds[2].revents != 0) {
        child.wait_until(std::chrono::steady_clock::now());
      }
      forward_output(child);
    }
  }

  void forward_output(child_process& child) {
    std::string& out = child.captured[1];
    for (std::size_t at = 0; at < out.size(); at += max_output_frame) {
      const std::string_view part = std::string_view(out).substr(at, max_output_frame);
      if (!write_all(stream_, encode_stream_frame(stream_tag::output, 0, part))) {
        child.kill(SIGKILL);
        child.wait_until(std::nullopt);
        ::_exit(exit_channel_lost);
      }
    }
    out.clear();
  }

  int stream_;
  nonce nonce_{};
};

}  // namespace

void serve_launcher_call() {
  sigset_t blocked;
  sigemptyset(&blocked);
  for (int sig : forwarded_signals) sigaddset(&blocked, sig);
  sigaddset(&blocked, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &blocked, nullptr);
  // The stream gets a private descriptor; fd 1 becomes /dev/null, so nothing this process
  // prints by accident (a static destructor, say) can break a frame.
  const int stream = ::fcntl(1, F_DUPFD_CLOEXEC, 3);
  if (stream < 0) ::_exit(exit_channel_lost);
  const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null >= 0) {
    ::dup2(null, 1);
    ::close(null);
  }
  remote_call(stream).serve();
  ::_exit(exit_channel_lost);
}

}  // namespace gofork::runtime
