// Forkables declared in a header: the generated api.gofork.hpp includes it.
#pragma once

#include <cstddef>
#include <map>
#include <string>

namespace app {

[[gofork::forkable]] std::map<std::string, int> histogram(const std::string& text);
[[gofork::forkable]] void log_line(std::string line, std::size_t level);

}  // namespace app
