// Waiting on a call through a launcher: write the request into the launcher's stdin, then
// poll its pidfd, its stdout (stream frames) and its stderr together, forwarding the child's
// output where the options say as it comes; once the launcher is reaped, the end frame says
// how the call ended, and without one the launcher's own status and messages do.
#include "via/launcher_process.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include <gofork/detail/codec.hpp>

#include "channel/write_all.hpp"
#include "process/reply_reader.hpp"
#include "runtime_state.hpp"

namespace gofork::runtime {
namespace {

using clock = std::chrono::steady_clock;
constexpr std::size_t tail_size = 2048;

}  // namespace

void launcher_process::broken(const char* why) noexcept {
  if (!reply_malformed) {
    reply_malformed = true;
    malformed_why = why;
  }
  from_launcher.reset();
  kill(SIGKILL);
}

void launcher_process::send_request(request_lease request, std::string settings) {
  std::string_view parts[2] = {std::string_view(request.data(), request.frame_size()), settings};
  int part = 0;
  while (part < 2 && !status && to_launcher) {
    if (parts[part].empty()) {
      ++part;
      continue;
    }
    pollfd fds[4] = {{to_launcher.get(), POLLOUT, 0},
                     {from_launcher ? from_launcher.get() : -1, POLLIN, 0},
                     {launcher_err ? launcher_err.get() : -1, POLLIN, 0},
                     {pid_fd.get(), POLLIN, 0}};
    const int ready = ::poll(fds, 4, detail::poll_timeout(deadline));
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "gofork: poll");
    }
    if (fds[1].revents != 0 || fds[2].revents != 0) take_in();
    if (fds[3].revents != 0) return;  // the launcher ended before it took the request: wait says why
    if (kill_at_deadline()) return;
    if (fds[0].revents == 0) continue;
    const ssize_t n = ::write(to_launcher.get(), parts[part].data(), parts[part].size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return;  // EPIPE: it stopped reading; its status and messages tell why
    parts[part].remove_prefix(static_cast<std::size_t>(n));
  }
}

void launcher_process::take_in() {
  note_read_failure(*this, "launcher's stdout", drain(from_launcher, stream_));
  take_stream();
  std::string errors;
  note_read_failure(*this, "launcher's stderr", drain(launcher_err, errors));
  if (!errors.empty()) {
    err_tail_ += errors;
    if (err_tail_.size() > tail_size) err_tail_.erase(0, err_tail_.size() - tail_size);
    pass_on(2, errors);
  }
}

// The child's stdout (1) or the launcher's stderr (2) to where the options say: captured (up
// to max_captured_bytes), written to a descriptor, or dropped.
void launcher_process::pass_on(int stream, std::string_view bytes) {
  const stream_route& r = route[stream];
  if (r.capture) {
    captured[stream].append(bytes);
    if (captured[stream].size() > max_captured_bytes && !capture_too_large) {
      if (stream == 2) launcher_err.reset();
      give_up_on(*this, capture_too_large);
    }
  } else if (r.fd || r.inherit) {
    write_all(r.inherit ? stream : r.fd.get(), bytes);  // a destination gone loses the output only
  }
}

// Frames out of the stream bytes, as far as they are whole.
void launcher_process::take_stream() {
  while (!ended_ && !reply_malformed && !capture_too_large) {
    if (!hello_) {
      // What comes before the hello is not ours (a login shell's greeting, say): it is output.
      const std::size_t at = stream_.find("GFH1");
      const std::size_t junk = at != std::string::npos ? at : stream_.size() - std::min<std::size_t>(stream_.size(), 3);
      pass_on(1, std::string_view(stream_).substr(0, junk));
      stream_.erase(0, junk);
    }
    if (stream_.size() < stream_header_size) return;
    const std::optional<stream_header> h = parse_stream_header(stream_);
    if (!h) return broken("the launcher's stdout is not a gofork stream");
    const std::uint64_t limit = h->tag == stream_tag::hello    ? 64
                                : h->tag == stream_tag::output ? max_output_frame
                                                               : max_result_bytes + reply_header_size + 4096;
    if (h->size > limit) {
      if (h->tag != stream_tag::end) return broken("a stream frame is larger than the protocol allows");
      result_too_large = true;
      from_launcher.reset();
      kill(SIGKILL);
      return;
    }
    const std::size_t whole = stream_header_size + static_cast<std::size_t>(h->size) + 1;
    if (stream_.size() < whole) return;
    if (stream_[whole - 1] != '\n') return broken("a stream frame does not end where its header says");
    const std::string_view payload = std::string_view(stream_).substr(stream_header_size, static_cast<std::size_t>(h->size));
    if (h->tag == stream_tag::hello) {
      if (hello_) return broken("the stream says hello twice");
      hello_ = true;
    } else if (!hello_) {
      return broken("the stream does not start with a hello");
    } else if (h->tag == stream_tag::output) {
      pass_on(1, payload);
    } else {
      end_ = parse_end(h->aux, payload);
      if (!end_) return broken("the end frame does not decode");
      if (end_->call_nonce != call_nonce) return broken("the end frame answers another request");
      ended_ = true;
    }
    stream_.erase(0, whole);
  }
}

void launcher_process::conclude() {
  std::string tail = err_tail_;
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
  // srun cancels a step past its --time with "*** STEP ... CANCELLED ... DUE TO TIME LIMIT ***",
  // signalling the far side, which may or may not get to send its end frame: either way the
  // call ran out of time.
  if (launcher_name == "srun" && tail.find("DUE TO TIME LIMIT") != std::string::npos) timed_out_by_launcher = true;
  if (end_) {
    switch (end_->outcome) {
      case launch_outcome::ran:
        // A call that ended badly keeps what the launcher said about it.
        if (!end_->exited || end_->code != 0) launcher_said = tail;
        status = end_->exited ? exit_status::from_exit(end_->code) : exit_status::from_signal(end_->code, end_->core_dumped);
        result_too_large = result_too_large || end_->result_too_large;
        reply = std::move(end_->reply);
        break;
      case launch_outcome::spawn_failed:
        start_failure = end_->reply + " (on the far side of " + launcher_name + ")";
        break;
      case launch_outcome::refused:
        status = exit_status::from_exit(end_->code);
        reply = detail::encode_value(end_->reply);
        reply = encode_reply_header(reply_kind::refused, reply.size()) + reply;
        break;
    }
    return;
  }
  if (!tail.empty()) launcher_said = tail;
  // srun reports a task killed by signal N (its own SIGKILL of the step on a SIGTERM, a time
  // or memory limit) as exit status 128 + N.
  if (hello_ && launcher_name == "srun" && status->exited() && status->code() > 128 && status->code() < 128 + 65) {
    status = exit_status::from_signal(status->code() - 128, false);
  }
  // A launcher that catches the signal the caller sent it (ssh exits 255 on SIGTERM) ended the
  // call because of that signal: say so, as a local child killed by it would.
  if (sent_signal_ != 0 && status->exited() && (status->code() == 255 || status->code() == 128 + sent_signal_)) {
    status = exit_status::from_signal(sent_signal_, false);
  }
  if (!hello_ && !signalled_ && !timed_out && !reply_malformed && !capture_too_large && read_failed == nullptr) {
    const exit_status& st = *status;
    start_failure = "gofork: " + launcher_name + " did not start this program (" +
                    (st.signaled() ? "killed by signal " + std::to_string(st.signal())
                                   : "exit status " + std::to_string(st.code())) +
                    ")" + (tail.empty() ? std::string() : ": " + tail);
  }
}

bool launcher_process::wait_until(std::optional<clock::time_point> until) {
  while (!status) {
    const std::optional<clock::time_point> limit = wake_time(until);
    auto watch = [](const unique_fd& fd) { return pollfd{fd ? fd.get() : -1, POLLIN, 0}; };
    pollfd fds[3] = {{pid_fd.get(), POLLIN, 0}, watch(from_launcher), watch(launcher_err)};
    const int ready = ::poll(fds, 3, detail::poll_timeout(limit));
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "gofork: poll");
    }
    if (fds[1].revents != 0 || fds[2].revents != 0) take_in();
    if (fds[0].revents != 0) {
      take_in();  // what it left in the pipes; never wait for EOF (an ssh master may hold them)
      siginfo_t info{};
      const int err = reap_pidfd(pid_fd.get(), info);
      if (err != 0) throw std::system_error(err, std::generic_category(), "gofork: reaping the launcher");
      status = reaped_status(info);
      to_launcher.reset();
      conclude();
      return true;
    }
    if (kill_at_deadline()) continue;
    if (until && clock::now() >= *until) return false;
  }
  return true;
}

void launcher_process::kill(int sig) noexcept {
  if (status) return;
  signalled_ = true;
  sent_signal_ = sig;
  ::syscall(SYS_pidfd_send_signal, pid_fd.get(), sig, nullptr, 0);
}

void launcher_process::abandon() noexcept {
  siginfo_t info{};
  reap_pidfd(pid_fd.get(), info);
}

}  // namespace gofork::runtime
