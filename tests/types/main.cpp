// The test binary's main: gofork::init first, so a re-executed copy serves its call and exits
// before GoogleTest sees the command line.
#include <gtest/gtest.h>

#include <gofork/gofork.hpp>

int main(int argc, char** argv) {
  gofork::init(argc, argv);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
