#include <gtest/gtest.h>

#include "channel/frame.hpp"

namespace {

using namespace gofork::runtime;

nonce sample_nonce() {
  nonce n{};
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<std::uint8_t>(i * 17);
  return n;
}

TEST(frame, request_round_trip) {
  std::string bytes = encode_request_prefix(sample_nonce(), "app::square(int)", 3) + "abc";
  std::string why;
  auto view = parse_request(bytes, why);
  ASSERT_TRUE(view) << why;
  EXPECT_EQ(view->call_nonce, sample_nonce());
  EXPECT_EQ(view->function_id, "app::square(int)");
  EXPECT_EQ(view->arguments, "abc");
}

TEST(frame, request_carries_the_build_id) {
  const build_id& own = own_build_id();
  EXPECT_NE(own, build_id{}) << "the test binary has a GNU build id";
  std::string why;
  auto view = parse_request(encode_request_prefix(sample_nonce(), "f()", 0, 9), why);
  ASSERT_TRUE(view) << why;
  EXPECT_EQ(view->parent_build, own);
  EXPECT_EQ(view->pdeathsig, 9u);
  EXPECT_FALSE(parse_request(encode_request_prefix(sample_nonce(), "f()", 0, 65), why));  // not a signal
}

TEST(frame, request_defects_are_rejected) {
  const std::string good = encode_request_prefix(sample_nonce(), "f()", 2) + "xy";
  std::string why;
  EXPECT_FALSE(parse_request(good.substr(0, 20), why));
  EXPECT_FALSE(parse_request(good.substr(0, good.size() - 1), why));  // arguments cut short
  const std::string reused_buffer = good + std::string(100, '\0');
  std::optional<request_view> padded = parse_request(reused_buffer, why);  // padding is ignored
  ASSERT_TRUE(padded) << why;
  EXPECT_EQ(padded->arguments, "xy");
  std::string bad_magic = good;
  bad_magic[0] = 'X';
  EXPECT_FALSE(parse_request(bad_magic, why));
  std::string bad_version = good;
  bad_version[4] = 9;
  EXPECT_FALSE(parse_request(bad_version, why));
  EXPECT_NE(why.find("protocol version 9"), std::string::npos) << why;
  EXPECT_FALSE(parse_request(encode_request_prefix(sample_nonce(), "", 0), why));  // empty id
}

TEST(frame, reply_round_trip_and_defects) {
  std::string why;
  std::string bytes = encode_reply_header(reply_kind::exception, 4) + "data";
  auto view = parse_reply(bytes, why);
  ASSERT_TRUE(view) << why;
  EXPECT_EQ(view->kind, reply_kind::exception);
  EXPECT_EQ(view->payload, "data");
  EXPECT_FALSE(parse_reply(bytes.substr(0, bytes.size() - 1), why));
  EXPECT_NE(why.find("truncated"), std::string::npos);
  EXPECT_FALSE(parse_reply(bytes.substr(0, 8), why));
  std::string unknown_kind = bytes;
  unknown_kind[4] = 7;
  EXPECT_FALSE(parse_reply(unknown_kind, why));
}

TEST(frame, call_headers_say_where_the_arguments_are) {
  const std::string on_socket = encode_call_prefix("f", 3);
  const std::string in_memfd = encode_call_prefix("f", std::uint64_t{1} << 30, true);
  ASSERT_EQ(on_socket.size(), call_header_size + 1);
  auto plain = parse_call_header(std::string_view(on_socket).substr(0, call_header_size));
  auto mapped = parse_call_header(std::string_view(in_memfd).substr(0, call_header_size));
  ASSERT_TRUE(plain && mapped);
  EXPECT_FALSE(plain->in_memfd);
  EXPECT_EQ(plain->arguments_size, 3u);
  EXPECT_TRUE(mapped->in_memfd);
  EXPECT_EQ(mapped->arguments_size, std::uint64_t{1} << 30);
  EXPECT_EQ(mapped->id_size, 1u);
  std::string other = in_memfd.substr(0, call_header_size);
  other[3] = 'X';
  EXPECT_FALSE(parse_call_header(other));
  EXPECT_FALSE(parse_call_header(std::string_view(in_memfd).substr(0, call_header_size - 1)));
  EXPECT_FALSE(parse_call_header(encode_call_prefix("", 0, true)));  // no function named
}

}  // namespace
