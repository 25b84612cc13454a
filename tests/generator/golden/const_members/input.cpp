// Const data members: the adaptor builds the aggregate (bases in braces of their own) with msgpack's as<T>.
#include <string>
#include <vector>

namespace inv {

struct empty {};

struct stamped {
  const long at;
};

struct item : empty, stamped {
  const std::string sku;
  int count = 0;
};

// No const member of its own, but it holds built items: it is built too.
struct order {
  std::vector<item> items;
  std::string note;
};

[[gofork::forkable]] order restock(const order& o, int extra);

}  // namespace inv
