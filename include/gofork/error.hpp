// File: gofork/error.hpp
//
// The one exception type gofork throws, and the kinds of failure it reports.
//
//   try {
//     int v = fork_square(7).get();
//   } catch (const gofork::error& e) {
//     if (e.kind() == gofork::error_kind::child_exception) { ... e.what() ... }
//   }
#pragma once

#include <stdexcept>
#include <string>

namespace gofork {

// Why a launch or a call did not produce a result.
enum class error_kind {
  spawn_failed,     // no child ran the function: fork/exec or a pre-exec step failed, or init() was not called
  child_exception,  // the function threw; what() carries the exception's type and message
  child_signaled,   // the child was killed by a signal (crash, kill())
  child_exited,     // the child exited with a non-zero status without sending a result
  protocol,         // bad, truncated or mismatched data on the channel
  timed_out,        // the child outlived its time limit and was killed
  cancelled,        // future::cancel() ended the call before it returned
};

// A stable lower-case name for `kind`, e.g. "child_exception".
const char* to_string(error_kind kind) noexcept;

// Thrown by launches (spawn_failed) and by process<R>::get() (every other kind).
class error : public std::runtime_error {
 public:
  error(error_kind kind, const std::string& message, int sys_errno = 0)
      : std::runtime_error(message), kind_(kind), errno_(sys_errno) {}

  error_kind kind() const noexcept { return kind_; }
  // The errno behind a spawn_failed error, or behind a protocol error from a failed read of the
  // child's reply or captured output; 0 when there is none.
  int sys_errno() const noexcept { return errno_; }

 private:
  error_kind kind_;
  int errno_;
};

}  // namespace gofork
