#include <gofork/error.hpp>

namespace gofork {

const char* to_string(error_kind kind) noexcept {
  switch (kind) {
    case error_kind::spawn_failed: return "spawn_failed";
    case error_kind::child_exception: return "child_exception";
    case error_kind::child_signaled: return "child_signaled";
    case error_kind::child_exited: return "child_exited";
    case error_kind::protocol: return "protocol";
    case error_kind::timed_out: return "timed_out";
    case error_kind::cancelled: return "cancelled";
  }
  return "unknown";
}

}  // namespace gofork
