#include "runtime_state.hpp"

#include <cerrno>
#include <cstdio>
#include <string>

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <sys/auxv.h>
#include <unistd.h>

namespace gofork::runtime {
namespace {

// The layout behind gofork_runtime_v2; the version in the name changes with it.
struct process_runtime {
  runtime_state state;
  registry functions;
};

}  // namespace
}  // namespace gofork::runtime

extern "C" __attribute__((visibility("default"))) void* gofork_runtime_v2() {
  static gofork::runtime::process_runtime instance;
  return &instance;
}

namespace gofork::runtime {
namespace {

process_runtime& shared() noexcept {
  static process_runtime* const instance = [] {
    // The global lookup scope starts with the executable, then the libraries in load order.
    void* symbol = ::dlsym(RTLD_DEFAULT, "gofork_runtime_v2");
    auto get = symbol != nullptr ? reinterpret_cast<void* (*)()>(symbol) : &gofork_runtime_v2;
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

namespace {

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

// Copies all of `in` (from offset 0) to `out`; false with errno set on failure.
bool copy_file(int in, int out) noexcept {
  off_t offset = 0;
  for (;;) {
    const ssize_t n = ::sendfile(out, in, &offset, 1 << 30);
    if (n == 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

// The preferred copy: a memfd sealed against any change. Asks for MFD_EXEC explicitly, since
// vm.memfd_noexec=1 would otherwise seal it non-executable; kernels before 6.3 do not know the
// flag. -1 with errno set (EACCES where vm.memfd_noexec=2 forbids executable memfds).
int sealed_memfd_copy(int in) noexcept {
  int out = ::memfd_create("gofork-exe", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (out < 0 && errno == EINVAL) out = ::memfd_create("gofork-exe", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (out < 0) return -1;
  if (!copy_file(in, out) || ::fcntl(out, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    const int err = errno;
    ::close(out);
    errno = err;
    return -1;
  }
  return out;
}

// The fallback (runc's too): an O_TMPFILE copy that never has a name, on the first temporary
// file system that allows exec. Only a read-only descriptor is kept, so nothing can write it
// while it runs (ETXTBSY) and nobody but this process can open it. -1 with errno set.
int readonly_tmpfile_copy(int in) noexcept {
  const char* const dirs[] = {::secure_getenv("TMPDIR"), "/dev/shm", "/tmp", "/var/tmp"};
  int err = ENOENT;
  for (const char* dir : dirs) {
    struct statvfs fs {};
    if (dir == nullptr || *dir != '/' || ::statvfs(dir, &fs) != 0 || (fs.f_flag & (ST_NOEXEC | ST_RDONLY)) != 0) continue;
    // Executable by anyone: a child may exec it after changing its uid.
    const int out = ::open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0555);
    if (out < 0) {
      err = errno;
      continue;
    }
    int readonly = -1;
    if (copy_file(in, out)) {
      char path[32];
      std::snprintf(path, sizeof path, "/proc/self/fd/%d", out);
      readonly = ::open(path, O_RDONLY | O_CLOEXEC);
    }
    err = errno;
    ::close(out);
    if (readonly >= 0) return readonly;
  }
  errno = err;
  return -1;
}

}  // namespace

int sealed_exe_fd() noexcept {
  runtime_state& s = state();
  std::call_once(s.sealed_once, [&s] {
    const int exe = self_exe_fd();
    if (exe < 0) {
      s.sealed_errno = s.exe_errno;
      return;
    }
    // The O_PATH descriptor cannot be read; its /proc link reopens the very same inode.
    char path[32];
    std::snprintf(path, sizeof path, "/proc/self/fd/%d", exe);
    const int in = ::open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
      s.sealed_errno = errno;
      return;
    }
    int out = sealed_memfd_copy(in);
    sealed_exe_copy kind = sealed_exe_copy::memfd;
    if (out < 0 && errno == EACCES) {
      out = readonly_tmpfile_copy(in);
      kind = sealed_exe_copy::tmpfile;
    }
    const int err = errno;
    ::close(in);
    s.sealed_exe_fd = above_stdio(out);
    if (s.sealed_exe_fd < 0) {
      s.sealed_errno = out < 0 ? err : errno;
      return;
    }
    s.sealed_kind.store(kind, std::memory_order_release);
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

namespace gofork {

sealed_exe_copy sealed_exe_copy_in_use() noexcept {
  return runtime::state().sealed_kind.load(std::memory_order_acquire);
}

}  // namespace gofork
