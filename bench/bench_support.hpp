// Shared helpers of gofork's benchmarks: clocks, medians, the floor re-exec (posix_spawn of this
// same binary with "--exit-now", which such a binary handles at the very top of main) and the
// result table every benchmark prints and appends to a CSV file.
#pragma once

#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace gofork_bench {

inline double now_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

template <class F>
double time_once(F&& f) {
  const double start = now_seconds();
  f();
  return now_seconds() - start;
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// This binary's path, for posix_spawn (gofork itself execs a descriptor of the same file).
inline const std::string& self_path() {
  static const std::string path = [] {
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) throw std::runtime_error("readlink /proc/self/exe failed");
    return std::string(buf, static_cast<std::size_t>(n));
  }();
  return path;
}

inline void check_exit(pid_t pid, const char* what) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error(std::string(what) + ": waitpid failed");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error(std::string(what) + ": child failed");
}

// The floor of any re-exec design: posix_spawn (CLONE_VM|CLONE_VFORK in glibc) of this binary,
// which exits at the top of main, and waitpid.
inline void floor_spawn() {
  char arg0[] = "gofork-bench";
  char arg1[] = "--exit-now";
  char* argv[] = {arg0, arg1, nullptr};
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, self_path().c_str(), nullptr, nullptr, argv, environ);
  if (rc != 0) throw std::runtime_error(std::string("posix_spawn: ") + std::strerror(rc));
  check_exit(pid, "floor spawn");
}

// One line of results: subject and baseline in the same unit, and their ratio against a goal.
struct result {
  std::string name;      // short id, e.g. "empty_call"
  std::string subject;   // what was measured
  std::string baseline;  // what it is compared with
  std::string unit;      // "ms", "calls/s", ...
  double subject_value = 0;
  double baseline_value = 0;
  double goal = 0;            // 0: no goal
  bool higher_is_better = false;  // ratio goal is ">= goal" instead of "<= goal"
  std::string note;

  double ratio() const { return baseline_value > 0 ? subject_value / baseline_value : 0; }
  bool holds() const {
    if (goal <= 0) return true;
    return higher_is_better ? ratio() >= goal : ratio() <= goal;
  }
};

inline std::string goal_text(const result& r) {
  if (r.goal <= 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%.2fx", r.higher_is_better ? ">=" : "<=", r.goal);
  return buf;
}

inline void print_result(const result& r) {
  std::printf("%-22s %12.3f %-8s vs %12.3f %-8s  ratio %6.3fx  goal %-8s %s\n", r.name.c_str(), r.subject_value,
              r.unit.c_str(), r.baseline_value, r.unit.c_str(), r.ratio(), goal_text(r).c_str(),
              r.goal <= 0 ? "" : (r.holds() ? "ok" : "MISSED"));
  std::printf("    %s vs %s%s%s\n", r.subject.c_str(), r.baseline.c_str(), r.note.empty() ? "" : "; ",
              r.note.c_str());
  std::fflush(stdout);
}

// name,subject,baseline,unit,subject_value,baseline_value,ratio,goal,goal_kind,holds,note
inline void append_csv(const std::string& path, const result& r) {
  if (path.empty()) return;
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) throw std::runtime_error("cannot open " + path);
  auto clean = [](std::string s) {
    for (char& c : s) {
      if (c == ',' || c == '\n') c = ';';
      if (c == '"') c = '\'';
    }
    return s;
  };
  std::fprintf(f, "%s,%s,%s,%s,%.6g,%.6g,%.4f,%.2f,%s,%s,%s\n", clean(r.name).c_str(), clean(r.subject).c_str(),
               clean(r.baseline).c_str(), clean(r.unit).c_str(), r.subject_value, r.baseline_value, r.ratio(),
               r.goal, r.goal <= 0 ? "none" : (r.higher_is_better ? "min" : "max"),
               r.goal <= 0 ? "-" : (r.holds() ? "yes" : "no"), clean(r.note).c_str());
  std::fclose(f);
}

}  // namespace gofork_bench
