// libFuzzer: the parent's side — the reply frame, results and the exception payload.
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <gofork/detail/codec.hpp>

#include "channel/frame.hpp"

namespace {

template <class T>
void try_value(std::string_view bytes) {
  try {
    gofork::detail::decode_value<T>(bytes);
  } catch (const gofork::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string why;
  std::string_view payload = bytes;
  if (auto reply = gofork::runtime::parse_reply(bytes, why)) payload = reply->payload;
  try_value<std::tuple<std::string, std::string>>(payload);
  try_value<std::vector<std::int64_t>>(payload);
  try_value<std::map<std::string, std::vector<double>>>(payload);
  try_value<std::string>(payload);
  return 0;
}
