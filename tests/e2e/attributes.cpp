#include "attributes.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

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

}  // namespace attr
