// Writes the seed corpus: valid frames of each kind, so fuzzing starts from the real format.
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <gofork/detail/codec.hpp>

#include "channel/frame.hpp"
#include "channel/marker.hpp"

namespace {

void write(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::string dir = argv[1];
  using gofork::detail::encode_arguments;
  using gofork::detail::encode_value;
  gofork::runtime::nonce n{};
  const std::string args = encode_arguments(7, std::string("seed"), std::vector<double>{1.5, -2});
  write(dir + "/request/call", gofork::runtime::encode_request_prefix(n, "f(int)", args.size()) + args);
  write(dir + "/request/args", args);
  std::map<std::string, std::vector<std::optional<std::int64_t>>> m{{"k", {1, std::nullopt}}};
  write(dir + "/request/map", encode_arguments(m, true));
  const std::string value = encode_value(std::vector<std::int64_t>{1, -1, 1LL << 40});
  write(dir + "/reply/value", gofork::runtime::encode_reply_header(gofork::runtime::reply_kind::value, value.size()) + value);
  const std::string ex = encode_value(std::make_tuple(std::string("std::runtime_error"), std::string("boom")));
  write(dir + "/reply/exception",
        gofork::runtime::encode_reply_header(gofork::runtime::reply_kind::exception, ex.size()) + ex);
  gofork::runtime::marker mk;
  mk.parent = 4242;
  mk.channel_fd = 7;
  mk.arguments_fd = 8;
  write(dir + "/marker/valid", gofork::runtime::format_marker(mk));
  return 0;
}
