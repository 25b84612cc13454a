// A zygote's children: real processes forked from a real zygote, each an ordinary process<R>.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/stat.h>

#include <atomic>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "../support/test_support.hpp"

#include <gofork/gofork.hpp>

extern char** environ;

namespace {

// The release build makes all 10,000 launches, a sanitizer build 2,000 (gofork_test::scaled).
constexpr int launches_per_thread = gofork_test::scaled(1250);

using gofork_test::expect_error;
using gofork_test::expect_no_children;

int square(int x) { return x * x; }
int own_pid() { return static_cast<int>(::getpid()); }
int parent_pid() { return static_cast<int>(::getppid()); }
int fail_with(std::string what) { throw std::runtime_error(what); }
int crash(int how) {
  if (how == 0) ::raise(SIGSEGV);
  std::exit(3);
}
void pause_forever() {
  for (;;) ::pause();
}
int counter = 0;
int count_calls() { return ++counter; }
std::string read_env(std::string name) {
  const char* value = std::getenv(name.c_str());
  return value != nullptr ? value : "<unset>";
}
std::string working_directory() {
  char buffer[4096];
  return ::getcwd(buffer, sizeof buffer) != nullptr ? buffer : "";
}
void say(std::string text) {
  std::printf("%s", text.c_str());
  std::fprintf(stderr, "err:%s", text.c_str());
}
int descriptors_open() { return gofork_test::count_open_descriptors(); }
// Set by the after_zygote_fork hook, in a forked process only.
int reseeded = 0;
void reseed() { reseeded = 1; }
int was_reseeded() { return reseeded; }
long open_files_limit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  return static_cast<long>(limit.rlim_cur);
}
std::vector<int> ids_and_session() {
  return {static_cast<int>(::getuid()), static_cast<int>(::getgid()), static_cast<int>(::getsid(0)),
          static_cast<int>(::getpid())};
}
std::string read_stdin() {
  std::string text;
  char buffer[256];
  ssize_t n;
  while ((n = ::read(0, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<std::size_t>(n));
  return text;
}
// What this program's static initialisation sets up, as a library's would: a descriptor and
// an ignored signal. A one-off child sets them up again; a zygote's child must keep them.
const int static_descriptor = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
const bool sigusr2_ignored = [] { return std::signal(SIGUSR2, SIG_IGN) != SIG_ERR; }();
std::vector<int> static_setup() {
  struct sigaction now {};
  ::sigaction(SIGUSR2, nullptr, &now);
  return {::fcntl(static_descriptor, F_GETFD) != -1 && ::write(static_descriptor, "x", 1) == 1,
          sigusr2_ignored && now.sa_handler == SIG_IGN};
}
int own_umask() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return static_cast<int>(mask);
}
int blocked_signals() {
  sigset_t mask;
  ::sigprocmask(SIG_SETMASK, nullptr, &mask);
  int n = 0;
  for (int sig = 1; sig < 32; ++sig) n += sigismember(&mask, sig);
  return n;
}

TEST(zygote, results_exceptions_and_crashes_come_back_as_from_any_process) {
  gofork::zygote z;
  EXPECT_EQ(gofork::fork<int>(z, "square", 7).get(), 49);
  auto thrown = expect_error([&] { gofork::fork<int>(z, "fail_with", std::string("no")).get(); });
  EXPECT_EQ(thrown.kind(), gofork::error_kind::child_exception) << thrown.what();
  EXPECT_NE(std::string(thrown.what()).find("no"), std::string::npos) << thrown.what();
  auto crashed = expect_error([&] { gofork::fork<int>(z, "crash", 0).get(); });
  EXPECT_EQ(crashed.kind(), gofork::error_kind::child_signaled) << crashed.what();
  auto exited = expect_error([&] { gofork::fork<int>(z, "crash", 1).get(); });
  EXPECT_EQ(exited.kind(), gofork::error_kind::child_exited) << exited.what();
  auto missing = expect_error([&] { gofork::fork<int>(z, "nope").get(); });
  EXPECT_EQ(missing.kind(), gofork::error_kind::spawn_failed) << missing.what();
  EXPECT_EQ(gofork::fork<int>(z, "square", 8).get(), 64) << "the zygote serves on after its children failed";
}

TEST(zygote, each_call_is_a_fresh_child_of_the_caller) {
  gofork::zygote z;
  ASSERT_GT(z.pid(), 0);
  auto p = gofork::fork<int>(z, "own_pid");
  const int first = p.get();
  EXPECT_EQ(first, p.pid());
  EXPECT_NE(first, z.pid());
  EXPECT_EQ(gofork::fork<int>(z, "parent_pid").get(), ::getpid()) << "forked with CLONE_PARENT";
  EXPECT_NE(gofork::fork<int>(z, "own_pid").get(), first);
  EXPECT_EQ(gofork::fork<int>(z, "count_calls").get(), 1);
  EXPECT_EQ(gofork::fork<int>(z, "count_calls").get(), 1) << "no state carries over from a sibling";
  EXPECT_EQ(gofork::fork<int>(z, "blocked_signals").get(), 0);
  EXPECT_EQ(gofork::fork<int>(z, "was_reseeded").get(), 1) << "the after_zygote_fork hook ran";
  EXPECT_EQ(gofork::fork<int>("was_reseeded").get(), 0) << "... in a zygote's children only";
  // Only its standard streams, its channel and the executable: as a one-off child.
  EXPECT_EQ(gofork::fork<int>(z, "descriptors_open").get(), gofork::fork<int>("descriptors_open").get());
}

TEST(zygote, time_outs_and_kills_end_its_children) {
  gofork::zygote z;
  gofork::options quick;
  quick.timeout = std::chrono::milliseconds(300);
  auto timed = expect_error([&] { gofork::fork(z, quick, "pause_forever").get(); });
  EXPECT_EQ(timed.kind(), gofork::error_kind::timed_out) << timed.what();
  auto p = gofork::fork(z, "pause_forever");
  p.kill(SIGTERM);
  auto killed = expect_error([&] { p.get(); });
  EXPECT_EQ(killed.kind(), gofork::error_kind::child_signaled) << killed.what();
  auto q = gofork::fork(z, "pause_forever");
  const gofork::exit_status ended = q.terminate(std::chrono::seconds(30));
  EXPECT_TRUE(ended.signaled());
  EXPECT_EQ(ended.signal(), SIGTERM);
}

TEST(zygote, env_cwd_and_redirects_apply_per_call) {
  gofork::zygote z;
  gofork::options o;
  o.env["GOFORK_ZYGOTE_TEST"] = "per call";
  o.cwd = "/tmp";
  o.out = gofork::redirect::capture();
  o.err = gofork::redirect::capture();
  EXPECT_EQ(gofork::fork<std::string>(z, o, "read_env", std::string("GOFORK_ZYGOTE_TEST")).get(), "per call");
  EXPECT_EQ(gofork::fork<std::string>(z, "read_env", std::string("GOFORK_ZYGOTE_TEST")).get(), "<unset>");
  EXPECT_EQ(gofork::fork<std::string>(z, o, "working_directory").get(), "/tmp");
  auto p = gofork::fork(z, o, "say", std::string("hello"));
  p.get();
  EXPECT_EQ(p.captured_stdout(), "hello");
  EXPECT_EQ(p.captured_stderr(), "err:hello");
  // The caller's environment as it is now, not as it was when the zygote started.
  ::setenv("GOFORK_ZYGOTE_LATE", "later", 1);
  EXPECT_EQ(gofork::fork<std::string>(z, "read_env", std::string("GOFORK_ZYGOTE_LATE")).get(), "later");
  ::unsetenv("GOFORK_ZYGOTE_LATE");
  gofork::options cleared;
  cleared.clear_env = true;
  EXPECT_EQ(gofork::fork<std::string>(z, cleared, "read_env", std::string("PATH")).get(), "<unset>");
  gofork::options nowhere;
  nowhere.cwd = "/nonexistent/gofork";
  auto failed = expect_error([&] { (void)gofork::fork<int>(z, nowhere, "square", 1); });
  EXPECT_EQ(failed.kind(), gofork::error_kind::spawn_failed);
  EXPECT_NE(std::string(failed.what()).find("chdir"), std::string::npos) << failed.what();
  EXPECT_EQ(gofork::fork<int>(z, "square", 3).get(), 9);
}

// The zygote binds every symbol at its start (LD_BIND_NOW), so its children bind none; the
// variable stays the zygote's own.
TEST(zygote, binds_symbols_once_for_all_its_children_without_leaking_the_setting) {
  ::unsetenv("LD_BIND_NOW");
  gofork::zygote z;
  EXPECT_EQ(gofork::fork<int>(z, "square", 3).get(), 9);  // the zygote has exec'd and serves
  std::ifstream environ_file("/proc/" + std::to_string(z.pid()) + "/environ");
  std::string zygote_environment((std::istreambuf_iterator<char>(environ_file)), std::istreambuf_iterator<char>());
  EXPECT_NE(zygote_environment.find(std::string("LD_BIND_NOW=1") + '\0'), std::string::npos);
  EXPECT_EQ(gofork::fork<std::string>(z, "read_env", std::string("LD_BIND_NOW")).get(), "<unset>");
  gofork::options chosen;
  chosen.env["LD_BIND_NOW"] = "";  // the caller's choice is kept
  gofork::zygote lazy(chosen);
  EXPECT_EQ(gofork::fork<int>(lazy, "square", 4).get(), 16);
  std::ifstream lazy_file("/proc/" + std::to_string(lazy.pid()) + "/environ");
  std::string lazy_environment((std::istreambuf_iterator<char>(lazy_file)), std::istreambuf_iterator<char>());
  EXPECT_NE(lazy_environment.find("PATH="), std::string::npos);  // read after its exec
  EXPECT_EQ(lazy_environment.find("LD_BIND_NOW=1"), std::string::npos);
}

TEST(zygote, rlimits_sessions_credentials_and_stdin_apply_per_call) {
  gofork::zygote z;
  gofork::options limited;
  limited.rlimits = {{RLIMIT_NOFILE, 64, 64}};
  limited.setsid = true;
  EXPECT_EQ(gofork::fork<long>(z, limited, "open_files_limit").get(), 64);
  EXPECT_NE(gofork::fork<long>(z, "open_files_limit").get(), 64) << "no limit leaks into the next call";
  const std::vector<int> own = gofork::fork<std::vector<int>>(z, limited, "ids_and_session").get();
  EXPECT_EQ(own.at(2), own.at(3)) << "setsid: the process leads its own session";
  EXPECT_NE(gofork::fork<std::vector<int>>(z, "ids_and_session").get().at(2),
            gofork::fork<std::vector<int>>(z, "ids_and_session").get().at(3));
  char path[] = "/tmp/gofork-zygote-stdin-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "from a file", 11), 11);
  ::close(fd);
  gofork::options fed;
  fed.in = gofork::redirect::file(path);
  EXPECT_EQ(gofork::fork<std::string>(z, fed, "read_stdin").get(), "from a file");
  ::unlink(path);
  gofork::options nothing;
  nothing.in = gofork::redirect::null();
  EXPECT_EQ(gofork::fork<std::string>(z, nothing, "read_stdin").get(), "");
  if (::geteuid() != 0) GTEST_SKIP() << "credentials need root";
  gofork::options nobody;
  nobody.uid = 65534;
  nobody.gid = 65534;
  const std::vector<int> ids = gofork::fork<std::vector<int>>(z, nobody, "ids_and_session").get();
  EXPECT_EQ(ids.at(0), 65534);
  EXPECT_EQ(ids.at(1), 65534);
  EXPECT_EQ(gofork::fork<std::vector<int>>(z, "ids_and_session").get().at(0), 0) << "the next call is root again";
}

// What an exec'd child inherits from its caller at the call — the working directory, the
// umask — a zygote's child gets from the caller too, not from the zygote's start; what the
// program's static initialisation set up it keeps, as a one-off child has it again.
TEST(zygote, the_callers_directory_and_umask_and_the_programs_own_setup_carry_over) {
  gofork::zygote z;
  char before[4096];
  ASSERT_NE(::getcwd(before, sizeof before), nullptr);
  ASSERT_EQ(::chdir("/tmp"), 0);
  const mode_t mask = ::umask(077);
  const std::string there = gofork::fork<std::string>(z, "working_directory").get();
  const int child_mask = gofork::fork<int>(z, "own_umask").get();
  ::umask(mask);
  ASSERT_EQ(::chdir(before), 0);
  EXPECT_EQ(there, "/tmp");
  EXPECT_EQ(child_mask, 077);
  EXPECT_EQ(gofork::fork<std::vector<int>>(z, "static_setup").get(), (std::vector<int>{1, 1}));
  EXPECT_EQ(gofork::fork<std::vector<int>>("static_setup").get(), (std::vector<int>{1, 1})) << "as a one-off child";
}

TEST(zygote, options_a_forked_process_cannot_take_are_refused_by_name) {
  gofork::zygote z;
  auto refused = [&](gofork::options o, const char* name) {
    auto e = expect_error([&] { (void)gofork::fork<int>(z, o, "square", 1); });
    EXPECT_EQ(e.kind(), gofork::error_kind::spawn_failed) << e.what();
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
  };
  gofork::options argv;
  argv.argv = {"renamed"};
  refused(argv, "argv");
  gofork::options sealed;
  sealed.sealed_exe = true;
  refused(sealed, "sealed_exe");
  gofork::options mapped;
  mapped.clone_flags = CLONE_NEWUSER;
  mapped.uid_map = {{0, static_cast<unsigned>(::getuid()), 1}};
  refused(mapped, "uid_map");
  gofork::options pid_namespace;
  pid_namespace.clone_flags = CLONE_NEWPID;
  refused(pid_namespace, "CLONE_NEWPID");
  EXPECT_EQ(gofork::fork<int>(z, "square", 5).get(), 25);
}

TEST(zygote, a_new_uts_namespace_per_call) {
  gofork::zygote z;
  gofork::options o;
  o.clone_flags = CLONE_NEWUTS;
  auto p = gofork::fork<int>(z, o, "square", 4);
  try {
    EXPECT_EQ(p.get(), 16);
  } catch (const gofork::error& e) {
    if (::geteuid() == 0) throw;
    GTEST_SKIP() << "no CAP_SYS_ADMIN for a new UTS namespace: " << e.what();
  }
}

TEST(zygote, a_killed_zygote_is_replaced_by_the_next_call) {
  gofork::zygote z;
  const pid_t first = z.pid();
  ASSERT_GT(first, 0);
  const int handle = static_cast<int>(::syscall(SYS_pidfd_open, first, 0));
  ASSERT_GE(handle, 0);
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  pollfd ended{handle, POLLIN, 0};
  ASSERT_EQ(::poll(&ended, 1, 60'000), 1);
  ::close(handle);
  EXPECT_EQ(z.pid(), -1);
  EXPECT_EQ(gofork::fork<int>(z, "square", 6).get(), 36);
  EXPECT_GT(z.pid(), 0);
  EXPECT_NE(z.pid(), first);
}

// 10,000 launches from 8 threads, one in 125 crashing: nothing is left behind.
TEST(zygote, ten_thousand_launches_from_eight_threads_leave_nothing_behind) {
  const int descriptors = gofork_test::count_open_descriptors();
  {
    gofork::zygote z;
    std::atomic<int> right{0}, failed_as_expected{0}, wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < launches_per_thread; ++i) {
          try {
            if (i % 125 == 124) {
              gofork::fork<int>(z, "crash", 0).get();
              ++wrong;
            } else if (gofork::fork<int>(z, "square", t * 1000 + i % 1000).get() ==
                       (t * 1000 + i % 1000) * (t * 1000 + i % 1000)) {
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
    EXPECT_EQ(right.load(), 8 * (launches_per_thread - launches_per_thread / 125));
    EXPECT_EQ(failed_as_expected.load(), 8 * (launches_per_thread / 125));
    EXPECT_EQ(wrong.load(), 0);
  }
  expect_no_children();
  EXPECT_EQ(gofork_test::count_open_descriptors(), descriptors);
}

// A pool whose workers are forked from a zygote: children of the caller, serving call after
// call, and replaced from the zygote when one dies.
TEST(zygote, a_pool_can_fork_its_workers_from_a_zygote) {
  gofork::zygote z;
  gofork::pool_options o;
  o.from_zygote = &z;
  {
    gofork::pool workers(2, o);
    const int worker = gofork::fork<int>(workers, "own_pid").get();
    EXPECT_NE(worker, ::getpid());
    EXPECT_EQ(gofork::fork<int>(workers, "parent_pid").get(), ::getpid()) << "the caller's child";
    EXPECT_EQ(gofork::fork<int>(workers, "square", 9).get(), 81);
    auto crashed = expect_error([&] { gofork::fork<int>(workers, "crash", 0).get(); });
    EXPECT_EQ(crashed.kind(), gofork::error_kind::child_signaled) << crashed.what();
    for (int i = 0; i < 4; ++i) EXPECT_EQ(gofork::fork<int>(workers, "square", i).get(), i * i);
    EXPECT_EQ(workers.stats().workers_started, 3u);
    EXPECT_EQ(workers.stats().workers_lost, 1u);
    int calls = 0;
    for (int i = 0; i < 3; ++i) calls = gofork::fork<int>(workers, "count_calls").get();
    EXPECT_GE(calls, 2) << "a worker from a zygote keeps its state between calls, as any worker";
  }
  EXPECT_EQ(gofork::fork<int>(z, "square", 2).get(), 4);
}

[[noreturn]] void own_a_zygote() {
  gofork::zygote z;
  gofork::options dies;
  dies.pdeathsig = SIGKILL;
  auto hang = gofork::fork(z, dies, "pause_forever");
  std::printf("%d %d\n", static_cast<int>(z.pid()), static_cast<int>(hang.pid()));
  std::fflush(stdout);
  for (;;) ::pause();
}

// A parent killed with SIGKILL takes its zygote with it, and the children that asked to die
// with it (pdeathsig).
TEST(zygote, a_parent_killed_by_sigkill_takes_the_zygote_and_its_pdeathsig_children) {
  const auto [owner, pids] = gofork_test::run_self_reporting("--own-a-zygote", 2);
  ASSERT_GT(owner, 0);
  ASSERT_EQ(pids.size(), 2u) << "the zygote's pid and its child's";
  gofork_test::expect_all_end_with(owner, pids, "the zygote or its child");
}

}  // namespace

int main(int argc, char** argv) {
  gofork::register_function("square", &square);
  gofork::register_function("own_pid", &own_pid);
  gofork::register_function("parent_pid", &parent_pid);
  gofork::register_function("fail_with", &fail_with);
  gofork::register_function("crash", &crash);
  gofork::register_function("pause_forever", &pause_forever);
  gofork::register_function("count_calls", &count_calls);
  gofork::register_function("read_env", &read_env);
  gofork::register_function("working_directory", &working_directory);
  gofork::register_function("say", &say);
  gofork::register_function("descriptors_open", &descriptors_open);
  gofork::register_function("was_reseeded", &was_reseeded);
  gofork::register_function("blocked_signals", &blocked_signals);
  gofork::register_function("open_files_limit", &open_files_limit);
  gofork::register_function("ids_and_session", &ids_and_session);
  gofork::register_function("read_stdin", &read_stdin);
  gofork::register_function("static_setup", &static_setup);
  gofork::register_function("own_umask", &own_umask);
  gofork::after_zygote_fork(&reseed);
  gofork::init(argc, argv);
  if (argc > 1 && std::string(argv[1]) == "--own-a-zygote") own_a_zygote();
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
