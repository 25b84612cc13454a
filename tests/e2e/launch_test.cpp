// End-to-end: real children, real channels. After every test no child (zombie or running) and
// no descriptor may be left over.
#include <dirent.h>

#include <algorithm>
#include <atomic>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "../support/test_support.hpp"

#include "functions.gofork.hpp"
#include "functions.hpp"

namespace {

using gofork_test::expect_error;
using gofork_test::count_open_descriptors;
using gofork_test::expect_no_children;

class launch : public ::testing::Test {
 protected:
  void SetUp() override { descriptors_ = count_open_descriptors(); }
  void TearDown() override {
    expect_no_children();
    EXPECT_EQ(count_open_descriptors(), descriptors_) << "descriptors leaked";
  }

 private:
  int descriptors_ = 0;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(launch, runs_in_another_process) {
  auto p = e2e::fork_own_pid();
  EXPECT_NE(p.pid(), ::getpid());
  EXPECT_EQ(p.get(), p.pid());
}

TEST_F(launch, returns_a_value) { EXPECT_EQ(e2e::fork_square(7).get(), 49); }

TEST_F(launch, default_arguments_may_be_left_out_as_for_the_function) {
  EXPECT_EQ(e2e::fork_with_defaults(1).get(), e2e::with_defaults(1));
  EXPECT_EQ(e2e::fork_with_defaults(1).get(), "21 a b");
  EXPECT_EQ(e2e::fork_with_defaults(1, 2).get(), "3 a b");
  EXPECT_EQ(e2e::fork_with_defaults(1, 2, {"z"}).get(), "3 z");
  EXPECT_EQ(e2e::fork_with_defaults(gofork::options{}, 5).get(), "25 a b");
}

TEST_F(launch, static_member_functions_run_in_a_child_through_gofork_stubs) {
  using stubs = gofork::stubs<e2e::counter>;
  EXPECT_EQ(stubs::fork_count_from().get(), e2e::counter::count_from());
  EXPECT_EQ(stubs::fork_count_from(1).get(), 4);
  EXPECT_EQ(stubs::fork_count_from(1, 2).get(), 3);
  EXPECT_EQ(stubs::fork_count_from(gofork::options{}, 7).get(), 10);
  auto p = stubs::fork_pid_of_child();
  const int child = static_cast<int>(p.pid());
  EXPECT_EQ(p.get(), child);
  EXPECT_NE(child, static_cast<int>(::getpid()));
  EXPECT_EQ(gofork::stubs<e2e::counter::nested>::fork_tag("x").get(), "<x>");
  EXPECT_EQ(e2e::counter::nested::forks::fork_tag("y").get(), "<y>");
}

TEST_F(launch, strings_and_vectors_by_value_and_const_reference) {
  EXPECT_EQ(e2e::fork_join({"a", "b", "c"}, ", ").get(), "a, b, c");
  EXPECT_EQ(e2e::fork_join({}, "-").get(), "");
  EXPECT_DOUBLE_EQ(e2e::fork_sum({1.5, 2.25, -0.75}).get(), 3.0);
  std::vector<std::int64_t> v = e2e::fork_iota_vector(100000).get();
  ASSERT_EQ(v.size(), 100000u);
  EXPECT_EQ(v.front(), -5);
  EXPECT_EQ(v.back(), 99994);
  EXPECT_EQ(e2e::inner::fork_where().get(), "e2e::inner");
}

TEST_F(launch, every_arithmetic_type_round_trips) {
  using std::numeric_limits;
  auto check = [](auto... args) { EXPECT_EQ(e2e::fork_describe(args...).get(), e2e::describe(args...)); };
  check(true, 'x', static_cast<signed char>(-128), static_cast<unsigned char>(255), numeric_limits<short>::min(),
        numeric_limits<unsigned short>::max(), numeric_limits<int>::min(), numeric_limits<unsigned>::max(),
        numeric_limits<long>::min(), numeric_limits<unsigned long>::max(), numeric_limits<long long>::min(),
        numeric_limits<unsigned long long>::max(), numeric_limits<float>::denorm_min(),
        numeric_limits<double>::max(), u'\xffff', U'\U0010ffff', L'\u20ac');
  check(false, '\0', static_cast<signed char>(127), static_cast<unsigned char>(0), numeric_limits<short>::max(),
        static_cast<unsigned short>(0), numeric_limits<int>::max(), 0u, numeric_limits<long>::max(), 0ul,
        numeric_limits<long long>::max(), 0ull, -1.5f, -0.0, u'\0', U'\0', static_cast<wchar_t>(-1));
}

TEST_F(launch, a_megabyte_of_bytes_round_trips) {
  std::vector<std::uint8_t> bytes(1 << 20);
  std::mt19937 rng(42);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
  EXPECT_EQ(e2e::fork_echo_bytes(bytes).get(), bytes);
}

TEST_F(launch, the_child_sees_no_marker_and_knows_it_is_a_child) {
  EXPECT_FALSE(e2e::fork_marker_visible().get());
  EXPECT_TRUE(e2e::fork_child_flag().get());
  EXPECT_FALSE(gofork::is_child());
}

TEST_F(launch, a_child_may_fork_again) { EXPECT_EQ(e2e::fork_nested_square(9).get(), 81); }

TEST_F(launch, an_exception_reaches_the_parent_with_type_and_message) {
  auto e = expect_error([] { e2e::fork_throw_runtime_error("boom").get(); });
  EXPECT_EQ(e.kind(), gofork::error_kind::child_exception);
  EXPECT_STREQ(e.what(), "std::runtime_error: boom");

  auto p = e2e::fork_throw_int(42);
  auto e2 = expect_error([&] { p.get(); });
  EXPECT_EQ(e2.kind(), gofork::error_kind::child_exception);
  EXPECT_STREQ(e2.what(), "int");
  EXPECT_FALSE(p.wait().success());
}

TEST_F(launch, a_crash_is_child_signaled) {
  auto p = e2e::fork_abort_now();
  auto e = expect_error([&] { p.get(); });
  EXPECT_EQ(e.kind(), gofork::error_kind::child_signaled);
  EXPECT_NE(std::string(e.what()).find("SIGABRT"), std::string::npos) << e.what();
  EXPECT_TRUE(p.wait().signaled());
  EXPECT_EQ(p.wait().signal(), SIGABRT);
}

TEST_F(launch, exit_without_result_is_child_exited) {
  auto p = e2e::fork_exit_with(7);
  auto e = expect_error([&] { p.get(); });
  EXPECT_EQ(e.kind(), gofork::error_kind::child_exited);
  EXPECT_TRUE(p.wait().exited());
  EXPECT_EQ(p.wait().code(), 7);
}

TEST_F(launch, wait_is_idempotent) {
  auto p = e2e::fork_square(3);
  gofork::exit_status first = p.wait();
  gofork::exit_status second = p.wait();
  EXPECT_TRUE(first.success());
  EXPECT_TRUE(second.success());
  EXPECT_EQ(p.get(), 9);  // get after wait still has the result
}

TEST_F(launch, wait_for_times_out_then_kill_ends_the_child) {
  auto p = e2e::fork_sleep_forever();
  EXPECT_FALSE(p.wait_for(std::chrono::milliseconds(50)).has_value());
  p.kill();
  auto status = p.wait_for(std::chrono::seconds(60));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->signal(), SIGKILL);
  EXPECT_EQ(expect_error([&] { p.get(); }).kind(), gofork::error_kind::child_signaled);
  p.kill();  // T04: again, after the reap: nothing is sent (the pid may be another process by now)
  EXPECT_EQ(p.wait().signal(), SIGKILL);
}

// T04: a child killed from outside (kill -9 <pid>, not through the handle) is child_signaled.
TEST_F(launch, a_child_killed_from_outside_is_child_signaled) {
  auto p = e2e::fork_sleep_forever();
  ASSERT_EQ(::kill(p.pid(), SIGKILL), 0);
  EXPECT_EQ(expect_error([&] { p.get(); }).kind(), gofork::error_kind::child_signaled);
  EXPECT_EQ(p.wait().signal(), SIGKILL);
}

TEST_F(launch, timeout_kills_and_reports_timed_out) {
  gofork::options o;
  o.timeout = std::chrono::milliseconds(100);
  auto p = e2e::fork_sleep_forever(o);
  EXPECT_EQ(expect_error([&] { p.get(); }).kind(), gofork::error_kind::timed_out);
  EXPECT_EQ(p.wait().signal(), SIGKILL);
}

TEST_F(launch, a_dropped_handle_kills_and_reaps_its_child) {
  pid_t pid;
  {
    auto p = e2e::fork_sleep_forever();
    pid = p.pid();
    ASSERT_EQ(::kill(pid, 0), 0);
  }
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(launch, argv_env_and_cwd_options) {
  gofork::options o;
  o.argv = {"renamed-worker", "--flag"};
  o.env["GOFORK_TEST_VARIABLE"] = "42";
  o.cwd = "/";
  EXPECT_EQ(e2e::fork_command_line(o).get(), o.argv);
  EXPECT_EQ(e2e::fork_environment(o, "GOFORK_TEST_VARIABLE").get(), "42");
  EXPECT_EQ(e2e::fork_working_directory(o).get(), "/");

  ::setenv("GOFORK_TEST_INHERITED", "yes", 1);
  EXPECT_EQ(e2e::fork_environment("GOFORK_TEST_INHERITED").get(), "yes");
  gofork::options empty;
  empty.clear_env = true;
  EXPECT_EQ(e2e::fork_environment(empty, "GOFORK_TEST_INHERITED").get(), "<unset>");
  ::unsetenv("GOFORK_TEST_INHERITED");
  EXPECT_EQ(e2e::fork_command_line().get(), std::vector<std::string>{e2e::command_line().at(0)});
}

TEST_F(launch, stdout_and_stderr_go_to_files_and_are_flushed) {
  char dir_template[] = "/tmp/gofork-e2e-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template, out = dir + "/out", err = dir + "/err";
  gofork::options o;
  o.out = gofork::redirect::file(out);
  o.err = gofork::redirect::file(err);
  e2e::fork_print_out_err(o, "to stdout", "to stderr").get();
  EXPECT_EQ(read_file(out), "to stdout");
  EXPECT_EQ(read_file(err), "to stderr");
  ::unlink(out.c_str());
  ::unlink(err.c_str());
  ::rmdir(dir.c_str());
}

TEST_F(launch, stdout_to_a_descriptor_and_null) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  gofork::options o;
  o.out = gofork::redirect::fd(pipe_fds[1]);
  o.err = gofork::redirect::null();
  e2e::fork_write_line(o, 1, "through the pipe").get();
  ::close(pipe_fds[1]);
  char buf[64] = {};
  EXPECT_EQ(::read(pipe_fds[0], buf, sizeof buf - 1), 17);
  EXPECT_STREQ(buf, "through the pipe\n");
  ::close(pipe_fds[0]);
}

TEST_F(launch, stderr_to_a_descriptor_and_stdout_to_null) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  gofork::options o;
  o.out = gofork::redirect::null();
  o.err = gofork::redirect::fd(pipe_fds[1]);
  e2e::fork_print_out_err(o, "to stdout", "to stderr").get();
  ::close(pipe_fds[1]);
  char buf[64] = {};
  EXPECT_EQ(::read(pipe_fds[0], buf, sizeof buf - 1), 9);
  EXPECT_STREQ(buf, "to stderr");
  ::close(pipe_fds[0]);
  EXPECT_EQ(e2e::fork_descriptor_target(o, 1).get(), "/dev/null");
}

// Each redirect as the child's descriptor table shows it; inherit() is the parent's stream.
TEST_F(launch, each_redirect_is_the_descriptor_the_child_gets) {
  char own[256] = {};
  ASSERT_GT(::readlink("/proc/self/fd/2", own, sizeof own - 1), 0);
  gofork::options o;
  o.err = gofork::redirect::inherit();
  EXPECT_EQ(e2e::fork_descriptor_target(o, 2).get(), own);
  EXPECT_EQ(e2e::fork_descriptor_target(2).get(), own) << "the default is inherit()";
  o.err = gofork::redirect::null();
  EXPECT_EQ(e2e::fork_descriptor_target(o, 2).get(), "/dev/null");
  o.err = gofork::redirect::capture();
  EXPECT_EQ(e2e::fork_descriptor_target(o, 2).get().rfind("pipe:[", 0), 0u);
  o.in = gofork::redirect::null();
  EXPECT_EQ(e2e::fork_descriptor_target(o, 0).get(), "/dev/null");
}

// Output written before an exception is flushed too (C stdio and iostreams).
TEST_F(launch, output_before_an_exception_is_flushed) {
  gofork::options o;
  o.out = gofork::redirect::capture();
  auto p = e2e::fork_print_and_throw(o, "written first;");
  EXPECT_EQ(expect_error([&] { p.get(); }).kind(), gofork::error_kind::child_exception);
  EXPECT_EQ(p.captured_stdout(), "written first;written first;");
}

// The pidfd is readable exactly when the child has ended, for poll/epoll loops.
TEST_F(launch, the_pidfd_becomes_readable_when_the_child_ends) {
  auto p = e2e::fork_sleep_forever();
  pollfd running{p.pidfd(), POLLIN, 0};
  EXPECT_EQ(::poll(&running, 1, 0), 0) << "readable while the child runs";
  p.kill();
  pollfd ended{p.pidfd(), POLLIN, 0};
  EXPECT_EQ(::poll(&ended, 1, 60000), 1);
  EXPECT_TRUE(ended.revents & POLLIN);
  EXPECT_EQ(p.wait().signal(), SIGKILL);
}

// T01: 1000 launches of summarise(int, string, vector<double>) -> struct, every result exact;
// the latency of launch + get is printed (tracked, not asserted).
TEST_F(launch, a_thousand_struct_round_trips) {
  std::vector<double> latencies_us;
  int exact = 0;
  for (int i = 0; i < 1000; ++i) {
    std::vector<double> values(static_cast<std::size_t>(i % 17), 0.5 * i);
    const std::string name = "call " + std::to_string(i);
    const auto start = std::chrono::steady_clock::now();
    const e2e::summary s = e2e::fork_summarise(i, name, values).get();
    latencies_us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
    double total = 0;
    for (double v : values) total += v;
    exact += s.id == i && s.name == name && s.values == values && s.total == total;
  }
  EXPECT_EQ(exact, 1000);
  std::sort(latencies_us.begin(), latencies_us.end());
  std::printf("launch + get: p50 %.0f us, p99 %.0f us, max %.0f us\n", latencies_us[500], latencies_us[990],
              latencies_us.back());
}

TEST_F(launch, stdin_from_a_file_a_descriptor_and_null) {
  char path[] = "/tmp/gofork-stdin-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "file input", 10), 10);
  ::close(fd);
  gofork::options from_file;
  from_file.in = gofork::redirect::file(path);
  EXPECT_EQ(e2e::fork_read_stdin(from_file).get(), "file input");
  ::unlink(path);

  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  ASSERT_EQ(::write(pipe_fds[1], "piped", 5), 5);
  ::close(pipe_fds[1]);
  gofork::options from_fd;
  from_fd.in = gofork::redirect::fd(pipe_fds[0]);
  EXPECT_EQ(e2e::fork_read_stdin(from_fd).get(), "piped");
  ::close(pipe_fds[0]);

  gofork::options from_null;
  from_null.in = gofork::redirect::null();
  EXPECT_EQ(e2e::fork_read_stdin(from_null).get(), "");
}

TEST_F(launch, the_child_inherits_no_stray_descriptor) {
  int devnull = ::open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(devnull, 0);
  ASSERT_EQ(::dup2(devnull, 900), 900);
  ::close(devnull);
  std::vector<int> fds = e2e::fork_open_descriptors().get();
  ::close(900);
  EXPECT_EQ(std::count(fds.begin(), fds.end(), 900), 0);
  // stdin, stdout, stderr, the channel and the executable opened by the child's init.
  EXPECT_LE(fds.size(), 5u);
}

TEST_F(launch, a_failed_pre_exec_step_is_spawn_failed_and_leaves_no_child) {
  gofork::options o;
  o.cwd = "/nonexistent/gofork";
  auto e = expect_error([&] { (void)e2e::fork_square(o, 2); });
  EXPECT_EQ(e.kind(), gofork::error_kind::spawn_failed);
  EXPECT_EQ(e.sys_errno(), ENOENT);
  EXPECT_NE(std::string(e.what()).find("chdir"), std::string::npos) << e.what();

  gofork::options bad_file;
  bad_file.out = gofork::redirect::file("/nonexistent/gofork/out");
  EXPECT_EQ(expect_error([&] { (void)e2e::fork_square(bad_file, 2); }).kind(), gofork::error_kind::spawn_failed);
}

TEST_F(launch, threads_spawn_concurrently) {
  std::vector<std::thread> threads;
  std::atomic<int> correct{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &correct] {
      for (int i = 0; i < 10; ++i) {
        int x = t * 100 + i;
        if (e2e::fork_square(x).get() == x * x) ++correct;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(correct.load(), 40);
}

// The generated pool overloads: fork_f(pool&, ...) waits for room in the queue, try_fork_f
// gives no future when there is none, and static members have both too.
TEST_F(launch, generated_pool_stubs_submit_and_try_to_submit) {
  gofork::pool_options o;
  o.queue_limit = 1;
  gofork::pool workers(1, o);
  EXPECT_EQ(e2e::fork_square(workers, 6).get(), 36);
  auto hold = e2e::fork_sleep_forever(workers);  // on the one worker
  auto queued = e2e::fork_square(workers, 7);   // the queue is full
  std::optional<gofork::future<int>> refused = e2e::try_fork_square(workers, 8);
  EXPECT_FALSE(refused.has_value()) << "try_fork_* past queue_limit gives no future";
  hold.cancel();
  EXPECT_EQ(expect_error([&] { hold.get(); }).kind(), gofork::error_kind::cancelled);
  EXPECT_EQ(queued.get(), 49);
  std::optional<gofork::future<int>> taken = e2e::try_fork_square(workers, 9);
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->get(), 81);
  auto counted = gofork::stubs<e2e::counter>::try_fork_count_from(workers, 2, 4);
  ASSERT_TRUE(counted.has_value());
  EXPECT_EQ(counted->get(), e2e::counter::count_from(2, 4));
  workers.shutdown();
}

// The generated zygote overloads: a fresh process per call, typed as every other stub, with a
// user type, defaults, static members and per-call options.
TEST_F(launch, generated_zygote_stubs_fork_each_call) {
  gofork::zygote z;
  EXPECT_EQ(e2e::fork_square(z, 6).get(), 36);
  auto p = e2e::fork_own_pid(z);
  EXPECT_EQ(p.get(), p.pid());
  EXPECT_NE(p.pid(), z.pid());
  EXPECT_EQ(e2e::fork_with_defaults(z, 1).get(), e2e::with_defaults(1));
  EXPECT_EQ(gofork::stubs<e2e::counter>::fork_count_from(z, 2, 4).get(), e2e::counter::count_from(2, 4));
  const e2e::summary s = e2e::fork_summarise(z, 7, "seven", {1.0, 2.5}).get();
  EXPECT_EQ(s.id, 7);
  EXPECT_EQ(s.name, "seven");
  EXPECT_EQ(s.total, 3.5);
  gofork::options o;
  o.env["GOFORK_E2E_ZYGOTE"] = "yes";
  o.out = gofork::redirect::capture();
  EXPECT_EQ(e2e::fork_environment(z, o, "GOFORK_E2E_ZYGOTE").get(), "yes");
  auto printed = e2e::fork_print_out_err(z, o, "to out", "to err");
  printed.get();
  EXPECT_EQ(printed.captured_stdout(), "to out");
  EXPECT_EQ(expect_error([&] { e2e::fork_throw_runtime_error(z, "boom").get(); }).kind(),
            gofork::error_kind::child_exception);
  EXPECT_EQ(expect_error([&] { e2e::fork_abort_now(z).get(); }).kind(), gofork::error_kind::child_signaled);
  EXPECT_TRUE(e2e::fork_child_flag(z).get()) << "gofork::is_child() in a zygote's child";
}

}  // namespace
