// Runs normally and launches one child; used with a forged or stale GOFORK_CHILD in its
// environment, which must be ignored rather than served.
#include <sys/auxv.h>
#include <sys/prctl.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <gofork/gofork.hpp>

[[gofork::forkable]] int twice(int x) { return 2 * x; }
// The child's AT_SECURE: 1 when it was exec'd with gained privilege (setuid, file capabilities).
[[gofork::forkable]] unsigned long secure_exec() { return getauxval(AT_SECURE); }
// What the child was started with: PR_GET_PDEATHSIG and whether LD_LIBRARY_PATH reached it.
[[gofork::forkable]] std::string started_with() {
  int sig = 0;
  prctl(PR_GET_PDEATHSIG, &sig);
  return "pdeathsig=" + std::to_string(sig) + " LD_LIBRARY_PATH=" + (std::getenv("LD_LIBRARY_PATH") ? "set" : "unset");
}

#include "probe.gofork.hpp"

int main(int argc, char** argv) {
  gofork::init(argc, argv);
  std::printf("main ran: twice(21) = %d\n", fork_twice(21).get());
  if (argc > 1 && std::string(argv[1]) == "--secure") {
    std::printf("parent AT_SECURE=%lu child AT_SECURE=%lu\n", getauxval(AT_SECURE), fork_secure_exec().get());
    gofork::options o;
    o.pdeathsig = SIGKILL;
    std::printf("parent LD_LIBRARY_PATH=%s; child %s\n", std::getenv("LD_LIBRARY_PATH") ? "set" : "unset",
                fork_started_with(o).get().c_str());
  }
  return 0;
}
