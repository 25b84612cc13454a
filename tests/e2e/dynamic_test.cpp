// go-fork's dynamic API: functions registered by name before init, launched by name, with the
// signature checked before anything is spawned. No generator involved.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "../support/memory.hpp"
#include "../support/test_support.hpp"

#include <gofork/gofork.hpp>

namespace {

using gofork_test::expect_error;
using gofork_test::expect_no_children;

int square(int x) { return x * x; }
std::string repeat(std::string s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}
double half(double x) noexcept { return x / 2; }
void fail(std::string message) { throw std::invalid_argument(message); }
std::vector<std::uint8_t> echo(std::vector<std::uint8_t> bytes) { return bytes; }
std::uint64_t checksum(std::vector<std::uint8_t> bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (std::uint8_t b : bytes) h = (h ^ b) * 1099511628211ull;
  return h;
}
std::vector<std::uint8_t> make_bytes(std::uint64_t size) {
  std::vector<std::uint8_t> out(size);
  for (std::uint64_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(i * 7 + (i >> 12));
  return out;
}
void no_core() {
  rlimit zero{0, 0};
  ::setrlimit(RLIMIT_CORE, &zero);  // a test crash needs no core file
}
void segfault() {
  no_core();
  volatile int* nowhere = nullptr;
  *nowhere = 1;
}
int exit_seven() { std::exit(7); }
int exit_zero_at_once() { ::_exit(0); }
int quick_exit_three() { std::quick_exit(3); }

// What a program the child starts with a plain exec (through the shell) sees of its
// environment: names only.
std::string grandchild_environment() {
  std::string names;
  if (FILE* env = ::popen("env", "r")) {
    char line[4096];
    while (std::fgets(line, sizeof line, env) != nullptr) {
      names += std::string(line).substr(0, std::string(line).find('=')) + "\n";
    }
    ::pclose(env);
  }
  return names;
}

// The environment as a list of entries.
std::vector<std::string> environment_entries() {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) out.emplace_back(*e);
  return out;
}
int add(int a, int b) { return a + b; }
void pause_forever() {
  for (;;) ::pause();
}

// Says "ready" on stdout once SIGTERM is ignored (or left alone), then waits to be stopped.
void stubborn(bool ignore_term) {
  if (ignore_term) ::signal(SIGTERM, SIG_IGN);
  std::fputs("ready", stdout);
  std::fflush(stdout);
  pause_forever();
}

// Writes junk where the reply belongs (every socket it holds) and exits cleanly.
// Writes a bad reply on the channel (the child's only socket) and exits 0: junk, another
// protocol's magic, a header announcing 100 bytes followed by 10, an unknown kind, or a
// header announcing 1 TiB followed by 60,000 bytes.
void forge_reply(int variant) {
  std::string reply;
  auto header = [](const char* magic, char kind, std::uint64_t size) {
    std::string h(magic, 4);
    h += kind;
    h.append(3, '\0');
    h.append(reinterpret_cast<const char*>(&size), sizeof size);
    return h;
  };
  switch (variant) {
    case 0: reply = "junk, not a reply"; break;
    case 1: reply = header("GFR2", 1, 1) + "\xc0"; break;
    case 2: reply = header("GFR1", 1, 100) + std::string(10, '\xc0'); break;
    case 4: reply = header("GFR1", 1, std::uint64_t{1} << 40) + std::string(60000, '\xc0'); break;
    default: reply = header("GFR1", 9, 1) + "\xc0"; break;
  }
  for (int fd = 3; fd < 64; ++fd) {
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) (void)!::write(fd, reply.data(), reply.size());
  }
  ::_exit(0);
}

// A big reply as a child passes it: the notice of a reply frame in a sealed memfd, with the
// memfd attached (memfd_reply.hpp), forged in its defects. Every variant but the last two is a
// protocol error; 7 is a well-formed reply (the value 42); 8 dies before it sends anything.
int forge_memfd_reply(int variant) {
  auto reply_header = [](const char* magic, std::uint64_t size) {
    std::string h(magic, 4);
    h += '\x01';
    h.append(3, '\0');
    h.append(reinterpret_cast<const char*>(&size), sizeof size);
    return h;
  };
  const std::string frame = reply_header("GFR1", 1) + "\x2a";  // kind value, payload 42
  auto memfd = [&](bool seal, const std::string& contents) {
    const int fd = ::memfd_create("forged-reply", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0 || ::write(fd, contents.data(), contents.size()) != static_cast<ssize_t>(contents.size())) ::_exit(90);
    if (seal && ::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0) ::_exit(91);
    return fd;
  };
  std::string notice = reply_header("GFRM", frame.size());
  notice[4] = '\0';
  std::vector<int> fds;
  int pipe_ends[2] = {-1, -1};
  switch (variant) {
    case 0: break;                                                       // no descriptor
    case 1: fds = {memfd(false, frame)}; break;                          // not sealed
    case 2: fds = {memfd(true, frame + "xx")}; break;                    // another size
    case 3: notice = reply_header("GFRM", std::uint64_t{2} << 30); notice[4] = '\0';
            fds = {memfd(true, frame)}; break;                           // beyond max_result_bytes
    case 4: fds = {memfd(true, frame), memfd(true, frame)}; break;       // two descriptors
    case 5: notice = frame; fds = {memfd(true, frame)}; break;           // one with a socket reply
    case 6: if (::pipe(pipe_ends) != 0) ::_exit(92);
            fds = {pipe_ends[0]}; break;                                 // not a memfd
    case 7: fds = {memfd(true, frame)}; break;                           // well-formed
    default: memfd(false, frame); ::raise(SIGKILL);                      // killed mid-reply
  }
  alignas(cmsghdr) char control[CMSG_SPACE(2 * sizeof(int))] = {};
  iovec part{notice.data(), notice.size()};
  msghdr message{};
  message.msg_iov = &part;
  message.msg_iovlen = 1;
  if (!fds.empty()) {
    message.msg_control = control;
    message.msg_controllen = CMSG_SPACE(fds.size() * sizeof(int));
    cmsghdr* c = CMSG_FIRSTHDR(&message);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
    std::memcpy(CMSG_DATA(c), fds.data(), fds.size() * sizeof(int));
  }
  for (int fd = 3; fd < 64; ++fd) {
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) (void)!::sendmsg(fd, &message, MSG_NOSIGNAL);
  }
  ::_exit(0);
}

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

TEST(dynamic, sixty_four_mebibytes_each_way) {
  const std::uint64_t size = std::uint64_t{64} << 20;
  std::vector<std::uint8_t> big = make_bytes(size);
  EXPECT_EQ(gofork::fork<std::uint64_t>("checksum", big).get(), checksum(big));
  std::vector<std::uint8_t> back = gofork::fork<std::vector<std::uint8_t>>("make_bytes", size).get();
  EXPECT_TRUE(back == big);
  expect_no_children();
}

TEST(dynamic, segfault_and_exit_are_reported) {
  auto crashed = gofork::fork("segfault");
  auto e = expect_error([&] { crashed.get(); });
  EXPECT_EQ(e.kind(), gofork::error_kind::child_signaled);
  EXPECT_NE(std::string(e.what()).find("SIGSEGV"), std::string::npos) << e.what();
  EXPECT_EQ(crashed.wait().signal(), SIGSEGV);
  EXPECT_FALSE(crashed.wait().core_dumped());

  // T06: exiting without a result, however and with whatever status (0 included), is child_exited.
  for (const auto& [function, code] : {std::pair{"exit_seven", 7}, std::pair{"exit_zero_at_once", 0},
                                       std::pair{"quick_exit_three", 3}}) {
    auto exited = gofork::fork<int>(function);
    EXPECT_EQ(expect_error([&] { exited.get(); }).kind(), gofork::error_kind::child_exited) << function;
    EXPECT_EQ(exited.wait().code(), code) << function;
  }
  expect_no_children();
}

// T09: no GOFORK_ variable reaches what a child starts with a plain exec.
TEST(dynamic, a_grandchild_sees_no_gofork_variable) {
  const std::string names = gofork::fork<std::string>("grandchild_environment").get();
  ASSERT_NE(names.find("PATH\n"), std::string::npos) << "the grandchild's environment was not read: " << names;
  EXPECT_EQ(names.find("GOFORK_"), std::string::npos) << names;
}

// 800 launches from 8 threads at once, with extra variables for the children; T24: the
// parent's own environment stays as it was.
TEST(dynamic, eight_threads_times_a_hundred_spawns) {
  const std::vector<std::string> before = environment_entries();
  gofork::options o;
  o.env = {{"GOFORK_TEST_EXTRA", "1"}, {"HOME", "/nowhere"}};
  std::atomic<int> correct{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([t, &correct, &o] {
      for (int i = 0; i < 100; ++i) {
        if (gofork::fork<int>(o, "add", t * 1000, i).get() == t * 1000 + i) ++correct;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(correct.load(), 800);
  EXPECT_EQ(environment_entries(), before);
  expect_no_children();
}

// T05: terminate(grace) asks with SIGTERM, and kills a child that ignores it once grace is over.
TEST(dynamic, terminate_asks_first_then_kills) {
  for (bool ignore_term : {false, true}) {
    int ready[2];
    ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
    gofork::options o;
    o.out = gofork::redirect::fd(ready[1]);
    auto p = gofork::fork(o, "stubborn", ignore_term);
    ::close(ready[1]);
    char said[5] = {};
    std::size_t got = 0;
    while (got < sizeof said) {
      const ssize_t n = ::read(ready[0], said + got, sizeof said - got);
      ASSERT_GT(n, 0) << "the child never got ready";
      got += static_cast<std::size_t>(n);
    }
    ::close(ready[0]);
    const int expected = ignore_term ? SIGKILL : SIGTERM;
    EXPECT_EQ(p.terminate(std::chrono::milliseconds(200)).signal(), expected);
    EXPECT_EQ(p.terminate().signal(), expected);  // already ended: the same status, no signal
  }
  expect_no_children();
}

TEST(dynamic, a_detached_child_is_reaped_in_the_background) {
  auto p = gofork::fork("pause_forever");
  const pid_t pid = p.pid();
  p.detach();
  EXPECT_FALSE(p.valid());
  EXPECT_THROW((void)p.pid(), std::logic_error);
  ASSERT_EQ(::kill(pid, 0), 0);  // still running: detach does not kill
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  // The reaper thread collects it; wait for that (bounded), never for a fixed time.
  for (int i = 0; i < 60000 && ::kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(::kill(pid, 0), -1) << "the detached child was not reaped";
  expect_no_children();
}

// T07: junk, a wrong magic (version), a truncated reply, an unknown kind and a size beyond
// max_result_bytes are protocol errors; the parent allocates nothing for the announced 1 TiB
// (its resident set grows by less than 2 MiB while it reads and refuses the reply).
TEST(dynamic, a_malformed_reply_is_protocol) {
  const char* expected[] = {"not a gofork reply", "not a gofork reply", "truncated", "unknown kind", "max_result_bytes"};
  for (int variant = 0; variant < 5; ++variant) {
    auto p = gofork::fork("forge_reply", variant);
    gofork::error e(gofork::error_kind::spawn_failed, "");
    const long growth = gofork_test::peak_growth_kib([&] { e = expect_error([&] { p.get(); }); });
    EXPECT_EQ(e.kind(), gofork::error_kind::protocol) << variant;
    EXPECT_NE(std::string(e.what()).find(expected[variant]), std::string::npos) << variant << ": " << e.what();
    EXPECT_LT(growth, 2 * 1024) << "KiB, variant " << variant;
    std::printf("variant %d: resident set grew %ld KiB\n", variant, growth);
  }
  expect_no_children();
}

// A big reply's memfd is taken only as the one descriptor behind a notice, sealed against
// every change and exactly the size announced; anything else is a protocol error saying what,
// a size beyond max_result_bytes is refused before anything is mapped, and no descriptor the
// child passed stays open in the parent.
TEST(dynamic, a_forged_memfd_reply_is_protocol) {
  const char* expected[] = {"passed no descriptor", "not sealed", "not the size it announced", "max_result_bytes",
                            "more than one descriptor", "a descriptor with a reply on the socket", "not a memfd"};
  (void)gofork::fork<int>("forge_memfd_reply", 7).get();
  const int before = gofork_test::count_open_descriptors();
  for (int variant = 0; variant < 7; ++variant) {
    auto e = expect_error([&] { (void)gofork::fork<int>("forge_memfd_reply", variant).get(); });
    EXPECT_EQ(e.kind(), gofork::error_kind::protocol) << variant;
    EXPECT_NE(std::string(e.what()).find(expected[variant]), std::string::npos) << variant << ": " << e.what();
  }
  EXPECT_EQ(gofork::fork<int>("forge_memfd_reply", 7).get(), 42);
  auto killed = expect_error([&] { (void)gofork::fork<int>("forge_memfd_reply", 8).get(); });
  EXPECT_EQ(killed.kind(), gofork::error_kind::child_signaled) << killed.what();
  EXPECT_EQ(gofork_test::count_open_descriptors(), before);
  expect_no_children();
}

// The real path: results of every size around the switch from the socket to a memfd arrive whole.
TEST(dynamic, replies_around_the_memfd_threshold_arrive_whole) {
  for (std::uint64_t size : {std::uint64_t{200} << 10, (std::uint64_t{256} << 10) - 1, std::uint64_t{256} << 10,
                             (std::uint64_t{256} << 10) + 1, std::uint64_t{3} << 20}) {
    std::vector<std::uint8_t> back = gofork::fork<std::vector<std::uint8_t>>("make_bytes", size).get();
    EXPECT_TRUE(back == make_bytes(size)) << size;
  }
  expect_no_children();
}

TEST(dynamic, huge_time_limits_mean_forever) {
  gofork::options o;
  o.timeout = std::chrono::milliseconds::max();
  EXPECT_EQ(gofork::fork<int>(o, "add", 1, 2).get(), 3);
  auto p = gofork::fork<int>("add", 2, 3);
  auto status = p.wait_for(std::chrono::hours::max());
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(status->success());
  EXPECT_EQ(p.get(), 5);
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
  gofork::register_function("echo", &echo);
  gofork::register_function("checksum", &checksum);
  gofork::register_function("make_bytes", &make_bytes);
  gofork::register_function("segfault", &segfault);
  gofork::register_function("exit_seven", &exit_seven);
  gofork::register_function("exit_zero_at_once", &exit_zero_at_once);
  gofork::register_function("quick_exit_three", &quick_exit_three);
  gofork::register_function("grandchild_environment", &grandchild_environment);
  gofork::register_function("add", &add);
  gofork::register_function("pause_forever", &pause_forever);
  gofork::register_function("forge_reply", &forge_reply);
  gofork::register_function("forge_memfd_reply", &forge_memfd_reply);
  gofork::register_function("stubborn", &stubborn);
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
