#include <string_view>
#include <vector>

namespace app {

[[gofork::forkable]] std::string_view name_of(std::string_view text);
[[gofork::forkable]] void many(std::vector<std::string_view> texts);

}  // namespace app
