#include <functional>
#include <string>
#include <vector>

namespace job {

struct step {
  std::string name;
  std::function<void()> callback;
};

struct spec {
  std::string name;
  std::vector<step> steps;
};

struct holder {
  int* where;
};

[[gofork::forkable]] int run(const spec& s);
[[gofork::forkable]] void keep(holder h);

}  // namespace job
