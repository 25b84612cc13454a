#include "runtime_state.hpp"

#include <cerrno>
#include <string>

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/wait.h>
#include <sys/auxv.h>
#include <unistd.h>

namespace gofork::runtime {
namespace {

// The layout behind gofork_runtime_v1; the version in the name changes with it.
struct process_runtime {
  runtime_state state;
  registry functions;
};

}  // namespace
}  // namespace gofork::runtime

extern "C" __attribute__((visibility("default"))) void* gofork_runtime_v1() {
  static gofork::runtime::process_runtime instance;
  return &instance;
}

namespace gofork::runtime {
namespace {

process_runtime& shared() noexcept {
  static process_runtime* const instance = [] {
    // The global lookup scope starts with the executable, then the libraries in load order.
    void* symbol = ::dlsym(RTLD_DEFAULT, "gofork_runtime_v1");
    auto get = symbol != nullptr ? reinterpret_cast<void* (*)()>(symbol) : &gofork_runtime_v1;
    return static_cast<process_runtime*>(get());
  }();
  return *instance;
}

}  // namespace

runtime_state& state() noexcept { return shared().state; }
registry& functions() noexcept { return shared().functions; }

int self_exe_fd() noexcept {
  runtime_state& s = state();
  std::call_once(s.exe_once, [&s] {
    int fd = ::open("/proc/self/exe", O_PATH | O_CLOEXEC);
    if (fd < 0) {
      // Without /proc (a chroot), fall back to the path the kernel executed.
      s.exe_errno = errno;
      if (auto execfn = reinterpret_cast<const char*>(::getauxval(AT_EXECFN))) fd = ::open(execfn, O_PATH | O_CLOEXEC);
    }
    s.exe_fd = above_stdio(fd);
    if (s.exe_fd >= 0) s.exe_errno = 0;
  });
  return s.exe_fd;
}

int sealed_exe_fd() noexcept {
  runtime_state& s = state();
  std::call_once(s.sealed_once, [&s] {
    const int exe = self_exe_fd();
    if (exe < 0) {
      s.sealed_errno = s.exe_errno;
      return;
    }
    // The O_PATH descriptor cannot be read; its /proc link reopens the very same inode.
    const std::string path = "/proc/self/fd/" + std::to_string(exe);
    int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
    int out = ::memfd_create("gofork-exe", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (out < 0 && errno == EINVAL) out = ::memfd_create("gofork-exe", MFD_CLOEXEC | MFD_ALLOW_SEALING);  // before 6.3
    bool ok = in >= 0 && out >= 0;
    while (ok) {
      ssize_t n = ::sendfile(out, in, nullptr, 1 << 30);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ok = n == 0;
        break;
      }
    }
    ok = ok && ::fcntl(out, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0;
    const int err = errno;
    if (in >= 0) ::close(in);
    if (!ok) {
      if (out >= 0) ::close(out);
      s.sealed_errno = err;
      return;
    }
    s.sealed_exe_fd = above_stdio(out);
  });
  return s.sealed_exe_fd;
}

int reap_pidfd(int pidfd, siginfo_t& info) noexcept {
  while (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED | __WALL) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

int above_stdio(int fd) noexcept {
  if (fd < 0 || fd > 2) return fd;
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  int saved = errno;
  ::close(fd);
  errno = saved;
  return moved;
}

}  // namespace gofork::runtime
