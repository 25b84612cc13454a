// A C++20 target: concepts and <=> in the file, std::span<const T> and std::u8string parameters.
#pragma once

#include <compare>
#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace views {

template <class T>
concept numeric = std::integral<T> || std::floating_point<T>;

// Not forkable: a constrained template beside the forkables must not disturb the generator.
template <numeric T>
T twice(T value) {
  return value * 2;
}

struct sample {
  int x = 0;
  double weight = 1.0;
  std::string tag;
  auto operator<=>(const sample&) const = default;
};

// The child decodes a std::vector and passes a view of it, as for std::string_view.
[[gofork::forkable]] long sum(std::span<const int> values);
[[gofork::forkable]] std::vector<sample> heavier(std::span<const sample> samples, const double& by);
[[gofork::forkable]] std::string join(const std::span<const std::string>& words, std::span<const unsigned char> separator);
[[gofork::forkable]] std::size_t count_bytes(std::span<const std::byte> bytes);
[[gofork::forkable]] std::u8string echo_u8(std::u8string text, char8_t last);
[[gofork::forkable]] sample largest(sample a, sample b);

}  // namespace views
