// Launches from a static initialiser, before main() could call gofork::init(). It must get
// spawn_failed and start nothing — as a parent, and in each of its own children, which run the
// static initialiser again before init() dispatches them.
#include <cstdio>

#include <gofork/gofork.hpp>

namespace {

int twice(int x) { return 2 * x; }

const bool launched_early = [] {
  gofork::register_function("twice", &twice);
  try {
    (void)gofork::fork<int>("twice", 1);
    std::printf("launched before init\n");
  } catch (const gofork::error& e) {
    std::printf("early launch refused: %s: %s\n", gofork::to_string(e.kind()), e.what());
  }
  return true;
}();

}  // namespace

int main() {
  gofork::init();  // the form without arguments: argv[0] from the C library
  std::printf("main ran: twice(21) = %d\n", gofork::fork<int>("twice", 21).get());
}
