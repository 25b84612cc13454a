// A job description — nested user types, an enum, optional deadline — runs in a child process;
// the result comes back as another user type. gofork-gen writes the msgpack adaptors.
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

#include <gofork/gofork.hpp>

namespace jobs {

enum class priority { low, normal, high };

struct step {
  std::string name;
  int repeat = 1;
};

struct job {
  std::string name;
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  std::optional<std::chrono::milliseconds> deadline;
  priority prio = priority::normal;
  std::vector<step> steps;
};

struct result {
  int child_pid = 0;
  std::vector<std::string> log;
  std::chrono::milliseconds budget_left{0};
};

const char* to_string(priority p) {
  switch (p) {
    case priority::low: return "low";
    case priority::normal: return "normal";
    case priority::high: return "high";
  }
  return "?";
}

// Runs in the child: "executes" each step and reports what it did.
[[gofork::forkable]] result run_job(const job& j) {
  result r;
  r.child_pid = static_cast<int>(getpid());
  std::string command;
  for (const auto& arg : j.argv) command += (command.empty() ? "" : " ") + arg;
  r.log.push_back(j.name + " [" + to_string(j.prio) + "]: " + command);
  for (const auto& [key, value] : j.env) r.log.push_back("env " + key + "=" + value);
  auto budget = j.deadline.value_or(std::chrono::milliseconds(0));
  for (const auto& s : j.steps) {
    r.log.push_back("step " + s.name + " x" + std::to_string(s.repeat));
    budget -= std::chrono::milliseconds(10) * s.repeat;
  }
  r.budget_left = budget;
  return r;
}

}  // namespace jobs

#include "main.gofork.hpp"

int main(int argc, char** argv) {
  gofork::init(argc, argv);
  const jobs::job j{"build", {"make", "-j2", "all"}, {{"CC", "gcc"}, {"LANG", "C"}},
                    std::chrono::milliseconds(100), jobs::priority::high, {{"configure", 1}, {"compile", 3}}};
  const jobs::result r = jobs::fork_run_job(j).get();
  for (const auto& line : r.log) std::printf("%s\n", line.c_str());
  std::printf("budget left: %lld ms\n", static_cast<long long>(r.budget_left.count()));
  std::printf("ran in another process: %s\n", r.child_pid != static_cast<int>(getpid()) ? "yes" : "no");
}
