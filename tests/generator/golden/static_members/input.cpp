// Static member functions: stubs in a holder beside each class, reached through gofork::stubs<C>;
// defaults may name the class's own members; a nested class's members sort between its outer
// class's yet get one holder per class; a final class's holder does not derive from it.
#include <string>

namespace gofork {
template <class T>
struct stubs;  // as <gofork/stubs.hpp> declares it (golden cases see no gofork include directory)
}  // namespace gofork

namespace app {

struct math {
  static constexpr int base = 3;
  enum class mode { fast, exact };

  [[gofork::forkable]] static int twice(int x = base);
  [[gofork::forkable]] static int zeta(mode m = mode::exact);

  struct inner {
    [[gofork::forkable]] static std::string name(const std::string& prefix);
  };
};

struct sealed final {
  [[gofork::forkable]] static long run(long steps);
};

[[gofork::forkable]] int free_function(int x);

}  // namespace app

struct global_scope {
  [[gofork::forkable]] static double half(double v);
};
