// The package's test and async headers, as a user's test binary uses them.
#include <gofork/async.hpp>
#include <gofork/testing.hpp>

namespace {
int twice(int x) { return 2 * x; }
const bool registered = (gofork::register_function("twice", &twice), true);
}  // namespace

GOFORK_TEST(consumer, runs_its_body_in_a_child) {
  gofork::process<int> a = gofork::fork<int>("twice", 21);
  EXPECT_EQ(gofork::wait_any(a), 0u);
  EXPECT_EQ(a.get(), 42);
}

int main(int argc, char** argv) {
  (void)registered;
  return gofork::testing::main(argc, argv);
}
