// A test binary of GOFORK_TESTs that fail on purpose, one way each; e2e/testing_test.cpp runs
// them one at a time and reads what the parent reported. "// mark: NAME" tags the line each
// report must point at.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

#include <gofork/testing.hpp>

namespace {

int returns_one() { return 1; }
int crashes() {
  ::raise(SIGABRT);
  return 0;
}
int exits_three() { std::exit(3); }
int throws_range_error() { throw std::range_error("out of range here"); }
int sleeps() {
  for (;;) ::pause();
}
const bool registered = [] {
  gofork::register_function("returns_one", &returns_one);
  gofork::register_function("crashes", &crashes);
  gofork::register_function("exits_three", &exits_three);
  gofork::register_function("throws_range_error", &throws_range_error);
  gofork::register_function("sleeps", &sleeps);
  return true;
}();

gofork::options a_second() {
  gofork::options o = gofork::testing::default_options();
  o.timeout = std::chrono::seconds(1);
  return o;
}

}  // namespace

GOFORK_TEST(cases, passes_in_a_child_of_its_own) {
  const char* runner = std::getenv("GOFORK_CASES_RUNNER");
  ASSERT_NE(runner, nullptr);
  EXPECT_NE(std::to_string(::getpid()), runner);
  SUCCEED();
}

GOFORK_TEST(cases, expect_fails_at_its_line) {
  const int one = 1;
  EXPECT_EQ(one, 2) << "one is not two";  // mark: expect
  EXPECT_EQ(one, 1);
}

GOFORK_TEST(cases, assert_ends_the_body) {
  ASSERT_EQ(1 + 1, 3) << "arithmetic";  // mark: assert
  ADD_FAILURE() << "reached after the ASSERT";
}

GOFORK_TEST(cases, a_failure_in_another_thread_is_reported) {
  std::thread([] {
    EXPECT_EQ(4, 5) << "from a thread";  // mark: thread
  }).join();
}

GOFORK_TEST(cases, skips) {
  GTEST_SKIP() << "skipped in the child";
  ADD_FAILURE() << "reached after the skip";
}

GOFORK_TEST(cases, crashes) {  // mark: crash
  std::fprintf(stderr, "about to crash\n");
  ::raise(SIGSEGV);
}

GOFORK_TEST(cases, exits) {  // mark: exit
  std::exit(7);
}

GOFORK_TEST(cases, throws) {  // mark: throw
  throw std::runtime_error("thrown in the body");
}

GOFORK_TEST_WITH(cases, times_out, a_second()) {  // mark: timeout
  for (;;) ::pause();
}

GOFORK_TEST(cases, helpers_accept_what_they_check) {
  EXPECT_TRUE(gofork::testing::ends_by_signal(gofork::fork<int>("crashes"), SIGABRT));
  EXPECT_TRUE(gofork::testing::exits_with(gofork::fork<int>("exits_three"), 3));
  EXPECT_TRUE(gofork::testing::throws(gofork::fork<int>("throws_range_error"), "range_error", "out of range"));
  EXPECT_TRUE(gofork::testing::ends_within(gofork::fork<int>("returns_one"), std::chrono::seconds(60)));
}

GOFORK_TEST(cases, helpers_explain_what_they_reject) {
  EXPECT_TRUE(gofork::testing::ends_by_signal(gofork::fork<int>("returns_one"), SIGSEGV));     // mark: signal
  EXPECT_TRUE(gofork::testing::exits_with(gofork::fork<int>("crashes"), 3));                   // mark: exits
  EXPECT_TRUE(gofork::testing::throws(gofork::fork<int>("throws_range_error"), "logic_error"));  // mark: throws
  EXPECT_TRUE(gofork::testing::ends_within(gofork::fork<int>("sleeps"), std::chrono::milliseconds(200)));  // mark: within
}

// A fixture whose set-up and tear-down say where they ran; an ordinary TEST_F shares it.
class counted : public ::testing::Test {
 protected:
  void SetUp() override {
    std::printf("set up in %d\n", static_cast<int>(::getpid()));
    value = 41;
  }
  void TearDown() override { std::printf("torn down in %d\n", static_cast<int>(::getpid())); }
  int value = 0;
};

GOFORK_TEST_F(counted, sets_up_in_the_child) {
  EXPECT_NE(std::to_string(::getpid()), std::getenv("GOFORK_CASES_RUNNER"));
  EXPECT_EQ(value, 41);
  value = 42;  // seen by no other test
  EXPECT_EQ(value, 43) << "the fixture's member";  // mark: fixture
}

TEST_F(counted, an_ordinary_test_of_the_same_fixture) { EXPECT_EQ(value, 41); }

class failing_set_up : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(false) << "the set-up failed"; }  // mark: setup
};

GOFORK_TEST_F(failing_set_up, skips_its_body) { ADD_FAILURE() << "the body ran after a failed set-up"; }

int main(int argc, char** argv) {
  (void)registered;
  ::setenv("GOFORK_CASES_RUNNER", std::to_string(::getpid()).c_str(), 0);  // a child keeps its runner's
  return gofork::testing::main(argc, argv);
}
