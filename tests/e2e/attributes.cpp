#include "attributes.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "../support/test_support.hpp"
#include "attributes.gofork.hpp"

namespace attr {

std::string set_and_get_hostname(std::string name) {
  if (::sethostname(name.data(), name.size()) != 0) throw std::runtime_error("sethostname failed");
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

int own_pid() { return ::getpid(); }
int parent_pid() { return ::getppid(); }

std::string namespace_of(std::string kind) {
  char buf[128] = {};
  const std::string path = "/proc/self/ns/" + kind;
  if (::readlink(path.c_str(), buf, sizeof buf - 1) < 0) throw std::runtime_error("readlink " + path);
  return buf;
}

std::vector<long> credentials() {
  std::vector<long> out{static_cast<long>(::getuid()), static_cast<long>(::geteuid()), static_cast<long>(::getgid()),
                        static_cast<long>(::getegid())};
  gid_t groups[64];
  int n = ::getgroups(64, groups);
  for (int i = 0; i < n; ++i) out.push_back(static_cast<long>(groups[i]));
  return out;
}

std::string read_file(std::string path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<long> session() { return {::getpid(), ::getsid(0), ::getpgid(0)}; }

std::vector<std::string> list_directory(std::string path) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(path.c_str());
  if (!dir) throw std::runtime_error("cannot list " + path);
  while (dirent* e = ::readdir(dir)) {
    if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") names.push_back(e->d_name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<unsigned long long> open_files_limit() {
  rlimit r{};
  ::getrlimit(RLIMIT_NOFILE, &r);
  return {r.rlim_cur, r.rlim_max};
}

int no_new_privs() { return ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0); }

int pdeathsig() {
  int sig = 0;
  ::prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
  return sig;
}

int launch_orphan_with_pdeathsig() {
  gofork::options o;
  o.pdeathsig = SIGKILL;
  auto p = fork_sleep_forever(o);
  int pid = p.pid();
  p.detach();  // this process returns and exits at once: the grandchild must die with it
  return pid;
}

void sleep_forever() {
  for (;;) ::pause();
}

int square(int x) { return x * x; }

std::vector<std::string> executable_report() {
  char link[256] = {};
  ::readlink("/proc/self/exe", link, sizeof link - 1);
  int fd = ::open("/proc/self/exe", O_RDONLY);
  const int seals = fd >= 0 ? ::fcntl(fd, F_GET_SEALS) : -1;
  if (fd >= 0) ::close(fd);
  int writable = ::open("/proc/self/exe", O_RDWR);
  const std::string opened_for_write = writable >= 0 ? "writable" : "not writable";
  if (writable >= 0) ::close(writable);
  return {link, std::to_string(seals), opened_for_write, std::to_string(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0))};
}

std::vector<std::string> sealed_report_without_executable_memfds() {
  // vm.memfd_noexec belongs to the pid namespace of the writer: this child's own, new one.
  const int sysctl = ::open("/proc/sys/vm/memfd_noexec", O_WRONLY | O_CLOEXEC);
  if (sysctl < 0 || ::write(sysctl, "2", 1) != 1) {
    const std::string why = std::strerror(errno);
    if (sysctl >= 0) ::close(sysctl);
    return {"cannot set vm.memfd_noexec=2: " + why};
  }
  ::close(sysctl);
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
  const int probe = ::memfd_create("probe", MFD_CLOEXEC | MFD_EXEC);
  const std::string executable_memfd = probe >= 0 ? "allowed" : std::strerror(errno);
  if (probe >= 0) ::close(probe);

  gofork::options o;
  o.sealed_exe = true;
  std::vector<std::string> report = fork_executable_report(o).get();
  const gofork::sealed_exe_copy copy = gofork::sealed_exe_copy_in_use();
  report.push_back(copy == gofork::sealed_exe_copy::tmpfile ? "tmpfile"
                   : copy == gofork::sealed_exe_copy::memfd ? "memfd"
                                                            : "not_made");
  report.push_back(executable_memfd);
  // The copy must stay executable for a child that gives up root first.
  o.uid = 65534;
  o.gid = 65534;
  try {
    report.push_back(std::to_string(fork_square(o, 7).get()));
  } catch (const std::exception& e) {
    report.push_back(e.what());
  }
  return report;
}

int attack_own_executable() {
  const int exe = ::open("/proc/self/exe", O_PATH);
  int gate[2];
  if (exe < 0 || ::pipe(gate) != 0) throw std::runtime_error("setting up the attack failed");
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Waits for this process's exit (the end of the pipe closes), so no process runs the
    // executable any more and ETXTBSY no longer protects it.
    ::close(gate[1]);
    if (::dup2(exe, 7) < 0 || ::dup2(gate[0], 8) < 0) ::_exit(90);
    ::execl("/bin/sh", "sh", "-c", "read -r _ <&8; { printf PWNED >&9; } 9<>/proc/self/fd/7 2>/dev/null && exit 0; exit 3",
            static_cast<char*>(nullptr));
    ::_exit(91);
  }
  ::close(gate[0]);
  if (pid < 0) throw std::runtime_error("fork failed");
  return pid;  // gate[1] closes when this process exits
}

namespace {

// A condition on one argument of the system call: equal to `value`, or (bits) with all of
// `value`'s bits set. Only the low 32 bits are compared.
struct argument_condition {
  int index = -1;  // -1: any arguments
  std::uint32_t value = 0;
  bool bits = false;
};

// System call `number` fails with EPERM when `condition` holds, in this thread and the
// processes and threads it starts from now on.
void fail_system_call(long number, argument_condition condition) {
#if defined(__x86_64__)
  constexpr unsigned arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
  constexpr unsigned arch = AUDIT_ARCH_AARCH64;
#endif
  std::vector<sock_filter> filter = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint32_t>(number), 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  if (condition.index >= 0) {
    const auto low_half = static_cast<std::uint32_t>(offsetof(seccomp_data, args) + 8 * condition.index);
    filter.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, low_half));
    filter.push_back(BPF_JUMP(BPF_JMP | (condition.bits ? BPF_JSET : BPF_JEQ) | BPF_K, condition.value, 1, 0));
    filter.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  }
  filter.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
  sock_fprog program{static_cast<unsigned short>(filter.size()), filter.data()};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
    throw std::runtime_error(std::string("seccomp: ") + std::strerror(errno));
  }
}

}  // namespace

std::string launch_with_a_failing_step(std::string step) {
  gofork::options o;
  long number = -1;
  argument_condition condition;
  const std::map<std::string, int> namespaces = {
      {"clone CLONE_NEWPID", CLONE_NEWPID},   {"clone CLONE_NEWNS", CLONE_NEWNS},
      {"clone CLONE_NEWUTS", CLONE_NEWUTS},   {"clone CLONE_NEWIPC", CLONE_NEWIPC},
      {"clone CLONE_NEWNET", CLONE_NEWNET},   {"clone CLONE_NEWUSER", CLONE_NEWUSER},
      {"clone CLONE_NEWCGROUP", CLONE_NEWCGROUP}};
  if (auto flag = namespaces.find(step); flag != namespaces.end()) {
    o.clone_flags = flag->second;
    if (flag->second == CLONE_NEWUSER) o.uid_map = {{0, ::getuid(), 1}};
    number = SYS_clone;
    condition = {0, static_cast<std::uint32_t>(flag->second), true};
  } else if (step == "setsid") {
    o.setsid = true;
    number = SYS_setsid;
  } else if (step == "setpgid") {
    o.pgid = 0;
    number = SYS_setpgid;
  } else if (step == "dup2 standard stream") {
    o.out = gofork::redirect::null();
    number = SYS_dup3;
  } else if (step == "setrlimit") {
    o.rlimits = {{RLIMIT_CORE, 0, 0}};
    number = SYS_prlimit64;
    condition = {1, RLIMIT_CORE};
  } else if (step == "chroot") {
    o.chroot = "/";
    number = SYS_chroot;
  } else if (step == "setgroups") {
    o.groups = {::getgid()};
    number = SYS_setgroups;
  } else if (step == "setgid") {
    o.gid = ::getgid();
    o.groups = {::getgid()};
    number = SYS_setresgid;
  } else if (step == "setuid") {
    o.uid = ::getuid();
    o.groups = {::getgid()};
    number = SYS_setresuid;
  } else if (step == "chdir") {
    o.cwd = "/";
    number = SYS_chdir;
  } else if (step == "no_new_privs") {
    o.no_new_privs = true;
    number = SYS_prctl;
    condition = {0, PR_SET_NO_NEW_PRIVS};
  } else if (step == "pdeathsig") {
    o.pdeathsig = SIGTERM;
    number = SYS_prctl;
    condition = {0, PR_SET_PDEATHSIG};
  } else if (step == "fcntl channel") {
    number = SYS_fcntl;
    condition = {1, F_SETFD};
  } else {
    throw std::invalid_argument("no such step: " + step);
  }
  fail_system_call(number, condition);
  try {
    (void)fork_square(o, 1);
    return "launched";
  } catch (const gofork::error& e) {
    return std::string(gofork::to_string(e.kind())) + ": " + e.what() + " | errno " + std::to_string(e.sys_errno());
  }
}

void report_ready_and_wait() {
  if (::write(1, "r", 1) != 1) throw std::runtime_error("cannot write to stdout");
  char buf[64];
  while (::read(0, buf, sizeof buf) > 0) {
  }
}

bool mount_a_private_tmpfs(std::string dir) {
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
      ::mount("tmpfs", dir.c_str(), "tmpfs", 0, nullptr) != 0) {
    throw std::runtime_error(std::string("mount: ") + std::strerror(errno));
  }
  std::ofstream(dir + "/inside") << "x";
  return ::access((dir + "/inside").c_str(), F_OK) == 0;
}

void launch_held_before_pdeathsig() {
#if defined(__x86_64__)
  constexpr unsigned arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
  constexpr unsigned arch = AUDIT_ARCH_AARCH64;
#endif
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 0, 5),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_prctl, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args)),  // the low half of args[0]
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_PDEATHSIG, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) throw std::runtime_error("PR_SET_NO_NEW_PRIVS failed");
  // Filters are per thread and inherited: gofork's spawner thread starts later, from this one.
  const long listener = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &program);
  if (listener < 0) throw std::runtime_error(std::string("seccomp: ") + std::strerror(errno));

  if (!gofork_test::send_descriptor(0, static_cast<int>(listener))) throw std::runtime_error("sending the listener failed");

  gofork::options o;
  o.pdeathsig = SIGKILL;
  fork_sleep_forever(o).detach();
  for (;;) ::pause();  // not reached while the listener holds the child
}

void launch_and_wait_to_be_killed(bool in_namespaces) {
  gofork::options o;
  o.pdeathsig = SIGKILL;
  if (in_namespaces) {
    o.clone_flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET;
    o.uid_map = {{0, 100000, 65536}};
    o.gid_map = {{0, 100000, 65536}};
    o.uid = 0;
    o.gid = 0;
  }
  auto p = fork_sleep_forever(o);
  const int pid = p.pid();
  p.detach();
  if (::send(0, &pid, sizeof pid, MSG_NOSIGNAL) != sizeof pid) throw std::runtime_error("sending the pid failed");
  for (;;) ::pause();
}

}  // namespace attr
