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
