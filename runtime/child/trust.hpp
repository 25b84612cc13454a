// Whether a marker may be served (see trust.cpp).
#pragma once

#include "channel/marker.hpp"

namespace gofork::runtime {

// The marker's channel is a socket created by the process the marker names: this process
// really is that process's child (or its orphan), not a program that inherited a stale marker.
bool channel_from_parent(const marker& m);

}  // namespace gofork::runtime
