#include "api.hpp"

namespace numbers {
prime_list primes_below(int limit) {
  prime_list primes;
  for (int n = 2; n < limit; ++n) {
    bool prime = true;
    for (int p : primes) prime = prime && n % p != 0;
    if (prime) primes.push_back(n);
  }
  return primes;
}
}  // namespace numbers

std::string greet(const std::string& who) {
  return "hello, " + who + (gofork::is_child() ? " (from another process)" : " (in the parent!)");
}
