// <gofork/testing.hpp> from the outside: runs each deliberately failing case of
// e2e/testing_cases.cpp in the real test binary and reads what GoogleTest printed for it —
// the failing assertion's own file:line and message, the crash or exit with the child's
// stderr, a skip, a time-out.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace {

struct run {
  std::string output;
  int status = -1;  // the exit status, -1 when it did not exit
};

// The cases binary with the tests `filter` selects, stdout and stderr together.
run run_filter(const std::string& filter) {
  const std::string command = std::string(GOFORK_TESTING_CASES) + " --gtest_filter=" + filter + " 2>&1";
  run r;
  FILE* out = ::popen(command.c_str(), "r");
  if (out == nullptr) return r;
  char chunk[4096];
  for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, out)) > 0;) r.output.append(chunk, n);
  const int status = ::pclose(out);
  if (WIFEXITED(status)) r.status = WEXITSTATUS(status);
  return r;
}
run run_case(const std::string& name) { return run_filter("cases." + name); }

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// "testing_cases.cpp:N", N being the line tagged "// mark: `mark`" in the cases' source.
std::string marked(const std::string& mark) {
  std::ifstream source(GOFORK_TESTING_CASES_SOURCE);
  std::string line;
  for (int n = 1; std::getline(source, line); ++n) {
    if (line.find("// mark: " + mark) != std::string::npos) return "testing_cases.cpp:" + std::to_string(n);
  }
  ADD_FAILURE() << "no line is marked " << mark;
  return "no such mark";
}

bool has(const run& r, const std::string& text) { return r.output.find(text) != std::string::npos; }

#define EXPECT_SAYS(r, text) EXPECT_TRUE(has(r, text)) << "missing \"" << (text) << "\" in:\n" << (r).output

// The run failed, reporting a failure at the line marked `mark` that says `message`.
void expect_failure_at(const run& r, const std::string& mark, const std::string& message) {
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_SAYS(r, marked(mark) + ": Failure");
  EXPECT_SAYS(r, message);
}

TEST(testing, a_passing_body_runs_in_a_child_and_passes) {
  const run r = run_case("passes_in_a_child_of_its_own");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_SAYS(r, "[  PASSED  ] 1 test");
}

TEST(testing, an_expect_is_reported_at_its_own_line_with_its_message) {
  const run r = run_case("expect_fails_at_its_line");
  expect_failure_at(r, "expect", "one is not two");
  EXPECT_SAYS(r, "[  FAILED  ] cases.expect_fails_at_its_line");
}

TEST(testing, an_assert_ends_the_body) {
  const run r = run_case("assert_ends_the_body");
  expect_failure_at(r, "assert", "arithmetic");
  EXPECT_FALSE(has(r, "reached after the ASSERT")) << r.output;
}

TEST(testing, a_failure_in_another_thread_of_the_child_is_reported) {
  const run r = run_case("a_failure_in_another_thread_is_reported");
  expect_failure_at(r, "thread", "from a thread");
}

TEST(testing, a_skip_in_the_child_skips_the_test) {
  const run r = run_case("skips");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_SAYS(r, "[  SKIPPED ] cases.skips");
  EXPECT_SAYS(r, "skipped in the child");
  EXPECT_FALSE(has(r, "reached after the skip")) << r.output;
}

TEST(testing, a_crash_fails_the_test_with_the_signal_and_the_stderr) {
  const run r = run_case("crashes");
  expect_failure_at(r, "crash", "SIGSEGV");
  EXPECT_SAYS(r, "about to crash");
}

TEST(testing, an_exit_or_an_exception_fails_the_test_saying_so) {
  const run exited = run_case("exits");
  expect_failure_at(exited, "exit", "status 7");
  const run thrown = run_case("throws");
  expect_failure_at(thrown, "throw", "std::runtime_error: thrown in the body");
}

TEST(testing, a_body_past_its_timeout_fails_the_test) {
  const run r = run_case("times_out");
  expect_failure_at(r, "timeout", "timeout of 1000 ms");
}

TEST(testing, the_helpers_accept_what_they_check_and_explain_what_they_reject) {
  const run accepted = run_case("helpers_accept_what_they_check");
  EXPECT_EQ(accepted.status, 0) << accepted.output;
  const run rejected = run_case("helpers_explain_what_they_reject");
  expect_failure_at(rejected, "signal", "expected the child to be killed by SIGSEGV, but it returned normally");
  EXPECT_SAYS(rejected, marked("exits") + ": Failure");
  EXPECT_SAYS(rejected, "expected the child to exit with status 3, but it ended with child_signaled");
  EXPECT_SAYS(rejected, marked("throws") + ": Failure");
  EXPECT_SAYS(rejected, "expected the function to throw logic_error, but it ended with child_exception: std::range_error");
  EXPECT_SAYS(rejected, marked("within") + ": Failure");
  EXPECT_SAYS(rejected, "still running after 200 ms");
}

TEST(testing, a_fixture_is_set_up_and_torn_down_in_the_child_only) {
  const run r = run_filter("counted.*");
  expect_failure_at(r, "fixture", "the fixture's member");
  EXPECT_SAYS(r, "[       OK ] counted.an_ordinary_test_of_the_same_fixture");
  // Once in the GOFORK_TEST_F's child, once for the ordinary TEST_F: never in the parent for the first.
  EXPECT_EQ(count(r.output, "set up in "), 2u) << r.output;
  EXPECT_EQ(count(r.output, "torn down in "), 2u) << r.output;
}

TEST(testing, a_failed_set_up_in_the_child_keeps_the_body_from_running) {
  const run r = run_filter("failing_set_up.*");
  expect_failure_at(r, "setup", "the set-up failed");
  EXPECT_FALSE(has(r, "the body ran after a failed set-up")) << r.output;
}

}  // namespace
