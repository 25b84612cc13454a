// Compiles as it is; with GOFORK_WRONG_ARGUMENT or GOFORK_WRONG_ARITY defined it must not,
// and the error must point at the marked line.
#include <gofork/gofork.hpp>

[[gofork::forkable]] void child(int n) { (void)n; }

#include "wrong_argument.gofork.hpp"

int main(int argc, char** argv) {
  gofork::init(argc, argv);
#if defined(GOFORK_WRONG_ARGUMENT)
  fork_child("x").wait();  // line 12: const char* is not an int
#elif defined(GOFORK_WRONG_ARITY)
  fork_child(1, 2).wait();  // line 14: child takes one argument
#else
  fork_child(1).wait();
#endif
}
