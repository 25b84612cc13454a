// Forkables that live in a library (built both static and shared by the tests).
#pragma once

#include <string>

#include <gofork/gofork.hpp>

namespace shapes {

[[gofork::forkable]] double area(double width, double height);
[[gofork::forkable]] std::string describe(const std::string& name, int corners);

// Launches area() itself, from inside the library.
double area_in_child(double width, double height);

}  // namespace shapes
