// std::span is a view parameter over a decoded std::vector: const elements, a dynamic extent, top level only.
#include <span>
#include <vector>

namespace app {

[[gofork::forkable]] void with_mutable(std::span<int> values);
[[gofork::forkable]] void with_fixed(std::span<const int, 3> values);
[[gofork::forkable]] void with_nested(std::vector<std::span<const int>> values);
[[gofork::forkable]] void with_bad_element(std::span<int* const> values);
[[gofork::forkable]] std::span<const int> returns_span();

}  // namespace app
