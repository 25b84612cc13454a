// Forkable functions declared and defined in the source itself; the source includes its own generated header
// and calls a stub in a body (parsed without the stubs: bodies are skipped and the header is virtual & empty).
#include <string>
#include <vector>

namespace app {

[[gofork::forkable]] void f(int value);
[[gofork::forkable]] int square(int x);
[[gofork::forkable]] std::string greet(const std::string& who, int times);
[[gofork::forkable]] double sum(std::vector<double> values);
[[gofork::forkable]] double mean(const std::vector<double>& values);
[[gofork::forkable]] int answer();

// An overload pair: distinct ids, distinct stubs.
[[gofork::forkable]] long twice(long x);
[[gofork::forkable]] double twice(double x);

namespace math::detail {
[[gofork::forkable]] int cube(int);
}  // namespace math::detail

}  // namespace app

// A global-namespace function with an rvalue-reference parameter.
[[gofork::forkable]] std::size_t count(std::vector<std::string>&& words);

#include "input.gofork.hpp"

namespace app {

void f(int) {}
int square(int x) { return x * x; }
std::string greet(const std::string& who, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += "hello " + who;
  return out;
}
double sum(std::vector<double> values) {
  double total = 0;
  for (double v : values) total += v;
  return total;
}
double mean(const std::vector<double>& values) { return values.empty() ? 0 : sum(values) / values.size(); }
int answer() { return 42; }
long twice(long x) { return 2 * x; }
double twice(double x) { return 2 * x; }

namespace math::detail {
int cube(int x) { return x * x * x; }
}  // namespace math::detail

}  // namespace app

std::size_t count(std::vector<std::string>&& words) { return words.size(); }

int main() {
  auto child = app::fork_square(7);
  return child.get() == 49 ? 0 : 1;
}
