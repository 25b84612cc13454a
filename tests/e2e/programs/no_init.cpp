// A program that forgot gofork::init(): launching must throw spawn_failed and start nothing,
// or every child would run main() again — a fork bomb.
#include <sys/wait.h>

#include <cerrno>
#include <cstdio>

#include <gofork/gofork.hpp>

[[gofork::forkable]] int twice(int x) { return 2 * x; }

#include "no_init.gofork.hpp"

int main() {
  try {
    auto p = fork_twice(21);
    std::printf("a child was started without init (pid %d)\n", p.pid());
    return 1;
  } catch (const gofork::error& e) {
    siginfo_t info{};
    if (e.kind() != gofork::error_kind::spawn_failed) return 2;
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | __WALL) != -1 || errno != ECHILD) return 3;
    std::printf("refused: %s\n", e.what());
    return 0;
  }
}
