// Hostile and exhausting conditions from the reliability reference (T-numbers there): fd
// hygiene, signal state, reaping conflicts, signal storms, resource limits, oversized replies,
// and a 10,000-spawn stress run. Uses the dynamic API, so it needs no generator.
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <gofork/gofork.hpp>

#include "../support/memory.hpp"
#include "../support/msgpack_bombs.hpp"
#include "../support/test_support.hpp"


namespace {

using gofork_test::count_open_descriptors;
using gofork_test::expect_error;
using gofork_test::expect_no_children;

// --- functions the children run ---

// Every open descriptor, negated when it lacks FD_CLOEXEC.
std::vector<int> descriptors() {
  std::vector<int> out;
  DIR* dir = ::opendir("/proc/self/fd");
  int own = ::dirfd(dir);
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    int fd = std::atoi(e->d_name);
    if (fd == own) continue;
    bool cloexec = (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
    out.push_back(fd <= 2 || cloexec ? fd : -fd);
  }
  ::closedir(dir);
  return out;
}

std::string status_line(std::string key) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ":", 0) == 0) return line.substr(key.size() + 1);
  }
  return "";
}

// A child started with GOFORK_TEST_HOLD=1 in its environment waits here, in a static
// initialiser (before init(), so before it has read any of its request), for a byte on stdin.
const bool held_before_init = [] {
  const char* hold = std::getenv("GOFORK_TEST_HOLD");
  if (hold != nullptr && std::string(hold) == "1") {
    char byte;
    while (::read(0, &byte, 1) < 0 && errno == EINTR) {
    }
  }
  return true;
}();

std::uint64_t byte_sum(const std::vector<std::uint8_t>& bytes) {
  std::uint64_t sum = 0;
  for (std::uint8_t b : bytes) sum += b;
  return sum;
}
std::vector<std::uint8_t> bytes_of(std::uint64_t size) {
  std::vector<std::uint8_t> out(size);
  for (std::uint64_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(i * 7);
  return out;
}

void exit_with(int code) { ::_exit(code); }
int twice(int x) { return 2 * x; }
std::string big_result(std::uint64_t size) { return std::string(size, 'x'); }

// Launches from inside the child and reports how that went: "ok" or "<kind> <errno>".
std::string try_launch() {
  try {
    gofork::fork<int>("twice", 1).get();
    return "ok";
  } catch (const gofork::error& e) {
    return std::string(gofork::to_string(e.kind())) + " " + std::strerror(e.sys_errno());
  }
}

// Tries to launch a child as root: the error, its errno and the stage, or "ok".
std::string try_launch_as_root() {
  gofork::options o;
  o.uid = 0;
  o.gid = 0;
  try {
    gofork::fork<int>(o, "twice", 1).get();
    return "ok";
  } catch (const gofork::error& e) {
    return std::string(gofork::to_string(e.kind())) + " " + std::strerror(e.sys_errno()) + " | " + e.what();
  }
}

// Moves itself into the pids cgroup `dir`, then tries to launch; raises the limit by one and
// tries again.
std::string launch_in_pids_cgroup(std::string dir) {
  std::ofstream(dir + "/cgroup.procs") << ::getpid() << std::flush;
  std::string first = try_launch();
  std::ofstream(dir + "/pids.max") << 2 << std::flush;  // room for one child: launching works again
  return first + "; then " + try_launch();
}

// Returns 64 MiB, but only once its parent has died (bounded wait), so the reply is certainly
// sent to a parent that is gone.
std::string big_result_after_parent_death(int parent) {
  for (int i = 0; i < 60000 && ::getppid() == parent; ++i) ::usleep(1000);
  return std::string(std::size_t{64} << 20, 'x');
}

// Starts a child that will send a 64 MiB result nobody reads, and returns its pid at once;
// this process then exits under it.
int orphan_streaming_child() {
  auto p = gofork::fork<std::string>("big_result_after_parent_death", static_cast<int>(::getpid()));
  const int pid = p.pid();
  p.detach();
  return pid;
}

// Launches a child that sends a 64 MiB result, tells the test its pid through stdin (a unix
// socket), and waits to be killed without ever reading the result.
void stream_unread_until_killed() {
  auto p = gofork::fork<std::string>("big_result", std::uint64_t{64} << 20);
  const int pid = p.pid();
  if (::send(0, &pid, sizeof pid, MSG_NOSIGNAL) != sizeof pid) throw std::runtime_error("sending the pid failed");
  for (;;) ::pause();
}

// Moves itself into the memory cgroup `dir`, then launches a child that touches 1 GiB.
std::string launch_in_memory_cgroup(std::string dir) {
  std::ofstream(dir + "/cgroup.procs") << ::getpid() << std::flush;
  auto p = gofork::fork<std::string>("big_result", std::uint64_t{1} << 30);
  try {
    p.get();
    return "no error";
  } catch (const gofork::error& e) {
    return std::string(gofork::to_string(e.kind())) + " " + std::to_string(p.wait().signal());
  }
}

// Makes system call `number` fail with `err` in this process and its children (seccomp).
void deny_system_call(long number, int err) {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint32_t>(number), 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | static_cast<std::uint32_t>(err)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
    throw std::runtime_error("cannot install the seccomp filter");
  }
}

// Open descriptors found by probing every number (works without /proc), negated as above.
std::vector<int> descriptors_by_probing() {
  std::vector<int> out;
  for (int fd = 0; fd < 4096; ++fd) {
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) out.push_back(fd <= 2 || (flags & FD_CLOEXEC) ? fd : -fd);
  }
  return out;
}

// T27: with close_range failing (a seccomp filter) and/or /proc hidden (a tmpfs over it in a
// private mount namespace), open 50 inheritable descriptors and report what a child inherits.
// 500 descriptors, none close-on-exec: pipes, socket pairs, /dev/null, eventfds, memfds,
// epoll instances, TCP sockets and /proc files, 50 of each kind (-1 where one failed).
std::vector<int> open_inheritable_descriptors_of_every_kind() {
  std::vector<int> opened;
  for (int i = 0; i < 50; ++i) {
    int p[2] = {-1, -1};
    if (::pipe(p) != 0) p[0] = p[1] = -1;
    opened.insert(opened.end(), {p[0], p[1]});
    int s[2] = {-1, -1};
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, s) != 0) s[0] = s[1] = -1;
    opened.insert(opened.end(), {s[0], s[1]});
    opened.push_back(::open("/dev/null", O_RDONLY));
    opened.push_back(::eventfd(0, 0));
    opened.push_back(::memfd_create("user-memfd", 0));
    opened.push_back(::epoll_create1(0));
    opened.push_back(::socket(AF_INET, SOCK_STREAM, 0));
    opened.push_back(::open("/proc/self/status", O_RDONLY));
  }
  return opened;
}

std::vector<int> descriptors_with_fallbacks(int close_range_errno, bool hide_proc) {
  for (int fd : open_inheritable_descriptors_of_every_kind()) {  // before /proc goes
    if (fd < 0) throw std::runtime_error("cannot open the descriptors");
  }
  if (hide_proc) {
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("tmpfs", "/proc", "tmpfs", 0, nullptr) != 0) {
      throw std::runtime_error("cannot hide /proc");
    }
  }
  if (close_range_errno != 0) deny_system_call(SYS_close_range, close_range_errno);
  return gofork::fork<std::vector<int>>("descriptors_by_probing").get();
}

void throw_one() { throw 1; }
void throws_through_noexcept() noexcept { throw_one(); }  // std::terminate → abort
void no_core_dump() {
  rlimit zero{0, 0};
  ::setrlimit(RLIMIT_CORE, &zero);
}
void trap() {
  no_core_dump();
  __builtin_trap();
}
// Crashes under a core size limit of `limit` bytes (the working directory receives the core).
void crash_with_core(std::uint64_t limit) {
  rlimit core{static_cast<rlim_t>(limit), static_cast<rlim_t>(limit)};
  ::setrlimit(RLIMIT_CORE, &core);
  volatile int* nowhere = nullptr;
  *nowhere = 1;
}
int divide(int a, int b) {
  no_core_dump();
  return a / b;
}

// Leaves a grandchild (`sleep 30`) holding this child's captured stdout and stderr; returns its
// pid once it has exec'd (its end of a close-on-exec pipe closes then).
int leave_a_grandchild() {
  int exec_done[2];
  if (::pipe2(exec_done, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(exec_done[1]);
  char byte;
  while (::read(exec_done[0], &byte, 1) < 0 && errno == EINTR) {
  }
  ::close(exec_done[0]);
  return pid;
}

// Waits (up to 10 s) for process `pid` to sit in a sleep system call, past the start-up that
// opens descriptors of its own (the loader's cache, libraries). "" once it does, else why not.
std::string wait_until_sleeping(int pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/syscall";
  for (int i = 0; i < 10000; ++i) {
    std::ifstream in(path);
    if (!in) return "cannot read " + path + " (ptrace access)";
    long number = -1;  // stays -1 while it runs (the file says "running")
    in >> number;
    if (number == SYS_clock_nanosleep || number == SYS_nanosleep) return "";
    ::usleep(1000);
  }
  return "not asleep after 10 s";
}

// The descriptors of process `pid`, each with what it refers to ("0 pipe:[123]").
std::vector<std::string> descriptors_of(int pid) {
  std::vector<std::string> out;
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    out.push_back(entry.path().filename().string() + " " + std::filesystem::read_symlink(entry.path()).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

int pdeathsig_now() {
  int sig = 0;
  ::prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
  return sig;
}

// T11: writes "P" with no newline to a captured stdout, launches 80 children and 20 that fail
// before exec, and has one child print "x"; stdout must then hold exactly one "P" and one "x".
void print_once_and_launch() {
  std::fputs("P", stdout);
  gofork::options broken;
  broken.cwd = "/nonexistent/gofork";
  for (int i = 0; i < 100; ++i) {
    try {
      if (i % 5 == 0) {
        (void)gofork::fork<int>(broken, "twice", i);
      } else {
        gofork::fork<int>("twice", i).get();
      }
    } catch (const gofork::error&) {
    }
  }
  gofork::fork("print_x").get();
}
void print_x() { std::fputs("x", stdout); }

// T12: with execveat denied by a seccomp filter, each of 1000 launches is spawn_failed at stage
// execveat, and they leave no child and no descriptor behind in the launching process.
std::string launch_with_exec_denied() {
  deny_system_call(SYS_execveat, EPERM);
  (void)gofork::release_idle_request_buffers();
  const int fds_before = count_open_descriptors();
  std::string result;
  int spawn_failed = 0;
  for (int i = 0; i < 1000; ++i) {
    try {
      (void)gofork::fork<int>("twice", 1);
      return "launched";
    } catch (const gofork::error& e) {
      spawn_failed += e.kind() == gofork::error_kind::spawn_failed;
      result = std::string(e.what()) + " errno " + std::to_string(e.sys_errno());
    }
  }
  siginfo_t info{};
  if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | __WALL) != -1 || errno != ECHILD) return "a child was left";
  return std::to_string(spawn_failed) + " spawn_failed, descriptors +" +
         std::to_string(count_open_descriptors() - fds_before) + ": " + result;
}

// T40: a launch from a parent with 4 GiB of touched memory, in the memory cgroup `cgroup` (if
// not empty), which has room for only 256 MiB more: a copy of the parent could not fit there.
std::string launch_from_a_big_parent(std::string cgroup) {
  if (!cgroup.empty()) std::ofstream(cgroup + "/cgroup.procs") << ::getpid() << std::flush;
  const std::size_t size = std::size_t{4} << 30;
  void* big = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (big == MAP_FAILED) return "no memory for the test";
  std::memset(big, 1, size);
  std::string result;
  try {
    result = gofork::fork<int>("twice", 21).get() == 42 ? "ok" : "wrong result";
  } catch (const gofork::error& e) {
    result = e.what();
  }
  ::munmap(big, size);
  return result;
}

// T28: a descriptor at the top of the limit (1,000,000 where the hard limit and fs.nr_open
// allow raising it that far; a container may cap it lower) does not reach the child.
int huge_descriptor_number() {
  long nr_open = 1048576;
  std::ifstream("/proc/sys/fs/nr_open") >> nr_open;
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  long top = std::min(1000001L, nr_open);
  if (::geteuid() != 0 || static_cast<long>(limit.rlim_max) < top) top = static_cast<long>(limit.rlim_max);
  return static_cast<int>(top - 1);
}
std::vector<int> descriptors_with_a_huge_one() {
  const int huge = huge_descriptor_number();
  rlimit big{static_cast<rlim_t>(huge) + 1, static_cast<rlim_t>(huge) + 1};
  if (::setrlimit(RLIMIT_NOFILE, &big) != 0) {
    rlimit current{};
    ::getrlimit(RLIMIT_NOFILE, &current);
    big = {current.rlim_max, current.rlim_max};  // without CAP_SYS_RESOURCE: as high as allowed
    ::setrlimit(RLIMIT_NOFILE, &big);
  }
  int fd = ::open("/dev/null", O_RDONLY);
  if (::dup2(fd, huge) != huge) throw std::runtime_error("cannot dup2 to " + std::to_string(huge));
  return gofork::fork<std::vector<int>>("descriptors").get();
}

// The child's RLIMIT_NOFILE: {soft, hard}.
std::vector<std::uint64_t> descriptor_limit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  return {limit.rlim_cur, limit.rlim_max};
}

// --- helpers ---


int count_gofork_memfds() {
  int n = 0;
  for (int fd : descriptors()) {
    char target[256] = {};
    std::string link = "/proc/self/fd/" + std::to_string(fd < 0 ? -fd : fd);
    if (::readlink(link.c_str(), target, sizeof target - 1) > 0 && std::strstr(target, "memfd:gofork")) ++n;
  }
  return n;
}

// Entries in this process's private TMPDIR (set up by main), which children inherit.
int count_tmp_entries() {
  int n = 0;
  DIR* dir = ::opendir(std::getenv("TMPDIR"));
  while (dirent* e = ::readdir(dir)) n += e->d_name[0] != '.';
  ::closedir(dir);
  return n;
}

class hardening : public ::testing::Test {
 protected:
  void SetUp() override { fds_ = count_open_descriptors(); }
  void TearDown() override {
    expect_no_children();
    EXPECT_EQ(count_open_descriptors(), fds_);
    EXPECT_EQ(count_gofork_memfds(), 0);
  }
  int fds_ = 0;
};

void expect_clean_child_descriptors(const std::vector<int>& fds) {
  // 0, 1, 2, the channel and the executable the child's own init opened — all close-on-exec.
  EXPECT_LE(fds.size(), 5u);
  for (int fd : fds) EXPECT_GE(fd, 0) << "descriptor " << -fd << " is open without FD_CLOEXEC in the child";
}

// T25: 500 descriptors of every kind, none close-on-exec, reach no child.
TEST_F(hardening, no_descriptor_of_any_kind_leaks_into_the_child) {
  std::vector<int> opened = open_inheritable_descriptors_of_every_kind();
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  opened.push_back(listener);
  for (int fd : opened) ASSERT_GE(fd, 0);

  expect_clean_child_descriptors(gofork::fork<std::vector<int>>("descriptors").get());
  for (int fd : opened) ::close(fd);
}

// T27: the fallbacks for close_range and /proc.
TEST_F(hardening, no_descriptor_leaks_without_close_range_or_proc) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to hide /proc (CI runs as root)";
  // close_range failing as on an old kernel (ENOSYS) or under a seccomp filter (EPERM).
  for (auto [block, hide] : {std::pair{ENOSYS, false}, std::pair{EPERM, false}, std::pair{0, true},
                             std::pair{ENOSYS, true}}) {
    std::vector<int> fds = gofork::fork<std::vector<int>>("descriptors_with_fallbacks", block, hide).get();
    EXPECT_LE(fds.size(), 5u) << "close_range errno: " << block << ", /proc hidden: " << hide;
    for (int fd : fds) EXPECT_GE(fd, 0) << "descriptor " << -fd << " leaked (close_range errno: " << block << ")";
  }
}

// T26: siblings launched while another thread keeps making inheritable descriptors.
TEST_F(hardening, concurrent_launches_while_descriptors_appear) {
  std::atomic<bool> stop{false};
  std::thread churn([&] {
    while (!stop) {
      int p[2];
      if (::pipe(p) == 0) {
        ::close(p[0]);
        ::close(p[1]);
      }
    }
  });
  std::atomic<int> clean{0};
  std::vector<std::thread> launchers;
  for (int t = 0; t < 2; ++t) {
    launchers.emplace_back([&] {
      for (int i = 0; i < gofork_test::scaled(1000); ++i) {
        auto fds = gofork::fork<std::vector<int>>("descriptors").get();
        bool ok = fds.size() <= 5;
        for (int fd : fds) ok = ok && fd >= 0;
        clean += ok;
      }
    });
  }
  for (auto& l : launchers) l.join();
  stop = true;
  churn.join();
  EXPECT_EQ(clean.load(), 2 * gofork_test::scaled(1000));
}

// T28: a parent whose standard streams are closed still launches; the channel stays above 2.
TEST_F(hardening, launching_with_stdio_closed) {
  const int saved[3] = {::dup(0), ::dup(1), ::dup(2)};
  ::close(0);
  ::close(1);
  ::close(2);
  std::vector<int> fds;
  std::string failure;
  try {
    fds = gofork::fork<std::vector<int>>("descriptors").get();
  } catch (const std::exception& e) {
    failure = e.what();
  }
  for (int i = 0; i < 3; ++i) {
    ::dup2(saved[i], i);
    ::close(saved[i]);
  }
  ASSERT_EQ(failure, "");
  for (int fd : fds) EXPECT_GT(fd, 2) << "the child's descriptor " << fd << " is a standard stream, left closed";
}

// T29: ignored signals, handlers and a blocked mask of the parent do not reach the child.
TEST_F(hardening, the_child_starts_with_default_signals_and_an_empty_mask) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction handler {};
  handler.sa_handler = [](int) {};
  struct sigaction old_pipe, old_int, old_chld, old_usr2;
  ::sigaction(SIGPIPE, &ignore, &old_pipe);
  ::sigaction(SIGINT, &ignore, &old_int);
  ::sigaction(SIGCHLD, &ignore, &old_chld);
  ::sigaction(SIGUSR2, &handler, &old_usr2);
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGUSR1);
  ::pthread_sigmask(SIG_BLOCK, &block, &old_mask);

  std::string ignored = gofork::fork<std::string>("status_line", "SigIgn").get();
  std::string blocked = gofork::fork<std::string>("status_line", "SigBlk").get();
  [[maybe_unused]] std::string caught = gofork::fork<std::string>("status_line", "SigCgt").get();

  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGPIPE, &old_pipe, nullptr);
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGCHLD, &old_chld, nullptr);
  ::sigaction(SIGUSR2, &old_usr2, nullptr);
  EXPECT_EQ(ignored, "\t0000000000000000");
  EXPECT_EQ(blocked, "\t0000000000000000");
#ifndef GOFORK_SANITIZED  // a sanitizer's runtime installs handlers of its own
  EXPECT_EQ(caught, "\t0000000000000000") << "the parent's SIGUSR2 handler, or one gofork installed";
#endif
}

volatile sig_atomic_t reaped_by_host = 0;

// T30: a host that reaps everything on SIGCHLD, or ignores SIGCHLD, cannot steal a status.
TEST_F(hardening, host_reapers_cannot_steal_exit_statuses) {
  std::mt19937 rng(7);
  for (int variant = 0; variant < 2; ++variant) {
    struct sigaction action {}, old {};
    if (variant == 0) {
      action.sa_handler = [](int) {
        const int saved = errno;
        while (::waitpid(-1, nullptr, WNOHANG) > 0) reaped_by_host = reaped_by_host + 1;
        errno = saved;
      };
    } else {
      action.sa_handler = SIG_IGN;
    }
    ::sigaction(SIGCHLD, &action, &old);
    const int launches = gofork_test::scaled(1000);
    int exact = 0;
    for (int i = 0; i < launches; ++i) {
      int code = static_cast<int>(rng() % 256);
      exact += gofork::fork("exit_with", code).wait().code() == code;
    }
    ::sigaction(SIGCHLD, &old, nullptr);
    EXPECT_EQ(exact, launches) << (variant == 0 ? "waitpid(-1) handler" : "SIGCHLD ignored");
  }
  std::printf("the host's handler reaped %d of the children first\n", static_cast<int>(reaped_by_host));
}

// T31: a 1 ms SIGALRM without SA_RESTART interrupts every blocking call, and a 1 kHz
// ITIMER_PROF does the same with SIGPROF (a profiler's signal); nothing fails.
TEST_F(hardening, a_signal_storm_interrupts_nothing) {
  for (const auto& [timer, sig] : {std::pair{ITIMER_REAL, SIGALRM}, std::pair{ITIMER_PROF, SIGPROF}}) {
    struct sigaction action {}, old {};
    action.sa_handler = [](int) {};
    ::sigaction(sig, &action, &old);
    itimerval every_ms{{0, 1000}, {0, 1000}};
    ::setitimer(timer, &every_ms, nullptr);
    const int launches = gofork_test::scaled(1000);
    int correct = 0;
    for (int i = 0; i < launches; ++i) {
      try {
        correct += gofork::fork<int>("twice", i).get() == 2 * i;
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
    }
    itimerval off{};
    ::setitimer(timer, &off, nullptr);
    ::sigaction(sig, &old, nullptr);
    EXPECT_EQ(correct, launches) << (sig == SIGALRM ? "ITIMER_REAL" : "ITIMER_PROF");
  }
}

// T39: out of descriptors is spawn_failed with EMFILE, and nothing is left open.
TEST_F(hardening, running_out_of_descriptors_is_spawn_failed) {
  rlimit old{};
  ::getrlimit(RLIMIT_NOFILE, &old);
  const int open_now = count_open_descriptors();
  int failures = 0;
  for (int extra = 0; extra < 6; ++extra) {  // fail at each descriptor the launch needs
    rlimit tight{static_cast<rlim_t>(open_now + extra), old.rlim_max};
    ::setrlimit(RLIMIT_NOFILE, &tight);
    try {
      gofork::fork<int>("twice", 1).get();
    } catch (const gofork::error& e) {
      ++failures;
      EXPECT_EQ(e.kind(), gofork::error_kind::spawn_failed) << e.what();
      EXPECT_EQ(e.sys_errno(), EMFILE) << e.what();
    }
    ::setrlimit(RLIMIT_NOFILE, &old);
    EXPECT_EQ(count_open_descriptors(), open_now) << "with " << extra << " spare descriptors";
    gofork::release_idle_request_buffers();  // each round starts without a buffer, as the first did
  }
  EXPECT_GE(failures, 1) << "no limit was tight enough to fail a launch";
  EXPECT_EQ(gofork::fork<int>("twice", 2).get(), 4) << "launching works again with the old limit";
}

// T38: RLIMIT_NPROC (as an unprivileged user) makes a nested launch spawn_failed with EAGAIN.
TEST_F(hardening, process_limit_is_spawn_failed_with_eagain) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch to uid 65534 (CI runs as root)";
  gofork::options o;
  o.uid = 65534;
  o.gid = 65534;
  o.rlimits = {{RLIMIT_NPROC, 1, 1}};
  EXPECT_EQ(gofork::fork<std::string>(o, "try_launch").get(), "spawn_failed " + std::string(std::strerror(EAGAIN)));
}

// T13: an unprivileged process asking for root credentials gets spawn_failed EPERM, naming
// the first credential step (supplementary groups come first), and no child.
TEST_F(hardening, an_unprivileged_credential_change_is_spawn_failed_with_eperm) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch to uid 65534 (CI runs as root)";
  gofork::options o;
  o.uid = 65534;
  o.gid = 65534;
  const std::string result = gofork::fork<std::string>(o, "try_launch_as_root").get();
  EXPECT_EQ(result.rfind("spawn_failed " + std::string(std::strerror(EPERM)), 0), 0u) << result;
  EXPECT_NE(result.find("setgroups"), std::string::npos) << result;
}

// T38: a pids cgroup at its limit makes a launch spawn_failed with EAGAIN; with room again,
// launching works.
TEST_F(hardening, pids_cgroup_limit_is_spawn_failed_with_eagain) {
  const std::string root = "/sys/fs/cgroup/pids";
  if (::geteuid() != 0 || ::access((root + "/cgroup.procs").c_str(), W_OK) != 0) {
    GTEST_SKIP() << "needs root and a cgroup v1 pids hierarchy at " << root;
  }
  const std::string dir = root + "/gofork-test-" + std::to_string(::getpid());
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0) << std::strerror(errno);
  std::ofstream(dir + "/pids.max") << 1 << std::flush;  // the child itself is the one process
  std::string result = gofork::fork<std::string>("launch_in_pids_cgroup", dir).get();
  EXPECT_EQ(::rmdir(dir.c_str()), 0) << std::strerror(errno);
  EXPECT_EQ(result, "spawn_failed " + std::string(std::strerror(EAGAIN)) + "; then ok");
}

// T41: a child killed by the OOM killer is child_signaled (SIGKILL).
TEST_F(hardening, an_out_of_memory_child_is_child_signaled) {
#ifdef GOFORK_SANITIZED
  GTEST_SKIP() << "a sanitizer's shadow memory does not fit in a 64 MiB cgroup";
#endif
  const std::string root = "/sys/fs/cgroup/memory";
  if (::geteuid() != 0 || ::access((root + "/cgroup.procs").c_str(), W_OK) != 0) {
    GTEST_SKIP() << "needs root and a cgroup v1 memory hierarchy at " << root;
  }
  const std::string dir = root + "/gofork-test-" + std::to_string(::getpid());
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0) << std::strerror(errno);
  std::ofstream(dir + "/memory.limit_in_bytes") << (64 << 20) << std::flush;
  std::ofstream(dir + "/memory.memsw.limit_in_bytes") << (64 << 20) << std::flush;  // no swap escape, if accounted
  std::string result = gofork::fork<std::string>("launch_in_memory_cgroup", dir).get();
  EXPECT_EQ(::rmdir(dir.c_str()), 0) << std::strerror(errno);
  EXPECT_EQ(result, "child_signaled " + std::to_string(SIGKILL));
}

// T36: the parent dies while its child streams a big result: the child ends (EPIPE) instead
// of blocking forever.
TEST_F(hardening, a_child_whose_parent_died_mid_result_ends) {
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
  const int orphan = gofork::fork<int>("orphan_streaming_child").get();
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(orphan), &info, WEXITED | __WALL), 0);
  ::prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
  EXPECT_EQ(info.si_code, CLD_EXITED);
  EXPECT_EQ(info.si_status, 122);  // the reply could not be sent
}

// T36, the hard way: the parent is SIGKILLed while its child has a 64 MiB result to send and
// nobody reading it. The child's writes fail (EPIPE) and it ends instead of blocking forever.
TEST_F(hardening, a_child_whose_parent_is_killed_mid_result_ends) {
  const int child = gofork_test::kill_middle_and_adopt(
      [](const gofork::options& o) { return gofork::fork(o, "stream_unread_until_killed"); });
  ASSERT_GE(child, 0) << "the middle process did not report its child";
  siginfo_t info{};
  const bool gone = gofork_test::wait_for_orphan(child, info);
  ::prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
  EXPECT_TRUE(gone) << "the child blocked forever on its result";
  EXPECT_EQ(info.si_code, CLD_EXITED);
  EXPECT_EQ(info.si_status, 122);  // the reply could not be sent
}

// T12/T13: a thousand launches failing before exec leave no child and no descriptor.
TEST_F(hardening, failed_launches_leave_nothing_behind) {
  gofork::options o;
  o.cwd = "/nonexistent/gofork";
  int failed = 0;
  for (int i = 0; i < 1000; ++i) {
    try {
      (void)gofork::fork<int>(o, "twice", i);
    } catch (const gofork::error& e) {
      failed += e.kind() == gofork::error_kind::spawn_failed && e.sys_errno() == ENOENT;
    }
  }
  EXPECT_EQ(failed, 1000);
}

// T02/T03: a throw through noexcept, a trap and a division by zero are child_signaled.
TEST_F(hardening, terminate_trap_and_division_by_zero_are_signals) {
  no_core_dump();  // children inherit the limit: no core files
  auto aborted = gofork::fork("throws_through_noexcept");
  EXPECT_EQ(expect_error([&] { aborted.get(); }).kind(), gofork::error_kind::child_signaled);
  EXPECT_EQ(aborted.wait().signal(), SIGABRT);
  auto trapped = gofork::fork("trap");
  EXPECT_EQ(expect_error([&] { trapped.get(); }).kind(), gofork::error_kind::child_signaled);
  EXPECT_EQ(trapped.wait().signal(), SIGILL);
#ifndef GOFORK_SANITIZED  // UBSan reports the division itself and exits
  auto divided = gofork::fork<int>("divide", 1, 0);
  EXPECT_EQ(expect_error([&] { divided.get(); }).kind(), gofork::error_kind::child_signaled);
  EXPECT_EQ(divided.wait().signal(), SIGFPE);
#endif
}

// T03: a crash reports core_dumped exactly when a core was written (RLIMIT_CORE > 0 or 0).
TEST_F(hardening, core_dumped_follows_the_core_limit) {
#ifdef GOFORK_SANITIZED
  GTEST_SKIP() << "a sanitizer's core dump would span its shadow memory";
#endif
  std::string pattern;
  std::getline(std::ifstream("/proc/sys/kernel/core_pattern"), pattern);
  if (pattern.empty() || pattern[0] == '|' || pattern.find('/') != std::string::npos) {
    GTEST_SKIP() << "core_pattern '" << pattern << "' does not write into the working directory";
  }
  rlimit allowed{};
  ::getrlimit(RLIMIT_CORE, &allowed);
  if (allowed.rlim_max == 0) GTEST_SKIP() << "the hard RLIMIT_CORE is 0";
  char dir[] = "/tmp/gofork-core-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr) << std::strerror(errno);
  gofork::options o;
  o.cwd = dir;
  const std::uint64_t limit = std::min<std::uint64_t>(allowed.rlim_max, std::uint64_t{1} << 30);
  const gofork::exit_status with_core = gofork::fork(o, "crash_with_core", limit).wait();
  const gofork::exit_status without_core = gofork::fork(o, "crash_with_core", std::uint64_t{0}).wait();
  int cores = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    ++cores;
    std::filesystem::remove(entry.path());
  }
  ::rmdir(dir);
  EXPECT_EQ(with_core.signal(), SIGSEGV);
  EXPECT_TRUE(with_core.core_dumped());
  EXPECT_EQ(without_core.signal(), SIGSEGV);
  EXPECT_FALSE(without_core.core_dumped());
  EXPECT_EQ(cores, 1);
}

// T08: a grandchild holding the child's output pipes does not hold up get().
TEST_F(hardening, a_grandchild_holding_the_pipes_does_not_block) {
  gofork::options o;
  o.out = gofork::redirect::capture();
  o.err = gofork::redirect::capture();
  const int grandchild = gofork::fork<int>(o, "leave_a_grandchild").get();  // would hang 30 s on EOF
  // Its descriptors are the captured stdout and stderr (pipes) and stdin; no channel, request
  // buffer or executable of gofork's.
  const std::string not_asleep = wait_until_sleeping(grandchild);
  const std::vector<std::string> fds = not_asleep.empty() ? descriptors_of(grandchild) : std::vector<std::string>{};
  EXPECT_EQ(::kill(grandchild, SIGKILL), 0);
  if (!not_asleep.empty()) GTEST_SKIP() << "descriptors not inspected: " << not_asleep;
  ASSERT_EQ(fds.size(), 3u) << ::testing::PrintToString(fds);
  EXPECT_EQ(fds[0].rfind("0 ", 0), 0u) << fds[0];
  EXPECT_EQ(fds[1].rfind("1 pipe:", 0), 0u) << fds[1];
  EXPECT_EQ(fds[2].rfind("2 pipe:", 0), 0u) << fds[2];
}

// T14: an unknown function is refused by the child before any user code.
TEST_F(hardening, an_unknown_function_is_refused) {
  gofork::process<int> p(gofork::detail::spawn(gofork::options{}, "dynamic:no_such_function",
                                                gofork::detail::encode_arguments()));
  auto e = expect_error([&] { p.get(); });
  EXPECT_EQ(e.kind(), gofork::error_kind::protocol);
  EXPECT_NE(std::string(e.what()).find("is not registered"), std::string::npos) << e.what();
  EXPECT_EQ(p.wait().code(), 121);
}

// T35: pdeathsig survives a credential change (armed after it, re-armed by the child's init).
TEST_F(hardening, pdeathsig_survives_a_credential_change) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch to uid 65534";
  gofork::options o;
  o.uid = 65534;
  o.gid = 65534;
  o.pdeathsig = SIGTERM;
  EXPECT_EQ(gofork::fork<int>(o, "pdeathsig_now").get(), SIGTERM);
}

TEST_F(hardening, stdout_written_before_launches_appears_once) {
  gofork::options o;
  o.out = gofork::redirect::capture();
  auto p = gofork::fork(o, "print_once_and_launch");
  p.get();
  EXPECT_EQ(p.captured_stdout(), "Px");
}

TEST_F(hardening, an_exec_failure_is_spawn_failed_and_leaves_nothing) {
  std::string result = gofork::fork<std::string>("launch_with_exec_denied").get();
  EXPECT_EQ(result.rfind("1000 spawn_failed, descriptors +0: ", 0), 0u) << result;
  EXPECT_NE(result.find("execveat"), std::string::npos) << result;
  EXPECT_NE(result.find("errno " + std::to_string(EPERM)), std::string::npos) << result;
}

TEST_F(hardening, a_parent_with_four_gib_launches_in_a_tight_memory_cgroup) {
#ifdef GOFORK_SANITIZED
  GTEST_SKIP() << "4 GiB under a sanitizer is too slow for CI";
#endif
  const std::string root = "/sys/fs/cgroup/memory";
  std::string dir;
  if (::geteuid() == 0 && ::access((root + "/cgroup.procs").c_str(), W_OK) == 0) {
    dir = root + "/gofork-big-" + std::to_string(::getpid());
    ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0) << std::strerror(errno);
    const std::uint64_t limit = (std::uint64_t{4} << 30) + (std::uint64_t{256} << 20);
    std::ofstream(dir + "/memory.limit_in_bytes") << limit << std::flush;
    std::ofstream(dir + "/memory.memsw.limit_in_bytes") << limit << std::flush;  // no swap escape, if accounted
  }
  const std::string result = gofork::fork<std::string>("launch_from_a_big_parent", dir).get();
  if (!dir.empty()) {
    EXPECT_EQ(::rmdir(dir.c_str()), 0) << std::strerror(errno);
  }
  // Recorded, as the reference asks: the launch succeeds (no copy of the parent's memory).
  std::printf("a 4 GiB parent%s: %s\n", dir.empty() ? " (no memory cgroup here)" : " in a 4.25 GiB memory cgroup",
              result.c_str());
  EXPECT_EQ(result, "ok");
}

TEST_F(hardening, a_descriptor_near_a_million_is_not_inherited) {
  std::vector<int> fds = gofork::fork<std::vector<int>>("descriptors_with_a_huge_one").get();
  EXPECT_LE(fds.size(), 5u);
  for (int fd : fds) EXPECT_NE(std::abs(fd), huge_descriptor_number());
}

// T28: rlimit_nofile_safe gives the child a soft descriptor limit of 1024 under a parent that
// raised its own, keeps the hard limit, and yields to an RLIMIT_NOFILE the caller lists.
TEST_F(hardening, rlimit_nofile_safe_lowers_only_the_soft_limit) {
  rlimit old{};
  ::getrlimit(RLIMIT_NOFILE, &old);
  rlimit raised{std::max<rlim_t>(old.rlim_max, 65536), std::max<rlim_t>(old.rlim_max, 65536)};
  if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
    raised = {old.rlim_max, old.rlim_max};  // without CAP_SYS_RESOURCE: as high as allowed
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &raised), 0) << std::strerror(errno);
  }
  if (raised.rlim_cur <= FD_SETSIZE) {
    ::setrlimit(RLIMIT_NOFILE, &old);
    GTEST_SKIP() << "the hard descriptor limit " << raised.rlim_max << " is not above 1024";
  }
  const std::uint64_t high = raised.rlim_cur;
  gofork::options safe;
  safe.rlimit_nofile_safe = true;
  gofork::options explicit_limit = safe;
  const std::uint64_t chosen = std::min<std::uint64_t>(2000, high);
  explicit_limit.rlimits = {{RLIMIT_NOFILE, chosen, high}};
  const auto inherited = gofork::fork<std::vector<std::uint64_t>>("descriptor_limit").get();
  const auto lowered = gofork::fork<std::vector<std::uint64_t>>(safe, "descriptor_limit").get();
  const auto overridden = gofork::fork<std::vector<std::uint64_t>>(explicit_limit, "descriptor_limit").get();
  ::setrlimit(RLIMIT_NOFILE, &old);
  EXPECT_EQ(inherited, (std::vector<std::uint64_t>{high, high}));
  EXPECT_EQ(lowered, (std::vector<std::uint64_t>{FD_SETSIZE, high}));
  EXPECT_EQ(overridden, (std::vector<std::uint64_t>{chosen, high}));
}

// T07: a reply larger than max_result_bytes is refused and its child killed.
TEST_F(hardening, an_oversized_result_is_refused) {
  gofork::options o;
  o.max_result_bytes = 1 << 20;
  auto p = gofork::fork<std::string>(o, "big_result", std::uint64_t{8} << 20);
  auto e = expect_error([&] { p.get(); });
  EXPECT_EQ(e.kind(), gofork::error_kind::protocol);
  EXPECT_NE(std::string(e.what()).find("max_result_bytes"), std::string::npos) << e.what();
  EXPECT_EQ(gofork::fork<std::string>(o, "big_result", std::uint64_t{1000}).get().size(), 1000u);
}

// T15 through a real child: each of the reference's bombs, as the argument of twice(int), is
// refused before the function runs.
TEST_F(hardening, a_bomb_as_arguments_is_refused_by_the_child) {
  for (const std::string& bomb : gofork_test::msgpack_bombs()) {
    gofork::process<int> p(gofork::detail::spawn(gofork::options{}, "dynamic:twice", "\x91" + bomb));
    auto e = expect_error([&] { p.get(); });
    EXPECT_EQ(e.kind(), gofork::error_kind::protocol) << e.what();
    EXPECT_NE(std::string(e.what()).find("refused the call"), std::string::npos) << e.what();
    EXPECT_EQ(p.wait().code(), 121);
  }
}

// T17 through a real child: a string where twice(int) takes an int, and one argument too many,
// are refused by the child, naming the argument or the count; twice never runs (status 121).
TEST_F(hardening, a_wrong_argument_is_refused_by_the_child_naming_it) {
  const std::pair<std::string, std::string> cases[] = {
      {gofork::detail::encode_arguments(std::string("21")), "argument 1 of 1 (int)"},
      {gofork::detail::encode_arguments(21, 21), "2 where the function takes 1"},
  };
  for (const auto& [frame, named] : cases) {
    gofork::process<int> p(gofork::detail::spawn(gofork::options{}, "dynamic:twice", frame));
    auto e = expect_error([&] { p.get(); });
    EXPECT_EQ(e.kind(), gofork::error_kind::protocol) << e.what();
    EXPECT_NE(std::string(e.what()).find("refused the call"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(named), std::string::npos) << e.what();
    EXPECT_EQ(p.wait().code(), 121);
  }
}

// The memory one call takes, in KiB: how far the caller's resident set rose above its size
// before the call, and the child's peak resident set. Measured in a process forked for the
// purpose, whose only child is the call's (RUSAGE_CHILDREN's maxrss is the largest child's).
struct call_memory {
  long caller_growth = -1;
  long child_peak = -1;
};
template <class F>
call_memory measure_call(F&& call) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    call_memory m;
    m.caller_growth = gofork_test::peak_growth_kib(call);
    rusage usage{};
    ::getrusage(RUSAGE_CHILDREN, &usage);
    m.child_peak = usage.ru_maxrss;
    (void)!::write(p[1], &m, sizeof m);
    ::_exit(0);
  }
  ::close(p[1]);
  call_memory m;
  if (::read(p[0], &m, sizeof m) != static_cast<ssize_t>(sizeof m)) m = {};
  ::close(p[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return m;
}

// T10: 64 MiB of arguments, then a 64 MiB result. The caller holds one encoded copy of the
// arguments (the request buffer the child maps) and, for a result, the reply and the decoded
// value; the child the mapped request and its decoded copy, or the value and its encoding.
TEST_F(hardening, a_big_call_holds_at_most_two_copies_on_each_side) {
  const std::uint64_t size = std::uint64_t{64} << 20;
  const long payload = static_cast<long>(size >> 10);
  const std::vector<std::uint8_t> big = bytes_of(size);
  const call_memory args = measure_call([&] {
    if (gofork::fork<std::uint64_t>("byte_sum", big).get() != byte_sum(big)) std::abort();
  });
  const call_memory result = measure_call([&] {
    if (gofork::fork<std::vector<std::uint8_t>>("bytes_of", size).get().size() != size) std::abort();
  });
  std::printf("64 MiB = %ld KiB. arguments: caller +%ld KiB, child %ld KiB; result: caller +%ld KiB, child %ld KiB\n",
              payload, args.caller_growth, args.child_peak, result.caller_growth, result.child_peak);
  ASSERT_GT(args.child_peak, 0) << "the measuring process failed";
  ASSERT_GT(result.child_peak, 0) << "the measuring process failed";
#ifdef GOFORK_SANITIZED
  GTEST_SKIP() << "a sanitizer's shadow memory and quarantine inflate resident sets; numbers printed only";
#else
  const long slack = 16 << 10;  // the child's own program, heap and stacks
  EXPECT_LT(args.caller_growth, payload + slack);
  EXPECT_LT(args.child_peak, 2 * payload + slack);
  EXPECT_LT(result.caller_growth, 2 * payload + slack);
  EXPECT_LT(result.child_peak, 2 * payload + slack);
#endif
}

// T10: a launch does not wait for its child to read the request. The child is held before its
// init() until the test writes to its stdin; the launch of a 64 MiB call has returned by then
// (had it waited, this test would hang), and the call completes once the child is let go.
TEST_F(hardening, a_launch_does_not_wait_for_the_child_to_read) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  const std::vector<std::uint8_t> big = bytes_of(std::uint64_t{64} << 20);
  gofork::options o;
  o.in = gofork::redirect::fd(p[0]);
  o.env["GOFORK_TEST_HOLD"] = "1";
  auto call = gofork::fork<std::uint64_t>(o, "byte_sum", big);
  ::close(p[0]);
  EXPECT_FALSE(call.wait_for(std::chrono::milliseconds(0)).has_value()) << "the held child has ended";
  ASSERT_EQ(::write(p[1], "x", 1), 1);
  ::close(p[1]);
  EXPECT_EQ(call.get(), byte_sum(big));
}

// Resident set size of this process, in bytes.
long resident_bytes() {
  long size = 0, resident = 0;
  std::ifstream("/proc/self/statm") >> size >> resident;
  return resident * ::sysconf(_SC_PAGESIZE);
}

// T37: 10,000 launches from 8 threads (2,000 in a sanitizer build); nothing fails and nothing is left behind.
TEST_F(hardening, stress_ten_thousand_launches_from_eight_threads) {
  const char* env = std::getenv("GOFORK_STRESS_LAUNCHES");
  const int total = env ? std::atoi(env) : gofork_test::scaled(10000);
  const int tmp_before = count_tmp_entries();
  const long rss_before = resident_bytes();
  std::atomic<int> correct{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < total; i += 8) {
        try {
          correct += gofork::fork<int>("twice", i).get() == 2 * i;
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(correct.load(), total);
  EXPECT_EQ(tmp_before, 0);
  EXPECT_EQ(count_tmp_entries(), 0) << "a file was left in TMPDIR";
  const long growth = resident_bytes() - rss_before;
  std::printf("resident set grew by %ld KiB over %d launches\n", growth / 1024, total);
#ifndef GOFORK_SANITIZED  // the sanitizers' own caches and shadow memory grow with any work
  EXPECT_LT(growth, 10L << 20);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  gofork::register_function("descriptors", &descriptors);
  gofork::register_function("descriptor_limit", &descriptor_limit);
  gofork::register_function("status_line", &status_line);
  gofork::register_function("exit_with", &exit_with);
  gofork::register_function("twice", &twice);
  gofork::register_function("big_result", &big_result);
  gofork::register_function("try_launch", &try_launch);
  gofork::register_function("launch_in_pids_cgroup", &launch_in_pids_cgroup);
  gofork::register_function("throws_through_noexcept", &throws_through_noexcept);
  gofork::register_function("print_once_and_launch", &print_once_and_launch);
  gofork::register_function("print_x", &print_x);
  gofork::register_function("launch_with_exec_denied", &launch_with_exec_denied);
  gofork::register_function("launch_from_a_big_parent", &launch_from_a_big_parent);
  gofork::register_function("descriptors_with_a_huge_one", &descriptors_with_a_huge_one);
  gofork::register_function("trap", &trap);
  gofork::register_function("crash_with_core", &crash_with_core);
  gofork::register_function("divide", &divide);
  gofork::register_function("leave_a_grandchild", &leave_a_grandchild);
  gofork::register_function("pdeathsig_now", &pdeathsig_now);
  gofork::register_function("descriptors_by_probing", &descriptors_by_probing);
  gofork::register_function("descriptors_with_fallbacks", &descriptors_with_fallbacks);
  gofork::register_function("launch_in_memory_cgroup", &launch_in_memory_cgroup);
  gofork::register_function("orphan_streaming_child", &orphan_streaming_child);
  gofork::register_function("big_result_after_parent_death", &big_result_after_parent_death);
  gofork::register_function("stream_unread_until_killed", &stream_unread_until_killed);
  gofork::register_function("try_launch_as_root", &try_launch_as_root);
  gofork::register_function("byte_sum", &byte_sum);
  gofork::register_function("bytes_of", &bytes_of);
  gofork::init(argc, argv);
  // A private, empty TMPDIR (inherited by every child) to prove nothing is left in one.
  char tmp[] = "/tmp/gofork-hardening-XXXXXX";
  if (!::mkdtemp(tmp)) return 2;
  ::setenv("TMPDIR", tmp, 1);
  testing::InitGoogleTest(&argc, argv);
  int status = RUN_ALL_TESTS();
  ::rmdir(tmp);
  return status;
}
