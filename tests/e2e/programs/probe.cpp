// Runs normally and launches one child; used with a forged or stale GOFORK_CHILD in its
// environment, which must be ignored rather than served.
#include <cstdio>

#include <gofork/gofork.hpp>

[[gofork::forkable]] int twice(int x) { return 2 * x; }

#include "probe.gofork.hpp"

int main(int argc, char** argv) {
  gofork::init(argc, argv);
  std::printf("main ran: twice(21) = %d\n", fork_twice(21).get());
  return 0;
}
