// The child's side of a call (see child.cpp).
#pragma once

#include "channel/marker.hpp"

namespace gofork::runtime {

// Exit statuses a child uses when it could not deliver a value.
inline constexpr int exit_exception = 1;       // the function threw; the reply says what
inline constexpr int exit_refused = 121;       // the call was refused before any user code ran
inline constexpr int exit_channel_lost = 122;  // the reply could not be sent

// Serves the call described by `m` and exits; never returns.
[[noreturn]] void run_child(const marker& m);

}  // namespace gofork::runtime
