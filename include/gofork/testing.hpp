// File: gofork/testing.hpp
//
// GoogleTest tests whose bodies run in a fresh child of the test binary (re-exec'd: no copy of
// the threaded runner), and one-line checks on how a child ends.
//
//   #include <gofork/testing.hpp>
//
//   GOFORK_TEST(parser, survives_garbage) {       // the body runs in its own process
//     EXPECT_EQ(parse("\x01\x02"), std::nullopt);  // a failure is reported by the parent,
//   }                                              // at this file:line, with its message
//
//   GOFORK_TEST(parser, crash_is_contained) {
//     EXPECT_TRUE(gofork::testing::ends_by_signal(fork_parse_raw(bad_input), SIGSEGV));
//   }
//
//   int main(int argc, char** argv) { return gofork::testing::main(argc, argv); }
//
// Inside the body, every EXPECT_*/ASSERT_*/ADD_FAILURE/SUCCEED/GTEST_SKIP is collected (from
// every thread of the child) and replayed by the parent in order, at the assertion's own
// file:line. A body that crashes, exits or outlives its time-out fails the test at the
// GOFORK_TEST line, naming the signal or exit status, with the child's stderr attached;
// assertions it made before crashing are lost with it. GOFORK_TEST_WITH(suite, name, opts)
// starts the child with other options (a timeout, namespaces, rlimits, another uid...), and
// GOFORK_TEST_F(Fixture, Name) / GOFORK_TEST_F_WITH construct, set up and tear down a test
// fixture in the child as well.
#pragma once

#include <string.h>

#include <csignal>

#include <chrono>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <gofork/dynamic.hpp>
#include <gofork/error.hpp>
#include <gofork/init.hpp>
#include <gofork/options.hpp>
#include <gofork/process.hpp>

namespace gofork::testing {

// The options a GOFORK_TEST child starts with: its stderr captured, to attach to a failure,
// and the rest as for any call.
inline options default_options() {
  options o;
  o.err = redirect::capture();
  return o;
}

namespace detail {

// One assertion result of a child's body: its TestPartResult type, file, line and message.
using part = std::tuple<int, std::string, int, std::string>;
using body = void (*)();

inline std::map<std::string, body>& bodies() {
  static std::map<std::string, body> registered;
  return registered;
}

inline bool add_body(const char* name, body run) {
  bodies()[name] = run;
  return true;
}

// The results collected so far in this child (GoogleTest's own HasFatalFailure() does not see
// what a fake reporter intercepts).
inline ::testing::TestPartResultArray*& collected() {
  static ::testing::TestPartResultArray* results = nullptr;
  return results;
}

// Whether a fatal failure or a skip has been collected: a fixture's set-up that ended so keeps
// the body from running, as in-process.
inline bool stopped() {
  const ::testing::TestPartResultArray* results = collected();
  for (int i = 0; results != nullptr && i < results->size(); ++i) {
    const ::testing::TestPartResult& r = results->GetTestPartResult(i);
    if (r.fatally_failed() || r.skipped()) return true;
  }
  return false;
}

// In the child: runs the body, collecting every assertion result of every thread.
inline std::vector<part> run_body(std::string name) {
  const auto found = bodies().find(name);
  if (found == bodies().end()) throw std::logic_error("no GOFORK_TEST is named " + name);
  ::testing::TestPartResultArray results;
  {
    ::testing::ScopedFakeTestPartResultReporter collect(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ALL_THREADS, &results);
    collected() = &results;
    found->second();
    collected() = nullptr;
  }
  std::vector<part> parts;
  for (int i = 0; i < results.size(); ++i) {
    const ::testing::TestPartResult& r = results.GetTestPartResult(i);
    parts.emplace_back(static_cast<int>(r.type()), r.file_name() != nullptr ? r.file_name() : "", r.line_number(),
                       r.message());
  }
  return parts;
}

inline const char* const runner_name = "gofork.testing.run_body";
// Registered during static initialisation, before main calls gofork::init.
inline const bool runner_registered = (gofork::register_function(runner_name, &run_body), true);

inline void report(::testing::TestPartResult::Type type, const char* file, int line, const std::string& message) {
  ::testing::internal::AssertHelper(type, file, line, message.c_str()) = ::testing::Message();
}

// In the parent: runs the body in a child and replays what it reported.
inline void run_in_child(const char* name, const options& opts, const char* file, int line) {
  (void)runner_registered;
  std::vector<part> parts;
  try {
    process<std::vector<part>> child = gofork::fork<std::vector<part>>(opts, runner_name, std::string(name));
    try {
      parts = child.get();
    } catch (const gofork::error& e) {
      const std::string& err = child.captured_stderr();
      report(::testing::TestPartResult::kFatalFailure, file, line,
             std::string("the test body did not complete: ") + e.what() +
                 (err.empty() ? std::string() : "\n--- its stderr:\n" + err));
      return;
    }
  } catch (const gofork::error& e) {
    report(::testing::TestPartResult::kFatalFailure, file, line,
           std::string("no process could be started for the test body: ") + e.what());
    return;
  }
  for (const auto& [type, at, at_line, message] : parts) {
    report(static_cast<::testing::TestPartResult::Type>(type), at.empty() ? nullptr : at.c_str(), at_line, message);
  }
}

inline std::string signal_text(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

template <class R>
std::string outcome_text(process<R>& p) {
  try {
    (void)p.get();
    return "it returned normally";
  } catch (const gofork::error& e) {
    return std::string("it ended with ") + to_string(e.kind()) + ": " + e.what();
  }
}

}  // namespace detail

// Runs the tests, after gofork::init (which, in a test body's child, runs the body instead).
inline int main(int argc, char** argv) {
  gofork::init(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

// Whether the call ended by signal `sig` (SIGSEGV, SIGABRT...).
template <class R>
::testing::AssertionResult ends_by_signal(process<R>& p, int sig) {
  const exit_status st = p.wait();
  if (st.signaled() && st.signal() == sig) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected the child to be killed by " << detail::signal_text(sig) << ", but "
                                       << detail::outcome_text(p);
}
template <class R>
::testing::AssertionResult ends_by_signal(process<R>&& p, int sig) {
  return ends_by_signal(p, sig);
}

// Whether the call's process exited with status `code` (without returning a result).
template <class R>
::testing::AssertionResult exits_with(process<R>& p, int code) {
  const exit_status st = p.wait();
  if (st.exited() && st.code() == code) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected the child to exit with status " << code << ", but "
                                       << detail::outcome_text(p);
}
template <class R>
::testing::AssertionResult exits_with(process<R>&& p, int code) {
  return exits_with(p, code);
}

// Whether the function threw an exception whose type name contains `type` and whose what()
// contains `message` (either may be empty to accept any).
template <class R>
::testing::AssertionResult throws(process<R>& p, const std::string& type, const std::string& message = {}) {
  try {
    (void)p.get();
    return ::testing::AssertionFailure() << "expected the function to throw " << type << ", but it returned normally";
  } catch (const gofork::error& e) {
    const std::string what = e.what();
    const std::string thrown_type = what.substr(0, what.find(": "));
    if (e.kind() == error_kind::child_exception && thrown_type.find(type) != std::string::npos &&
        what.find(message) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "expected the function to throw " << type
                                         << (message.empty() ? "" : " saying \"" + message + "\"") << ", but it ended with "
                                         << to_string(e.kind()) << ": " << what;
  }
}
template <class R>
::testing::AssertionResult throws(process<R>&& p, const std::string& type, const std::string& message = {}) {
  return throws(p, type, message);
}

// Whether the call ended (in whatever way) within `limit`; one still running then is killed.
template <class R, class Rep, class Period>
::testing::AssertionResult ends_within(process<R>& p, std::chrono::duration<Rep, Period> limit) {
  if (p.wait_for(limit)) return ::testing::AssertionSuccess();
  p.kill(SIGKILL);
  p.wait();
  return ::testing::AssertionFailure() << "the child was still running after "
                                       << std::chrono::duration_cast<std::chrono::milliseconds>(limit).count()
                                       << " ms (it has been killed)";
}
template <class R, class Rep, class Period>
::testing::AssertionResult ends_within(process<R>&& p, std::chrono::duration<Rep, Period> limit) {
  return ends_within(p, limit);
}

}  // namespace gofork::testing

#define GOFORK_TEST_WITH(suite, name, opts)                                                               \
  static void gofork_test_body_##suite##_##name();                                                        \
  [[maybe_unused]] static const bool gofork_test_added_##suite##_##name =                                 \
      ::gofork::testing::detail::add_body(#suite "." #name, &gofork_test_body_##suite##_##name);          \
  TEST(suite, name) { ::gofork::testing::detail::run_in_child(#suite "." #name, (opts), __FILE__, __LINE__); } \
  static void gofork_test_body_##suite##_##name()

#define GOFORK_TEST(suite, name) GOFORK_TEST_WITH(suite, name, ::gofork::testing::default_options())

// A test of a fixture whose construction, SetUp, body and TearDown all run in the child; the
// parent only replays what the child reported (the fixture's SetUpTestSuite, if any, runs in
// the parent as usual). Mixes with ordinary TEST_Fs of the same fixture.
#define GOFORK_TEST_F_WITH(fixture, name, opts)                                                             \
  class gofork_fixture_##fixture##_##name : public fixture {                                                \
   public:                                                                                                  \
    static void run_here() {                                                                                \
      gofork_fixture_##fixture##_##name test;                                                               \
      test.fixture::SetUp();                                                                                \
      if (!::gofork::testing::detail::stopped()) test.gofork_body();                                        \
      test.fixture::TearDown();                                                                             \
    }                                                                                                       \
                                                                                                            \
   protected:                                                                                               \
    void SetUp() override {} /* in the parent: the child sets up */                                         \
    void TearDown() override {}                                                                             \
    void gofork_body();                                                                                     \
                                                                                                            \
   private:                                                                                                 \
    void TestBody() override {}                                                                             \
  };                                                                                                        \
  [[maybe_unused]] static const bool gofork_test_added_##fixture##_##name =                                 \
      ::gofork::testing::detail::add_body(#fixture "." #name, &gofork_fixture_##fixture##_##name::run_here); \
  GTEST_TEST_(fixture, name, gofork_fixture_##fixture##_##name, ::testing::internal::GetTypeId<fixture>()) { \
    ::gofork::testing::detail::run_in_child(#fixture "." #name, (opts), __FILE__, __LINE__);                \
  }                                                                                                         \
  void gofork_fixture_##fixture##_##name::gofork_body()

#define GOFORK_TEST_F(fixture, name) GOFORK_TEST_F_WITH(fixture, name, ::gofork::testing::default_options())
