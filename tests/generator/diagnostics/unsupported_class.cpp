#include <vector>

namespace geo {

struct point {
  double x, y;
};

[[gofork::forkable]] double norm(const point& p);
[[gofork::forkable]] double total(std::vector<point> points, long double scale);

}  // namespace geo
