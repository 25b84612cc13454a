// A warm worker pool: many small calls served by two long-lived children of this program. A
// call that crashes its worker fails alone; the pool replaces the worker and goes on.
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include <unistd.h>

#include <gofork/gofork.hpp>

// Parses one untrusted line: a number, or a crash when the input is poisoned.
[[gofork::forkable]] int parse(std::string line) {
  if (line == "poison") std::raise(SIGSEGV);
  return std::stoi(line);
}

[[gofork::forkable]] int worker_pid() { return static_cast<int>(::getpid()); }

#include "main.gofork.hpp"  // generated from this file: fork_parse, fork_worker_pid

int main(int argc, char** argv) {
  gofork::init(argc, argv);
  gofork::pool workers(2);

  const std::vector<std::string> lines = {"1", "22", "poison", "333", "4444"};
  std::vector<gofork::future<int>> parsed;
  for (const std::string& line : lines) parsed.push_back(fork_parse(workers, line));
  int sum = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    try {
      const int value = parsed[i].get();
      sum += value;
      std::printf("%s -> %d\n", lines[i].c_str(), value);
    } catch (const gofork::error& e) {
      std::printf("%s -> %s\n", lines[i].c_str(), gofork::to_string(e.kind()));
    }
  }
  std::printf("sum %d\n", sum);
  const gofork::pool_stats stats = workers.stats();
  std::printf("calls %llu, workers started %llu, lost %llu\n", static_cast<unsigned long long>(stats.calls),
              static_cast<unsigned long long>(stats.workers_started), static_cast<unsigned long long>(stats.workers_lost));
  const int pid = fork_worker_pid(workers).get();
  std::printf("a worker is another process: %s\n", pid != static_cast<int>(::getpid()) ? "yes" : "no");
  return 0;
}
