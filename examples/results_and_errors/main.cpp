// Results and errors: a value comes back; an exception, a crash, an exit and a time-out each
// come back as a gofork::error of their own kind.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include <sys/resource.h>
#include <unistd.h>

#include <gofork/gofork.hpp>

[[gofork::forkable]] double divide(double a, double b) {
  if (b == 0) throw std::domain_error("division by zero");
  return a / b;
}

[[gofork::forkable]] void crash() {
  rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  std::raise(SIGSEGV);
}

[[gofork::forkable]] int give_up() { std::exit(3); }

[[gofork::forkable]] void nap(int seconds) { sleep(static_cast<unsigned>(seconds)); }

#include "main.gofork.hpp"

// Calls get() and prints the value or the error's kind and message.
template <class R>
void report(const char* what, gofork::process<R> p) {
  try {
    if constexpr (std::is_void_v<R>) {
      p.get();
      std::printf("%s: done\n", what);
    } else {
      std::printf("%s: %g\n", what, static_cast<double>(p.get()));
    }
  } catch (const gofork::error& e) {
    std::printf("%s: %s: %s\n", what, gofork::to_string(e.kind()), e.what());
  }
}

int main(int argc, char** argv) {
  gofork::init(argc, argv);
  report("divide(1, 4)", fork_divide(1, 4));
  report("divide(1, 0)", fork_divide(1, 0));
  report("crash()", fork_crash());
  report("give_up()", fork_give_up());

  gofork::options quick;
  quick.timeout = std::chrono::milliseconds(200);
  report("nap(60) with a 200 ms timeout", fork_nap(quick, 60));

  auto p = fork_nap(60);
  if (!p.wait_for(std::chrono::milliseconds(100))) std::printf("nap(60) still running after 100 ms; killing it\n");
  p.kill(SIGTERM);
  std::printf("nap(60) ended by signal %d\n", p.wait().signal());
}
