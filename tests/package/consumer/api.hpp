#pragma once

#include <string>
#include <vector>

#include <gofork/gofork.hpp>

#include "types.hpp"

namespace numbers {
[[gofork::forkable]] prime_list primes_below(int limit);
}  // namespace numbers

[[gofork::forkable]] std::string greet(const std::string& who);
