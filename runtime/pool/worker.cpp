// One warm pool worker, the parent's side: launch it through the one-off call site (so it is
// checked and set up like any child), then send it call frames and read their replies with the
// one-off child's reader, watching its pidfd so a death or a time-out never hangs a call.
#include "pool/worker.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <system_error>

#include <gofork/detail/wire/sink.hpp>
#include <gofork/error.hpp>

#include "call/call_site.hpp"
#include "zygote/zygote_site.hpp"
#include "channel/descriptor_passing.hpp"
#include "channel/frame.hpp"
#include "process/reply_reader.hpp"

namespace gofork::runtime {
namespace {

using clock = std::chrono::steady_clock;

// A reply in a memfd passes one descriptor; more than a few waiting is a worker breaking the rules.
constexpr std::size_t max_waiting_reply_descriptors = 4;

// Waits until `fd` has `events` or the worker ends; false when it ended or `deadline` passed.
bool wait_for(int fd, short events, int pidfd, std::optional<clock::time_point> deadline, bool& expired) {
  for (;;) {
    pollfd fds[2] = {{fd, events, 0}, {pidfd, POLLIN, 0}};
    const int ready = ::poll(fds, 2, detail::poll_timeout(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) throw std::system_error(errno, std::generic_category(), "gofork: poll");
    if (fds[1].revents != 0) return false;
    if (fds[0].revents != 0) return true;
    if (deadline && clock::now() >= *deadline) {
      expired = true;
      return false;
    }
  }
}

}  // namespace

void call_outcome::kill(int sig) noexcept {
  if (running_on != nullptr) running_on->kill(sig);
}

worker::worker(const options& launch, zygote* from) {
  if (launch.out.type() == redirect::kind::capture || launch.err.type() == redirect::kind::capture) {
    throw error(error_kind::spawn_failed,
                "gofork: a pool worker's output cannot be redirect::capture(); use a file, a descriptor or null");
  }
  options opts = launch;
  opts.timeout.reset();  // a worker lives on; call_timeout limits its calls
  if (opts.pdeathsig == 0) opts.pdeathsig = SIGKILL;  // no worker outlives the pool's process
  static const char no_arguments = '\x90';  // an empty msgpack array
  detail::argument_encoder encoder;
  encoder.size_hint = 1;
  encoder.encode = [](const void*, detail::sink& out) { out.write(&no_arguments, 1); };
  const runtime::call c{opts, "gofork::worker", encoder, true};
  detail::process_state_ptr started = from != nullptr ? start_in(*from, c) : one_off_site().start(c);
  process_.reset(static_cast<child_process*>(started.release()));
  pidfd_ = process_->pid_fd.get();
  // The reader's own descriptor of the channel: one it may close on a bad reply while another
  // thread still sends on the channel's.
  replies_ = std::make_unique<frame_stream>(unique_fd(::fcntl(process_->channel.get(), F_DUPFD_CLOEXEC, 0)), max_waiting_reply_descriptors);
  if (!replies_->channel()) {
    const int err = errno;
    retire();
    throw error(error_kind::spawn_failed, std::string("gofork: a pool worker's channel: ") + std::strerror(err));
  }
}

void worker::kill(int sig) noexcept {
  if (sig == SIGKILL) killed_ = true;
  ::syscall(SYS_pidfd_send_signal, pidfd_, sig, nullptr, 0);
}

worker::~worker() { retire(); }

bool worker::send(const std::string& frame, int arguments_fd, call_outcome& out,
                  std::optional<clock::time_point> deadline) {
  out.pid = process_->pid;
  out.running_on = this;
  bool expired = false;
  // The socket is non-blocking: wait for room when it is full, or for the worker's end. The
  // arguments' memfd, if any, rides on the first byte.
  for (std::size_t sent = 0; sent < frame.size();) {
    const ssize_t n = send_with_descriptor(process_->channel.get(), frame.data() + sent, frame.size() - sent,
                                           sent == 0 ? arguments_fd : -1);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
        wait_for(process_->channel.get(), POLLOUT, pidfd_, deadline, expired)) {
      continue;
    }
    out.timed_out = expired;
    return false;  // the worker is gone, or past its time
  }
  return true;
}

bool worker::receive(call_outcome& out, std::optional<clock::time_point> deadline, bool sent) {
  out.pid = process_->pid;
  out.running_on = this;
  bool expired = out.timed_out;
  // Read in with the reply before it, this one may be whole already.
  bool whole = sent && replies_->buffered() && read_reply(out, *replies_);
  // The reply, the worker's end or the deadline, whichever comes first.
  while (sent && !whole && replies_->channel()) {
    if (!wait_for(replies_->channel().get(), POLLIN, pidfd_, deadline, expired)) break;
    whole = read_reply(out, *replies_);
  }
  if (!whole) whole = read_reply(out, *replies_);  // what a worker sent before it ended counts
  if (whole) {
    std::string why;
    if (parse_reply(out.reply_frame(), why)) {
      out.running_on = nullptr;
      if (replies_->channel()) return true;
    } else {
      out.reply_malformed = true;
    }
  }
  out.timed_out = expired && !whole;
  kill(SIGKILL);
  out.running_on = nullptr;
  return false;
}

void worker::collect_end(call_outcome& out) noexcept { reap(&out); }

void worker::reap(call_outcome* out) noexcept {
  try {
    process_->wait_until(std::nullopt);
  } catch (...) {
    process_->abandon();
  }
  if (out != nullptr) out->status = process_->status;
}

void worker::retire() noexcept {
  if (!process_ || process_->status) return;
  if (replies_) replies_->channel().reset();
  process_->channel.reset();  // the worker sees the end of its input and exits
  try {
    if (!process_->wait_until(clock::now() + std::chrono::seconds(10))) {
      process_->kill(SIGKILL);
      process_->wait_until(std::nullopt);
    }
  } catch (...) {
    process_->kill(SIGKILL);
    process_->abandon();
  }
}

std::size_t worker::resident_bytes() const noexcept {
  std::ifstream statm("/proc/" + std::to_string(process_->pid) + "/statm");
  std::size_t size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace gofork::runtime
