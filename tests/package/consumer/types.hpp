#pragma once

#include <vector>

namespace numbers {
using prime_list = std::vector<int>;  // a type a forkable's signature comes from
}  // namespace numbers
