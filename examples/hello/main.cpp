// The go-fork README example: main() forks child(1), which runs in another process.
#include <cstdio>

#include <unistd.h>

#include <gofork/gofork.hpp>

[[gofork::forkable]] void child(int n) {
  std::printf("child(%d) pid: %d\n", n, getpid());
}

#include "main.gofork.hpp"  // generated from this file: fork_child

int main(int argc, char** argv) {
  gofork::init(argc, argv);  // a child runs its function here and exits
  std::printf("main() pid: %d\n", getpid());
  fork_child(1).wait();  // prints "child(1) pid: <another pid>"
}
