// Linux process attributes, each observed from inside the child (and from the parent where the
// parent can see it). Most need root — CI runs as root; elsewhere they skip and say why.
#include <fcntl.h>
#include <link.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "../support/test_support.hpp"
#include "attributes.gofork.hpp"
#include "attributes.hpp"

namespace {

using gofork_test::expect_error;
using gofork_test::expect_no_children;
using gofork_test::receive_descriptor;

#define REQUIRE_ROOT()                                                            \
  do {                                                                            \
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (CI runs the tests as root)"; \
  } while (0)

class attributes : public ::testing::Test {
 protected:
  void TearDown() override { expect_no_children(); }
};

std::string own_namespace(const std::string& kind) { return attr::namespace_of(kind); }

TEST_F(attributes, new_uts_namespace_has_its_own_hostname) {
  REQUIRE_ROOT();
  char before[256] = {};
  ::gethostname(before, sizeof before - 1);
  gofork::options o;
  o.clone_flags = CLONE_NEWUTS;
  EXPECT_EQ(attr::fork_set_and_get_hostname(o, "gofork-box").get(), "gofork-box");
  EXPECT_NE(attr::fork_namespace_of(o, "uts").get(), own_namespace("uts"));
  char after[256] = {};
  ::gethostname(after, sizeof after - 1);
  EXPECT_STREQ(before, after) << "the parent's hostname changed";
}

TEST_F(attributes, new_pid_namespace_makes_the_child_pid_1) {
  REQUIRE_ROOT();
  gofork::options o;
  o.clone_flags = CLONE_NEWPID;
  auto p = attr::fork_own_pid(o);
  EXPECT_EQ(p.get(), 1);
  EXPECT_NE(p.pid(), 1);  // the parent sees its real pid
  EXPECT_EQ(attr::fork_parent_pid(o).get(), 0);
}

TEST_F(attributes, new_mount_ipc_net_and_cgroup_namespaces) {
  REQUIRE_ROOT();
  for (auto [flag, kind] : {std::pair{CLONE_NEWNS, "mnt"}, std::pair{CLONE_NEWIPC, "ipc"},
                            std::pair{CLONE_NEWNET, "net"}, std::pair{CLONE_NEWCGROUP, "cgroup"}}) {
    gofork::options o;
    o.clone_flags = flag;
    EXPECT_NE(attr::fork_namespace_of(o, kind).get(), own_namespace(kind)) << kind;
    EXPECT_EQ(attr::fork_namespace_of(kind).get(), own_namespace(kind)) << kind;
  }
  gofork::options net;
  net.clone_flags = CLONE_NEWNET;
  std::string devices = attr::fork_read_file(net, "/proc/self/net/dev").get();
  EXPECT_NE(devices.find("lo:"), std::string::npos);
  EXPECT_EQ(devices.find("eth"), std::string::npos) << devices;
}

TEST_F(attributes, new_user_namespace_with_id_maps) {
  REQUIRE_ROOT();
  // Mapping our own ids: the child is root inside without changing credentials.
  gofork::options own;
  own.clone_flags = CLONE_NEWUSER;
  own.uid_map = {{0, ::getuid(), 1}};
  own.gid_map = {{0, ::getgid(), 1}};
  EXPECT_EQ(attr::fork_credentials(own).get().at(0), 0);

  // A range of host ids: the child switches to the mapped root (host uid 100000).
  gofork::options o;
  o.clone_flags = CLONE_NEWUSER;
  o.uid_map = {{0, 100000, 65536}};
  o.gid_map = {{0, 100000, 65536}};
  o.uid = 0;
  o.gid = 0;
  std::vector<long> inside = attr::fork_credentials(o).get();
  ASSERT_GE(inside.size(), 4u);
  EXPECT_EQ(inside[0], 0);
  EXPECT_EQ(inside[2], 0);
  EXPECT_NE(attr::fork_read_file(o, "/proc/self/uid_map").get().find("100000"), std::string::npos);
  EXPECT_NE(attr::fork_read_file(o, "/proc/self/setgroups").get().find("deny"), std::string::npos);

  // From the parent: the same process runs as host uid 100000.
  auto p = attr::fork_sleep_forever(o);
  std::string status = attr::read_file("/proc/" + std::to_string(p.pid()) + "/status");
  p.kill();
  p.wait();
  EXPECT_NE(status.find("Uid:\t100000\t100000"), std::string::npos) << status;

  // Inside the namespace the child may switch to a mapped id.
  o.uid = 1000;
  o.gid = 1000;
  std::vector<long> switched = attr::fork_credentials(o).get();
  EXPECT_EQ(switched[0], 1000);
  EXPECT_EQ(switched[2], 1000);
}

// T45: user, pid, mount and network namespaces at once, with a uid map.
TEST_F(attributes, all_namespaces_together) {
  REQUIRE_ROOT();
  gofork::options o;
  o.clone_flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET;
  o.uid_map = {{0, 100000, 65536}};
  o.gid_map = {{0, 100000, 65536}};
  o.uid = 0;
  o.gid = 0;
  EXPECT_EQ(attr::fork_own_pid(o).get(), 1);
  EXPECT_EQ(attr::fork_parent_pid(o).get(), 0);
  EXPECT_NE(attr::fork_read_file(o, "/proc/self/uid_map").get().find("100000"), std::string::npos);
  EXPECT_EQ(attr::fork_credentials(o).get().at(0), 0);
  EXPECT_EQ(attr::fork_square(o, 9).get(), 81);
}

TEST_F(attributes, credentials_and_groups) {
  REQUIRE_ROOT();
  gofork::options o;
  o.uid = 65534;
  o.gid = 65534;
  o.groups = {65534, 100};
  std::vector<long> c = attr::fork_credentials(o).get();
  ASSERT_EQ(c.size(), 6u);
  EXPECT_EQ(c[0], 65534);
  EXPECT_EQ(c[1], 65534);
  EXPECT_EQ(c[2], 65534);
  EXPECT_EQ(c[3], 65534);
  EXPECT_EQ(std::set<long>(c.begin() + 4, c.end()), (std::set<long>{65534, 100}));

  gofork::options drop;  // uid/gid without groups: supplementary groups are cleared
  drop.uid = 65534;
  drop.gid = 65534;
  EXPECT_EQ(attr::fork_credentials(drop).get().size(), 4u);
}

TEST_F(attributes, setsid_and_process_group) {
  auto parent_sid = ::getsid(0);
  gofork::options s;
  s.setsid = true;
  auto p = attr::fork_session(s).get();
  EXPECT_EQ(p[1], p[0]);  // session leader
  EXPECT_EQ(p[2], p[0]);
  EXPECT_NE(p[1], parent_sid);

  gofork::options g;
  g.pgid = 0;
  auto q = attr::fork_session(g).get();
  EXPECT_EQ(q[2], q[0]);  // leader of a new group
  EXPECT_EQ(q[1], parent_sid);
}

// A directory with this program's loader and libraries, so it can exec inside a chroot.
std::string make_root() {
  char dir[] = "/tmp/gofork-root-XXXXXX";
  if (!::mkdtemp(dir)) return "";
  std::vector<std::string> objects;
  ::dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) {
        if (info->dlpi_name != nullptr && info->dlpi_name[0] == '/') {
          static_cast<std::vector<std::string>*>(out)->push_back(info->dlpi_name);
        }
        return 0;
      },
      &objects);
  for (const std::string& object : objects) {
    std::filesystem::path target = std::string(dir) + object;
    std::filesystem::create_directories(target.parent_path());
    std::filesystem::copy_file(std::filesystem::canonical(object), target);
  }
  return dir;
}

TEST_F(attributes, chroot_without_proc) {
  REQUIRE_ROOT();
  const std::string root = make_root();
  ASSERT_FALSE(root.empty());
  gofork::options o;
  o.chroot = root;
  std::vector<std::string> inside = attr::fork_list_directory(o, "/").get();
  std::vector<std::string> expected;
  for (const auto& e : std::filesystem::directory_iterator(root)) expected.push_back(e.path().filename());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(inside, expected);
  EXPECT_EQ(attr::fork_square(o, 12).get(), 144);  // arguments and results need no path
  std::filesystem::remove_all(root);
}

TEST_F(attributes, rlimits_and_no_new_privs) {
  gofork::options o;
  o.rlimits = {{RLIMIT_NOFILE, 64, 128}};
  o.no_new_privs = true;
  EXPECT_EQ(attr::fork_open_files_limit(o).get(), (std::vector<unsigned long long>{64, 128}));
  EXPECT_EQ(attr::fork_no_new_privs(o).get(), 1);
  EXPECT_EQ(attr::fork_no_new_privs().get(), ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
}

TEST_F(attributes, pdeathsig_is_set_and_survives_the_launching_thread) {
  gofork::options o;
  o.pdeathsig = SIGUSR1;
  EXPECT_EQ(attr::fork_pdeathsig(o).get(), SIGUSR1);
  EXPECT_EQ(attr::fork_pdeathsig().get(), 0);

  gofork::options kill_on_death;
  kill_on_death.pdeathsig = SIGKILL;
  std::optional<gofork::process<void>> p;
  std::thread([&] { p.emplace(attr::fork_sleep_forever(kill_on_death)); }).join();
  // Had the exit of the launching thread fired it, the child would be gone by now.
  EXPECT_FALSE(p->wait_for(std::chrono::milliseconds(300)).has_value());
  p->kill();
  EXPECT_EQ(p->wait().signal(), SIGKILL);
}

TEST_F(attributes, the_child_dies_with_its_parent) {
  // Orphans come to this process, so it can wait for the grandchild's end.
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
  const int grandchild = attr::fork_launch_orphan_with_pdeathsig().get();  // its parent has exited now
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(grandchild), &info, WEXITED | __WALL), 0);
  ::prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
  EXPECT_EQ(info.si_code, CLD_KILLED);
  EXPECT_EQ(info.si_status, SIGKILL);
}

// Waits (a minute at most) for the orphan behind `pidfd`, re-parented to this subreaper, to
// end by SIGKILL; reaps it either way and stops being a subreaper.
void expect_orphan_killed(int pidfd) {
  siginfo_t info{};
  const bool gone = gofork_test::wait_for_orphan(pidfd, info);
  ::prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
  EXPECT_TRUE(gone) << "the orphaned child lived on";
  EXPECT_EQ(info.si_code, CLD_KILLED);
  EXPECT_EQ(info.si_status, SIGKILL);
}

// T33: the parent dies after the clone but before the child armed PR_SET_PDEATHSIG. A seccomp
// listener holds the child inside that prctl while the test kills its parent; let go, the
// child must see that its parent changed (getppid) and end instead of living on as an orphan.
TEST_F(attributes, a_parent_dying_before_pdeathsig_is_armed_still_ends_the_child) {
  REQUIRE_ROOT();
  int sockets[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets), 0);
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);  // the orphan comes to this process
  gofork::options o;
  o.in = gofork::redirect::fd(sockets[1]);
  auto middle = attr::fork_launch_held_before_pdeathsig(o);
  ::close(sockets[1]);
  const int listener = receive_descriptor(sockets[0]);
  ::close(sockets[0]);
  ASSERT_GE(listener, 0) << "the middle process sent no seccomp listener";

  pollfd held{listener, POLLIN, 0};
  ASSERT_EQ(::poll(&held, 1, 60'000), 1) << "the child never reached PR_SET_PDEATHSIG";
  seccomp_notif request{};
  ASSERT_EQ(::ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &request), 0) << std::strerror(errno);
  const int child = static_cast<int>(::syscall(SYS_pidfd_open, request.pid, 0));
  ASSERT_GE(child, 0);

  middle.kill(SIGKILL);
  EXPECT_EQ(middle.wait().signal(), SIGKILL);
  // The middle process has exited, so the child is this process's now; let its prctl go on.
  seccomp_notif_resp resume{};
  resume.id = request.id;
  resume.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  EXPECT_EQ(::ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resume), 0) << std::strerror(errno);
  ::close(listener);

  expect_orphan_killed(child);
}

// T32: the middle process is killed (SIGKILL, no chance to clean up); its child, launched
// with pdeathsig SIGKILL, must end with it. T45: also when that child is in new user, pid,
// mount and network namespaces.
TEST_F(attributes, a_child_dies_when_its_parent_is_killed) {
  for (bool in_namespaces : {false, true}) {
    if (in_namespaces && ::geteuid() != 0) GTEST_SKIP() << "namespaces need root (CI runs the tests as root)";
    const int child = gofork_test::kill_middle_and_adopt(
        [&](const gofork::options& o) { return attr::fork_launch_and_wait_to_be_killed(o, in_namespaces); });
    ASSERT_GE(child, 0) << "the middle process did not report its child";
    expect_orphan_killed(child);
  }
}

// T47: the sealed-executable mode.
TEST_F(attributes, sealed_executable_mode) {
  gofork::options o;
  o.sealed_exe = true;
  std::vector<std::string> report = attr::fork_executable_report(o).get();
  ASSERT_EQ(report.size(), 4u);
  EXPECT_EQ(report[0].rfind("/memfd:gofork-exe", 0), 0u) << report[0];
  const int seals = std::stoi(report[1]);
  EXPECT_EQ(seals & (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE),
            F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
  EXPECT_EQ(report[2], "not writable");
  EXPECT_EQ(report[3], "0");
  EXPECT_EQ(attr::fork_executable_report().get().at(3), "1");  // only on request

  for (int i = 0; i < 100; ++i) EXPECT_EQ(attr::fork_square(o, i).get(), i * i);
  int copies = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    copies += std::filesystem::read_symlink(entry.path(), ec).string().find("memfd:gofork-exe") != std::string::npos;
  }
  EXPECT_EQ(copies, 1) << "one sealed copy per process";
  EXPECT_EQ(gofork::sealed_exe_copy_in_use(), gofork::sealed_exe_copy::memfd);
}

// The whole of a file.
std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// T47's CVE-2019-5736 attempt: a sealed child's grandchild reopens the executable it was
// handed for writing once nothing runs it. The sealed copy refuses the write, and the copy is
// still byte for byte this program.
TEST_F(attributes, a_sealed_child_cannot_overwrite_its_executable) {
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);  // the grandchild comes to this process
  gofork::options o;
  o.sealed_exe = true;
  const int grandchild = attr::fork_attack_own_executable(o).get();
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, grandchild, 0));
  ASSERT_GE(pidfd, 0);
  siginfo_t info{};
  EXPECT_TRUE(gofork_test::wait_for_orphan(pidfd, info)) << "the attacking grandchild hung";
  ::prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
  EXPECT_EQ(info.si_code, CLD_EXITED);
  EXPECT_EQ(info.si_status, 3) << "the write into the executable went through";

  std::string copy;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (std::filesystem::read_symlink(entry.path(), ec).string().find("memfd:gofork-exe") != std::string::npos) {
      copy = file_bytes(entry.path().string());
    }
  }
  ASSERT_FALSE(copy.empty()) << "no sealed copy found";
  EXPECT_TRUE(copy == file_bytes("/proc/self/exe")) << "the sealed copy changed";
}

// T47, where vm.memfd_noexec=2 forbids executable memfds: the copy falls back to a nameless
// read-only file, and the child still cannot write its executable or be dumped.
TEST_F(attributes, sealed_executable_mode_without_executable_memfds) {
  REQUIRE_ROOT();
  gofork::options o;
  o.clone_flags = CLONE_NEWPID;  // the sysctl is per pid namespace: the test's own stays as it is
  const std::vector<std::string> report = attr::fork_sealed_report_without_executable_memfds(o).get();
  if (report.size() == 1) GTEST_SKIP() << report[0] << " (a kernel before 6.3?)";
  ASSERT_EQ(report.size(), 7u);
  EXPECT_EQ(report[6], "49") << "a child that changed its uid could not exec the copy";
  EXPECT_EQ(report[5], std::strerror(EACCES)) << "memfd_create(MFD_EXEC) under vm.memfd_noexec=2";
  EXPECT_EQ(report[4], "tmpfile");
  EXPECT_EQ(report[0].rfind("/memfd:", 0), std::string::npos) << report[0];
  EXPECT_NE(report[0].find(" (deleted)"), std::string::npos) << report[0] << " is a nameless file";
  EXPECT_EQ(report[2], "not writable");
  EXPECT_EQ(report[3], "0");
}

TEST_F(attributes, each_failing_stage_is_reported) {
  auto failure = [](const gofork::options& o) {
    auto e = expect_error([&] { (void)attr::fork_square(o, 1); });
    EXPECT_EQ(e.kind(), gofork::error_kind::spawn_failed);
    return std::make_pair(std::string(e.what()), e.sys_errno());
  };
  gofork::options bad_root;
  bad_root.chroot = "/nonexistent/gofork";
  auto [what, err] = failure(bad_root);
  EXPECT_NE(what.find("chroot"), std::string::npos) << what;
  EXPECT_EQ(err, ENOENT);

  gofork::options bad_limit;
  bad_limit.rlimits = {{RLIMIT_NOFILE, 128, 64}};  // soft above hard
  std::tie(what, err) = failure(bad_limit);
  EXPECT_NE(what.find("setrlimit"), std::string::npos) << what;
  EXPECT_EQ(err, EINVAL);

  gofork::options bad_flags;
  bad_flags.clone_flags = CLONE_THREAD;  // refused by the parent: only CLONE_NEW* flags
  std::tie(what, err) = failure(bad_flags);
  EXPECT_NE(what.find("clone_flags may only hold CLONE_NEW* namespace flags"), std::string::npos) << what;
  EXPECT_EQ(err, EINVAL);

  gofork::options bad_signal;
  bad_signal.pdeathsig = NSIG;
  std::tie(what, err) = failure(bad_signal);
  EXPECT_NE(what.find("pdeathsig is not a signal number"), std::string::npos) << what;
  EXPECT_EQ(err, EINVAL);

  if (::geteuid() == 0) {
    gofork::options unmapped;
    unmapped.clone_flags = CLONE_NEWUSER;
    unmapped.uid_map = {{0, 0, 1}};
    unmapped.uid = 4242;  // not mapped in the new namespace
    std::tie(what, err) = failure(unmapped);
    EXPECT_NE(what.find("setuid"), std::string::npos) << what;
    EXPECT_EQ(err, EINVAL);

    gofork::options overlapping;
    overlapping.clone_flags = CLONE_NEWUSER;
    overlapping.uid_map = {{0, 0, 10}, {5, 100, 10}};
    std::tie(what, err) = failure(overlapping);
    EXPECT_NE(what.find("write uid_map"), std::string::npos) << what;
    EXPECT_EQ(err, EINVAL);

    gofork::options overlapping_groups;
    overlapping_groups.clone_flags = CLONE_NEWUSER;
    overlapping_groups.uid_map = {{0, 0, 10}};
    overlapping_groups.gid_map = {{0, 0, 10}, {5, 100, 10}};
    std::tie(what, err) = failure(overlapping_groups);
    EXPECT_NE(what.find("write gid_map"), std::string::npos) << what;
    EXPECT_EQ(err, EINVAL);
  } else {
    GTEST_SKIP() << "the setuid and id map cases need root (CI runs the tests as root)";
  }
}

// Every step between clone and exec, made to fail (a seccomp filter in a middle process), is
// spawn_failed naming the step, with the step's errno; the launch leaves no child.
TEST_F(attributes, every_pre_exec_step_failure_names_its_step) {
  std::vector<std::string> steps = {"setsid", "setpgid", "dup2 standard stream", "setrlimit", "setgroups",
                                    "chroot", "chdir", "no_new_privs", "pdeathsig", "fcntl channel"};
  const std::vector<std::string> root_steps = {
      "setgid", "setuid", "clone CLONE_NEWPID", "clone CLONE_NEWNS", "clone CLONE_NEWUTS", "clone CLONE_NEWIPC",
      "clone CLONE_NEWNET", "clone CLONE_NEWUSER", "clone CLONE_NEWCGROUP"};
  if (::geteuid() == 0) steps.insert(steps.end(), root_steps.begin(), root_steps.end());
  for (const std::string& step : steps) {
    const std::string stage = step.rfind("clone ", 0) == 0 ? "clone" : step;
    EXPECT_EQ(attr::fork_launch_with_a_failing_step(step).get(),
              "spawn_failed: gofork: could not start a child: " + stage + ": " + std::strerror(EPERM) + " | errno " +
                  std::to_string(EPERM))
        << step;
  }
  if (::geteuid() != 0) GTEST_SKIP() << "setgid, setuid and the namespaces need root (CI runs the tests as root)";
}

// What the parent sees of a running child: its namespaces, credentials, session, root,
// working directory and limits, in /proc/<pid> and from getsid/getpgid/prlimit.
struct running_child {
  explicit running_child(gofork::options o) {
    if (::pipe2(in_, O_CLOEXEC) != 0 || ::pipe2(out_, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
    o.in = gofork::redirect::fd(in_[0]);
    o.out = gofork::redirect::fd(out_[1]);
    process.emplace(attr::fork_report_ready_and_wait(o));
    ::close(in_[0]);
    ::close(out_[1]);
    char ready = 0;
    if (::read(out_[0], &ready, 1) != 1 || ready != 'r') throw std::runtime_error("the child did not start");
  }
  ~running_child() {
    ::close(out_[0]);
    if (in_[1] >= 0) ::close(in_[1]);
  }
  // Lets the child return; its result.
  void finish() {
    ::close(in_[1]);
    in_[1] = -1;
    process->get();
  }
  std::string proc(const std::string& name) const { return "/proc/" + std::to_string(process->pid()) + "/" + name; }
  std::string link(const std::string& name) const { return std::filesystem::read_symlink(proc(name)).string(); }
  std::string status(const std::string& key) const {
    std::ifstream in(proc("status"));
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(key + ":\t", 0) == 0) return line.substr(key.size() + 2);
    }
    return "";
  }
  std::string file(const std::string& name) const {
    std::ifstream in(proc(name));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  int in_[2] = {-1, -1}, out_[2] = {-1, -1};
  std::optional<gofork::process<void>> process;
};

std::string self_namespace(const std::string& kind) { return std::filesystem::read_symlink("/proc/self/ns/" + kind); }

TEST_F(attributes, the_parent_sees_each_attribute) {
  REQUIRE_ROOT();
  const std::string root = make_root();
  ASSERT_FALSE(root.empty());
  ::chmod(root.c_str(), 0755);  // uid 65534 must reach the loader in it
  {
    gofork::options o;
    o.clone_flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP;
    o.uid = 65534;
    o.gid = 65533;
    o.groups = {100, 65532};
    o.setsid = true;
    o.chroot = root;
    o.rlimits = {{RLIMIT_NOFILE, 64, 128}};
    o.no_new_privs = true;
    running_child c(o);
    const pid_t pid = c.process->pid();
    for (const char* kind : {"pid", "mnt", "uts", "ipc", "net", "cgroup"}) {
      EXPECT_NE(c.link(std::string("ns/") + kind), self_namespace(kind)) << kind;
    }
    EXPECT_EQ(c.link("ns/user"), self_namespace("user"));
    EXPECT_EQ(c.status("NSpid"), std::to_string(pid) + "\t1");
    EXPECT_EQ(c.status("Uid"), "65534\t65534\t65534\t65534");
    EXPECT_EQ(c.status("Gid"), "65533\t65533\t65533\t65533");
    EXPECT_EQ(c.status("Groups"), "100 65532 ");
    EXPECT_EQ(c.status("NoNewPrivs"), "1");
    EXPECT_EQ(::getsid(pid), pid);
    EXPECT_EQ(::getpgid(pid), pid);
    EXPECT_EQ(c.link("root"), std::filesystem::canonical(root).string());
    EXPECT_EQ(c.link("cwd"), std::filesystem::canonical(root).string());
    // prlimit(pid) would need CAP_SYS_RESOURCE, which a container may not give root.
    EXPECT_NE(c.file("limits").find("Max open files            64                   128                  files"),
              std::string::npos)
        << c.file("limits");
    c.finish();
  }
  {
    gofork::options o;
    o.clone_flags = CLONE_NEWUSER;
    o.uid_map = {{0, 100000, 1000}};
    o.gid_map = {{0, 200000, 1000}};
    o.uid = 0;
    o.gid = 0;
    o.pgid = 0;
    o.cwd = "/tmp";
    running_child c(o);
    const pid_t pid = c.process->pid();
    EXPECT_NE(c.link("ns/user"), self_namespace("user"));
    EXPECT_EQ(c.file("uid_map"), "         0     100000       1000\n");
    EXPECT_EQ(c.file("gid_map"), "         0     200000       1000\n");
    EXPECT_EQ(c.file("setgroups"), "deny\n");
    EXPECT_EQ(c.status("Uid"), "100000\t100000\t100000\t100000");  // the host's view of uid 0 inside
    EXPECT_EQ(c.status("Gid"), "200000\t200000\t200000\t200000");
    EXPECT_EQ(::getpgid(pid), pid);
    EXPECT_EQ(::getsid(pid), ::getsid(0));
    EXPECT_EQ(c.link("cwd"), "/tmp");
    c.finish();
  }
  std::filesystem::remove_all(root);
}

// CLONE_NEWIPC: a message queue of the parent's is not in the child's namespace. CLONE_NEWNS: a
// tmpfs the child mounts is not in the parent's.
TEST_F(attributes, ipc_and_mount_namespaces_isolate) {
  REQUIRE_ROOT();
  const int queue = ::msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  ASSERT_GE(queue, 0) << std::strerror(errno);
  auto has_queue = [&](const std::string& table) {
    std::istringstream lines(table);
    std::string line;
    std::getline(lines, line);  // the heading
    for (long key, id; lines >> key >> id; lines.ignore(1 << 20, '\n')) {
      if (id == queue) return true;
    }
    return false;
  };
  gofork::options ipc;
  ipc.clone_flags = CLONE_NEWIPC;
  const std::string inside = attr::fork_read_file(ipc, "/proc/sysvipc/msg").get();
  const std::string outside = attr::fork_read_file("/proc/sysvipc/msg").get();
  ::msgctl(queue, IPC_RMID, nullptr);
  EXPECT_TRUE(has_queue(outside)) << outside;
  EXPECT_FALSE(has_queue(inside)) << inside;

  char dir[] = "/tmp/gofork-mnt-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  gofork::options mnt;
  mnt.clone_flags = CLONE_NEWNS;
  EXPECT_TRUE(attr::fork_mount_a_private_tmpfs(mnt, dir).get());
  EXPECT_FALSE(std::filesystem::exists(std::string(dir) + "/inside")) << "the child's mount reached the parent";
  ::rmdir(dir);
}

}  // namespace

int main(int argc, char** argv) {
  gofork::init(argc, argv);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
