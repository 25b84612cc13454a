#include "channel/marker.hpp"

#include <climits>
#include <vector>

namespace gofork::runtime {
namespace {

std::optional<unsigned long long> parse_decimal(std::string_view s, unsigned long long max) {
  if (s.empty() || s.size() > 19 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  unsigned long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string format_marker(const marker& m) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = std::to_string(marker_version) + ".";
  for (std::uint8_t b : m.call_nonce) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  out += "." + std::to_string(m.parent) + "." + std::to_string(m.channel_fd) + "." +
         std::to_string(m.arguments_fd);
  return out;
}

std::optional<marker> parse_marker(std::string_view text) {
  std::vector<std::string_view> fields;
  while (true) {
    std::size_t dot = text.find('.');
    fields.push_back(text.substr(0, dot));
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
  }
  if (fields.size() != 5) return std::nullopt;
  auto version = parse_decimal(fields[0], UINT_MAX);
  if (!version || *version != marker_version) return std::nullopt;

  marker m;
  if (fields[1].size() != 2 * m.call_nonce.size()) return std::nullopt;
  for (std::size_t i = 0; i < m.call_nonce.size(); ++i) {
    int hi = hex_digit(fields[1][2 * i]), lo = hex_digit(fields[1][2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    m.call_nonce[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  // The parent names itself with its own (non-zero) pid.
  auto parent = parse_decimal(fields[2], INT_MAX);
  auto channel = parse_decimal(fields[3], INT_MAX);
  auto arguments = parse_decimal(fields[4], INT_MAX);
  if (!parent || !channel || !arguments) return std::nullopt;
  if (*parent == 0 || *channel <= 2 || *arguments <= 2 || *channel == *arguments) return std::nullopt;
  m.parent = static_cast<pid_t>(*parent);
  m.channel_fd = static_cast<int>(*channel);
  m.arguments_fd = static_cast<int>(*arguments);
  return m;
}

}  // namespace gofork::runtime
