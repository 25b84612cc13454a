// Process-wide facts fixed by init(): this build's executable and who we are.
#pragma once

#include <atomic>
#include <string>

namespace gofork::runtime {

struct runtime_state {
  std::atomic<bool> initialized{false};
  std::atomic<bool> in_child{false};
  int exe_fd = -1;     // O_PATH descriptor of this build's executable, opened once by init()
  int exe_errno = 0;   // why exe_fd could not be opened
  std::string argv0;   // the parent's argv[0], the default argv of a child
};

runtime_state& state() noexcept;

// Moves `fd` to a number above 2 (a closed stdin can hand out 0), keeping close-on-exec.
// Returns the new descriptor, or -1 with errno set.
int above_stdio(int fd) noexcept;

}  // namespace gofork::runtime
