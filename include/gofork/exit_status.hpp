// File: gofork/exit_status.hpp
//
// How a child process ended, as the kernel reported it.
#pragma once

namespace gofork {

struct exit_status {
  // Exactly one of exited() / signaled() is true for an ended child.
  bool exited() const noexcept { return kind_ == kind::exited; }
  bool signaled() const noexcept { return kind_ == kind::signaled; }
  // The exit code when exited(), else 0.
  int code() const noexcept { return exited() ? value_ : 0; }
  // The terminating signal when signaled(), else 0.
  int signal() const noexcept { return signaled() ? value_ : 0; }
  // The child left a core dump (only meaningful when signaled()).
  bool core_dumped() const noexcept { return core_dumped_; }
  // Exited with code 0.
  bool success() const noexcept { return exited() && value_ == 0; }

  static exit_status from_exit(int code) noexcept { return {kind::exited, code, false}; }
  static exit_status from_signal(int sig, bool core) noexcept { return {kind::signaled, sig, core}; }

 private:
  enum class kind { exited, signaled };
  exit_status(kind k, int value, bool core) noexcept : kind_(k), value_(value), core_dumped_(core) {}

  kind kind_;
  int value_;
  bool core_dumped_;
};

}  // namespace gofork
