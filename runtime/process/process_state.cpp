// What every call reports, wherever it ran: waiting and killing through the process_state's
// own implementation, then one mapping from what happened to the result bytes or the error
// (child_exception, child_signaled, child_exited, protocol, timed_out).
#include "process/process_state.hpp"

#include <signal.h>
#include <string.h>

#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <tuple>

#include <gofork/detail/codec.hpp>
#include <gofork/error.hpp>

#include "channel/frame.hpp"

namespace gofork::detail {
namespace {

using clock = std::chrono::steady_clock;

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

}  // namespace

std::chrono::steady_clock::time_point deadline_after(std::chrono::milliseconds limit) noexcept {
  using clock = std::chrono::steady_clock;
  const auto now = clock::now();
  const auto room = std::chrono::duration_cast<std::chrono::milliseconds>(clock::time_point::max() - now);
  return limit >= room ? clock::time_point::max() : now + limit;
}

int poll_timeout(std::optional<std::chrono::steady_clock::time_point> deadline) noexcept {
  if (!deadline) return -1;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now()).count();
  return left < 0 ? 0 : (left > 1 << 30 ? 1 << 30 : static_cast<int>(left));
}

void process_state::start_clock(std::optional<std::chrono::milliseconds> limit) {
  if (!limit) return;
  timeout = *limit;
  deadline = deadline_after(*limit);
}

std::optional<clock::time_point> process_state::wake_time(std::optional<clock::time_point> until) const noexcept {
  if (deadline && !timed_out && (!until || *deadline < *until)) return deadline;
  return until;
}

bool process_state::kill_at_deadline() noexcept {
  if (!deadline || timed_out || clock::now() < *deadline) return false;
  timed_out = true;
  kill(SIGKILL);
  return true;
}

void process_state::take_outcome(process_state& from) {
  pid = from.pid;
  reply = std::move(from.reply);
  reply_mapping = std::move(from.reply_mapping);
  status = from.status;
  timeout = from.timeout;
  timed_out = from.timed_out;
  timed_out_by_launcher = from.timed_out_by_launcher;
  max_result_bytes = from.max_result_bytes;
  result_too_large = from.result_too_large;
  reply_malformed = from.reply_malformed;
  malformed_why = from.malformed_why;
  read_failed = from.read_failed;
  read_errno = from.read_errno;
  cancelled = from.cancelled;
  start_failure = std::move(from.start_failure);
  where = std::move(from.where);
  launcher_said = std::move(from.launcher_said);
}

void process_state_deleter::operator()(process_state* s) const noexcept {
  if (s == nullptr) return;
  if (!s->status && s->pidfd() >= 0) {  // a state made for a launch that failed has no process
    s->kill(SIGKILL);
    try {
      s->wait_until(std::nullopt);
    } catch (...) {
      s->abandon();
    }
  }
  delete s;
}

pid_t state_pid(const process_state& s) noexcept { return s.pid; }

const std::string& state_captured(const process_state& s, int stream) noexcept { return s.captured[stream == 2 ? 2 : 1]; }
int state_pidfd(const process_state& s) noexcept { return s.pidfd(); }

exit_status state_wait(process_state& s) {
  s.wait_until(std::nullopt);
  return *s.status;
}

std::optional<exit_status> state_wait_for(process_state& s, std::chrono::nanoseconds limit) {
  if (s.wait_until(clock::now() + std::chrono::duration_cast<clock::duration>(limit))) return s.status;
  return std::nullopt;
}

void state_kill(process_state& s, int sig) { s.kill(sig); }

void state_detach(process_state_ptr s) noexcept {
  if (!s || s->status) return;
  process_state* raw = s.release();
  try {
    std::thread([raw] {
      // Nobody will read what it sends: discard it as it comes, so memory stays flat.
      raw->max_captured_bytes = std::numeric_limits<std::uint64_t>::max();
      try {
        while (!raw->wait_until(clock::now() + std::chrono::seconds(1))) {
          raw->reply.clear();
          raw->captured[1].clear();
          raw->captured[2].clear();
        }
      } catch (...) {
        raw->abandon();
      }
      delete raw;
    }).detach();
  } catch (...) {
    // No thread to be had: reaping now is better than leaving a zombie.
    try {
      raw->wait_until(std::nullopt);
    } catch (...) {
      raw->abandon();
    }
    delete raw;
  }
}

std::string_view state_result(process_state& s) {
  s.wait_until(std::nullopt);
  if (!s.start_failure.empty()) throw error(error_kind::spawn_failed, s.start_failure);
  const std::string who = "gofork: child " + std::to_string(s.pid) + s.where;
  const std::string said = s.launcher_said.empty() ? std::string() : "; the launcher said: " + s.launcher_said;
  if (s.cancelled) throw error(error_kind::cancelled, who + ": the call was cancelled before it returned");
  if (s.reply_malformed) {
    throw error(error_kind::protocol, who + " sent a reply that is not a gofork reply" +
                                          (s.malformed_why != nullptr ? std::string(": ") + s.malformed_why : std::string()) +
                                          "; it was killed");
  }
  if (s.capture_too_large) {
    throw error(error_kind::protocol, who + " wrote more than max_captured_bytes (" +
                                          std::to_string(s.max_captured_bytes) + ") to a captured stream; it was killed");
  }
  if (s.result_too_large) {
    throw error(error_kind::protocol, who + " sent a result larger than max_result_bytes (" +
                                          std::to_string(s.max_result_bytes) + "), which was refused");
  }
  if (s.read_failed != nullptr) {
    throw error(error_kind::protocol,
                who + ": reading its " + s.read_failed + " failed (" + std::strerror(s.read_errno) + "); it was killed",
                s.read_errno);
  }
  if (s.timed_out_by_launcher) {
    throw error(error_kind::timed_out, who + " ran past the launcher's time limit and was killed" +
                                           (s.launcher_said.empty() ? std::string() : ": " + s.launcher_said));
  }
  if (s.timed_out) {
    throw error(error_kind::timed_out,
                who + " ran longer than its timeout of " + std::to_string(s.timeout.count()) + " ms and was killed");
  }
  std::string why;
  if (auto reply = runtime::parse_reply(s.reply_frame(), why)) {
    switch (reply->kind) {
      case runtime::reply_kind::value:
        return reply->payload;
      case runtime::reply_kind::exception: {
        auto [type, what] = decode_value<std::tuple<std::string, std::string>>(reply->payload);
        throw error(error_kind::child_exception, what.empty() ? type : type + ": " + what);
      }
      case runtime::reply_kind::refused:
        throw error(error_kind::protocol, who + " refused the call: " + decode_value<std::string>(reply->payload));
    }
  }
  if (!s.status) throw error(error_kind::protocol, who + " sent a bad reply: " + why);
  const exit_status& st = *s.status;
  if (st.signaled()) {
    throw error(error_kind::child_signaled, who + " was killed by " + signal_name(st.signal()) +
                                                (st.core_dumped() ? " (core dumped)" : "") + said);
  }
  if (!s.reply.empty() && st.success()) throw error(error_kind::protocol, who + " sent a bad reply: " + why);
  throw error(error_kind::child_exited,
              who + " exited with status " + std::to_string(st.code()) + " without returning a result" + said);
}

}  // namespace gofork::detail
