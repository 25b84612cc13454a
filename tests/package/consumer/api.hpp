#pragma once

#include <string>
#include <vector>

#include <gofork/gofork.hpp>

namespace numbers {
[[gofork::forkable]] std::vector<int> primes_below(int limit);
}  // namespace numbers

[[gofork::forkable]] std::string greet(const std::string& who);
