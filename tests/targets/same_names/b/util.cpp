#include <gofork/gofork.hpp>

namespace b {
[[gofork::forkable]] int id() { return 2; }
}  // namespace b

#include "util.gofork.hpp"  // this file's own header: <out>/b/util.gofork.hpp
