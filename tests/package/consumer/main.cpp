#include <cstdio>

#include "api.gofork.hpp"
#include "api.hpp"

int main(int argc, char** argv) {
  gofork::init(argc, argv);
  std::printf("primes below 30:");
  for (int p : numbers::fork_primes_below(30).get()) std::printf(" %d", p);
  std::printf("\n%s\n", fork_greet("package").get().c_str());
}
