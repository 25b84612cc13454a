// Forged markers against a real gofork program (tests/e2e/programs/probe.cpp). The forger
// makes its own socket pair and request memfd and starts the program with a matching
// GOFORK_CHILD, as an attacker can; the program must refuse (T21, T22 of the reliability
// reference) and never run the requested function for it.
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <gofork/detail/codec.hpp>

#include "child/trust.hpp"
#include "channel/frame.hpp"
#include "channel/marker.hpp"

extern char** environ;

namespace {

using gofork::runtime::nonce;

struct outcome {
  int status = -1;  // exit code, or -signal
  std::string output;
};

constexpr char stdin_text[] = "not for gofork\n";
constexpr int stdin_consumed = 94;  // the forger's status when the program read its stdin

// Runs `body` in a forked process with stdout and stderr captured; its return value is the
// exit status.
outcome run_captured(const std::function<int()>& body) {
  int capture[2];
  if (::pipe(capture) != 0) return {};
  pid_t runner = ::fork();
  if (runner == 0) {
    ::dup2(capture[1], 1);
    ::dup2(capture[1], 2);
    ::_exit(body());
  }
  ::close(capture[1]);
  outcome result;
  char buf[4096];
  for (ssize_t n; (n = ::read(capture[0], buf, sizeof buf)) > 0;) result.output.append(buf, static_cast<std::size_t>(n));
  ::close(capture[0]);
  int status = 0;
  ::waitpid(runner, &status, 0);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Runs `program` with `argv` and `envp` and returns its status (100 + signal if killed).
int run_and_wait(const std::string& program, char* const* argv, char* const* envp) {
  pid_t target;
  if (::posix_spawn(&target, program.c_str(), nullptr, nullptr, argv, envp) != 0) return 93;
  int status = 0;
  ::waitpid(target, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

bool become(int uid) { return ::setgid(static_cast<gid_t>(uid)) == 0 && ::setuid(static_cast<uid_t>(uid)) == 0; }

// The environment entry of a forged launch: a sealed memfd holding a request for twice(21)
// under `request_nonce`, and a marker naming `marker_nonce`, `parent` and `channel`. Empty
// when the memfd cannot be written.
std::string forged_marker(const nonce& marker_nonce, const nonce& request_nonce, pid_t parent, int channel) {
  const std::string args = gofork::detail::encode_arguments(21);
  const std::string frame = gofork::runtime::encode_request_prefix(request_nonce, "twice(int)", args.size()) + args;
  int memfd = ::memfd_create("forged", MFD_ALLOW_SEALING);
  if (::write(memfd, frame.data(), frame.size()) != static_cast<ssize_t>(frame.size())) return {};
  ::fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
  gofork::runtime::marker m;
  m.call_nonce = marker_nonce;
  m.parent = parent;
  m.channel_fd = channel;
  m.arguments_fd = memfd;
  return std::string(gofork::runtime::marker_variable) + "=" + gofork::runtime::format_marker(m);
}

// Starts `program` with a forged marker: a socket pair made by this process, a sealed memfd
// holding a request for twice(21) under `request_nonce`, and a marker naming `marker_nonce`.
// Runs as `uid` when not -1 (the forger's own identity). `channel`, when given, makes the
// descriptor the marker names as the channel instead of the socket. The program's stdin is a
// pipe holding stdin_text, which must still be there when it exits.
outcome run_forged(const std::string& program, const nonce& marker_nonce, const nonce& request_nonce, int uid = -1,
                   int (*channel)() = nullptr, bool name_another_parent = false) {
  return run_captured([&]() -> int {
    if (uid >= 0 && !become(uid)) return 90;
    int input[2];
    if (::pipe(input) != 0 || ::write(input[1], stdin_text, sizeof stdin_text - 1) != sizeof stdin_text - 1) return 96;
    ::dup2(input[0], 0);
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) return 91;
    if (channel != nullptr) pair[1] = channel();
    const std::string marker =
        forged_marker(marker_nonce, request_nonce, name_another_parent ? ::getppid() : ::getpid(), pair[1]);
    if (marker.empty()) return 92;
    char* argv[] = {const_cast<char*>(program.c_str()), nullptr};
    char* envp[] = {const_cast<char*>(marker.c_str()), nullptr};
    const int status = run_and_wait(program, argv, envp);
    // What the program sent the forger: a refusal, or nothing when it did not take the call.
    char reply[4096];
    ::fcntl(pair[0], F_SETFL, O_NONBLOCK);
    const ssize_t got = ::read(pair[0], reply, sizeof reply);
    std::printf("forged channel got %zd bytes\n", got < 0 ? ssize_t{0} : got);
    std::fflush(stdout);
    char left[sizeof stdin_text] = {};
    ::fcntl(0, F_SETFL, O_NONBLOCK);
    if (::read(0, left, sizeof left) != sizeof stdin_text - 1 || std::string(left) != stdin_text) return stdin_consumed;
    return status;
  });
}

// A privileged copy of the probe in a fresh directory, removed with this object: setuid root,
// setgid root, or with a file capability (cap_net_bind_service, effective, or permitted only:
// the process starts with no effective capability) and no id change. `path` is empty (and
// `why` says why) where it cannot be made.
enum class privilege { setuid_root, setgid_root, file_capability, permitted_capability };
constexpr privilege every_privilege[] = {privilege::setuid_root, privilege::setgid_root, privilege::file_capability,
                                         privilege::permitted_capability};
struct privileged_copy {
  std::string dir, path, why;

  explicit privileged_copy(privilege kind) {
    if (::geteuid() != 0) {
      why = "needs root to make a privileged copy (CI runs as root)";
      return;
    }
    char name[] = "/tmp/gofork-privileged-XXXXXX";
    if (::mkdtemp(name) == nullptr) {
      why = "mkdtemp failed";
      return;
    }
    dir = name;
    struct statvfs fs {};
    if (::statvfs(name, &fs) != 0 || (fs.f_flag & ST_NOSUID) != 0) {
      why = "/tmp is mounted nosuid";
      return;
    }
    ::chmod(name, 0755);
    const std::string copy = dir + "/probe";
    std::filesystem::copy_file(GOFORK_PROBE, copy);
    if (kind == privilege::setuid_root || kind == privilege::setgid_root) {
      if (::chmod(copy.c_str(), kind == privilege::setuid_root ? 04755 : 02755) == 0) path = copy;
      return;
    }
    // What `setcap cap_net_bind_service+ep` (or +p) writes: a revision-2 capability set.
    vfs_cap_data caps{};
    caps.magic_etc = VFS_CAP_REVISION_2 | (kind == privilege::file_capability ? VFS_CAP_FLAGS_EFFECTIVE : 0);
    caps.data[0].permitted = 1u << CAP_NET_BIND_SERVICE;
    ::chmod(copy.c_str(), 0755);
    if (::setxattr(copy.c_str(), "security.capability", &caps, XATTR_CAPS_SZ_2, 0) == 0) {
      path = copy;
    } else {
      why = std::string("cannot set a file capability here: ") + std::strerror(errno);
    }
  }
  ~privileged_copy() {
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
  privileged_copy(const privileged_copy&) = delete;
  privileged_copy& operator=(const privileged_copy&) = delete;
};

nonce some_nonce(std::uint8_t seed) {
  nonce n{};
  for (auto& b : n) b = seed++;
  return n;
}

// T21: the marker is syntactically perfect and the socket really comes from the parent, but
// the request belongs to another launch (nonce) — refused before the function runs.
TEST(forgery, a_request_with_the_wrong_nonce_is_refused) {
  outcome o = run_forged(GOFORK_PROBE, some_nonce(1), some_nonce(2));
  EXPECT_EQ(o.status, 121) << o.output;
  EXPECT_NE(o.output.find("the request does not belong to this launch"), std::string::npos) << o.output;
  EXPECT_EQ(o.output.find("main ran"), std::string::npos) << o.output;
}

// The nonce matches, but the request was written by another build (this test binary).
TEST(forgery, a_request_from_another_build_is_refused) {
  outcome o = run_forged(GOFORK_PROBE, some_nonce(3), some_nonce(3));
  EXPECT_EQ(o.status, 121) << o.output;
  EXPECT_NE(o.output.find("different build"), std::string::npos) << o.output;
  EXPECT_EQ(o.output.find("main ran"), std::string::npos) << o.output;  // T14: main() did not run either
}

// T21: a perfect handshake, except that the marker names another process as the parent: the
// program runs as itself and sends the forger nothing.
TEST(forgery, a_marker_naming_another_parent_is_not_served) {
  outcome o = run_forged(GOFORK_PROBE, some_nonce(9), some_nonce(9), -1, nullptr, true);
  EXPECT_EQ(o.status, 0) << o.output;
  EXPECT_NE(o.output.find("gofork: ignoring stale"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("main ran: twice(21) = 42"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("forged channel got 0 bytes"), std::string::npos) << o.output;
}

// T22 (b): a privileged copy started by an unprivileged forger with its own socket refuses to
// run at all. Setuid or setgid root: the socket's creator has another effective uid or gid
// than the program. File capability: the ids are the same, but the forger lacks the program's
// permitted capabilities (also where none is effective at the start).
TEST(forgery, a_privileged_program_refuses_an_unprivileged_forger) {
  for (privilege kind : every_privilege) {
    const privileged_copy copy(kind);
    if (copy.path.empty()) GTEST_SKIP() << copy.why;
    outcome o = run_forged(copy.path, some_nonce(5), some_nonce(5), 65534);
    EXPECT_EQ(o.status, 121) << o.output;
    EXPECT_NE(o.output.find("refusing to run"), std::string::npos) << o.output;
    EXPECT_EQ(o.output.find("main ran"), std::string::npos) << o.output;
  }
}

// T22 (a), (c) and T35: the same copies, started normally by uid 65534 with LD_LIBRARY_PATH
// set, launch their own children, which are secure-exec (AT_SECURE=1) like the program, have
// the pdeathsig they were launched with, and (glibc) never see LD_LIBRARY_PATH.
TEST(forgery, a_privileged_program_launches_its_own_children) {
  for (privilege kind : every_privilege) {
    const privileged_copy copy(kind);
    if (copy.path.empty()) GTEST_SKIP() << copy.why;
    outcome o = run_captured([&]() -> int {
      if (!become(65534)) return 90;
      char arg[] = "--secure";
      char* argv[] = {const_cast<char*>(copy.path.c_str()), arg, nullptr};
      char library_path[] = "LD_LIBRARY_PATH=/nonexistent";
      char* envp[] = {library_path, nullptr};
      return run_and_wait(copy.path, argv, envp);
    });
    EXPECT_EQ(o.status, 0) << o.output;
    EXPECT_NE(o.output.find("main ran: twice(21) = 42"), std::string::npos) << o.output;
    EXPECT_NE(o.output.find("parent AT_SECURE=1 child AT_SECURE=1"), std::string::npos) << o.output;
    EXPECT_NE(o.output.find("parent LD_LIBRARY_PATH=unset; child pdeathsig=9 LD_LIBRARY_PATH=unset"), std::string::npos)
        << o.output;
  }
}

// Unshares a user namespace and maps the caller's uid and gid to themselves, one id each: what
// any unprivileged process may do. False when this system forbids it.
bool enter_user_namespace_mapping_itself() {
  const std::string uid = std::to_string(::geteuid()), gid = std::to_string(::getegid());
  // A process that changed its uid is not dumpable, which leaves its /proc files to root.
  if (::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0 || ::unshare(CLONE_NEWUSER) != 0) return false;
  auto write_file = [](const char* path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    out.close();
    return static_cast<bool>(out);
  };
  return write_file("/proc/self/setgroups", "deny") && write_file("/proc/self/uid_map", uid + " " + uid + " 1") &&
         write_file("/proc/self/gid_map", gid + " " + gid + " 1");
}

// A forger (uid 65534) that starts a file-capability copy with its own socket pair, then makes
// itself look like a parent holding the program's capabilities before the copy checks:
// `disguise` runs after the copy is forked and before it execs, which the pipe `gate` (its
// write end passed to `disguise`) holds back until the forger closes it. Returns what the copy printed and its
// status (read by the forger, or printed by the program the forger became).
enum class forger_home { here, new_pid_namespace, own_user_namespace };
outcome run_disguised_forger(const std::string& program, const std::function<int(int gate)>& disguise,
                             forger_home home = forger_home::here) {
  return run_captured([&]() -> int {
    if (home == forger_home::new_pid_namespace && ::unshare(CLONE_NEWPID) != 0) return 89;  // the next fork is its init
    if (!become(65534)) return 90;
    if (home == forger_home::own_user_namespace && !enter_user_namespace_mapping_itself()) return 88;
    int pair[2], gate[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0 || ::pipe2(gate, O_CLOEXEC) != 0) return 91;
    const std::string marker = forged_marker(some_nonce(11), some_nonce(11), ::getpid(), pair[1]);
    if (marker.empty()) return 92;
    const pid_t copy = ::fork();
    if (copy == 0) {
      ::close(gate[1]);
      char byte;
      while (::read(gate[0], &byte, 1) < 0 && errno == EINTR) {
      }
      char* argv[] = {const_cast<char*>(program.c_str()), nullptr};
      char* envp[] = {const_cast<char*>(marker.c_str()), nullptr};
      ::execve(program.c_str(), argv, envp);
      ::_exit(93);
    }
    ::close(gate[0]);
    const int disguised = disguise(gate[1]);
    if (disguised != 0) return disguised;
    ::close(gate[1]);
    int status = 0;
    ::waitpid(copy, &status, 0);
    std::printf("inherited child exited with %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    std::fflush(stdout);
    return 0;
  });
}

// The ways a same-uid forger can seem to hold a file-capability program's capabilities, each
// refused (exit 121) rather than served (the function's reply, exit 0):
// - it unshares a user namespace, where it holds every capability, after forking the copy
//   (also from inside a user namespace of its own, mapping the same one id in both);
// - it execs a setuid-root program (which holds every capability, with a changed euid) that
//   waits for the copy it inherited;
// - the copy is the init of a new pid namespace, so its parent is not visible to it.
TEST(forgery, a_file_capability_program_sees_through_a_disguised_forger) {
  for (privilege kind : {privilege::file_capability, privilege::permitted_capability}) {
    const privileged_copy copy(kind);
    if (copy.path.empty()) GTEST_SKIP() << copy.why;
    const privileged_copy setuid(privilege::setuid_root);
    if (setuid.path.empty()) GTEST_SKIP() << setuid.why;
    const std::string name = kind == privilege::file_capability ? "+ep: " : "+p: ";

    // Refused: the copy said so and exited 121 (88: the disguise is not possible here).
    auto expect_refused = [&](const outcome& o, const char* disguise) {
      if (o.status == 88) {
        std::printf("%sno unprivileged user namespaces here; %s is not tried\n", name.c_str(), disguise);
        return;
      }
      EXPECT_EQ(o.status, 0) << name << disguise << ": " << o.output;
      EXPECT_NE(o.output.find("refusing to run"), std::string::npos) << name << disguise << ": " << o.output;
      EXPECT_NE(o.output.find("inherited child exited with 121"), std::string::npos)
          << name << disguise << ": " << o.output;
    };
    expect_refused(run_disguised_forger(copy.path, [](int) { return ::unshare(CLONE_NEWUSER) == 0 ? 0 : 88; }),
                   "an unshared user namespace");
    // Both in user namespaces of one id each, the forger's nested in the program's: the two
    // id maps read alike, so a map anyone can write proves nothing and is refused.
    expect_refused(run_disguised_forger(
                       copy.path, [](int) { return enter_user_namespace_mapping_itself() ? 0 : 88; },
                       forger_home::own_user_namespace),
                   "a nested user namespace");
    expect_refused(run_disguised_forger(copy.path,
                                        [&](int gate) {
                                          // The setuid program closes the gate once it runs
                                          // (its new credentials committed).
                                          if (::fcntl(gate, F_SETFD, 0) != 0) return 86;
                                          std::string gate_fd = std::to_string(gate);
                                          char arg[] = "--wait-for-child";
                                          char* argv[] = {const_cast<char*>(setuid.path.c_str()), arg,
                                                          gate_fd.data(), nullptr};
                                          char* envp[] = {nullptr};
                                          ::execve(setuid.path.c_str(), argv, envp);
                                          return 87;
                                        }),
                   "an exec of a setuid program");
    expect_refused(run_disguised_forger(copy.path, [](int) { return 0; }, forger_home::new_pid_namespace),
                   "a new pid namespace");
  }
}

// T18: a marker whose channel is no socket — a file, a directory, /dev/null, a closed
// descriptor, a standard stream, a number beyond the descriptor limit — is not served: the
// program runs normally and reads nothing from any of them (its stdin is still full).
TEST(forgery, a_marker_naming_no_socket_is_ignored) {
  int (*const channels[])() = {
      [] { return ::open(GOFORK_PROBE, O_RDONLY); },
      [] { return ::open("/", O_RDONLY | O_DIRECTORY); },
      [] { return ::open("/dev/null", O_RDWR); },
      [] { return 250; },  // not open
      [] { return 0; },
      [] { return 1; },
      [] { return 2; },
      [] { return 1 << 22; },  // beyond any descriptor limit
  };
  for (std::size_t i = 0; i < std::size(channels); ++i) {
    outcome o = run_forged(GOFORK_PROBE, some_nonce(7), some_nonce(7), -1, channels[i]);
    EXPECT_EQ(o.status, 0) << "channel " << i << ": " << o.output;
    EXPECT_NE(o.output.find("main ran: twice(21) = 42"), std::string::npos) << "channel " << i << ": " << o.output;
    EXPECT_NE(o.output.find("gofork: ignoring"), std::string::npos) << "channel " << i << ": " << o.output;
  }
}

// Markers an attacker might set: 1,000 each of well-formed ones (random nonce, parent and
// descriptors above 2), ones naming a standard stream, numbers with a sign, a leading zero or
// beyond range, an embedded '=', overlong ones, bytes outside ASCII, random bytes, a field too
// few or too many, upper-case hex, and an embedded NUL. Seeded: the same strings every run.
std::vector<std::string> hostile_markers() {
  std::mt19937_64 random(23);
  auto number = [&](std::uint64_t low, std::uint64_t high) {
    return std::to_string(low + random() % (high - low + 1));
  };
  auto well_formed = [&] {
    gofork::runtime::marker m;
    for (auto& b : m.call_nonce) b = static_cast<std::uint8_t>(random());
    m.parent = static_cast<pid_t>(1 + random() % 4'000'000);
    m.channel_fd = static_cast<int>(3 + random() % 1000);
    m.arguments_fd = m.channel_fd + 1 + static_cast<int>(random() % 1000);
    return gofork::runtime::format_marker(m);
  };
  // The marker's fields: version, nonce, parent, channel, arguments.
  auto fields_of = [](const std::string& text) {
    std::vector<std::string> out(1);
    for (char c : text) {
      if (c == '.') {
        out.emplace_back();
      } else {
        out.back().push_back(c);
      }
    }
    return out;
  };
  auto joined = [](const std::vector<std::string>& fields) {
    std::string out;
    for (std::size_t i = 0; i < fields.size(); ++i) out += (i == 0 ? "" : ".") + fields[i];
    return out;
  };
  const char* odd_numbers[] = {"+5", "-1", "05", "00", "2147483647", "2147483648", "4294967297",
                               "99999999999999999999999", " 7", "7 ", "0x10", "1e3"};
  std::vector<std::string> out;
  for (int kind = 0; kind < 10; ++kind) {
    for (int i = 0; i < 1000; ++i) {
      std::vector<std::string> f = fields_of(well_formed());
      switch (kind) {
        case 0: break;
        case 1: f[3 + random() % 2] = number(0, 2); break;
        case 2: f[1 + random() % 4] = odd_numbers[random() % std::size(odd_numbers)]; break;
        case 3: f[random() % 5].insert(0, random() % 2 ? "=" : "GOFORK_CHILD="); break;
        case 4: f[random() % 5].append(10'000 + random() % 90'000, static_cast<char>('0' + random() % 10)); break;
        case 5: f[random() % 5].push_back(static_cast<char>(0x80 + random() % 0x80)); break;
        case 6: {
          std::string bytes(random() % 80, '\0');
          for (char& c : bytes) c = static_cast<char>(random());
          f = {bytes};
          break;
        }
        case 7:
          if (random() % 2) {
            f.erase(f.begin() + static_cast<long>(random() % 5));
          } else {
            f.push_back(number(3, 1000));
          }
          break;
        case 8:
          for (char& c : f[1]) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          break;
        default: f[random() % 5].insert(0, 1, '\0'); break;
      }
      out.push_back(joined(f));
    }
  }
  return out;
}

// Forks a process that installs a seccomp filter killing it (SIGSYS) at any read, write,
// receive, send, status or descriptor-flag call on descriptors 0, 1 or 2, then runs `body`;
// returns how it ended: its exit code, or -signal.
int run_without_standard_streams(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::uint32_t calls[] = {SYS_read, SYS_readv, SYS_pread64, SYS_preadv, SYS_preadv2, SYS_recvfrom,
                                   SYS_recvmsg, SYS_recvmmsg, SYS_write, SYS_writev, SYS_pwrite64, SYS_sendto,
                                   SYS_sendmsg, SYS_fstat, SYS_newfstatat, SYS_statx, SYS_fcntl, SYS_ioctl, SYS_getsockopt,
                                   SYS_getpeername, SYS_getsockname, SYS_lseek, SYS_close, SYS_dup2, SYS_dup3};
    std::vector<sock_filter> filter = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
    };
    // Each listed call jumps to the descriptor check at the end; anything else is allowed.
    const auto n = static_cast<std::uint8_t>(std::size(calls));
    for (std::uint8_t i = 0; i < n; ++i) {
      filter.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, calls[i], static_cast<std::uint8_t>(n - i), 0));
    }
    filter.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    filter.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args) + 4));  // high half of args[0]
    filter.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0));
    filter.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    filter.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args)));  // low half
    filter.push_back(BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 2, 0, 1));
    filter.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    filter.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
    sock_fprog program{static_cast<unsigned short>(filter.size()), filter.data()};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) {
      ::_exit(80);
    }
    ::_exit(body());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

// T23: 10,000 hostile markers through the parser, and each one that parses through the
// channel checks, touch none of the standard streams and never crash. (A filter that lets
// this pass must still catch a plain read of stdin: checked first.)
TEST(forgery, hostile_markers_touch_no_standard_stream) {
  EXPECT_EQ(run_without_standard_streams([] {
              char byte;
              return static_cast<int>(::read(0, &byte, 1));
            }),
            -SIGSYS)
      << "the filter does not catch a read of stdin";
  EXPECT_EQ(run_without_standard_streams([] {
              struct stat st {};
              return ::fstat(2, &st);
            }),
            -SIGSYS)
      << "the filter does not catch fstat of stderr";
  const std::vector<std::string> markers = hostile_markers();
  ASSERT_EQ(markers.size(), 10'000u);
  int sockets[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets), 0);
  const int status = run_without_standard_streams([&] {
    int count = 0;
    bool served = false;
    for (const std::string& text : markers) {
      if (auto m = gofork::runtime::parse_marker(text)) {
        ++count;
        served |= gofork::runtime::channel_from_parent(*m);
      }
    }
    // Some must parse, so that the channel checks ran; none may pass them (no parent made these).
    return count == 0 ? 81 : served ? 82 : 0;
  });
  ::close(sockets[0]);
  ::close(sockets[1]);
  EXPECT_EQ(status, 0) << (status == -SIGSYS ? "a standard stream was touched"
                           : status == 81    ? "no marker parsed"
                           : status == 82    ? "a hostile marker was accepted"
                                             : "the filter could not be installed or the process crashed");
}

// T44: the running executable cannot be opened for writing (documented Linux behaviour that
// keeps an in-place overwrite from changing what children run).
TEST(forgery, the_running_executable_is_not_writable) {
  errno = 0;
  int fd = ::open("/proc/self/exe", O_WRONLY);
  if (fd >= 0) ::close(fd);
  EXPECT_EQ(fd, -1);
  EXPECT_EQ(errno, ETXTBSY);
}

}  // namespace
