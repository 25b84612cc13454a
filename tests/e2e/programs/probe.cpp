// Runs normally and launches one child; used with a forged or stale GOFORK_CHILD in its
// environment, which must be ignored rather than served.
#include <sys/auxv.h>

#include <cstdio>
#include <string>

#include <gofork/gofork.hpp>

[[gofork::forkable]] int twice(int x) { return 2 * x; }
// The child's AT_SECURE: 1 when it was exec'd with gained privilege (setuid, file capabilities).
[[gofork::forkable]] unsigned long secure_exec() { return getauxval(AT_SECURE); }

#include "probe.gofork.hpp"

int main(int argc, char** argv) {
  gofork::init(argc, argv);
  std::printf("main ran: twice(21) = %d\n", fork_twice(21).get());
  if (argc > 1 && std::string(argv[1]) == "--secure") {
    std::printf("parent AT_SECURE=%lu child AT_SECURE=%lu\n", getauxval(AT_SECURE), fork_secure_exec().get());
  }
  return 0;
}
