// How a launch step that failed is reported: error(spawn_failed) naming the stage and errno.
#pragma once

#include <cstring>
#include <string>

#include <gofork/error.hpp>

#include "runtime_state.hpp"
#include "unique_fd.hpp"

namespace gofork::runtime {

[[noreturn]] inline void fail(const std::string& stage, int err) {
  std::string message = "gofork: could not start a child: " + stage;
  if (err != 0) message += ": " + std::string(std::strerror(err));
  throw error(error_kind::spawn_failed, message, err);
}

// Owns `fd` (moved above stdio, so a parent with 0-2 closed still launches), or fails `stage`
// with errno when it is negative.
inline unique_fd checked_fd(int fd, const char* stage) {
  if (fd < 0) fail(stage, errno);
  fd = above_stdio(fd);
  if (fd < 0) fail(stage, errno);
  return unique_fd(fd);
}

}  // namespace gofork::runtime
