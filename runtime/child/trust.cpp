// The one trust check, made by every child before it reads a byte of its request: the channel
// the marker names is a socket pair made by the process that launched us, not one a program of
// the same uid (or a stale environment) handed over. A privileged (AT_SECURE) child asks more.
#include "child/trust.hpp"

#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace gofork::runtime {
namespace {

// Parses all of `text` as one number in `base`; nullopt for anything else.
template <class T>
std::optional<T> whole_number(std::string_view text, int base = 10) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  T value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// The whole of a small /proc file, or nullopt if it cannot be read.
std::optional<std::string> read_text(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char chunk[512];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

// What /proc/<pid>/status says of a process's identity.
struct proc_identity {
  pid_t pid = -1;
  std::string uids;                        // real, effective, saved, file system
  std::uint64_t permitted_capabilities = 0;  // bounds the effective and ambient sets
};

// `dir` is /proc/self or /proc/<pid>. Each field exactly once and well-formed, or nullopt.
std::optional<proc_identity> read_identity(const std::string& dir) {
  const std::optional<std::string> status = read_text(dir + "/status");
  if (!status) return std::nullopt;
  proc_identity id;
  int pids = 0, uids = 0, capabilities = 0;
  std::string_view rest(*status);
  while (!rest.empty()) {
    const std::size_t end = std::min(rest.find('\n'), rest.size());
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(std::min(end + 1, rest.size()));
    if (line.rfind("Pid:", 0) == 0) {
      const std::optional<pid_t> n = whole_number<pid_t>(line.substr(4));
      if (!n) return std::nullopt;
      id.pid = *n;
      ++pids;
    } else if (line.rfind("Uid:", 0) == 0) {
      id.uids = line.substr(4);
      ++uids;
    } else if (line.rfind("CapPrm:", 0) == 0) {
      const std::optional<std::uint64_t> n = whole_number<std::uint64_t>(line.substr(7), 16);
      if (!n) return std::nullopt;
      id.permitted_capabilities = *n;
      ++capabilities;
    }
  }
  if (pids != 1 || uids != 1 || capabilities != 1) return std::nullopt;
  return id;
}

// One extent of one id, "inside outside 1": the only map an unprivileged process can write
// for a namespace of its own, so a forger can make its namespace's map read like this one.
bool writable_by_anyone(const std::string& map) {
  std::istringstream in(map);
  std::uint64_t inside = 0, outside = 0, count = 0;
  std::string rest;
  return static_cast<bool>(in >> inside >> outside >> count) && count == 1 && !(in >> rest);
}

// A file-capability program keeps the caller's uids, so the socket's creator (a forger of the
// same uid) is told apart by what the kernel shows of our parent: its uids unchanged since it
// made the pair (it did not exec a setuid program since), its permitted capabilities a
// superset of ours, seen from the same user namespace (a forger that unshared one would show
// a full set there). The parent is non-dumpable, so /proc/<pid>/ns is closed to us; its id
// maps, world-readable, differ from ours when its namespace does — unless ours is a map that
// anyone can write. The parent's pid is checked again after the reads: a parent that exited
// meanwhile made us an orphan, so a second match proves the files read were its own and not
// those of a process that reused the pid.
bool parent_holds_our_capabilities(const proc_identity& mine, pid_t parent) {
  if (mine.permitted_capabilities == 0) return false;  // secure-exec by an LSM alone: nothing to compare
  const std::string dir = "/proc/" + std::to_string(parent);
  const std::optional<proc_identity> theirs = read_identity(dir);
  if (!theirs || theirs->pid != parent || theirs->uids != mine.uids) return false;
  if ((theirs->permitted_capabilities & mine.permitted_capabilities) != mine.permitted_capabilities) return false;
  for (const char* map : {"uid_map", "gid_map"}) {
    const std::optional<std::string> ours = read_text(std::string("/proc/self/") + map);
    if (!ours || writable_by_anyone(*ours) || read_text(dir + "/" + map) != ours) return false;
  }
  return ::getppid() == parent;
}

// A privileged (AT_SECURE) program trusts only a pair made by its actual parent with the
// identity that makes it privileged: anyone may set the variable and hand it a socket.
bool privileged_peer_is_parent(const ucred& peer) {
  if (peer.uid != ::geteuid()) return false;
  const bool parent_outside = peer.pid == 0 && ::getppid() == 0;  // we are a new pid namespace's init
  if (!parent_outside && peer.pid != ::getppid()) return false;
  // Setuid or setgid: the creator held the raised id when it made the pair, which a forger
  // (whose ids are our real ones) cannot have done. Root's capabilities come with its uid.
  const bool raised_uid = ::getuid() != ::geteuid();
  const bool raised_gid = ::getgid() != ::getegid();
  if (raised_gid && !raised_uid && peer.gid != ::getegid()) return false;
  if (raised_uid && ::geteuid() == 0) return true;
  const std::optional<proc_identity> mine = read_identity("/proc/self");
  if (!mine || mine->pid != ::getpid()) return false;  // no /proc, or one of another pid namespace
  if ((raised_uid || raised_gid) && mine->permitted_capabilities == 0) return true;
  // File capabilities (with a raised id or not): the parent must be visible to compare them.
  return !parent_outside && parent_holds_our_capabilities(*mine, peer.pid);
}

}  // namespace

bool channel_from_parent(const marker& m) {
  struct stat st {};
  if (::fstat(m.channel_fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return false;
  // An end of an unnamed socket pair: a connection to someone's listening socket would report
  // that listener (a root daemon, say) as the peer.
  sockaddr_un address{};
  socklen_t length = sizeof address;
  if (::getpeername(m.channel_fd, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      address.sun_family != AF_UNIX || length != sizeof(sa_family_t)) {
    return false;
  }
  length = sizeof address;
  if (::getsockname(m.channel_fd, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      length != sizeof(sa_family_t)) {
    return false;
  }
  ucred peer{};
  socklen_t size = sizeof peer;
  if (::getsockopt(m.channel_fd, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0) return false;
  // The kernel recorded the creator at socketpair() time, so this holds even for an orphan. A
  // creator outside our pid namespace shows as pid 0, as does our parent then.
  if (peer.pid != m.parent && !(peer.pid == 0 && ::getppid() == 0)) return false;
  return ::getauxval(AT_SECURE) == 0 || privileged_peer_is_parent(peer);
}

}  // namespace gofork::runtime
