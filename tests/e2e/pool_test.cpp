// Warm worker pools against real workers: calls served by long-lived children, a death that
// fails only its own call, time-outs, cancel, recycling by calls and by resident set, bad
// replies, many threads, and a shutdown that leaves nothing behind.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "../support/test_support.hpp"

#include <gofork/gofork.hpp>

extern char** environ;

namespace {

using gofork_test::expect_error;
using gofork_test::expect_no_children;

int square(int x) { return x * x; }
int own_pid() { return static_cast<int>(::getpid()); }
int fail_with(std::string what) { throw std::runtime_error(what); }
int crash(int how) {
  if (how == 0) ::raise(SIGSEGV);
  if (how == 1) ::raise(SIGKILL);
  std::exit(3);
}
void pause_forever() {
  for (;;) ::pause();
}
// Keeps `mib` MiB touched in the worker, so its resident set grows.
std::vector<char> ballast;
int grow(int mib) {
  ballast.assign(static_cast<std::size_t>(mib) << 20, 'b');
  return own_pid();
}
// Writes junk where the reply belongs and goes on serving nothing.
int answer_junk() {
  for (int fd = 3; fd < 64; ++fd) {
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) (void)!::write(fd, "junk, not a reply", 17);
  }
  pause_forever();
  return 0;
}
std::vector<std::uint8_t> echo(std::vector<std::uint8_t> bytes) { return bytes; }
int counter = 0;
int count_calls() { return ++counter; }
// Blocks until the test opens the FIFO at `path` for writing.
int wait_for_writer(std::string path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) ::close(fd);
  return own_pid();
}
int descriptors_open() { return gofork_test::count_open_descriptors(); }
int request_buffers_mapped() {
  std::ifstream maps("/proc/self/maps");
  int n = 0;
  for (std::string line; std::getline(maps, line);) n += line.find("gofork-request") != std::string::npos;
  return n;
}
// A byte of a big argument, proving the worker read it; its pid, proving which worker.
std::vector<int> byte_and_pid(std::vector<std::uint8_t> bytes, std::uint64_t at) {
  return {bytes.at(at), own_pid()};
}

TEST(pool, calls_are_served_by_warm_workers) {
  gofork::pool workers(2);
  EXPECT_EQ(workers.size(), 2u);
  std::vector<gofork::future<int>> squares;
  for (int i = 0; i < 20; ++i) squares.push_back(gofork::fork<int>(workers, "square", i));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(squares[static_cast<std::size_t>(i)].get(), i * i);
  std::set<int> pids;
  for (int i = 0; i < 20; ++i) pids.insert(gofork::fork<int>(workers, "own_pid").get());
  EXPECT_LE(pids.size(), 2u) << "a warm worker serves many calls";
  EXPECT_EQ(pids.count(static_cast<int>(::getpid())), 0u);
  // A worker keeps the state its functions leave in globals.
  gofork::pool one(1);
  EXPECT_EQ(gofork::fork<int>(one, "count_calls").get(), 1);
  EXPECT_EQ(gofork::fork<int>(one, "count_calls").get(), 2);
  EXPECT_EQ(workers.stats().workers_started, 2u);
}

// A call sent by its submitter is read by whoever waits for it first — its own get(), or the
// worker's driver once the call is waited on with a limit, dropped, or its worker is needed.
TEST(pool, every_way_of_waiting_gets_its_reply) {
  gofork::pool one(1);
  auto a = gofork::fork<int>(one, "square", 2);
  auto b = gofork::fork<int>(one, "square", 3);  // queued behind a, whose reply no one reads yet
  EXPECT_EQ(b.get(), 9);
  EXPECT_EQ(a.get(), 4);
  auto c = gofork::fork<int>(one, "square", 4);
  EXPECT_TRUE(c.wait_for(std::chrono::seconds(60)));
  EXPECT_TRUE(c.ready());
  EXPECT_EQ(c.get(), 16);
  auto d = gofork::fork<int>(one, "square", 5);
  d.wait();
  EXPECT_EQ(d.get(), 25);
  EXPECT_EQ(d.get(), 25) << "get() again gives the same result";
  // A future dropped while its call still queues: the call runs on and frees its worker.
  auto e = gofork::fork<int>(one, "square", 6);
  (void)gofork::fork<int>(one, "square", 7);
  EXPECT_EQ(e.get(), 36);
  EXPECT_EQ(gofork::fork<int>(one, "square", 8).get(), 64);
}

TEST(pool, an_exception_fails_its_call_and_the_worker_stays) {
  gofork::pool workers(1);
  const int pid = gofork::fork<int>(workers, "own_pid").get();
  auto e = expect_error([&] { gofork::fork<int>(workers, "fail_with", std::string("bad input")).get(); });
  EXPECT_EQ(e.kind(), gofork::error_kind::child_exception);
  EXPECT_STREQ(e.what(), "std::runtime_error: bad input");
  EXPECT_EQ(gofork::fork<int>(workers, "own_pid").get(), pid);
}

TEST(pool, a_dying_worker_fails_only_its_call_and_is_replaced) {
  gofork::pool workers(2);
  const gofork::error_kind kinds[] = {gofork::error_kind::child_signaled, gofork::error_kind::child_signaled,
                                      gofork::error_kind::child_exited};
  const char* messages[] = {"SIGSEGV", "SIGKILL", "exited with status 3"};
  for (int how = 0; how < 3; ++how) {
    auto others = gofork::fork<int>(workers, "square", 9);
    auto e = expect_error([&] { gofork::fork<int>(workers, "crash", how).get(); });
    EXPECT_EQ(e.kind(), kinds[how]) << e.what();
    EXPECT_NE(std::string(e.what()).find(messages[how]), std::string::npos) << e.what();
    EXPECT_EQ(others.get(), 81);
    EXPECT_EQ(gofork::fork<int>(workers, "square", 5).get(), 25);
  }
  const gofork::pool_stats stats = workers.stats();
  EXPECT_EQ(stats.workers_lost, 3u);
  EXPECT_EQ(stats.workers_started, 5u);
}

TEST(pool, a_call_past_its_timeout_is_timed_out_and_its_worker_replaced) {
  gofork::pool_options o;
  o.call_timeout = std::chrono::milliseconds(300);
  gofork::pool workers(1, o);
  auto e = expect_error([&] { gofork::fork(workers, "pause_forever").get(); });
  EXPECT_EQ(e.kind(), gofork::error_kind::timed_out) << e.what();
  EXPECT_NE(std::string(e.what()).find("300 ms"), std::string::npos) << e.what();
  EXPECT_EQ(gofork::fork<int>(workers, "square", 4).get(), 16);
}

TEST(pool, cancel_removes_a_queued_call_and_ends_a_running_one) {
  gofork::pool workers(1);
  auto running = gofork::fork(workers, "pause_forever");
  auto queued = gofork::fork<int>(workers, "count_calls");
  EXPECT_FALSE(queued.wait_for(std::chrono::milliseconds(50)));
  queued.cancel();
  EXPECT_TRUE(queued.ready());
  EXPECT_EQ(expect_error([&] { queued.get(); }).kind(), gofork::error_kind::cancelled);
  EXPECT_FALSE(running.ready());
  running.cancel();
  EXPECT_EQ(expect_error([&] { running.get(); }).kind(), gofork::error_kind::cancelled);
  // The replacement never ran the cancelled count_calls: its counter starts at one.
  EXPECT_EQ(gofork::fork<int>(workers, "count_calls").get(), 1);
  auto done = gofork::fork<int>(workers, "square", 3);
  done.wait();
  done.cancel();  // too late: the result stays
  EXPECT_EQ(done.get(), 9);
}

// A memory cgroup of our own (v1 or v2) limited to `bytes`, removed on destruction; empty
// `dir` when this machine does not let us make one.
struct memory_cgroup {
  std::string dir, limit_file;
  explicit memory_cgroup(std::size_t bytes) {
    std::ifstream self("/proc/self/cgroup");
    std::string v1, v2;
    for (std::string line; std::getline(self, line);) {
      const auto second = line.find(':', line.find(':') + 1);
      const std::string controllers = line.substr(line.find(':') + 1, second - line.find(':') - 1);
      if (controllers == "memory") v1 = line.substr(second + 1);
      if (line.rfind("0::", 0) == 0) v2 = line.substr(3);
    }
    const std::string name = "/gofork-oom-" + std::to_string(::getpid());
    if (!v1.empty() && ::mkdir(("/sys/fs/cgroup/memory" + v1 + name).c_str(), 0755) == 0) {
      dir = "/sys/fs/cgroup/memory" + v1 + name;
      limit_file = dir + "/memory.limit_in_bytes";
    } else if (!v2.empty() && ::access(("/sys/fs/cgroup" + v2 + "/memory.max").c_str(), F_OK) == 0 &&
               ::mkdir(("/sys/fs/cgroup" + v2 + name).c_str(), 0755) == 0) {
      dir = "/sys/fs/cgroup" + v2 + name;
      limit_file = dir + "/memory.max";
    }
    if (!dir.empty() && !write(limit_file, std::to_string(bytes))) {
      ::rmdir(dir.c_str());
      dir.clear();
    }
  }
  ~memory_cgroup() {
    if (!dir.empty()) ::rmdir(dir.c_str());
  }
  static bool write(const std::string& file, const std::string& text) {
    std::ofstream out(file);
    out << text;
    out.flush();
    return static_cast<bool>(out);
  }
  bool add(int pid) const { return write(dir + "/cgroup.procs", std::to_string(pid)); }
};

TEST(pool, a_worker_the_oom_killer_ends_fails_its_call_alone) {
  memory_cgroup limited(std::size_t{64} << 20);
  if (limited.dir.empty()) GTEST_SKIP() << "no memory cgroup of our own can be made here";
  gofork::pool workers(1);
  const int pid = gofork::fork<int>(workers, "own_pid").get();
  ASSERT_TRUE(limited.add(pid));
  auto e = expect_error([&] { gofork::fork<int>(workers, "grow", 512).get(); });
  EXPECT_EQ(e.kind(), gofork::error_kind::child_signaled) << e.what();
  EXPECT_NE(std::string(e.what()).find("SIGKILL"), std::string::npos) << e.what();
  EXPECT_NE(gofork::fork<int>(workers, "own_pid").get(), pid);
  EXPECT_EQ(gofork::fork<int>(workers, "square", 8).get(), 64);
}

TEST(pool, workers_are_retired_after_max_calls_and_at_max_resident_set) {
  gofork::pool_options by_calls;
  by_calls.max_calls_per_worker = 1;
  gofork::pool fresh(1, by_calls);
  std::set<int> pids;
  for (int i = 0; i < 5; ++i) pids.insert(gofork::fork<int>(fresh, "own_pid").get());
  EXPECT_EQ(pids.size(), 5u) << "max_calls_per_worker = 1 gives a fresh process per call";
  EXPECT_EQ(fresh.stats().retired_by_calls, 5u);

  // The limit sits 32 MiB above what a fresh worker holds (more under a sanitizer).
  std::size_t fresh_resident = 0;
  {
    gofork::pool probe(1);
    std::ifstream statm("/proc/" + std::to_string(gofork::fork<int>(probe, "own_pid").get()) + "/statm");
    std::size_t size = 0, pages = 0;
    ASSERT_TRUE(statm >> size >> pages);
    fresh_resident = pages * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  }
  gofork::pool_options by_rss;
  by_rss.max_worker_rss_bytes = fresh_resident + (std::size_t{32} << 20);
  gofork::pool lean(1, by_rss);
  const int small = gofork::fork<int>(lean, "grow", 1).get();
  EXPECT_EQ(gofork::fork<int>(lean, "own_pid").get(), small) << "under the limit: kept";
  const int big = gofork::fork<int>(lean, "grow", 64).get();
  EXPECT_EQ(big, small);
  EXPECT_NE(gofork::fork<int>(lean, "own_pid").get(), big) << "past the limit: replaced between calls";
  EXPECT_EQ(lean.stats().retired_by_rss, 1u);
}

TEST(pool, a_worker_that_answers_garbage_is_protocol_and_replaced) {
  gofork::pool workers(1);
  auto e = expect_error([&] { gofork::fork<int>(workers, "answer_junk").get(); });
  EXPECT_EQ(e.kind(), gofork::error_kind::protocol) << e.what();
  EXPECT_NE(std::string(e.what()).find("not a gofork reply"), std::string::npos) << e.what();
  EXPECT_EQ(gofork::fork<int>(workers, "square", 6).get(), 36);
  // A name this program does not register is refused before it reaches a worker.
  const int pid = gofork::fork<int>(workers, "own_pid").get();
  auto refused = expect_error([&] { gofork::fork<int>(workers, "nope").get(); });
  EXPECT_EQ(refused.kind(), gofork::error_kind::spawn_failed) << refused.what();
  EXPECT_EQ(gofork::fork<int>(workers, "own_pid").get(), pid);
  // A dropped future lets its call run on; the worker serves the next one after it.
  (void)gofork::fork<int>(workers, "square", 2);
  EXPECT_EQ(gofork::fork<int>(workers, "own_pid").get(), pid);
}

// 10,000 calls from 8 threads, one in 125 crashing its worker.
TEST(pool, eight_threads_share_a_pool_with_some_calls_failing) {
  gofork::pool workers(2);
  std::atomic<int> right{0}, failed_as_expected{0}, wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1250; ++i) {
        const int x = t * 10000 + i;
        try {
          if (i % 125 == 124) {
            gofork::fork<int>(workers, "crash", 0).get();
            ++wrong;
          } else if (gofork::fork<int>(workers, "square", x % 40000).get() == (x % 40000) * (x % 40000)) {
            ++right;
          } else {
            ++wrong;
          }
        } catch (const gofork::error& e) {
          (e.kind() == gofork::error_kind::child_signaled && i % 125 == 124 ? failed_as_expected : wrong)++;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(right.load(), 8 * 1240);
  EXPECT_EQ(failed_as_expected.load(), 8 * 10);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(workers.stats().calls, 10000u);
}

TEST(pool, sixty_four_mebibytes_each_way_through_a_worker) {
  gofork::pool workers(1);
  std::vector<std::uint8_t> big(std::size_t{64} << 20);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 7);
  EXPECT_TRUE(gofork::fork<std::vector<std::uint8_t>>(workers, "echo", big).get() == big);
  EXPECT_TRUE(gofork::fork<std::vector<std::uint8_t>>(workers, "echo", big).get() == big);
}

// Big arguments reach a worker in a memfd it maps for the call alone: it keeps no descriptor
// and no mapping of it, and serves on, from one thread or many, with calls queued behind.
TEST(pool, big_arguments_are_lent_to_a_worker_for_their_call_only) {
  gofork::pool workers(2);
  const int descriptors = gofork::fork<int>(workers, "descriptors_open").get();
  const int mappings = gofork::fork<int>(workers, "request_buffers_mapped").get();  // its launch request's
  std::vector<std::uint8_t> big(std::size_t{3} << 20);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i % 251);
  const std::vector<int> first = gofork::fork<std::vector<int>>(workers, "byte_and_pid", big, std::uint64_t{1000003}).get();
  EXPECT_EQ(first.at(0), 1000003 % 251);
  std::vector<std::thread> threads;
  std::atomic<int> right{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const std::uint64_t at = static_cast<std::uint64_t>(t * 100000 + i * 7919);
        try {
          if (gofork::fork<std::vector<int>>(workers, "byte_and_pid", big, at).get().at(0) == static_cast<int>(at % 251)) ++right;
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(right.load(), 40);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(gofork::fork<int>(workers, "descriptors_open").get(), descriptors);
    EXPECT_EQ(gofork::fork<int>(workers, "request_buffers_mapped").get(), mappings);
  }
  EXPECT_EQ(workers.stats().workers_lost, 0u);
  EXPECT_EQ(workers.stats().workers_started, 2u);
}

TEST(pool, shutdown_finishes_the_calls_and_leaves_nothing_behind) {
  const int before = gofork_test::count_open_descriptors();
  {
    gofork::pool workers(3);
    std::vector<gofork::future<int>> pending;
    for (int i = 0; i < 30; ++i) pending.push_back(gofork::fork<int>(workers, "square", i));
    workers.shutdown();
    for (int i = 0; i < 30; ++i) EXPECT_EQ(pending[static_cast<std::size_t>(i)].get(), i * i);
    EXPECT_EQ(expect_error([&] { (void)gofork::fork<int>(workers, "square", 1); }).kind(),
              gofork::error_kind::spawn_failed);
  }
  expect_no_children();
  EXPECT_EQ(gofork_test::count_open_descriptors(), before);
}

// Calls sent ahead to a busy worker, made certain here however slow the machine: any call
// counts as short.
gofork::pool_options sending_ahead() {
  gofork::pool_options o;
  o.ahead_while_calls_under = std::chrono::hours(1);
  return o;
}

// A FIFO a call blocks on (wait_for_writer) until the test opens it: a call that ends when told.
struct gate {
  std::string path = "/tmp/gofork-pool-gate-" + std::to_string(::getpid());
  gate() { EXPECT_EQ(::mkfifo(path.c_str(), 0600), 0) << std::strerror(errno); }
  ~gate() { ::unlink(path.c_str()); }
  void open() const {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);  // returns once the call opened it
    ASSERT_GE(fd, 0) << std::strerror(errno);
    ::close(fd);
  }
};

TEST(pool, calls_sent_ahead_to_a_worker_that_dies_run_on_its_replacement) {
  gofork::pool workers(1, sending_ahead());
  const int first = gofork::fork<int>(workers, "own_pid").get();
  auto running = gofork::fork(workers, "pause_forever");
  auto behind = gofork::fork<int>(workers, "own_pid");
  auto behind_too = gofork::fork<int>(workers, "square", 7);
  EXPECT_EQ(workers.stats().calls_sent_ahead, 2u) << "both went to the busy worker's channel";
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  auto e = expect_error([&] { running.get(); });
  EXPECT_EQ(e.kind(), gofork::error_kind::child_signaled) << e.what();
  const int second = behind.get();
  EXPECT_NE(second, first) << "run by the replacement, not lost with the worker";
  EXPECT_EQ(behind_too.get(), 49);
  const gofork::pool_stats stats = workers.stats();
  EXPECT_EQ(stats.calls_requeued, 2u);
  EXPECT_EQ(stats.workers_lost, 1u);
  EXPECT_EQ(stats.calls, 4u);

  gofork::pool_options none = sending_ahead();
  none.calls_ahead_per_worker = 0;
  gofork::pool in_step(1, none);
  (void)gofork::fork<int>(in_step, "own_pid").get();
  auto hold = gofork::fork(in_step, "pause_forever");
  auto queued = gofork::fork<int>(in_step, "square", 3);
  EXPECT_EQ(in_step.stats().calls_sent_ahead, 0u);
  hold.cancel();
  EXPECT_EQ(queued.get(), 9);
}

TEST(pool, a_call_sent_ahead_of_a_bad_answer_fails_with_its_worker_rather_than_run_twice) {
  gofork::pool workers(1, sending_ahead());
  EXPECT_EQ(gofork::fork<int>(workers, "square", 1).get(), 1);
  auto junk = gofork::fork<int>(workers, "answer_junk");
  auto behind = gofork::fork<int>(workers, "count_calls");
  EXPECT_EQ(workers.stats().calls_sent_ahead, 1u);
  EXPECT_EQ(expect_error([&] { junk.get(); }).kind(), gofork::error_kind::protocol);
  // The worker answered, so it may have started the next call: that one ends with it.
  auto e = expect_error([&] { behind.get(); });
  EXPECT_EQ(e.kind(), gofork::error_kind::child_signaled) << e.what();
  EXPECT_NE(std::string(e.what()).find("SIGKILL"), std::string::npos) << e.what();
  EXPECT_EQ(workers.stats().calls_requeued, 0u);
  EXPECT_EQ(gofork::fork<int>(workers, "count_calls").get(), 1) << "a fresh worker";
}

TEST(pool, a_cancelled_call_sent_ahead_ends_when_its_worker_reaches_it) {
  gate g;
  gofork::pool_options o = sending_ahead();
  o.queue_limit = 1;
  gofork::pool workers(1, o);
  const int first = gofork::fork<int>(workers, "own_pid").get();
  auto front = gofork::fork<int>(workers, "wait_for_writer", g.path);
  auto behind = gofork::fork(workers, "pause_forever");
  EXPECT_EQ(workers.stats().calls_sent_ahead, 1u);
  // Sent ahead, it still waits, and counts against queue_limit as a queued call.
  EXPECT_FALSE(gofork::try_fork<int>(workers, "square", 2).has_value());
  behind.cancel();
  EXPECT_FALSE(behind.ready()) << "its worker is still busy with the call in front";
  g.open();
  EXPECT_EQ(front.get(), first);
  EXPECT_EQ(expect_error([&] { behind.get(); }).kind(), gofork::error_kind::cancelled);
  EXPECT_NE(gofork::fork<int>(workers, "own_pid").get(), first) << "its worker was ended for it";
}

// Big arguments and results travel in memfds, one descriptor each on the channel: sent ahead,
// each still finds its own, both ways.
TEST(pool, big_arguments_and_results_sent_ahead_keep_their_own_memfds) {
  gate g;
  gofork::pool workers(1, sending_ahead());
  const int first = gofork::fork<int>(workers, "own_pid").get();
  auto front = gofork::fork<int>(workers, "wait_for_writer", g.path);
  const std::vector<std::uint8_t> a(std::size_t{1} << 20, 'a'), b(std::size_t{3} << 19, 'b');
  auto first_byte = gofork::fork<std::vector<int>>(workers, "byte_and_pid", a, std::uint64_t{5});
  auto echoed = gofork::fork<std::vector<std::uint8_t>>(workers, "echo", b);
  auto echoed_too = gofork::fork<std::vector<std::uint8_t>>(workers, "echo", a);
  EXPECT_EQ(workers.stats().calls_sent_ahead, 3u);
  g.open();
  EXPECT_EQ(front.get(), first);
  EXPECT_EQ(first_byte.get(), (std::vector<int>{'a', first}));
  EXPECT_EQ(echoed.get(), b);
  EXPECT_EQ(echoed_too.get(), a);
  EXPECT_EQ(gofork::fork<int>(workers, "own_pid").get(), first) << "the worker served them all";
}

TEST(pool, the_queue_limit_holds_submitters_back) {
  gofork::pool_options o;
  o.queue_limit = 1;
  gofork::pool workers(1, o);
  auto running = gofork::fork(workers, "pause_forever");
  auto queued = gofork::fork<int>(workers, "square", 2);
  std::atomic<bool> submitted{false};
  std::thread late([&] {
    auto f = gofork::fork<int>(workers, "square", 3);
    submitted = true;
    EXPECT_EQ(f.get(), 9);
  });
  EXPECT_FALSE(queued.wait_for(std::chrono::milliseconds(100)));
  EXPECT_FALSE(submitted.load()) << "a submit past queue_limit waits for room";
  running.cancel();
  EXPECT_EQ(queued.get(), 4);
  late.join();
  EXPECT_TRUE(submitted.load());
}

// try_fork never blocks: past queue_limit there is no future and no call; with room, it is
// an ordinary call.
TEST(pool, try_fork_gives_no_future_past_the_queue_limit) {
  gofork::pool_options o;
  o.queue_limit = 1;
  gofork::pool workers(1, o);
  auto running = gofork::fork(workers, "pause_forever");
  auto queued = gofork::fork<int>(workers, "count_calls");
  EXPECT_FALSE(gofork::try_fork<int>(workers, "count_calls").has_value());
  EXPECT_FALSE(gofork::try_fork<int>(workers, "count_calls").has_value());
  running.cancel();
  const int first = queued.get();  // on the replacement worker: its first call
  EXPECT_EQ(first, 1);
  auto later = gofork::try_fork<int>(workers, "count_calls");
  ASSERT_TRUE(later.has_value());
  EXPECT_EQ(later->get(), 2) << "the refused calls never ran";
  EXPECT_EQ(workers.stats().calls, 3u);
}

// The owner of a pool, run as its own program by the test below: two workers, a call in
// flight on each, their pids on stdout, then it waits to be killed.
[[noreturn]] void own_a_pool() {
  gofork::pool workers(2);
  auto a = gofork::fork<int>(workers, "own_pid");  // both workers idle: one call on each
  auto b = gofork::fork<int>(workers, "own_pid");
  const int first = a.get(), second = b.get();
  auto hang_a = gofork::fork(workers, "pause_forever");
  auto hang_b = gofork::fork(workers, "pause_forever");
  std::printf("%d %d\n", first, second);
  std::fflush(stdout);
  for (;;) ::pause();
}

// No worker outlives its pool's process, even one killed with SIGKILL mid-call.
TEST(pool, workers_end_with_a_parent_killed_by_sigkill) {
  const auto [owner, pids] = gofork_test::run_self_reporting("--own-a-pool", 2);
  ASSERT_GT(owner, 0);
  ASSERT_EQ(pids.size(), 2u);
  EXPECT_NE(pids[0], pids[1]);
  gofork_test::expect_all_end_with(owner, pids, "worker");
}

}  // namespace

int main(int argc, char** argv) {
  gofork::register_function("square", &square);
  gofork::register_function("own_pid", &own_pid);
  gofork::register_function("fail_with", &fail_with);
  gofork::register_function("crash", &crash);
  gofork::register_function("pause_forever", &pause_forever);
  gofork::register_function("grow", &grow);
  gofork::register_function("answer_junk", &answer_junk);
  gofork::register_function("echo", &echo);
  gofork::register_function("count_calls", &count_calls);
  gofork::register_function("descriptors_open", &descriptors_open);
  gofork::register_function("request_buffers_mapped", &request_buffers_mapped);
  gofork::register_function("byte_and_pid", &byte_and_pid);
  gofork::register_function("wait_for_writer", &wait_for_writer);
  gofork::init(argc, argv);
  if (argc > 1 && std::string(argv[1]) == "--own-a-pool") own_a_pool();
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
