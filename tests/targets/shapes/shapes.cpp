#include "shapes.hpp"

#include <unistd.h>

#include "shapes.gofork.hpp"

namespace shapes {

double area(double width, double height) { return width * height; }

std::string describe(const std::string& name, int corners) {
  return name + " has " + std::to_string(corners) + " corners" + (gofork::is_child() ? " (in a child)" : "");
}

double area_in_child(double width, double height) { return fork_area(width, height).get(); }

}  // namespace shapes
