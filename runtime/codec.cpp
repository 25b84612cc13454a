#include <new>
#include <string>

#include <gofork/detail/codec.hpp>

#include "frame_budget.hpp"

namespace gofork::detail {

msgpack::object_handle parse_frame(std::string_view bytes, const char* what) {
  const std::size_t n = bytes.size();
  if (std::string why = runtime::check_frame_budget(bytes); !why.empty()) {
    throw error(error_kind::protocol, std::string("gofork: malformed ") + what + ": " + why);
  }
  // Every element of a container or string needs at least one byte of the frame, so no honest
  // frame declares more than n of them; the depth limit bounds recursion.
  msgpack::unpack_limit limit(n, n, n, n, n, 64);
  std::size_t offset = 0;
  msgpack::object_handle handle;
  try {
    // Strings and binaries point into the frame instead of being copied: the frame outlives
    // the conversion in both directions (the request mapping, the parent's reply buffer).
    handle = msgpack::unpack(bytes.data(), n, offset, [](msgpack::type::object_type, std::size_t, void*) { return true; },
                             nullptr, limit);
  } catch (const msgpack::unpack_error& e) {
    throw error(error_kind::protocol, std::string("gofork: malformed ") + what + ": " + e.what());
  } catch (const std::bad_alloc&) {
    throw error(error_kind::protocol, std::string("gofork: ") + what + " asks for more memory than is available");
  }
  if (offset != n) {
    throw error(error_kind::protocol, std::string("gofork: ") + what + " has " + std::to_string(n - offset) +
                                          " trailing bytes");
  }
  return handle;
}

}  // namespace gofork::detail
