#include <string>

namespace app {

struct no_default {
  explicit no_default(int v) : value(v) {}
  int value;
};

struct constant {
  const int value = 1;
};

struct bits {
  unsigned flag : 1;
};

[[gofork::forkable]] void with_no_default(no_default n);
[[gofork::forkable]] void with_constant(constant c);
[[gofork::forkable]] void with_bits(bits b);

}  // namespace app
