#include <bitset>
#include <cmath>
#include <cstdint>
#include <variant>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "../support/memory.hpp"
#include "../support/msgpack_bombs.hpp"

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

using gofork_test::hex_bytes;
using gofork_test::repeat;

// The reliability reference's bombs (T15): each is refused, quickly and without a large
// allocation (the pre-pass never allocates; under ASan a huge allocation would abort).
// The resident set may grow by less than 16 MiB for any of them.
TEST(codec, golden_bombs_are_refused) {
  for (const std::string& bomb : gofork_test::msgpack_bombs()) {
    for (bool as_arguments : {false, true}) {
      const long growth = gofork_test::peak_growth_kib([&] {
        try {
          if (as_arguments) {
            decode_arguments<std::tuple<std::vector<std::map<std::string, std::string>>>>("\x91" + bomb);
          } else {
            gofork::detail::parse_frame(bomb, "bomb");
          }
          ADD_FAILURE() << "accepted a bomb of " << bomb.size() << " bytes";
        } catch (const gofork::error& e) {
          EXPECT_EQ(e.kind(), gofork::error_kind::protocol);
        }
      });
      EXPECT_LT(growth, 16 * 1024) << "KiB for a bomb of " << bomb.size() << " bytes, first byte "
                                   << static_cast<int>(static_cast<unsigned char>(bomb[0]));
    }
  }
}

// T16: a small frame and one of about 10 KB (the reference's size), each cut at every length
// and with every byte flipped: a protocol error or a complete decode, never a crash (the
// sanitizer builds run this too).
TEST(codec, truncation_and_bit_flip_sweep) {
  std::map<std::string, std::vector<double>> small{{"alpha", {1, 2, 3}}, {"beta", {}}};
  std::map<std::string, std::vector<double>> big;
  for (int i = 0; i < 200; ++i) big["key" + std::to_string(i)] = {i * 0.5, -i * 1.25, 1e300, 0, 3};
  using args = std::tuple<int, std::string, std::map<std::string, std::vector<double>>, std::vector<std::int64_t>>;
  for (const auto* m : {&small, &big}) {
    const std::string frame = encode_arguments(42, std::string("text"), *m, std::vector<std::int64_t>{-1, 1LL << 40});
    for (std::size_t cut = 0; cut < frame.size(); ++cut) {
      EXPECT_THROW(decode_arguments<args>(std::string_view(frame).substr(0, cut)), gofork::error) << cut;
    }
    std::string flipped = frame;
    for (std::size_t i = 0; i < frame.size(); ++i) {
      flipped[i] = static_cast<char>(frame[i] ^ 0xff);
      try {
        decode_arguments<args>(flipped);
      } catch (const gofork::error& e) {
        EXPECT_EQ(e.kind(), gofork::error_kind::protocol);
      }
      flipped[i] = frame[i];
    }
    if (m == &big) {
      EXPECT_GT(frame.size(), 10'000u);
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

// T17: each refusal names what is wrong — the argument (index and parameter type) or the count.
TEST(codec, a_refused_argument_frame_says_which_argument_and_what_count) {
  auto message = [](auto decode) {
    try {
      decode();
    } catch (const gofork::error& e) {
      EXPECT_EQ(e.kind(), gofork::error_kind::protocol);
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  const std::string mismatch = "gofork: argument frame does not match the function's parameter types: ";
  EXPECT_EQ(message([] { decode_arguments<std::tuple<int, int>>(encode_arguments(1, std::string("1"))); }),
            mismatch + "argument 2 of 2 (int)");
  EXPECT_EQ(message([] { decode_arguments<std::tuple<std::uint32_t>>(encode_arguments(-1)); }),
            mismatch + "argument 1 of 1 (unsigned int)");
  // Nested: the element that is wrong lies inside the second argument.
  EXPECT_NE(message([] {
              decode_arguments<std::tuple<int, std::vector<std::int8_t>>>(encode_arguments(1, std::vector<int>{1, 300}));
            }).find("argument 2 of 2 (std::vector<"),
            std::string::npos);
  EXPECT_EQ(message([] { decode_arguments<std::tuple<int>>(encode_arguments(1, 2)); }),
            "gofork: argument frame has the wrong number of arguments: 2 where the function takes 1");
  EXPECT_EQ(message([] { decode_arguments<std::tuple<int, int>>(encode_arguments()); }),
            "gofork: argument frame has the wrong number of arguments: 0 where the function takes 2");
  EXPECT_EQ(message([] { decode_arguments<std::tuple<int>>(encode_value(7)); }),
            "gofork: argument frame is not an argument list; the function takes 1");
  // Ext values (no gofork type is one): a 200-byte ext8, and an ext32 declaring 4 GiB.
  EXPECT_EQ(message([] { decode_arguments<std::tuple<int>>("\x91\xc7\xc8\x05" + std::string(200, 'e')); }),
            mismatch + "argument 1 of 1 (int)");
  EXPECT_NE(message([] { decode_arguments<std::tuple<int>>(std::string("\x91\xc9\xff\xff\xff\xff\x05", 7) + "eeee"); }),
            "accepted");
}

}  // namespace

// ---- The direct codec (detail/wire/) against msgpack-c ----

#include <array>
#include <chrono>
#include <cstddef>
#include <deque>
#include <list>
#include <optional>
#include <random>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <variant>

namespace {

enum class shade : short { dark = -3, light = 400 };

// A user type with msgpack-c's own support: decoded through the fallback.
struct user_point {
  int x = 0;
  std::string name;
  bool operator==(const user_point& o) const { return x == o.x && name == o.name; }
  MSGPACK_DEFINE(x, name);
};

// What gofork decoded before the direct codec: msgpack-c's object tree and convert.
template <class T>
std::optional<T> reference_decode(const std::string& bytes) {
  try {
    msgpack::object_handle h = gofork::detail::parse_frame(bytes, "reference");
    return h.get().as<T>();
  } catch (const msgpack::type_error&) {
  } catch (const gofork::error& e) {
    EXPECT_EQ(e.kind(), gofork::error_kind::protocol);
  }
  return std::nullopt;
}

template <class T>
std::optional<T> direct_decode(const std::string& bytes) {
  try {
    return decode_value<T>(bytes);
  } catch (const gofork::error& e) {
    EXPECT_EQ(e.kind(), gofork::error_kind::protocol);
  }
  return std::nullopt;
}

// msgpack-c's packer writing into gofork's sink (so floats stay floats, as before).
template <class T>
std::string reference_encode(const T& v) {
  gofork::detail::sink s(0);
  msgpack::pack(s, v);
  return s.finish();
}

// Random msgpack, in every encoding (the smallest and forced wide ones), biased to the edges.
struct generator {
  std::mt19937_64 rng;
  explicit generator(std::uint64_t seed) : rng(seed) {}

  std::uint64_t below(std::uint64_t n) { return rng() % n; }

  std::int64_t edge_int() {
    static const std::int64_t edges[] = {0,        1,          31,          32,         -32,        -33,
                                         127,      128,        -128,        -129,       255,        256,
                                         32767,    32768,      -32768,      -32769,     65535,      65536,
                                         2147483647LL, 2147483648LL, -2147483648LL, -2147483649LL,
                                         4294967295LL, 4294967296LL, INT64_MAX,  INT64_MIN,  -1,         1114111};
    if (below(4) == 0) return static_cast<std::int64_t>(rng());
    return edges[below(sizeof edges / sizeof edges[0])];
  }

  template <class Packer>
  void scalar(Packer& pk, int kind) {
    switch (kind) {
      case 0: {  // integer, smallest form
        if (below(6) == 0) {
          pk.pack(static_cast<std::uint64_t>(UINT64_MAX - below(3)));
        } else {
          pk.pack(edge_int());
        }
        break;
      }
      case 1: {  // integer, a forced wide form
        const std::int64_t v = edge_int();
        switch (below(6)) {
          case 0: pk.pack_fix_int64(v); break;
          case 1: pk.pack_fix_uint64(static_cast<std::uint64_t>(v)); break;
          case 2: pk.pack_fix_int32(static_cast<std::int32_t>(v)); break;
          case 3: pk.pack_fix_uint32(static_cast<std::uint32_t>(v)); break;
          case 4: pk.pack_fix_int8(static_cast<std::int8_t>(v)); break;
          default: pk.pack_fix_uint16(static_cast<std::uint16_t>(v)); break;
        }
        break;
      }
      case 2: {
        static const double ds[] = {0.0, -0.0, 1.5, -2.0, 3.0, 1e300, -1e-300, 65536.0};
        if (below(2) == 0) {
          pk.pack_float(static_cast<float>(ds[below(8)]));
        } else {
          pk.pack_double(ds[below(8)]);
        }
        break;
      }
      case 3: pk.pack(below(2) == 0); break;
      case 4: pk.pack_nil(); break;
      default: {  // str or bin
        std::string s(below(5) == 0 ? 40 + below(300) : below(6), 'a');
        for (char& c : s) c = static_cast<char>('a' + below(3));
        if (kind == 5) {
          pk.pack(s);
        } else {
          pk.pack_bin(static_cast<std::uint32_t>(s.size()));
          pk.pack_bin_body(s.data(), static_cast<std::uint32_t>(s.size()));
        }
        break;
      }
    }
  }

  // kind -1: anything; otherwise a scalar kind for homogeneous containers.
  template <class Packer>
  void object(Packer& pk, int depth, int kind = -1) {
    const int k = kind >= 0 ? kind : static_cast<int>(below(depth < 3 ? 10 : 7));
    if (k < 7) {
      scalar(pk, k);
      return;
    }
    const int element_kind = below(3) != 0 ? static_cast<int>(below(depth < 2 ? 10 : 7)) : -1;
    const std::uint32_t n = static_cast<std::uint32_t>(below(5) == 0 ? 16 + below(4) : below(4));
    if (k == 9) {
      pk.pack_map(n);
      for (std::uint32_t i = 0; i < n; ++i) {
        object(pk, depth + 1, element_kind >= 7 ? -1 : element_kind);
        object(pk, depth + 1, static_cast<int>(below(depth < 2 ? 10 : 7)));
      }
    } else {
      pk.pack_array(n);
      for (std::uint32_t i = 0; i < n; ++i) object(pk, depth + 1, element_kind);
    }
  }

  std::string frame() {
    msgpack::sbuffer buffer;
    msgpack::packer<msgpack::sbuffer> pk(buffer);
    object(pk, 0);
    return std::string(buffer.data(), buffer.size());
  }
};

template <class T>
bool same_value(const T& a, const T& b) {
  if constexpr (std::is_same_v<T, std::byte>) {
    return a == b;
  } else {
    return encode_value(a) == encode_value(b) || a == b;  // bytes: NaN and -0.0; ==: unordered order
  }
}

// Decodes `count` random frames as T both ways: the same frames must be accepted, with the
// same values, and a value must encode as msgpack-c's packer encodes it.
template <class T>
void check_parity(std::uint64_t seed, int count = 3000) {
  generator g(seed);
  int accepted = 0;
  for (int i = 0; i < count; ++i) {
    const std::string bytes = g.frame();
    const std::optional<T> want = reference_decode<T>(bytes);
    const std::optional<T> got = direct_decode<T>(bytes);
    ASSERT_EQ(want.has_value(), got.has_value()) << typeid(T).name() << " frame #" << i;
    if (want) {
      ++accepted;
      ASSERT_TRUE(same_value(*want, *got)) << typeid(T).name() << " frame #" << i;
      ASSERT_EQ(encode_value(*got), reference_encode(*got)) << typeid(T).name() << " frame #" << i;
    }
  }
  // Every type accepts some of the frames, or the comparison would prove little.
  EXPECT_GT(accepted, 0) << typeid(T).name();
}

TEST(wire, scalars_match_msgpack_c) {
  check_parity<bool>(1);
  check_parity<char>(2);
  check_parity<signed char>(3);
  check_parity<unsigned char>(4);
  check_parity<short>(5);
  check_parity<unsigned short>(6);
  check_parity<int>(7);
  check_parity<unsigned>(8);
  check_parity<long>(9);
  check_parity<unsigned long>(10);
  check_parity<long long>(11);
  check_parity<unsigned long long>(12);
  check_parity<float>(13);
  check_parity<double>(14);
  check_parity<char16_t>(15);
  check_parity<char32_t>(16);
  check_parity<wchar_t>(17);
  check_parity<std::byte>(18);
  check_parity<shade>(19);
  check_parity<std::chrono::milliseconds>(20);
  check_parity<std::chrono::duration<double>>(21);
}

TEST(wire, strings_and_vectors_match_msgpack_c) {
  check_parity<std::string>(30);
  check_parity<std::vector<int>>(31);
  check_parity<std::vector<std::int64_t>>(32);
  check_parity<std::vector<std::uint64_t>>(33);
  check_parity<std::vector<std::uint8_t>>(34);
  check_parity<std::vector<char>>(35);
  check_parity<std::vector<std::byte>>(36);
  check_parity<std::vector<signed char>>(37);
  check_parity<std::vector<bool>>(38);
  check_parity<std::vector<double>>(39);
  check_parity<std::vector<float>>(40);
  check_parity<std::vector<std::string>>(41);
  check_parity<std::vector<std::vector<int>>>(42);
  check_parity<std::vector<std::optional<std::int64_t>>>(43);
  check_parity<std::vector<shade>>(44);
}

TEST(wire, containers_match_msgpack_c) {
  check_parity<std::array<std::string, 2>>(50);
  check_parity<std::deque<std::string>>(51);
  check_parity<std::list<double>>(52);
  check_parity<std::set<int>>(53);
  check_parity<std::set<std::string>>(54);
  check_parity<std::unordered_set<long>>(55);
  check_parity<std::map<std::string, int>>(56);
  check_parity<std::map<int, std::vector<int>>>(57);
  check_parity<std::unordered_map<int, std::string>>(58);
  check_parity<std::map<bool, std::tuple<int, int>>>(59);  // repeated keys convert in place
  check_parity<std::pair<int, std::string>>(60);
  check_parity<std::tuple<int, std::string, bool>>(61);
  check_parity<std::tuple<std::optional<int>, std::vector<std::string>>>(62);
  check_parity<std::tuple<>>(63);
  check_parity<std::optional<int>>(64);
  check_parity<std::optional<std::string>>(65);
  check_parity<std::variant<int, std::string>>(66);
  check_parity<std::variant<int, int>>(67);
  check_parity<std::variant<double, bool, std::string>>(68, 20000);
  check_parity<user_point>(69);                   // the fallback, whole
  check_parity<std::vector<user_point>>(70);      // a container of fallback elements
  check_parity<std::optional<user_point>>(71);
}

TEST(wire, byte_arrays_take_str_or_bin_of_at_most_their_size) {
  const std::string bin3("\xc4\x03xyz", 5), str4("\xa4wxyz", 5), bin5("\xc4\x05vwxyz", 7);
  EXPECT_EQ((decode_value<std::array<char, 3>>(bin3)), (std::array<char, 3>{'x', 'y', 'z'}));
  EXPECT_EQ((decode_value<std::array<unsigned char, 4>>(str4)), (std::array<unsigned char, 4>{'w', 'x', 'y', 'z'}));
  EXPECT_THROW((decode_value<std::array<char, 4>>(bin5)), gofork::error);
  EXPECT_EQ(encode_value(std::array<char, 3>{'x', 'y', 'z'}), bin3);
  EXPECT_EQ(encode_value(std::array<std::byte, 1>{std::byte{7}}), std::string("\xc4\x01\x07", 3));
  EXPECT_EQ((decode_value<std::array<int, 3>>(encode_value(std::array<int, 3>{1, -2, 3}))), (std::array<int, 3>{1, -2, 3}));
  EXPECT_THROW((decode_value<std::array<int, 2>>(encode_value(std::array<int, 3>{1, 2, 3}))), gofork::error);
}

TEST(wire, integer_ranges_are_checked) {
  auto fails = [](auto value, auto target) {
    try {
      decode_value<decltype(target)>(encode_value(value));
    } catch (const gofork::error& e) {
      return e.kind() == gofork::error_kind::protocol;
    }
    return false;
  };
  EXPECT_TRUE(fails(128, std::int8_t{}));
  EXPECT_TRUE(fails(-129, std::int8_t{}));
  EXPECT_TRUE(fails(256, std::uint8_t{}));
  EXPECT_TRUE(fails(-1, std::uint64_t{}));
  EXPECT_TRUE(fails(std::numeric_limits<std::int64_t>::min(), std::uint64_t{}));
  EXPECT_TRUE(fails(std::uint64_t{1} << 63, std::int64_t{}));
  EXPECT_TRUE(fails(65536, char16_t{}));
  EXPECT_TRUE(fails(std::int64_t{1} << 32, char32_t{}));
  EXPECT_TRUE(fails(256, std::byte{}));
  EXPECT_TRUE(fails(1, true));
  EXPECT_TRUE(fails(true, 1));
  EXPECT_TRUE(fails(1.0, 1));
  EXPECT_TRUE(fails(std::string("1"), 1.0));
  EXPECT_EQ(decode_value<std::int8_t>(encode_value(-128)), -128);
  EXPECT_EQ(decode_value<std::uint64_t>(encode_value(~std::uint64_t{0})), ~std::uint64_t{0});
  EXPECT_EQ(decode_value<std::int64_t>(encode_value(std::numeric_limits<std::int64_t>::min())),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(decode_value<double>(encode_value(-3)), -3.0);  // an integer for a floating-point target
  EXPECT_EQ(decode_value<float>(encode_value(std::uint64_t{1} << 40)), static_cast<float>(std::uint64_t{1} << 40));
  // A 9-byte form holding a small value is fine (msgpack-c reads the value, not the form).
  EXPECT_EQ(decode_value<std::int8_t>(std::string("\xd3\xff\xff\xff\xff\xff\xff\xff\xff", 9)), -1);
  EXPECT_EQ(decode_value<std::uint8_t>(std::string("\xcf\x00\x00\x00\x00\x00\x00\x00\x07", 9)), 7);
  EXPECT_EQ(decode_value<std::uint64_t>(std::string("\xd3\x00\x00\x00\x00\x00\x00\x00\x07", 9)), 7u);
  EXPECT_THROW(decode_value<std::uint64_t>(std::string("\xd3\xff\xff\xff\xff\xff\xff\xff\xff", 9)), gofork::error);
}

TEST(wire, optional_variant_and_enums) {
  EXPECT_EQ(decode_value<std::optional<int>>(std::string(1, '\xc0')), std::nullopt);
  EXPECT_EQ(decode_value<std::optional<int>>(encode_value(5)), 5);
  EXPECT_EQ(encode_value(std::optional<int>()), std::string(1, '\xc0'));
  EXPECT_THROW(decode_value<int>(std::string(1, '\xc0')), gofork::error);
  using v = std::variant<int, std::string>;
  EXPECT_EQ(decode_value<v>(encode_value(v(std::string("s")))), v(std::string("s")));
  EXPECT_EQ(encode_value(v(7)), std::string("\x92\x00\x07", 3));
  EXPECT_THROW(decode_value<v>(std::string("\x92\x02\x07", 3)), gofork::error);       // index out of range
  EXPECT_THROW(decode_value<v>(std::string("\x92\xff\x07", 3)), gofork::error);       // negative index
  EXPECT_THROW(decode_value<v>(std::string("\x93\x00\x07\x07", 4)), gofork::error);   // three elements
  EXPECT_THROW(decode_value<v>(std::string("\x92\x01\x07", 3)), gofork::error);       // wrong alternative
  EXPECT_EQ((decode_value<std::variant<int, int>>(encode_value(std::variant<int, int>(std::in_place_index<1>, 4))).index()),
            1u);
  EXPECT_EQ(decode_value<shade>(encode_value(shade::light)), shade::light);
  EXPECT_EQ(encode_value(shade::dark), encode_value(short{-3}));
}

TEST(wire, user_types_go_through_msgpack_c) {
  const user_point p{-4, "pt"};
  EXPECT_EQ(decode_value<user_point>(encode_value(p)), p);
  auto [i, q, v, s] = decode_arguments<std::tuple<int, user_point, std::vector<user_point>, std::string>>(
      encode_arguments(1, p, std::vector<user_point>{p, {}}, std::string("tail")));
  EXPECT_EQ(i, 1);
  EXPECT_EQ(q, p);
  EXPECT_EQ(v, (std::vector<user_point>{p, {}}));
  EXPECT_EQ(s, "tail");
  EXPECT_THROW((decode_arguments<std::tuple<user_point>>(encode_arguments(std::string("no")))), gofork::error);
  EXPECT_THROW((decode_arguments<std::tuple<user_point>>(encode_arguments(std::make_tuple(1, 2)))), gofork::error);
  // A truncated user object is malformed, not a crash.
  std::string frame = encode_arguments(p, 5);
  EXPECT_THROW((decode_arguments<std::tuple<user_point, int>>(frame.substr(0, frame.size() - 3))), gofork::error);
}

TEST(wire, string_views_point_into_the_frame) {
  const std::string frame = encode_arguments(std::string("view me"));
  auto [view] = decode_arguments<std::tuple<std::string_view>>(frame);
  EXPECT_EQ(view, "view me");
  EXPECT_GE(view.data(), frame.data());
  EXPECT_LT(view.data(), frame.data() + frame.size());
}

TEST(wire, tuples_take_what_the_array_has) {
  // msgpack-c's convert<std::tuple>: missing elements keep their value, extra ones are skipped.
  using t = std::tuple<int, std::string>;
  EXPECT_EQ(decode_value<t>(encode_value(std::make_tuple(1))), t(1, ""));
  EXPECT_EQ(decode_value<t>(encode_value(std::make_tuple(1, std::string("a"), std::vector<int>{1, 2}))), t(1, "a"));
  // ... but skipped elements still obey the limits.
  std::string deep = "\x92\x01";
  deep += std::string(70, '\x91');
  deep += '\xc0';
  EXPECT_THROW(decode_value<std::tuple<int>>(deep), gofork::error);
  std::string shallow = "\x92\x01";
  shallow += std::string(60, '\x91');
  shallow += '\xc0';
  EXPECT_EQ(std::get<0>(decode_value<std::tuple<int>>(shallow)), 1);
}

TEST(wire, nesting_limit_is_64_containers) {
  auto nested = [](int levels) {
    std::string d(static_cast<std::size_t>(levels), '\x91');
    d += '\x01';
    return d;
  };
  using deep_t = std::vector<std::vector<std::vector<std::vector<int>>>>;
  EXPECT_NO_THROW(decode_value<deep_t>(nested(4)));
  // The same depth rule as msgpack-c's unpack_limit(…, 64): 64 levels pass, 65 do not.
  EXPECT_NO_THROW(gofork::detail::parse_frame(nested(64), "t"));
  EXPECT_THROW(gofork::detail::parse_frame(nested(65), "t"), gofork::error);
  EXPECT_NO_THROW(decode_value<user_point>(std::string("\x92\x01\xa1x", 4)));
  // A fallback argument sits one level down: 63 levels inside it pass, 64 do not.
  struct deep {
    static std::string arguments(int levels) { return "\x91" + std::string(static_cast<std::size_t>(levels), '\x91') + '\x01'; }
  };
  EXPECT_EQ(kind_of([] { decode_arguments<std::tuple<user_point>>(deep::arguments(64)); }), gofork::error_kind::protocol);
}

TEST(wire, declared_sizes_beyond_the_frame_are_refused_before_allocating) {
  // An array of three elements whose first declares 65535 more: fewer bytes than that remain.
  const std::string frame("\x93\xdc\xff\xff\x01\x02", 6);
  EXPECT_THROW(decode_value<std::vector<std::vector<int>>>(frame), gofork::error);
  EXPECT_THROW((decode_arguments<std::tuple<std::vector<int>, int, int>>(frame)), gofork::error);
  // Elements still pending in outer containers count too: [[], <array16 of 2>, 1, 2] with 3
  // bytes left holds 2 elements only if the outer two are not pending.
  const std::string pending("\x94\x90\xdc\x00\x02\x01\x02", 7);
  EXPECT_THROW(decode_value<std::vector<std::vector<int>>>(pending), gofork::error);
  for (const std::string& bomb : {hex_bytes({0xdd, 0xff, 0xff, 0xff, 0xff}), hex_bytes({0xdf, 0xff, 0xff, 0xff, 0xff}),
                                  hex_bytes({0xdb, 0xff, 0xff, 0xff, 0xff}), hex_bytes({0xc6, 0xff, 0xff, 0xff, 0xff}),
                                  repeat(hex_bytes({0xdd, 0x00, 0xff, 0xff, 0xff}), 50), std::string(200000, '\x91')}) {
    EXPECT_THROW(decode_value<std::vector<std::vector<std::vector<std::string>>>>(bomb), gofork::error);
    EXPECT_THROW((decode_value<std::map<std::string, std::vector<int>>>(bomb)), gofork::error);
    EXPECT_THROW(decode_value<user_point>(bomb), gofork::error);
    EXPECT_THROW((decode_arguments<std::tuple<std::vector<std::uint8_t>>>(bomb)), gofork::error);
  }
}

TEST(wire, big_values_round_trip) {
  std::vector<std::int64_t> ints(100000);
  std::mt19937_64 rng(7);
  for (auto& x : ints) x = static_cast<std::int64_t>(rng()) >> (rng() % 64);
  std::vector<std::uint8_t> bytes(1 << 20);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 7);
  std::vector<double> doubles{-0.0, 1.0, std::nan(""), 1e-310};
  const std::string frame = encode_arguments(bytes, ints, doubles);
  EXPECT_EQ(frame, reference_encode(std::make_tuple(bytes, ints, doubles)));
  auto [b, i, d] = decode_arguments<std::tuple<std::vector<std::uint8_t>, std::vector<std::int64_t>, std::vector<double>>>(frame);
  EXPECT_EQ(b, bytes);
  EXPECT_EQ(i, ints);
  EXPECT_EQ(encode_value(d), encode_value(doubles));
  EXPECT_TRUE(std::signbit(d[0]));
}

// The adaptors of round two refuse what does not fit exactly, as the generated ones do.
TEST(codec, a_bitset_with_a_wrong_size_or_a_padding_bit_is_protocol) {
  EXPECT_EQ(decode_value<std::bitset<10>>(encode_value(std::bitset<10>(0x2a5))), std::bitset<10>(0x2a5));
  EXPECT_EQ(kind_of([] { decode_value<std::bitset<10>>(encode_value(std::bitset<16>(0x8000))); }),
            gofork::error_kind::protocol);  // same size, a bit past 10
  EXPECT_EQ(kind_of([] { decode_value<std::bitset<10>>(encode_value(std::bitset<24>(1))); }),
            gofork::error_kind::protocol);  // 3 bytes for a 2-byte bitset
}

TEST(codec, a_c_array_of_the_wrong_size_is_refused) {
  msgpack::zone zone;
  const int three[3] = {1, 2, 3};
  int four[4] = {};
  EXPECT_THROW(gofork::detail::convert_c_array(gofork::detail::c_array_object(three, zone), four), msgpack::type_error);
  const char name[4] = {'a', '\0', 'b', 'c'};
  char back[4] = {};
  gofork::detail::convert_c_array(gofork::detail::c_array_object(name, zone), back);
  EXPECT_EQ(std::string(back, 4), std::string(name, 4));
  char longer[5] = {};
  EXPECT_THROW(gofork::detail::convert_c_array(gofork::detail::c_array_object(name, zone), longer), msgpack::type_error);
  EXPECT_THROW(gofork::detail::convert_c_array(msgpack::object(), four), msgpack::type_error);  // nil
}

TEST(codec, code_unit_strings_refuse_out_of_range_units) {
  EXPECT_EQ(decode_value<std::u16string>(encode_value(std::u16string(u"\xffff"))), u"\xffff");
  EXPECT_EQ(kind_of([] { decode_value<std::u16string>(encode_value(std::vector<std::uint32_t>{0x10000})); }),
            gofork::error_kind::protocol);
  EXPECT_EQ(kind_of([] { decode_value<std::monostate>(encode_value(0)); }), gofork::error_kind::protocol);
}

}  // namespace
