// <gofork/async.hpp>: co_await on processes and pool futures resumes from gofork's one waiter
// thread with the result or the error, keeps taking in output while suspended, and wait_any
// tells which of mixed handles ended first — with no SIGCHLD handler and no reaping of
// children that are not gofork's.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "../support/test_support.hpp"

#include <gofork/gofork.hpp>

namespace {

using gofork_test::expect_error;
using namespace std::chrono_literals;

int square(int x) { return x * x; }
int fail_with(std::string what) { throw std::runtime_error(what); }
int crash() {
  ::raise(SIGSEGV);
  return 0;
}
int pause_forever() {
  for (;;) ::pause();
}
std::size_t chatter(std::size_t bytes) {
  const std::string line(1023, 'o');
  for (std::size_t written = 0; written < bytes; written += 1024) std::printf("%s\n", line.c_str());
  std::fflush(stdout);
  return bytes;
}

// Counts coroutines to their end; the test thread waits for all.
struct finish_line {
  std::mutex mutex;
  std::condition_variable all_in;
  int left = 0;
  explicit finish_line(int n) : left(n) {}
  void arrive() {
    std::lock_guard<std::mutex> lock(mutex);
    if (--left == 0) all_in.notify_all();
  }
  bool wait(std::chrono::seconds limit = 300s) {
    std::unique_lock<std::mutex> lock(mutex);
    return all_in.wait_for(lock, limit, [this] { return left == 0; });
  }
};

// A coroutine that starts at once, tells its finish_line once it has suspended for the last
// time, and is destroyed by its handle.
struct job {
  struct promise_type {
    finish_line* line = nullptr;
    job get_return_object() { return job{std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    auto final_suspend() noexcept {
      struct arrive {
        bool await_ready() noexcept { return false; }
        void await_suspend(std::coroutine_handle<promise_type> h) noexcept {
          if (h.promise().line != nullptr) h.promise().line->arrive();
        }
        void await_resume() noexcept {}
      };
      return arrive{};
    }
    void return_void() {}
    void unhandled_exception() { std::terminate(); }
  };
  explicit job(std::coroutine_handle<promise_type> h) : handle(h) {}
  job(job&& other) noexcept : handle(std::exchange(other.handle, {})) {}
  job(const job&) = delete;
  ~job() {
    if (handle) handle.destroy();
  }
  std::coroutine_handle<promise_type> handle;
};

// Makes the coroutine tell `line` when it ends (before it first suspends on a call).
struct arrive_at {
  finish_line& line;
  bool await_ready() noexcept { return false; }
  bool await_suspend(std::coroutine_handle<job::promise_type> h) noexcept {
    h.promise().line = &line;
    return false;
  }
  void await_resume() noexcept {}
};

job square_of(int x, finish_line& line, std::optional<int>& out, std::thread::id& resumed_on) {
  co_await arrive_at{line};
  out = co_await gofork::fork<int>("square", x);
  resumed_on = std::this_thread::get_id();
}

// square(x) awaited by one coroutine, waited for here: whether it was resumed, what it got
// and on which thread.
struct awaited_square {
  bool resumed = false;
  std::optional<int> value;
  std::thread::id resumed_on;
};
awaited_square await_square(int x) {
  finish_line line(1);
  awaited_square a;
  job j = square_of(x, line, a.value, a.resumed_on);
  a.resumed = line.wait();
  return a;
}

job error_of(gofork::process<int> p, finish_line& line, std::optional<gofork::error>& out) {
  co_await arrive_at{line};
  try {
    (void)co_await p;
  } catch (const gofork::error& e) {
    out = e;
  }
}

TEST(async, co_await_gives_the_result_from_the_waiter_thread) {
  const awaited_square a = await_square(7);
  ASSERT_TRUE(a.resumed);
  EXPECT_EQ(a.value, 49);
  EXPECT_NE(a.resumed_on, std::this_thread::get_id());
}

TEST(async, co_await_throws_the_calls_error) {
  finish_line line(2);
  std::optional<gofork::error> thrown, crashed;
  job a = error_of(gofork::fork<int>("fail_with", std::string("awaited failure")), line, thrown);
  job b = error_of(gofork::fork<int>("crash"), line, crashed);
  ASSERT_TRUE(line.wait());
  ASSERT_TRUE(thrown.has_value());
  EXPECT_EQ(thrown->kind(), gofork::error_kind::child_exception);
  EXPECT_NE(std::string(thrown->what()).find("awaited failure"), std::string::npos) << thrown->what();
  ASSERT_TRUE(crashed.has_value());
  EXPECT_EQ(crashed->kind(), gofork::error_kind::child_signaled);
  EXPECT_NE(std::string(crashed->what()).find("SIGSEGV"), std::string::npos) << crashed->what();
}

TEST(async, a_hundred_calls_await_on_one_waiter) {
  constexpr int calls = 100;
  finish_line line(calls);
  std::vector<std::optional<int>> got(calls);
  std::vector<std::thread::id> resumed_on(calls);
  std::vector<job> jobs;
  for (int i = 0; i < calls; ++i) jobs.push_back(square_of(i, line, got[i], resumed_on[i]));
  ASSERT_TRUE(line.wait());
  for (int i = 0; i < calls; ++i) EXPECT_EQ(got[i], i * i) << i;
}

job captured_size(gofork::options o, finish_line& line, std::size_t& result, std::size_t& captured) {
  co_await arrive_at{line};
  gofork::process<std::size_t> p = gofork::fork<std::size_t>(o, "chatter", std::size_t{4} << 20);
  result = co_await p;
  captured = p.captured_stdout().size();
}

TEST(async, output_is_taken_in_while_the_coroutine_is_suspended) {
  // 4 MiB is far more than a pipe holds: the child finishes only if the waiter drains it.
  gofork::options o;
  o.out = gofork::redirect::capture();
  o.max_captured_bytes = std::uint64_t{8} << 20;
  finish_line line(1);
  std::size_t result = 0, captured = 0;
  job j = captured_size(o, line, result, captured);
  ASSERT_TRUE(line.wait());
  EXPECT_EQ(result, std::size_t{4} << 20);
  EXPECT_EQ(captured, std::size_t{4} << 20);
}

job pooled_square(gofork::pool& workers, int x, finish_line& line, std::optional<int>& out) {
  co_await arrive_at{line};
  out = co_await gofork::fork<int>(workers, "square", x);
}

TEST(async, pool_futures_are_awaited_too) {
  gofork::pool workers(2);
  constexpr int calls = 20;
  finish_line line(calls);
  std::vector<std::optional<int>> got(calls);
  std::vector<job> jobs;
  for (int i = 0; i < calls; ++i) jobs.push_back(pooled_square(workers, i, line, got[i]));
  ASSERT_TRUE(line.wait());
  for (int i = 0; i < calls; ++i) EXPECT_EQ(got[i], i * i) << i;
}

job awaits_forever(gofork::process<int>& p) { (void)co_await p; }

TEST(async, a_coroutine_destroyed_while_it_waits_is_never_resumed) {
  gofork::process<int> p = gofork::fork<int>("pause_forever");
  {
    job j = awaits_forever(p);
  }  // destroyed while suspended: the waiter must forget it
  p.kill(SIGKILL);
  EXPECT_TRUE(p.wait().signaled());
  // The waiter goes on serving others.
  const awaited_square a = await_square(9);
  ASSERT_TRUE(a.resumed);
  EXPECT_EQ(a.value, 81);
}

TEST(async, wait_any_says_which_of_mixed_handles_ended_first) {
  gofork::pool workers(1);
  gofork::process<int> slow = gofork::fork<int>("pause_forever");
  gofork::future<int> quick = gofork::fork<int>(workers, "square", 5);
  EXPECT_EQ(gofork::wait_any(slow, quick), 1u);
  EXPECT_EQ(quick.get(), 25);
  EXPECT_EQ(gofork::wait_any_for(200ms, slow), std::nullopt);
  gofork::process<int> done = gofork::fork<int>("square", 6);
  EXPECT_EQ(gofork::wait_any(slow, done), 1u);
  EXPECT_EQ(done.get(), 36);
  slow.kill(SIGKILL);
  EXPECT_EQ(gofork::wait_any_for(300s, slow), std::optional<std::size_t>(0));

  std::vector<gofork::process<int>> many;
  for (int i = 0; i < 8; ++i) many.push_back(gofork::fork<int>("square", i));
  gofork::wait_all_of(many);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(many[static_cast<std::size_t>(i)].get(), i * i);
}

TEST(async, children_that_are_not_gofork_s_are_left_to_their_owner) {
  struct sigaction before{};
  ::sigaction(SIGCHLD, nullptr, &before);
  const pid_t foreign = ::fork();
  if (foreign == 0) ::_exit(5);
  ASSERT_GT(foreign, 0);
  // Awaiting and polling gofork's own children meanwhile must not reap it.
  const awaited_square a = await_square(3);
  ASSERT_TRUE(a.resumed);
  EXPECT_EQ(a.value, 9);
  gofork::process<int> p = gofork::fork<int>("square", 4);
  EXPECT_EQ(gofork::wait_any(p), 0u);
  int status = 0;
  ASSERT_EQ(::waitpid(foreign, &status, 0), foreign);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 5);
  struct sigaction after{};
  ::sigaction(SIGCHLD, nullptr, &after);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
  EXPECT_EQ(after.sa_handler, SIG_DFL);
}

}  // namespace

int main(int argc, char** argv) {
  gofork::register_function("square", &square);
  gofork::register_function("fail_with", &fail_with);
  gofork::register_function("crash", &crash);
  gofork::register_function("pause_forever", &pause_forever);
  gofork::register_function("chatter", &chatter);
  gofork::init(argc, argv);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
