// The environment marker that tells a re-executed program it is a gofork child:
//   GOFORK_CHILD=1.<32 hex digits nonce>.<parent pid>.<channel fd>.<arguments fd>
// It is a hint only: the child trusts nothing until the channel checks out (see child/trust.cpp).
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gofork::runtime {

inline constexpr const char* marker_variable = "GOFORK_CHILD";
inline constexpr unsigned marker_version = 1;

using nonce = std::array<std::uint8_t, 16>;

struct marker {
  nonce call_nonce{};
  pid_t parent = 0;
  int channel_fd = -1;
  int arguments_fd = -1;
};

// The variable's value (without "GOFORK_CHILD=").
std::string format_marker(const marker& m);
// Strict parse: exact field count, lower-case hex, decimal digits only (no sign, no leading
// zero), values in range, descriptors > 2 and distinct. std::nullopt on any deviation.
std::optional<marker> parse_marker(std::string_view text);

}  // namespace gofork::runtime
