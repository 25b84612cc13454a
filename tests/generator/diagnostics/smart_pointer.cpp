#include <memory>

namespace app {

[[gofork::forkable]] void take(std::unique_ptr<int> owned, const std::shared_ptr<int>& shared);
[[gofork::forkable]] std::weak_ptr<int> give();

}  // namespace app
