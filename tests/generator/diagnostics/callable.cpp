#include <functional>

namespace app {

struct functor {
  int operator()(int x) const { return x; }
};

inline auto lambda = [](int x) { return x; };

[[gofork::forkable]] void with_function(std::function<int(int)> fn);
[[gofork::forkable]] void with_pointer(int (*fn)(int));
[[gofork::forkable]] void with_functor(functor fn);
[[gofork::forkable]] void with_lambda(decltype(lambda) fn);

}  // namespace app
