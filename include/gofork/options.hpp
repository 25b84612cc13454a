// File: gofork/options.hpp
//
// Per-launch settings. A default-constructed `options` behaves like go-fork's defaults, except
// that the child's stdin/stdout/stderr are inherited:
//
//   gofork::options o;
//   o.argv = {"worker"};                 // what `ps` shows
//   o.env["MODE"] = "batch";
//   o.out = gofork::redirect::file("/var/log/worker.log");
//   o.timeout = std::chrono::seconds(30);
//   auto p = fork_work(o, job);
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gofork/via.hpp>

namespace gofork {

// Where one of the child's standard streams goes.
class redirect {
 public:
  enum class kind { inherit, null, fd, file, capture };

  // The parent's stream (the default).
  static redirect inherit() { return redirect(kind::inherit, -1, {}); }
  // /dev/null.
  static redirect null() { return redirect(kind::null, -1, {}); }
  // A descriptor of the parent's; it is duplicated at launch, so the caller may close it after.
  static redirect fd(int descriptor) { return redirect(kind::fd, descriptor, {}); }
  // A file opened by the parent at launch: read-only for `in`; for `out`/`err` created (0666 &
  // ~umask) and truncated. A failure to open is error_kind::spawn_failed.
  static redirect file(std::string path) { return redirect(kind::file, -1, std::move(path)); }

  // For `out` and `err`: collected into a string the parent reads while it waits, both streams
  // at once (no deadlock however much the child writes); see process::captured_stdout().
  static redirect capture() { return redirect(kind::capture, -1, {}); }

  redirect() = default;
  kind type() const noexcept { return kind_; }
  int descriptor() const noexcept { return fd_; }
  const std::string& path() const noexcept { return path_; }

 private:
  redirect(kind k, int fd, std::string path) : kind_(k), fd_(fd), path_(std::move(path)) {}

  kind kind_ = kind::inherit;
  int fd_ = -1;
  std::string path_;
};

// One line of a user namespace's uid_map or gid_map: ids [container_id, container_id + size)
// inside are [host_id, host_id + size) outside.
struct id_map {
  unsigned container_id = 0;
  unsigned host_id = 0;
  unsigned size = 1;
};

// A resource limit for the child (setrlimit): `resource` is RLIMIT_NOFILE, RLIMIT_CORE, ...
struct rlimit_setting {
  int resource = 0;
  unsigned long long soft = 0;
  unsigned long long hard = 0;
};

struct options {
  // Where the child is started: via::local() (here, the default), via::srun(...), via::ssh(...)
  // or via::command(...) (gofork/via.hpp). Through a launcher, env, clear_env, argv (after
  // argv[0]), cwd, out, err (with capture()), in as null, timeout and the size limits apply;
  // every Linux process attribute below, and sealed_exe, is refused (spawn_failed naming it).
  ::gofork::via::launcher via;
  // Empty: {the parent's argv[0]}. Otherwise the child's whole argv; argv[0] is the name `ps`
  // shows. The executable is always this build, whatever argv[0] says.
  std::vector<std::string> argv;
  // Variables added to (or overriding) the child's environment.
  std::map<std::string, std::string> env;
  // Start from an empty environment instead of the parent's.
  bool clear_env = false;
  // Working directory of the child; empty: the parent's.
  std::string cwd;
  // Standard streams of the child.
  redirect in, out, err;
  // Past this, the child is killed (SIGKILL) and get() throws error_kind::timed_out. Counted
  // from the launch.
  std::optional<std::chrono::milliseconds> timeout;
  // A reply (result or exception) larger than this is refused as error_kind::protocol and the
  // child is killed, before the parent buffers it.
  std::uint64_t max_result_bytes = std::uint64_t{1} << 30;
  // A child writing more than this to a captured stdout or stderr is killed and get() throws
  // error_kind::protocol.
  std::uint64_t max_captured_bytes = std::uint64_t{1} << 30;

  // Linux process attributes (go-fork's SysProcAttr), applied between clone and exec in this
  // order: namespaces (at clone), id maps (written by the parent), setsid / setpgid, stdio,
  // rlimits, chroot, setgroups, setgid, setuid, chdir, no_new_privs, pdeathsig. A failing step
  // is error_kind::spawn_failed naming the step, with its errno.

  // New namespaces: CLONE_NEWPID, CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET,
  // CLONE_NEWUSER, CLONE_NEWCGROUP (or'ed).
  int clone_flags = 0;
  // For CLONE_NEWUSER: the new namespace's maps, written by the parent before the child goes
  // on. With a gid_map and no `groups`, setgroups is denied first (as an unprivileged parent
  // must).
  std::vector<id_map> uid_map, gid_map;
  // Credentials to switch to (in the child's user namespace when it has a new one).
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  // Supplementary groups; when uid or gid is set and this is empty, they are cleared (unless
  // setgroups is denied in a new user namespace).
  std::vector<gid_t> groups;
  // A new session (setsid).
  bool setsid = false;
  // setpgid(0, *pgid): 0 makes the child leader of a new process group.
  std::optional<pid_t> pgid;
  // chroot() into this directory before exec. The executable is exec'd through a descriptor,
  // but a dynamically linked program's loader and libraries must exist inside it.
  std::string chroot;
  // Signal the child gets when the parent process dies (PR_SET_PDEATHSIG). Launches with it run
  // on one long-lived gofork thread, so the exit of the thread that launched does not fire it;
  // it is armed after the credential change and re-armed by the child's init().
  int pdeathsig = 0;
  // Resource limits for the child.
  std::vector<rlimit_setting> rlimits;
  // The child's soft RLIMIT_NOFILE becomes at most FD_SETSIZE (1024), its hard limit stays: a
  // parent that raised its own limit does not hand select()-based code in the child descriptors
  // it cannot handle (systemd's rlimit_nofile_safe). An RLIMIT_NOFILE in `rlimits` overrides it.
  bool rlimit_nofile_safe = false;
  // PR_SET_NO_NEW_PRIVS: neither the child nor what it execs can gain privileges.
  bool no_new_privs = false;
  // Exec a sealed in-memory copy of the executable (made once per process) instead of the file,
  // and make the child non-dumpable: code in the child cannot reach the binary on disk through
  // /proc/self/exe (CVE-2019-5736). For children that run less-trusted code with privilege.
  bool sealed_exe = false;
};

// Which copy of the executable sealed_exe launches run. A sealed memfd where the kernel allows
// an executable memfd; where vm.memfd_noexec=2 does not, a read-only O_TMPFILE copy that never
// had a name (on $TMPDIR, /dev/shm, /tmp or /var/tmp, the first not mounted noexec).
enum class sealed_exe_copy { not_made, memfd, tmpfile };
// not_made until the first sealed_exe launch has made the copy (or when it could not).
sealed_exe_copy sealed_exe_copy_in_use() noexcept;

}  // namespace gofork
