// Calls forkables of a library: through their generated stubs and through the library itself.
#include <cstdio>

#include "shapes.gofork.hpp"

int main(int argc, char** argv) {
  gofork::init(argc, argv);
  std::printf("%s\n", shapes::fork_describe("square", 4).get().c_str());
  std::printf("area %g\n", shapes::fork_area(3, 4).get());
  std::printf("area via the library %g\n", shapes::area_in_child(5, 6));
}
