#include <string>

namespace app {

struct base {
  int id;
};

struct derived : base {
  std::string name;
};

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

[[gofork::forkable]] void with_base(derived d);
[[gofork::forkable]] void with_no_default(no_default n);
[[gofork::forkable]] void with_constant(constant c);
[[gofork::forkable]] void with_bits(bits b);

}  // namespace app
