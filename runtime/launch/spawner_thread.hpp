// The one thread that launches children with a pdeathsig.
#pragma once

#include <functional>

#include "launch/clone_exec.hpp"

namespace gofork::runtime {

// Runs `launch` on gofork's spawner thread and returns what it returned (or throws what it
// threw). PR_SET_PDEATHSIG fires when the *thread* that cloned exits, so launches with a
// pdeathsig must come from a thread that lives as long as the process.
launched on_spawner_thread(std::function<launched()> launch);

}  // namespace gofork::runtime
