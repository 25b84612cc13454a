// Adaptors for classes with public bases (their members first, named through the base) and C
// arrays as data members (through gofork's exact-size helpers).
#include <string>

namespace geo {

struct named {
  std::string name;
};

template <class T>
struct holder {
  T value;
};

struct sample : named, holder<int> {
  int ids[4];
  char label[8];
  double grid[2][3];
  std::string name;  // the same name as named::name: both are sent
};

[[gofork::forkable]] sample flip(const sample& s);

}  // namespace geo
