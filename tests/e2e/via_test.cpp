// Calls through launchers: via::command with real programs (env, setpriv, unshare, sh), and
// via::srun / via::ssh against the one-node Slurm and the loopback sshd that
// tests/remote/ starts around this suite (under $GOFORK_TEST_REMOTE_DIR).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../support/test_support.hpp"

#include <gofork/gofork.hpp>

namespace {

using gofork_test::expect_error;

int square(int x) { return x * x; }
int fail_with(std::string what) { throw std::runtime_error(what); }
int crash(int how) {
  if (how == 0) ::raise(SIGSEGV);
  std::exit(3);
}
int own_uid() { return static_cast<int>(::getuid()); }
std::string echo(std::string bytes) { return bytes; }
std::size_t size_of(std::string bytes) { return bytes.size(); }
std::string big(std::size_t n) { return std::string(n, 'r'); }
int chatty(int x) {
  // Bytes that look like the stream's own frames must come out as plain output.
  std::printf("out:GFE1GFO1GFH1\n");
  std::fflush(stdout);
  std::fprintf(stderr, "err:%d\n", x);
  return x + 1;
}
// The network interfaces of this process's namespace (/proc/self/net/dev: two header lines).
std::vector<std::string> interfaces() {
  std::vector<std::string> names;
  std::ifstream in("/proc/self/net/dev");
  std::string line;
  for (int n = 0; std::getline(in, line); ++n) {
    const std::size_t colon = line.find(':');
    if (n < 2 || colon == std::string::npos) continue;
    const std::size_t start = line.find_first_not_of(' ');
    names.push_back(line.substr(start, colon - start));
  }
  return names;
}
std::vector<std::string> setting(std::string name) {
  char cwd[4096];
  const char* value = std::getenv(name.c_str());
  return {value != nullptr ? value : "<unset>", ::getcwd(cwd, sizeof cwd) != nullptr ? cwd : "",
          program_invocation_name};
}
// Tells the test its pid through a FIFO, then waits to be ended.
void report_and_pause(std::string fifo) {
  const int fd = ::open(fifo.c_str(), O_WRONLY);
  const std::string pid = std::to_string(::getpid());
  if (fd >= 0 && ::write(fd, pid.data(), pid.size()) > 0) ::close(fd);
  for (;;) ::pause();
}

// A FIFO the function writes its pid to; the pid read back, and a check that it ends.
struct pid_report {
  std::string path;
  pid_report() {
    char dir[] = "/tmp/gofork-via-XXXXXX";
    path = std::string(::mkdtemp(dir)) + "/pid";
    ::chmod(dir, 0755);
    ::mkfifo(path.c_str(), 0666);
    ::chmod(path.c_str(), 0666);  // a child under setpriv is another user
  }
  ~pid_report() {
    ::unlink(path.c_str());
    ::rmdir(path.substr(0, path.rfind('/')).c_str());
  }
  int read_pid() const {
    std::ifstream in(path);
    int pid = 0;
    in >> pid;
    return pid;
  }
  // Every process of the call has ended within a minute: none was left on the far side.
  static void expect_ends(int pid) {
    ASSERT_GT(pid, 0);
    const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) return;  // already gone
    pollfd ended{fd, POLLIN, 0};
    EXPECT_EQ(::poll(&ended, 1, 60'000), 1) << "the function's process " << pid << " outlived its call";
    ::close(fd);
  }
};

gofork::options through(gofork::via::launcher l) {
  gofork::options o;
  o.via = std::move(l);
  return o;
}

// The checks every launcher passes.
void expect_calls_work(const gofork::options& o) {
  EXPECT_EQ(gofork::fork<int>(o, "square", 7).get(), 49);
  auto thrown = expect_error([&] { gofork::fork<int>(o, "fail_with", std::string("no luck")).get(); });
  EXPECT_EQ(thrown.kind(), gofork::error_kind::child_exception) << thrown.what();
  EXPECT_NE(std::string(thrown.what()).find("no luck"), std::string::npos) << thrown.what();
  auto crashed = expect_error([&] { gofork::fork<int>(o, "crash", 0).get(); });
  EXPECT_EQ(crashed.kind(), gofork::error_kind::child_signaled) << crashed.what();
  EXPECT_NE(std::string(crashed.what()).find("SIGSEGV"), std::string::npos) << crashed.what();
  auto exited = expect_error([&] { gofork::fork<int>(o, "crash", 1).get(); });
  EXPECT_EQ(exited.kind(), gofork::error_kind::child_exited) << exited.what();
  EXPECT_NE(std::string(exited.what()).find("status 3"), std::string::npos) << exited.what();
  auto missing = expect_error([&] { gofork::fork<int>(o, "nope").get(); });
  EXPECT_EQ(missing.kind(), gofork::error_kind::spawn_failed) << missing.what();
}

void expect_output_is_framed(gofork::options o) {
  o.out = gofork::redirect::capture();
  o.err = gofork::redirect::capture();
  auto p = gofork::fork<int>(o, "chatty", 41);
  EXPECT_EQ(p.get(), 42);
  EXPECT_EQ(p.captured_stdout(), "out:GFE1GFO1GFH1\n");
  EXPECT_NE(p.captured_stderr().find("err:41\n"), std::string::npos) << p.captured_stderr();
}

void expect_big_arguments_cross(const gofork::options& o) {
  const std::string bytes(std::size_t{64} << 20, 'a');
  EXPECT_EQ(gofork::fork<std::size_t>(o, "size_of", bytes).get(), bytes.size());
  EXPECT_EQ(gofork::fork<std::string>(o, "big", std::size_t{64} << 20).get().size(), std::size_t{64} << 20);
}

// `ended_by`: the signal the error names after a SIGTERM to the launcher (srun kills its step,
// ssh dies of it itself).
void expect_kill_and_timeout_end_the_far_side(gofork::options o, const char* ended_by) {
  {
    pid_report report;
    auto p = gofork::fork<void>(o, "report_and_pause", report.path);
    const int pid = report.read_pid();
    p.kill(SIGTERM);
    auto e = expect_error([&] { p.get(); });
    EXPECT_EQ(e.kind(), gofork::error_kind::child_signaled) << e.what();
    EXPECT_NE(std::string(e.what()).find(ended_by), std::string::npos) << e.what();
    pid_report::expect_ends(pid);
  }
  {
    pid_report report;
    o.timeout = std::chrono::seconds(5);
    auto p = gofork::fork<void>(o, "report_and_pause", report.path);
    const int pid = report.read_pid();
    auto e = expect_error([&] { p.get(); });
    EXPECT_EQ(e.kind(), gofork::error_kind::timed_out) << e.what();
    pid_report::expect_ends(pid);
  }
}

// The caller in a process of its own (this binary run with --own-a-call-via=KIND, see main),
// SIGKILLed while its call runs: the function's process on the far side must end too.
void expect_a_killed_caller_leaves_nothing_behind(const std::string& kind) {
  const auto [caller, pids] = gofork_test::run_self_reporting(("--own-a-call-via=" + kind).c_str(), 1);
  ASSERT_GT(caller, 0);
  ASSERT_EQ(pids.size(), 1u) << "the caller reported no pid";
  gofork_test::expect_all_end_with(caller, pids, "the function's process");
}

// A copy of this binary, run with --replace-self-then-call-via=KIND (see main): it puts
// another build at its own path, then calls through the launcher, which starts what is at that
// path on the far side. Returns what the copy printed: the error kind and message.
std::string call_after_another_build_took_the_path(const std::string& kind) {
  char dir[] = "/tmp/gofork-via-XXXXXX";
  if (::mkdtemp(dir) == nullptr) return "mkdtemp failed";
  ::chmod(dir, 0755);
  const std::string copy = std::string(dir) + "/via_copy";
  std::filesystem::copy_file("/proc/self/exe", copy);
  ::chmod(copy.c_str(), 0755);
  const auto [caller, printed] = gofork_test::run_reporting(copy.c_str(), ("--replace-self-then-call-via=" + kind).c_str());
  int status = 0;
  if (caller > 0) ::waitpid(caller, &status, 0);
  std::filesystem::remove_all(dir);
  return printed;
}

void expect_another_build_refuses(const std::string& kind) {
  const std::string printed = call_after_another_build_took_the_path(kind);
  EXPECT_NE(printed.find("protocol: "), std::string::npos) << printed;
  EXPECT_NE(printed.find("different build"), std::string::npos) << printed;
}

TEST(via_command, calls_through_env_work_as_local_ones) {
  const auto o = through(gofork::via::command({"env"}));
  expect_calls_work(o);
  expect_output_is_framed(o);
}

TEST(via_command, env_cwd_and_argv_are_carried_in_the_request) {
  auto o = through(gofork::via::command({"env", "-i"}));  // the launcher drops the environment
  o.env["GOFORK_VIA_SETTING"] = "carried";
  o.cwd = "/tmp";
  o.argv = {"via-worker"};
  const auto got = gofork::fork<std::vector<std::string>>(o, "setting", std::string("GOFORK_VIA_SETTING")).get();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], "carried");
  EXPECT_EQ(got[1], "/tmp");
  EXPECT_EQ(got[2], "via-worker");
  o.cwd = "/no/such/directory";
  auto e = expect_error([&] { gofork::fork<std::vector<std::string>>(o, "setting", std::string("X")).get(); });
  EXPECT_EQ(e.kind(), gofork::error_kind::spawn_failed) << e.what();
  EXPECT_NE(std::string(e.what()).find("chdir"), std::string::npos) << e.what();
}

TEST(via_command, setpriv_runs_the_call_as_another_user) {
  if (::geteuid() != 0) GTEST_SKIP() << "setpriv --reuid needs root";
  const auto o = through(gofork::via::command({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"}));
  EXPECT_EQ(gofork::fork<int>(o, "own_uid").get(), 65534);
  expect_kill_and_timeout_end_the_far_side(o, "SIGTERM");
}

TEST(via_command, unshare_runs_the_call_in_a_new_network_namespace) {
  if (::geteuid() != 0) GTEST_SKIP() << "unshare --net needs root";
  const auto o = through(gofork::via::command({"unshare", "--net"}));
  EXPECT_EQ(gofork::fork<std::vector<std::string>>(o, "interfaces").get(), std::vector<std::string>{"lo"});
}

TEST(via_command, another_build_at_the_programs_path_refuses_the_call) { expect_another_build_refuses("command"); }

TEST(via_command, a_caller_killed_mid_call_leaves_no_process_behind) { expect_a_killed_caller_leaves_nothing_behind("command"); }

TEST(via_command, sixty_four_mebibytes_cross_each_way) { expect_big_arguments_cross(through(gofork::via::command({"env"}))); }

TEST(via_command, a_launcher_that_cannot_start_is_spawn_failed_with_its_message) {
  auto missing = expect_error([] { (void)gofork::fork<int>(through(gofork::via::command({"no-such-launcher"})), "square", 1); });
  EXPECT_EQ(missing.kind(), gofork::error_kind::spawn_failed) << missing.what();
  EXPECT_NE(std::string(missing.what()).find("not found in PATH"), std::string::npos) << missing.what();
  const auto o = through(gofork::via::command({"sh", "-c", "echo 'node7: no such host' >&2; exit 3", "sh"}));
  auto refused = expect_error([&] { gofork::fork<int>(o, "square", 1).get(); });
  EXPECT_EQ(refused.kind(), gofork::error_kind::spawn_failed) << refused.what();
  EXPECT_NE(std::string(refused.what()).find("node7: no such host"), std::string::npos) << refused.what();
  EXPECT_NE(std::string(refused.what()).find("exit status 3"), std::string::npos) << refused.what();
}

TEST(via_command, another_build_on_the_far_side_refuses_the_call) {
  // The launcher runs a different gofork program where this one should be.
  const auto o = through(gofork::via::command(
      {"sh", "-c", "exec /usr/bin/env GOFORK_REMOTE=1 \"$0\"", GOFORK_OTHER_BUILD}));
  auto e = expect_error([&] { gofork::fork<int>(o, "square", 1).get(); });
  EXPECT_EQ(e.kind(), gofork::error_kind::protocol) << e.what();
  EXPECT_NE(std::string(e.what()).find("different build"), std::string::npos) << e.what();
}

TEST(via_command, a_stream_that_breaks_the_protocol_is_a_protocol_error) {
  // A hello, then sixteen bytes that are no frame.
  const auto o = through(gofork::via::command(
      {"sh", "-c", "printf 'GFH1\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\nGFZ9garbagegarbage'; cat >/dev/null",
       "sh"}));
  auto e = expect_error([&] { gofork::fork<int>(o, "square", 1).get(); });
  EXPECT_EQ(e.kind(), gofork::error_kind::protocol) << e.what();
  EXPECT_NE(std::string(e.what()).find("not a gofork stream"), std::string::npos) << e.what();
}

TEST(via_command, options_that_cannot_apply_remotely_are_refused_by_name) {
  auto expect_refused = [](gofork::options o, const char* name) {
    o.via = gofork::via::command({"env"});
    auto e = expect_error([&] { (void)gofork::fork<int>(o, "square", 1); });
    EXPECT_EQ(e.kind(), gofork::error_kind::spawn_failed) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::string("options::") + name), std::string::npos) << e.what();
  };
  gofork::options o;
  o.clone_flags = CLONE_NEWNET;
  expect_refused(o, "clone_flags");
  o = {};
  o.uid = 1;
  expect_refused(o, "uid");
  o = {};
  o.sealed_exe = true;
  expect_refused(o, "sealed_exe");
  o = {};
  o.in = gofork::redirect::file("/dev/null");
  expect_refused(o, "in");
  o = {};
  o.chroot = "/";
  expect_refused(o, "chroot");
  gofork::zygote z;
  o = {};
  o.via = gofork::via::command({"env"});
  auto e = expect_error([&] { (void)gofork::fork<int>(z, o, "square", 1); });
  EXPECT_EQ(e.kind(), gofork::error_kind::spawn_failed) << e.what();
}

// The daemons tests/remote/ starts around this suite: each leaves, in its directory, a file
// saying how to reach it, or `why` it could not start.
std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}
// The contents of DIR/`daemon`/`file`, DIR being $GOFORK_TEST_REMOTE_DIR; empty when absent,
// with `why` saying why.
std::string remote_setting(const char* daemon, const char* file, std::string& why) {
  const char* root = std::getenv("GOFORK_TEST_REMOTE_DIR");
  if (root == nullptr) {
    why = "GOFORK_TEST_REMOTE_DIR is not set (run the suite through ctest)";
    return {};
  }
  const std::string dir = std::string(root) + "/" + daemon;
  std::string value = read_file(dir + "/" + file);
  if (value.empty()) why = read_file(dir + "/why");
  if (value.empty() && why.empty()) why = "not started";
  return value;
}

// srun against the suite's one-node Slurm.
bool slurm_ready(std::string& why) {
  const std::string conf = remote_setting("slurm", "ready", why);
  if (!conf.empty()) ::setenv("SLURM_CONF", conf.c_str(), 1);
  return !conf.empty();
}
gofork::options through_srun() {
  return through(gofork::via::srun({"--nodes=1", "--ntasks=1", "--oversubscribe", "--quiet"}));
}

// ssh to the suite's sshd on 127.0.0.1.
gofork::options through_ssh(const std::string& options) {
  std::vector<std::string> args;
  for (std::size_t at = 0; at < options.size();) {
    const std::size_t space = std::min(options.find(' ', at), options.size());
    if (space > at) args.push_back(options.substr(at, space - at));
    at = space + 1;
  }
  gofork::options o = through(gofork::via::ssh("root@127.0.0.1", args));
  // ssh forwards no environment: a sanitizer build's child must still leave SIGSEGV to the kernel.
  for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS"})
    if (const char* value = std::getenv(name)) o.env[name] = value;
  return o;
}

#define GOFORK_NEEDS_SLURM()                        \
  std::string why;                                  \
  if (!slurm_ready(why)) GTEST_SKIP() << "no local Slurm: " << why
#define GOFORK_NEEDS_SSHD()                                                           \
  std::string why;                                                                    \
  const std::string ssh_args = remote_setting("sshd", "ssh-args", why); \
  if (ssh_args.empty()) GTEST_SKIP() << "no local sshd: " << why

TEST(via_srun, calls_through_a_slurm_job_step_work_as_local_ones) {
  GOFORK_NEEDS_SLURM();
  expect_calls_work(through_srun());
  expect_output_is_framed(through_srun());
}

TEST(via_srun, kill_and_timeout_end_the_job_step) {
  GOFORK_NEEDS_SLURM();
  expect_kill_and_timeout_end_the_far_side(through_srun(), "SIGKILL");
}

TEST(via_srun, a_caller_killed_mid_call_leaves_no_process_behind) {
  GOFORK_NEEDS_SLURM();
  expect_a_killed_caller_leaves_nothing_behind("srun");
}

TEST(via_srun, another_build_at_the_programs_path_refuses_the_call) {
  GOFORK_NEEDS_SLURM();
  expect_another_build_refuses("srun");
}

TEST(via_srun, a_step_past_its_slurm_time_limit_is_timed_out) {
  GOFORK_NEEDS_SLURM();
#ifdef GOFORK_SANITIZED
  GTEST_SKIP() << "takes over a minute (--time=1 is Slurm's least); the release build runs it";
#endif
  pid_report report;
  auto p = gofork::fork<void>(through(gofork::via::srun({"--nodes=1", "--ntasks=1", "--oversubscribe", "--quiet", "--time=1"})),
                              "report_and_pause", report.path);
  const int pid = report.read_pid();
  auto e = expect_error([&] { p.get(); });
  EXPECT_EQ(e.kind(), gofork::error_kind::timed_out) << e.what();
  EXPECT_NE(std::string(e.what()).find("time limit"), std::string::npos) << e.what();
  pid_report::expect_ends(pid);
}

TEST(via_srun, sixty_four_mebibytes_cross_each_way) {
  GOFORK_NEEDS_SLURM();
  expect_big_arguments_cross(through_srun());
}

TEST(via_ssh, calls_over_ssh_work_as_local_ones) {
  GOFORK_NEEDS_SSHD();
  expect_calls_work(through_ssh(ssh_args));
  expect_output_is_framed(through_ssh(ssh_args));
  auto o = through_ssh(ssh_args);
  o.env["GOFORK_VIA_SETTING"] = "over ssh";
  EXPECT_EQ(gofork::fork<std::vector<std::string>>(o, "setting", std::string("GOFORK_VIA_SETTING")).get().at(0), "over ssh");
}

TEST(via_ssh, kill_and_timeout_end_the_remote_process) {
  GOFORK_NEEDS_SSHD();
  expect_kill_and_timeout_end_the_far_side(through_ssh(ssh_args), "SIGTERM");
}

TEST(via_ssh, another_build_at_the_programs_path_refuses_the_call) {
  GOFORK_NEEDS_SSHD();
  expect_another_build_refuses("ssh");
}

TEST(via_ssh, a_caller_killed_mid_call_leaves_no_process_behind) {
  GOFORK_NEEDS_SSHD();
  expect_a_killed_caller_leaves_nothing_behind("ssh");
}

TEST(via_ssh, sixty_four_mebibytes_cross_each_way) {
  GOFORK_NEEDS_SSHD();
  expect_big_arguments_cross(through_ssh(ssh_args));
}

gofork::options through_kind(const std::string& kind) {
  std::string why;
  if (kind == "srun" && slurm_ready(why)) return through_srun();
  if (kind == "ssh") return through_ssh(remote_setting("sshd", "ssh-args", why));
  return through(gofork::via::command({"env"}));
}

// The copy run by call_after_another_build_took_the_path: another build over its own path
// (renamed over it: this process keeps its own file), then a call, and how it ended.
[[noreturn]] void replace_self_then_call_via(const std::string& kind) {
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  const std::filesystem::path next = self.string() + ".next";
  std::filesystem::copy_file(GOFORK_OTHER_BUILD, next);
  std::filesystem::rename(next, self);
  try {
    std::printf("returned %d\n", gofork::fork<int>(through_kind(kind), "square", 1).get());
  } catch (const gofork::error& e) {
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');  // the test reads one line
    std::printf("%s: %s\n", gofork::to_string(e.kind()), what.c_str());
  }
  std::fflush(stdout);
  std::_Exit(0);
}

// The caller of expect_a_killed_caller_leaves_nothing_behind: starts a call through `kind`,
// prints the pid of the function's process once it runs, and waits (the test kills this process).
[[noreturn]] void own_a_call_via(const std::string& kind) {
  try {
    std::optional<gofork::process<void>> call;
    int pid = 0;
    {
      pid_report report;  // gone before this process is killed
      call.emplace(gofork::fork<void>(through_kind(kind), "report_and_pause", report.path));
      pid = report.read_pid();
    }
    std::printf("%d\n", pid);
    std::fflush(stdout);
    call->get();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "via_test: the call to be killed ended: %s\n", e.what());
  }
  std::_Exit(1);
}

// The modes main() runs instead of the tests, each as this binary's one argument.
struct mode {
  const char* prefix;
  void (*run)(const std::string& kind);
};
constexpr mode modes[] = {{"--own-a-call-via=", own_a_call_via},
                          {"--replace-self-then-call-via=", replace_self_then_call_via}};

}  // namespace

int main(int argc, char** argv) {
  gofork::register_function("square", &square);
  gofork::register_function("fail_with", &fail_with);
  gofork::register_function("crash", &crash);
  gofork::register_function("own_uid", &own_uid);
  gofork::register_function("echo", &echo);
  gofork::register_function("size_of", &size_of);
  gofork::register_function("big", &big);
  gofork::register_function("chatty", &chatty);
  gofork::register_function("interfaces", &interfaces);
  gofork::register_function("setting", &setting);
  gofork::register_function("report_and_pause", &report_and_pause);
  gofork::init(argc, argv);
  for (const mode& m : modes) {
    const std::size_t n = std::strlen(m.prefix);
    if (argc == 2 && std::strncmp(argv[1], m.prefix, n) == 0) m.run(argv[1] + n);
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
