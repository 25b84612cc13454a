// app::v1::f and app::f are different functions, but std::int32_t is int: both would be app::fork_f(int).
#include <cstdint>

namespace app {

inline namespace v1 {
[[gofork::forkable]] void f(std::int32_t x);
}  // namespace v1

[[gofork::forkable]] void f(int x);

}  // namespace app
