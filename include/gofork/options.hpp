// File: gofork/options.hpp
//
// Per-launch settings. A default-constructed `options` behaves like go-fork's defaults, except
// that the child's stdin/stdout/stderr are inherited:
//
//   gofork::options o;
//   o.argv = {"worker"};                 // what `ps` shows
//   o.env["MODE"] = "batch";
//   o.out = gofork::redirect::file("/var/log/worker.log");
//   o.timeout = std::chrono::seconds(30);
//   auto p = fork_work(o, job);
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gofork {

// Where one of the child's standard streams goes.
class redirect {
 public:
  enum class kind { inherit, null, fd, file, capture };

  // The parent's stream (the default).
  static redirect inherit() { return redirect(kind::inherit, -1, {}); }
  // /dev/null.
  static redirect null() { return redirect(kind::null, -1, {}); }
  // A descriptor of the parent's; it is duplicated at launch, so the caller may close it after.
  static redirect fd(int descriptor) { return redirect(kind::fd, descriptor, {}); }
  // A file opened by the parent at launch: read-only for `in`; for `out`/`err` created (0666 &
  // ~umask) and truncated. A failure to open is error_kind::spawn_failed.
  static redirect file(std::string path) { return redirect(kind::file, -1, std::move(path)); }

  // For `out` and `err`: collected into a string the parent reads while it waits, both streams
  // at once (no deadlock however much the child writes); see process::captured_stdout().
  static redirect capture() { return redirect(kind::capture, -1, {}); }

  redirect() = default;
  kind type() const noexcept { return kind_; }
  int descriptor() const noexcept { return fd_; }
  const std::string& path() const noexcept { return path_; }

 private:
  redirect(kind k, int fd, std::string path) : kind_(k), fd_(fd), path_(std::move(path)) {}

  kind kind_ = kind::inherit;
  int fd_ = -1;
  std::string path_;
};

struct options {
  // Empty: {the parent's argv[0]}. Otherwise the child's whole argv; argv[0] is the name `ps`
  // shows. The executable is always this build, whatever argv[0] says.
  std::vector<std::string> argv;
  // Variables added to (or overriding) the child's environment.
  std::map<std::string, std::string> env;
  // Start from an empty environment instead of the parent's.
  bool clear_env = false;
  // Working directory of the child; empty: the parent's.
  std::string cwd;
  // Standard streams of the child.
  redirect in, out, err;
  // Past this, the child is killed (SIGKILL) and get() throws error_kind::timed_out. Counted
  // from the launch.
  std::optional<std::chrono::milliseconds> timeout;
};

}  // namespace gofork
