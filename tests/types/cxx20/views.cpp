#include "views.hpp"

#include <algorithm>

namespace views {

long sum(std::span<const int> values) {
  long total = 0;
  for (int v : values) total += twice(v) / 2;
  return total;
}

std::vector<sample> heavier(std::span<const sample> samples, const double& by) {
  std::vector<sample> out(samples.begin(), samples.end());
  for (auto& s : out) s.weight *= by;
  return out;
}

std::string join(const std::span<const std::string>& words, std::span<const unsigned char> separator) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i != 0) out.append(separator.begin(), separator.end());
    out += words[i];
  }
  return out;
}

std::size_t count_bytes(std::span<const std::byte> bytes) { return bytes.size(); }

std::u8string echo_u8(std::u8string text, char8_t last) { return text + last; }

sample largest(sample a, sample b) { return std::max(a, b); }

}  // namespace views
