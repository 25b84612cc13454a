// Runs normally and launches one child; used with a forged or stale GOFORK_CHILD in its
// environment, which must be ignored rather than served. With --wait-for-child FD it launches
// nothing: it closes FD (telling whoever reads its other end that this program now runs) and
// waits for a child it inherited (a forger's, across the forger's exec).
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/wait.h>

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

// Sanitizer builds: LeakSanitizer's check at exit attaches with ptrace, which a setgid copy
// (non-dumpable, holding no capability) cannot do, and a secure-exec process ignores
// ASAN_OPTIONS; so the check is off where AT_SECURE is set. Unused elsewhere.
extern "C" const char* __lsan_default_options();
extern "C" const char* __lsan_default_options() { return getauxval(AT_SECURE) != 0 ? "detect_leaks=0" : ""; }

int main(int argc, char** argv) {
  gofork::init(argc, argv);
  if (argc > 2 && std::string(argv[1]) == "--wait-for-child") {
    ::close(std::atoi(argv[2]));
    int status = 0;
    if (::wait(&status) < 0) return 1;
    std::printf("inherited child exited with %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return 0;
  }
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
