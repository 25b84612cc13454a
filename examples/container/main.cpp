// The go-fork/imageapi pattern: a child in new UTS, PID and mount namespaces sets its hostname,
// mounts a private /proc and reports back, as its result, what it sees: pid 1, its hostname and
// the processes of its namespace. Needs root (or CAP_SYS_ADMIN).
#include <dirent.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <gofork/gofork.hpp>

// Returns (pid, hostname, pids visible in /proc).
[[gofork::forkable]] std::tuple<int, std::string, std::vector<int>> container_init(std::string hostname) {
  if (sethostname(hostname.data(), hostname.size()) != 0) throw std::runtime_error("sethostname");
  // Keep our mounts out of the parent's namespace, then show this pid namespace in /proc.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) throw std::runtime_error("make / private");
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    throw std::runtime_error("mount /proc");
  }
  std::vector<int> pids;
  DIR* proc = opendir("/proc");
  while (dirent* e = readdir(proc)) {
    if (std::isdigit(static_cast<unsigned char>(e->d_name[0]))) pids.push_back(std::stoi(e->d_name));
  }
  closedir(proc);
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return {getpid(), name, pids};
}

#include "main.gofork.hpp"

int main(int argc, char** argv) {
  gofork::init(argc, argv);
  if (geteuid() != 0) {
    std::printf("skipped: creating namespaces and mounting /proc needs root\n");
    return 77;
  }
  gofork::options o;
  o.clone_flags = CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS;
  auto p = fork_container_init(o, "gofork-container");
  auto [pid, hostname, pids] = p.get();
  std::printf("outside: the container's pid is %d\n", p.pid());
  std::printf("inside: pid %d, hostname %s, processes:", pid, hostname.c_str());
  for (int q : pids) std::printf(" %d", q);
  char own[256] = {};
  gethostname(own, sizeof own - 1);
  std::printf("\noutside: hostname unchanged: %s\n", hostname != own ? "yes" : "no");
}
