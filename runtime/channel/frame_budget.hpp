// A pre-pass over a msgpack frame that allocates nothing: it walks every header and refuses a
// frame that declares more objects than it has bytes left to hold them (each object needs at
// least one), is truncated, or has trailing bytes. After it passes, decoding allocates at most
// a small multiple of the frame's size, whatever the frame says. The scan itself is
// detail::skip_object (wire/scanner.hpp), which the direct decoder also uses to find the extent of an
// object it hands to msgpack-c; it refuses nesting past 64 too.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gofork::runtime {

// Empty when `bytes` is exactly one msgpack object within budget; otherwise why not.
std::string check_frame_budget(std::string_view bytes);

}  // namespace gofork::runtime
