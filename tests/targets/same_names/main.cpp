// Two sources named util.cpp in different folders of one target: their generated headers
// mirror the source tree (a/util.gofork.hpp, b/util.gofork.hpp) instead of clashing.
#include <cstdio>

#include <gofork/gofork.hpp>

namespace a {
int id();
}  // namespace a
namespace b {
int id();
}  // namespace b

#include "a/util.gofork.hpp"
#include "b/util.gofork.hpp"

int main(int argc, char** argv) {
  gofork::init(argc, argv);
  std::printf("a::id() = %d, b::id() = %d\n", a::fork_id().get(), b::fork_id().get());
}
