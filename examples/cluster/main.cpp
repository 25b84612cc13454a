// Past one machine: the same typed stub, run as a Slurm job step through srun. The point
// struct crosses as msgpack with no code written for it; the step's stdout comes back framed
// around the result, and a crash on the node is a typed error here.
#include <cstdio>
#include <cstdlib>
#include <csignal>
#include <string>
#include <vector>

#include <gofork/gofork.hpp>

struct sweep_point {
  std::string name;
  double rate = 0;
  int steps = 0;
};

struct outcome {
  double value = 0;
  bool in_a_job_step = false;  // srun set SLURM_STEP_ID for the process that ran it
};

[[gofork::forkable]] outcome simulate(sweep_point p) {
  std::printf("node: simulating %s\n", p.name.c_str());  // reaches the caller's stdout, in order
  if (p.steps < 0) std::raise(SIGSEGV);
  double x = 1;
  for (int i = 0; i < p.steps; ++i) x = x * (1 + p.rate) - p.rate;
  return {x, std::getenv("SLURM_STEP_ID") != nullptr};
}

#include "main.gofork.hpp"  // generated from this file: fork_simulate

int main(int argc, char** argv) {
  gofork::init(argc, argv);
  gofork::options o;
  o.via = gofork::via::srun({"--nodes=1", "--ntasks=1", "--oversubscribe", "--quiet"});
  o.out = gofork::redirect::capture();  // here only to print each step's output next to its result
  o.timeout = std::chrono::seconds(120);

  const std::vector<sweep_point> points = {{"slow", 0.5, 10}, {"fast", 2.0, 5}, {"broken", 0, -1}};
  std::vector<gofork::process<outcome>> steps;
  for (const sweep_point& p : points) steps.push_back(fork_simulate(o, p));  // all run at once
  for (std::size_t i = 0; i < steps.size(); ++i) {
    try {
      const outcome r = steps[i].get();
      std::printf("%s -> %.1f (in a job step: %s) %s", points[i].name.c_str(), r.value, r.in_a_job_step ? "yes" : "no",
                  steps[i].captured_stdout().c_str());
    } catch (const gofork::error& e) {
      std::printf("%s -> %s\n", points[i].name.c_str(), e.kind() == gofork::error_kind::child_signaled ? "child_signaled" : e.what());
    }
  }
  return 0;
}
