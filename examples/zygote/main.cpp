// A zygote: a parameter sweep where every run gets a fresh process, forked from a template
// process started once, instead of a re-exec of the program per run. A run that crashes or
// hangs fails alone; state one run leaves behind never reaches the next.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <vector>

#include <unistd.h>

#include <gofork/gofork.hpp>

int runs_in_this_process = 0;  // a fresh process per run: always 1

[[gofork::forkable]] long simulate(int steps) {
  ++runs_in_this_process;
  if (steps < 0) std::raise(SIGSEGV);  // a bad parameter crashes its own process only
  if (steps == 0) {
    for (;;) ::pause();  // ... or hangs, until its time-out
  }
  long x = 1;
  for (int i = 0; i < steps; ++i) x = (x * 31 + i) % 1000003;
  return x * 10 + runs_in_this_process;
}

[[gofork::forkable]] int parent_of_run() { return static_cast<int>(::getppid()); }

#include "main.gofork.hpp"  // generated from this file: fork_simulate, fork_parent_of_run

int main(int argc, char** argv) {
  gofork::init(argc, argv);
  gofork::zygote z;  // re-exec'd once, here

  gofork::options limited;
  limited.timeout = std::chrono::seconds(2);
  const std::vector<int> sweep = {10, 1000, -1, 0, 100000};
  std::vector<gofork::process<long>> runs;
  for (int steps : sweep) runs.push_back(fork_simulate(z, limited, steps));  // all running at once
  for (std::size_t i = 0; i < sweep.size(); ++i) {
    try {
      std::printf("steps %d -> %ld\n", sweep[i], runs[i].get());
    } catch (const gofork::error& e) {
      std::printf("steps %d -> %s\n", sweep[i], gofork::to_string(e.kind()));
    }
  }
  // The runs are this process's own children, though the zygote forked them.
  std::printf("a run's parent is this process: %s\n",
              fork_parent_of_run(z).get() == static_cast<int>(::getpid()) ? "yes" : "no");
  return 0;
}
