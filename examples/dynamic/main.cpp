// go-fork's dynamic API, without the generator: register by name before init, fork by name;
// the signature is checked before anything starts. A launcher starts one function many times.
#include <cstdio>
#include <string>

#include <unistd.h>

#include <gofork/gofork.hpp>

std::string greet(std::string who) { return "hello " + who + " from pid " + std::to_string(getpid()); }
long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

int main(int argc, char** argv) {
  gofork::register_function("greet", &greet);
  gofork::register_function("fib", &fib);
  gofork::init(argc, argv);

  std::printf("%s\n", gofork::fork<std::string>("greet", "dynamic").get().c_str());
  try {
    (void)gofork::fork<long>("fib", "thirty");
  } catch (const gofork::error& e) {
    std::printf("%s: %s\n", gofork::to_string(e.kind()), e.what());
  }

  gofork::launcher<long> worker("fib");
  worker.opts().timeout = std::chrono::seconds(60);
  auto a = worker.start(20), b = worker.start(25);
  std::printf("fib(20) = %ld, fib(25) = %ld\n", a.get(), b.get());
}
