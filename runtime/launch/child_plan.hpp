// What the parent hands the cloned child: everything it needs before its exec, built in advance.
#pragma once

#include <sys/types.h>

#include <cstddef>

#include <gofork/options.hpp>

namespace gofork::runtime {

// Everything the cloned child needs, built by the parent: the child only reads it, and writes
// the failed stage back (the memory is shared until exec).
struct child_plan {
  int exe_fd = -1;
  const char* exe_path = nullptr;  // or a program by path (a launcher: srun, ssh, ...), exec'd instead
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  int stdio[3] = {-1, -1, -1};
  const char* cwd = nullptr;
  int keep[3] = {-1, -1, -1};  // sorted: the channel, the request, the executable; survive exec
  unsigned long descriptor_limit = 1024;  // the parent's, for the sweep without close_range or /proc
  int sync_fd = -1;  // user namespaces: wait here until the parent has written the id maps
  bool new_session = false;
  bool set_pgid = false;
  pid_t pgid = 0;
  const rlimit_setting* rlimits = nullptr;
  std::size_t rlimit_count = 0;
  const char* chroot_dir = nullptr;
  bool set_groups = false;
  const gid_t* groups = nullptr;
  std::size_t group_count = 0;
  bool set_gid = false;
  gid_t gid = 0;
  bool set_uid = false;
  uid_t uid = 0;
  bool no_new_privs = false;
  int pdeathsig = 0;
  pid_t expected_parent = 0;  // what getppid() says while the parent lives (0 in a new pid namespace)
  const char* volatile failed_stage = nullptr;
  volatile int failed_errno = 0;
};

}  // namespace gofork::runtime
