#include "runtime_state.hpp"

#include <cerrno>

#include <dlfcn.h>
#include <fcntl.h>
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

int above_stdio(int fd) noexcept {
  if (fd < 0 || fd > 2) return fd;
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  int saved = errno;
  ::close(fd);
  errno = saved;
  return moved;
}

}  // namespace gofork::runtime
