// The same program as a CMake user's, built by a plain Makefile: pkg-config gives the runtime's
// flags, gofork-gen (run by make) the stubs.
#include <cstdio>

#include <unistd.h>

#include <gofork/gofork.hpp>

#include "stats.gofork.hpp"
#include "stats.hpp"

int main(int argc, char** argv) {
  gofork::init(argc, argv);
  const stats::summary s = stats::fork_summarize("1..10", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}).get();
  std::printf("%s: mean %.1f, max %.0f, %s\n", s.label.c_str(), s.mean, s.max,
              s.pid != static_cast<int>(getpid()) ? "computed in another process" : "computed here");
}
