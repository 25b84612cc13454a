// libFuzzer: the child's side of a call — the request frame and the argument decoder for three
// representative signatures.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <gofork/detail/codec.hpp>

#include "channel/frame.hpp"

namespace {

template <class Tuple>
void try_decode(std::string_view bytes) {
  try {
    gofork::detail::decode_arguments<Tuple>(bytes);
  } catch (const gofork::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string why;
  if (auto request = gofork::runtime::parse_request(bytes, why)) {
    try_decode<std::tuple<int>>(request->arguments);
  }
  try_decode<std::tuple<int, std::string, std::vector<double>>>(bytes);
  try_decode<std::tuple<std::map<std::string, std::vector<std::optional<std::int64_t>>>, bool>>(bytes);
  try_decode<std::tuple<std::vector<std::uint8_t>, std::tuple<char32_t, float, std::uint64_t>>>(bytes);
  return 0;
}
