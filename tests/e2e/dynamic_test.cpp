// go-fork's dynamic API: functions registered by name before init, launched by name, with the
// signature checked before anything is spawned. No generator involved.
#include <sys/wait.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <gofork/gofork.hpp>

namespace {

int square(int x) { return x * x; }
std::string repeat(std::string s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}
double half(double x) noexcept { return x / 2; }
void fail(std::string message) { throw std::invalid_argument(message); }
// Writes `size` bytes to stdout and to stderr, interleaved, so a parent reading one stream to
// the end before the other would deadlock.
void chatter(int size) {
  std::string line(1023, 'o');
  line += '\n';
  for (int written = 0; written < size; written += 1024) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    line[0] = 'e';
    std::fwrite(line.data(), 1, line.size(), stderr);
    line[0] = 'o';
  }
}

template <class F>
gofork::error expect_error(F&& f) {
  try {
    f();
  } catch (const gofork::error& e) {
    return e;
  }
  ADD_FAILURE() << "no gofork::error was thrown";
  return gofork::error(gofork::error_kind::protocol, "none");
}

void expect_no_children() {
  siginfo_t info{};
  errno = 0;
  EXPECT_EQ(::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | __WALL), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(dynamic, fork_by_name) {
  EXPECT_EQ(gofork::fork<int>("square", 7).get(), 49);
  EXPECT_EQ(gofork::fork<std::string>("repeat", "ab", 3).get(), "ababab");
  EXPECT_EQ(gofork::fork<std::string>("repeat", std::string_view("xy"), 2).get(), "xyxy");
  EXPECT_DOUBLE_EQ(gofork::fork<double>("half", 5).get(), 2.5);  // an integer for a double
  auto e = expect_error([] { gofork::fork("fail", "bad input").get(); });
  EXPECT_EQ(e.kind(), gofork::error_kind::child_exception);
  EXPECT_STREQ(e.what(), "std::invalid_argument: bad input");
  expect_no_children();
}

TEST(dynamic, mismatches_throw_before_anything_starts) {
  auto kind = [](auto f) { return expect_error(f).kind(); };
  EXPECT_EQ(kind([] { (void)gofork::fork<int>("no_such_function", 1); }), gofork::error_kind::spawn_failed);
  EXPECT_EQ(kind([] { (void)gofork::fork<int>("square", "seven"); }), gofork::error_kind::spawn_failed);
  EXPECT_EQ(kind([] { (void)gofork::fork<int>("square", 1, 2); }), gofork::error_kind::spawn_failed);
  EXPECT_EQ(kind([] { (void)gofork::fork<std::string>("square", 1); }), gofork::error_kind::spawn_failed);
  EXPECT_EQ(kind([] { (void)gofork::fork<int>("square", 1.5); }), gofork::error_kind::spawn_failed);
  auto e = expect_error([] { (void)gofork::fork<int>("square", "seven"); });
  EXPECT_NE(std::string(e.what()).find("argument 1 is a string, the parameter needs an integer"), std::string::npos)
      << e.what();
  expect_no_children();
}

TEST(dynamic, a_launcher_starts_many_times_with_its_options) {
  gofork::launcher<std::string> env_reader("repeat");
  env_reader.opts().env["UNUSED"] = "1";
  auto a = env_reader.start("a", 1);
  auto b = env_reader.start("b", 2);
  EXPECT_EQ(a.get(), "a");
  EXPECT_EQ(b.get(), "bb");
  expect_no_children();
}

TEST(dynamic, captures_megabytes_of_stdout_and_stderr_at_once) {
  gofork::options o;
  o.out = gofork::redirect::capture();
  o.err = gofork::redirect::capture();
  auto p = gofork::fork(o, "chatter", 2 << 20);
  p.get();
  ASSERT_EQ(p.captured_stdout().size(), std::size_t{2} << 20);
  ASSERT_EQ(p.captured_stderr().size(), std::size_t{2} << 20);
  EXPECT_EQ(p.captured_stdout().find('e'), std::string::npos);
  EXPECT_EQ(p.captured_stderr().substr(0, 3), "eoo");
  gofork::options bad;
  bad.in = gofork::redirect::capture();
  EXPECT_EQ(expect_error([&] { (void)gofork::fork(bad, "chatter", 1); }).kind(), gofork::error_kind::spawn_failed);
  expect_no_children();
}

TEST(dynamic, registering_after_init_is_refused) {
  EXPECT_THROW(gofork::register_function("late", &square), std::logic_error);
}

}  // namespace

int main(int argc, char** argv) {
  gofork::register_function("square", &square);
  gofork::register_function("repeat", &repeat);
  gofork::register_function("half", &half);
  gofork::register_function("fail", &fail);
  gofork::register_function("chatter", &chatter);
  gofork::register_function("square", &square);  // the same function again is harmless
  try {
    gofork::register_function("square", &half);
    return 3;  // a name taken by another function must be refused
  } catch (const std::invalid_argument&) {
  }
  gofork::init(argc, argv);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
