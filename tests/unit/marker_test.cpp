#include <gtest/gtest.h>

#include "channel/marker.hpp"

namespace {

using namespace gofork::runtime;

TEST(marker, round_trip) {
  marker m;
  for (std::size_t i = 0; i < m.call_nonce.size(); ++i) m.call_nonce[i] = static_cast<std::uint8_t>(255 - i);
  m.parent = 4242;
  m.channel_fd = 7;
  m.arguments_fd = 9;
  std::string text = format_marker(m);
  EXPECT_EQ(text, "1.fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0.4242.7.9");
  auto parsed = parse_marker(text);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->call_nonce, m.call_nonce);
  EXPECT_EQ(parsed->parent, 4242);
  EXPECT_EQ(parsed->channel_fd, 7);
  EXPECT_EQ(parsed->arguments_fd, 9);
}

TEST(marker, strict_parse_rejects_every_deviation) {
  const char* bad[] = {
      "",
      "1",
      "2.00112233445566778899aabbccddeeff.1.5.6",    // unknown version
      "1.00112233445566778899aabbccddeeff.1.5",       // missing field
      "1.00112233445566778899aabbccddeeff.1.5.6.7",   // extra field
      "1.00112233445566778899AABBCCDDEEFF.1.5.6",     // upper-case hex
      "1.00112233445566778899aabbccddeef.1.5.6",      // short nonce
      "1.00112233445566778899aabbccddeeff.+1.5.6",    // sign
      "1.00112233445566778899aabbccddeeff.-1.5.6",
      "1.00112233445566778899aabbccddeeff.01.5.6",    // leading zero
      "1.00112233445566778899aabbccddeeff.1.2.6",     // a standard stream as channel
      "1.00112233445566778899aabbccddeeff.1.5.5",     // one descriptor for both
      "1.00112233445566778899aabbccddeeff.1.5.99999999999",  // out of range
      "1.00112233445566778899aabbccddeeff.1. 5.6",
      "1.00112233445566778899aabbccddeeff.1.5.6 ",
  };
  for (const char* text : bad) EXPECT_FALSE(parse_marker(text)) << text;
  EXPECT_FALSE(parse_marker("1.00112233445566778899aabbccddeeff.0.5.6"));  // a parent names itself, never pid 0
}

}  // namespace
