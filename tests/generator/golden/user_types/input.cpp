#include "shapes.hpp"

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string_view>
#include <variant>

namespace geo {

[[gofork::forkable]] point_box bounds(const std::vector<point>& points, unit u);
[[gofork::forkable]] std::map<std::string, std::vector<std::optional<point>>> index(std::string_view text, int limit);
[[gofork::forkable]] std::variant<point, std::string> pick(std::chrono::milliseconds wait, std::byte flag);
[[gofork::forkable]] detail::tree grow(detail::tree&& seed, empty e, tagged t);

}  // namespace geo
