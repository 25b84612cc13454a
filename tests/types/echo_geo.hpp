// Forkables over user types (first of two headers that both need geo::point's adaptor).
#pragma once

#include "geo.hpp"

namespace types {

[[gofork::forkable]] geo::point echo_point(const geo::point& p);
[[gofork::forkable]] geo::point_box echo_box(geo::point_box b);
[[gofork::forkable]] geo::box<int> echo_int_box(geo::box<int> b);
[[gofork::forkable]] geo::shapes::polygon echo_polygon(geo::shapes::polygon&& p);
[[gofork::forkable]] std::map<std::string, std::vector<std::optional<geo::point>>> echo_nested(
    const std::map<std::string, std::vector<std::optional<geo::point>>>& m);
[[gofork::forkable]] geo::label echo_label(geo::label l);
[[gofork::forkable]] geo::secret echo_secret(geo::secret s);
[[gofork::forkable]] geo::tree echo_tree(const geo::tree& t);
[[gofork::forkable]] geo::empty echo_empty(geo::empty e);

}  // namespace types
