#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include <gofork/detail/codec.hpp>

namespace {

using gofork::detail::decode_arguments;
using gofork::detail::decode_value;
using gofork::detail::encode_arguments;
using gofork::detail::encode_value;

gofork::error_kind kind_of(void (*f)()) {
  try {
    f();
  } catch (const gofork::error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no error";
  return gofork::error_kind::spawn_failed;
}

TEST(codec, arguments_round_trip) {
  std::string bytes = encode_arguments(42, std::string("hi"), std::vector<double>{1.5, -2});
  auto [i, s, v] = decode_arguments<std::tuple<int, std::string, std::vector<double>>>(bytes);
  EXPECT_EQ(i, 42);
  EXPECT_EQ(s, "hi");
  EXPECT_EQ(v, (std::vector<double>{1.5, -2}));
}

TEST(codec, no_arguments_is_an_empty_array) {
  EXPECT_EQ(encode_arguments(), std::string(1, '\x90'));
  decode_arguments<std::tuple<>>(encode_arguments());
}

TEST(codec, values_round_trip) {
  std::map<std::string, std::vector<int>> m{{"a", {1, 2}}, {"b", {}}};
  EXPECT_EQ(decode_value<decltype(m)>(encode_value(m)), m);
  EXPECT_EQ(gofork::detail::encode_nil(), std::string(1, '\xc0'));
}

TEST(codec, floating_point_crosses_bit_for_bit) {
  EXPECT_TRUE(std::signbit(decode_value<double>(encode_value(-0.0))));
  EXPECT_TRUE(std::signbit(decode_value<float>(encode_value(-0.0f))));
  EXPECT_EQ(encode_value(2.0).size(), 9u);  // float64, not the integer 2
  EXPECT_EQ(decode_value<double>(encode_value(1e300)), 1e300);
  EXPECT_TRUE(std::isnan(decode_value<double>(encode_value(std::nan("")))));
  EXPECT_EQ(decode_value<char32_t>(encode_value(U'\U0010ffff')), U'\U0010ffff');
  EXPECT_EQ(decode_value<char16_t>(encode_value(u'\xffff')), u'\xffff');
}

TEST(codec, wrong_arity_is_protocol) {
  EXPECT_EQ(kind_of([] { decode_arguments<std::tuple<int, int>>(encode_arguments(1)); }), gofork::error_kind::protocol);
}

TEST(codec, wrong_type_is_protocol) {
  EXPECT_EQ(kind_of([] { decode_arguments<std::tuple<int>>(encode_arguments(std::string("x"))); }),
            gofork::error_kind::protocol);
  EXPECT_EQ(kind_of([] { decode_value<std::string>(encode_value(3)); }), gofork::error_kind::protocol);
}

TEST(codec, truncated_frame_is_protocol) {
  EXPECT_EQ(kind_of([] { decode_value<std::string>(encode_value(std::string("hello")).substr(0, 3)); }),
            gofork::error_kind::protocol);
  EXPECT_EQ(kind_of([] { decode_value<int>(std::string()); }), gofork::error_kind::protocol);
}

TEST(codec, trailing_bytes_are_protocol) {
  EXPECT_EQ(kind_of([] { decode_value<int>(encode_value(1) + encode_value(2)); }), gofork::error_kind::protocol);
}

TEST(codec, a_huge_declared_array_is_refused_without_allocating) {
  // array32 declaring 2^32-1 elements in five bytes: msgpack's default limits would try ~128 GiB.
  EXPECT_EQ(kind_of([] { decode_value<std::vector<int>>(std::string("\xdd\xff\xff\xff\xff", 5)); }),
            gofork::error_kind::protocol);
  EXPECT_EQ(kind_of([] { decode_value<std::string>(std::string("\xdb\xff\xff\xff\xff", 5)); }),
            gofork::error_kind::protocol);
}

TEST(codec, nesting_deeper_than_64_is_refused) {
  // 100 nested one-element arrays.
  EXPECT_EQ(kind_of([] {
              std::string d(100, '\x91');
              d += '\xc0';
              gofork::detail::parse_frame(d, "test frame");
            }),
            gofork::error_kind::protocol);
  std::string shallow(10, '\x91');
  shallow += '\xc0';
  EXPECT_NO_THROW(gofork::detail::parse_frame(shallow, "test frame"));
}

}  // namespace

namespace {

std::string hex_bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out += static_cast<char>(b);
  return out;
}

std::string repeat(const std::string& piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

// The reliability reference's bombs (T15): each is refused, quickly and without a large
// allocation (the pre-pass never allocates; under ASan a huge allocation would abort).
TEST(codec, golden_bombs_are_refused) {
  std::vector<std::string> bombs = {
      hex_bytes({0xdd, 0xff, 0xff, 0xff, 0xff}),
      hex_bytes({0xdf, 0xff, 0xff, 0xff, 0xff}),
      hex_bytes({0xdb, 0xff, 0xff, 0xff, 0xff}),
      hex_bytes({0xc6, 0xff, 0xff, 0xff, 0xff}),
      hex_bytes({0xc9, 0xff, 0xff, 0xff, 0xff, 0x01}),
      repeat(hex_bytes({0xdc, 0xff, 0xff}), 20000),
      repeat(hex_bytes({0xdd, 0x00, 0xff, 0xff, 0xff}), 50),
      std::string(200000, '\x91'),
  };
  std::string maps;  // 16 levels of maps declaring 65535 keys each
  for (int i = 0; i < 16; ++i) maps += hex_bytes({0xde, 0xff, 0xff, 0x00});
  bombs.push_back(maps);
  for (const std::string& bomb : bombs) {
    try {
      gofork::detail::parse_frame(bomb, "bomb");
      ADD_FAILURE() << "accepted a bomb of " << bomb.size() << " bytes";
    } catch (const gofork::error& e) {
      EXPECT_EQ(e.kind(), gofork::error_kind::protocol);
    }
  }
}

// T16: every prefix and every single-byte flip of a valid frame decodes correctly or fails
// with a protocol error — never a crash (the sanitizer builds run this too).
TEST(codec, truncation_and_bit_flip_sweep) {
  std::map<std::string, std::vector<double>> m{{"alpha", {1, 2, 3}}, {"beta", {}}};
  std::string frame = encode_arguments(42, std::string("text"), m, std::vector<std::int64_t>{-1, 1LL << 40});
  using args = std::tuple<int, std::string, std::map<std::string, std::vector<double>>, std::vector<std::int64_t>>;
  for (std::size_t cut = 0; cut < frame.size(); ++cut) {
    EXPECT_THROW(decode_arguments<args>(frame.substr(0, cut)), gofork::error) << cut;
  }
  for (std::size_t i = 0; i < frame.size(); ++i) {
    std::string flipped = frame;
    flipped[i] = static_cast<char>(flipped[i] ^ 0xff);
    try {
      decode_arguments<args>(flipped);
    } catch (const gofork::error& e) {
      EXPECT_EQ(e.kind(), gofork::error_kind::protocol);
    }
  }
}

// T17: out-of-range integers and the wrong kinds of values are refused.
TEST(codec, out_of_range_and_wrong_kinds_are_refused) {
  EXPECT_THROW(decode_arguments<std::tuple<std::int32_t>>(encode_arguments(std::int64_t{1} << 40)), gofork::error);
  EXPECT_THROW(decode_arguments<std::tuple<std::uint32_t>>(encode_arguments(-1)), gofork::error);
  EXPECT_THROW(decode_arguments<std::tuple<int>>(encode_arguments(std::nan(""))), gofork::error);
  EXPECT_THROW(decode_arguments<std::tuple<int>>(encode_arguments(std::string("1"))), gofork::error);
}

}  // namespace
