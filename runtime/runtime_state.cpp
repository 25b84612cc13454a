#include "runtime_state.hpp"

#include <cerrno>

#include <dlfcn.h>
#include <fcntl.h>
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

int above_stdio(int fd) noexcept {
  if (fd < 0 || fd > 2) return fd;
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  int saved = errno;
  ::close(fd);
  errno = saved;
  return moved;
}

}  // namespace gofork::runtime
