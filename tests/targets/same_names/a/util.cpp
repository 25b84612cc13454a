#include <gofork/gofork.hpp>

namespace a {
[[gofork::forkable]] int id() { return 1; }
}  // namespace a

#include "util.gofork.hpp"  // this file's own header: <out>/a/util.gofork.hpp
