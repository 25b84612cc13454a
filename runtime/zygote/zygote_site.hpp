// A zygote as a call site for the runtime's own launches (a pool's workers).
#pragma once

#include <gofork/zygote.hpp>

#include "call/call_site.hpp"

namespace gofork::runtime {

// Starts `c` in a process forked from `z`: a one-off call's process, or (c.serve_calls) a
// pool worker's. Throws error(spawn_failed).
detail::process_state_ptr start_in(zygote& z, const call& c);

}  // namespace gofork::runtime
