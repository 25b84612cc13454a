#include <vector>

namespace geo {

// Private data and no msgpack adaptor: the generator cannot reach the fields.
class point {
 public:
  double x() const { return x_; }

 private:
  double x_ = 0;
};

[[gofork::forkable]] double norm(const point& p);
[[gofork::forkable]] double total(std::vector<point> points, long double scale);

}  // namespace geo
