// Default arguments: the stubs take them as written, wherever the function got them (a later
// redeclaration may add one), including names only the function's namespace sees and macros.
#include <string>
#include <vector>

#define DEFAULT_TIMES 3

namespace app {

constexpr int step = 10;

[[gofork::forkable]] int add(int x, int y = 10);
[[gofork::forkable]] int scaled(int x, int by = step * 2);
[[gofork::forkable]] std::string greet(const std::string& who = "world", int times = DEFAULT_TIMES);
[[gofork::forkable]] double total(std::vector<double> values = {1.5, 2.5},
                                  double start = 0.0);

// The second default comes from a redeclaration.
[[gofork::forkable]] long later(long a, long b);
long later(long a, long b = -1);

}  // namespace app
