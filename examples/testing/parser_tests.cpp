// Tests of a fragile parser, each body in a fresh process of its own: a crash, a hang or a
// global left dirty stays in that test's process; assertions inside still report at their own
// file:line. The parser is the kind of code worth isolating: it trusts its input.
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>

#include <gofork/testing.hpp>

namespace {

int calls_so_far = 0;  // a global a test may leave dirty

// Sums the digits before the first ';'. Without one it reads past the end of the string, as
// real parsers do: here, that is a crash.
int digit_sum_unchecked(const std::string& text) {
  ++calls_so_far;
  const std::size_t end = text.find(';');
  if (end == std::string::npos) std::raise(SIGSEGV);
  int sum = 0;
  for (std::size_t i = 0; i < end; ++i) sum += text[i] - '0';
  return sum;
}

}  // namespace

[[gofork::forkable]] int parse(std::string text) { return digit_sum_unchecked(text); }
[[gofork::forkable]] int parse_forever(std::string text) {
  for (;;) digit_sum_unchecked(text);
}

#include "parser_tests.gofork.hpp"  // generated from this file: fork_parse, fork_parse_forever

GOFORK_TEST(parser, sums_digits) {
  EXPECT_EQ(digit_sum_unchecked("123;"), 6);
  EXPECT_EQ(digit_sum_unchecked(";"), 0);
}

GOFORK_TEST(parser, leaves_globals_dirty_only_in_its_own_process) {
  for (int i = 0; i < 5; ++i) digit_sum_unchecked("9;");
  EXPECT_EQ(calls_so_far, 5);  // a fresh process: no other test's calls are counted here
}

GOFORK_TEST(parser, crashes_on_a_missing_terminator_in_its_call_only) {
  EXPECT_TRUE(gofork::testing::ends_by_signal(fork_parse("123"), SIGSEGV));
  EXPECT_EQ(fork_parse("45;").get(), 9);  // the next call is fine
  EXPECT_EQ(calls_so_far, 0);             // both ran in processes of their own
}

// A fixture is constructed, set up and torn down in the test's own process too.
class parser_with_input : public ::testing::Test {
 protected:
  void SetUp() override { input = std::string(1000, '1') + ";"; }
  std::string input;
};

GOFORK_TEST_F(parser_with_input, sums_a_long_input) { EXPECT_EQ(digit_sum_unchecked(input), 1000); }

gofork::options a_minute() {
  gofork::options o = gofork::testing::default_options();
  o.timeout = std::chrono::seconds(60);  // the whole test body
  return o;
}

GOFORK_TEST_WITH(parser, a_runaway_call_is_stopped, a_minute()) {
  gofork::options limited;
  limited.timeout = std::chrono::seconds(1);
  try {
    fork_parse_forever(limited, "1;").get();
    ADD_FAILURE() << "parse_forever returned";
  } catch (const gofork::error& e) {
    EXPECT_EQ(e.kind(), gofork::error_kind::timed_out) << e.what();
  }
}

int main(int argc, char** argv) { return gofork::testing::main(argc, argv); }
