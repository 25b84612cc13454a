// A second declaring header that needs geo::point too: both generated headers carry its
// (guarded) adaptor, and types_test.cpp includes both.
#pragma once

#include <variant>
#include <vector>

#include "geo.hpp"

namespace more {

[[gofork::forkable]] std::vector<geo::point> mirror(std::vector<geo::point> points);
[[gofork::forkable]] std::variant<geo::point, geo::label> echo_either(std::variant<geo::point, geo::label> v);

}  // namespace more
