// Helpers shared by the end-to-end tests.
#pragma once

#include <dirent.h>
#include <sys/wait.h>

#include <cerrno>

#include <gtest/gtest.h>

#include <gofork/error.hpp>
#include <gofork/request_buffers.hpp>

namespace gofork_test {

// Runs `f`, which must throw gofork::error, and returns that error.
template <class F>
gofork::error expect_error(F&& f) {
  try {
    f();
  } catch (const gofork::error& e) {
    return e;
  }
  ADD_FAILURE() << "no gofork::error was thrown";
  return gofork::error(gofork::error_kind::protocol, "none");
}

// No child of this process exists, running or zombie.
inline void expect_no_children() {
  siginfo_t info{};
  errno = 0;
  EXPECT_EQ(::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | __WALL), -1) << "a child is left over";
  EXPECT_EQ(errno, ECHILD);
}

// Descriptors this process has open (not counting the one used to list them), once gofork has
// closed its idle request buffers (kept on purpose; their bound is tested on its own).
inline int count_open_descriptors() {
  gofork::release_idle_request_buffers();
  int count = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  while (dirent* e = ::readdir(dir)) count += e->d_name[0] != '.';
  ::closedir(dir);
  return count - 1;
}

}  // namespace gofork_test
