#include "channel/launcher_stream.hpp"

#include <cstring>
#include <tuple>

#include <gofork/detail/codec.hpp>

#include "channel/host_order.hpp"

namespace gofork::runtime {
namespace {

constexpr char tags[3][5] = {"GFH1", "GFO1", "GFE1"};
constexpr char settings_magic[4] = {'G', 'F', 'S', '1'};

using settings_tuple = std::tuple<std::map<std::string, std::string>, bool, std::string, std::vector<std::string>,
                                  std::uint64_t>;

}  // namespace

std::string encode_stream_frame(stream_tag tag, std::uint32_t aux, std::string_view payload) {
  std::string out;
  out.reserve(stream_header_size + payload.size() + 1);
  out.append(tags[static_cast<int>(tag)], 4);
  put<std::uint32_t>(out, aux);
  put<std::uint64_t>(out, payload.size());
  out.append(payload);
  out += '\n';
  return out;
}

std::optional<stream_header> parse_stream_header(std::string_view bytes) {
  if (bytes.size() < stream_header_size) return std::nullopt;
  for (int t = 0; t < 3; ++t) {
    if (std::memcmp(bytes.data(), tags[t], 4) == 0) {
      return stream_header{static_cast<stream_tag>(t), get<std::uint32_t>(bytes.data() + 4),
                           get<std::uint64_t>(bytes.data() + 8)};
    }
  }
  return std::nullopt;
}

std::string encode_settings_frame(const remote_settings& s) {
  const std::string body = detail::encode_value(settings_tuple(s.env, s.clear_env, s.cwd, s.argv, s.max_result_bytes));
  std::string out(settings_magic, 4);
  put<std::uint32_t>(out, 0);
  put<std::uint64_t>(out, body.size());
  return out + body;
}

std::optional<std::uint64_t> settings_size(std::string_view header) {
  if (header.size() < stream_header_size || std::memcmp(header.data(), settings_magic, 4) != 0) return std::nullopt;
  const auto size = get<std::uint64_t>(header.data() + 8);
  if (size > max_settings_size) return std::nullopt;
  return size;
}

std::optional<remote_settings> parse_settings(std::string_view bytes) {
  try {
    auto [env, clear_env, cwd, argv, max_result] = detail::decode_value<settings_tuple>(bytes);
    return remote_settings{std::move(env), clear_env, std::move(cwd), std::move(argv), max_result};
  } catch (...) {
    return std::nullopt;
  }
}

std::string encode_end_frame(const launch_end& e) {
  std::string payload(reinterpret_cast<const char*>(e.call_nonce.data()), e.call_nonce.size());
  payload += static_cast<char>(e.exited ? 1 : 2);
  payload += static_cast<char>(e.core_dumped ? 1 : 0);
  payload += static_cast<char>(e.result_too_large ? 1 : 0);
  payload += '\0';
  put<std::int32_t>(payload, e.code);
  payload += e.reply;
  return encode_stream_frame(stream_tag::end, static_cast<std::uint32_t>(e.outcome), payload);
}

std::optional<launch_end> parse_end(std::uint32_t aux, std::string_view payload) {
  launch_end e;
  if (aux > static_cast<std::uint32_t>(launch_outcome::refused) || payload.size() < e.call_nonce.size() + 8) {
    return std::nullopt;
  }
  e.outcome = static_cast<launch_outcome>(aux);
  std::memcpy(e.call_nonce.data(), payload.data(), e.call_nonce.size());
  const char* p = payload.data() + e.call_nonce.size();
  if ((p[0] != 1 && p[0] != 2) || static_cast<unsigned char>(p[1]) > 1 || static_cast<unsigned char>(p[2]) > 1 ||
      p[3] != 0) {
    return std::nullopt;
  }
  e.exited = p[0] == 1;
  e.core_dumped = p[1] == 1;
  e.result_too_large = p[2] == 1;
  e.code = get<std::int32_t>(p + 4);
  if (e.code < 0 || e.code > 255) return std::nullopt;
  e.reply.assign(p + 8, payload.size() - e.call_nonce.size() - 8);
  return e;
}


}  // namespace gofork::runtime
