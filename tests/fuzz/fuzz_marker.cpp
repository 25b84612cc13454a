// libFuzzer: the GOFORK_CHILD marker parser; a parsed marker must print back to itself.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "channel/marker.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (auto m = gofork::runtime::parse_marker(text)) {
    if (gofork::runtime::format_marker(*m) != text) std::abort();
  }
  return 0;
}
