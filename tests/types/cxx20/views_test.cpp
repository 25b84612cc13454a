// A C++20 target's forkables through real children: spans, std::u8string, <=> and designated
// initialisers at the call site.
#include <gtest/gtest.h>

#include <array>

#include "views.gofork.hpp"

namespace {

TEST(types20, spans_are_sent_as_the_values_they_view) {
  const std::vector<int> values{1, -2, 30, 400};
  EXPECT_EQ(views::fork_sum(values).get(), 429);
  EXPECT_EQ(views::fork_sum(std::span<const int>(values).subspan(1, 2)).get(), 28);  // only the viewed part
  EXPECT_EQ(views::fork_sum({}).get(), 0);
  const std::array<views::sample, 2> samples{{{.x = 1, .weight = 2.0, .tag = "a"}, {.x = 2, .weight = 1.0, .tag = "b"}}};
  const auto heavier = views::fork_heavier(samples, 1.5).get();
  ASSERT_EQ(heavier.size(), 2u);
  EXPECT_EQ(heavier[0].weight, 3.0);
  EXPECT_EQ(heavier[1].tag, "b");
  const std::vector<std::string> words{"x", "y", "z"};
  const std::array<unsigned char, 2> separator{',', ' '};
  EXPECT_EQ(views::fork_join(words, separator).get(), "x, y, z");
  const std::vector<std::byte> bytes(1000, std::byte{0xab});
  EXPECT_EQ(views::fork_count_bytes(bytes).get(), 1000u);
}

TEST(types20, u8strings_and_char8_cross) {
  // EXPECT_TRUE: Debian's libgtest is built as C++17 and cannot print a std::u8string.
  EXPECT_TRUE(views::fork_echo_u8(u8"gr\u00fc\u00df", u8'!').get() == u8"gr\u00fc\u00df!");
  EXPECT_TRUE(views::fork_echo_u8(u8"", u8'\x7f').get() == u8"\x7f");
}

TEST(types20, designated_initialisers_and_defaulted_comparison) {
  const auto big = views::fork_largest({.x = 2, .weight = 0.5, .tag = ""}, {.x = 1, .weight = 1.0, .tag = "z"}).get();
  EXPECT_EQ(big, (views::sample{.x = 2, .weight = 0.5, .tag = ""}));
}

}  // namespace
