// clone → the child's pre-exec steps → exec: the one path every launch takes.
#pragma once

#include <sys/types.h>

#include <gofork/options.hpp>

#include "launch/child_plan.hpp"
#include "unique_fd.hpp"

namespace gofork::runtime {

struct launched {
  pid_t pid = -1;
  unique_fd pidfd;
};

// User-namespace id maps are written by the parent while the child waits before its exec.
bool writes_id_maps(const options& opts);

// Starts the child `plan` describes and returns once it has exec'd (or throws spawn_failed, with
// the child reaped). `deny_setgroups`: write "deny" to its setgroups before its gid_map.
launched clone_child(child_plan& plan, const options& opts, bool deny_setgroups);

}  // namespace gofork::runtime
