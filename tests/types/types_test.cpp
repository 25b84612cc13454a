// Round trips through a real child for every supported type. One TU includes two generated
// headers that both carry geo::point's adaptor: the guards keep one definition.
#include <gtest/gtest.h>

#include <limits>
#include <unistd.h>

#include "echo_geo.gofork.hpp"
#include "echo_more.gofork.hpp"
#include "echo_std.gofork.hpp"

namespace {

using namespace std::string_literals;

TEST(types, characters_cross_at_their_extremes) {
  const auto sent = std::make_tuple('\x7f', static_cast<signed char>(-128), static_cast<unsigned char>(255),
                                    static_cast<wchar_t>(0x10ffff), u'\xffff', U'\U0010ffff');
  EXPECT_EQ(std::apply([](auto... v) { return types::fork_echo_chars(v...).get(); }, sent), sent);
}

TEST(types, integers_and_bool_cross_at_their_extremes) {
  const auto sent = std::make_tuple(true, std::numeric_limits<short>::min(), std::numeric_limits<unsigned short>::max(),
                                    std::numeric_limits<int>::min(), std::numeric_limits<unsigned>::max(),
                                    std::numeric_limits<long>::min(), std::numeric_limits<unsigned long>::max(),
                                    std::numeric_limits<long long>::min(),
                                    std::numeric_limits<unsigned long long>::max());
  EXPECT_EQ(std::apply([](auto... v) { return types::fork_echo_integers(v...).get(); }, sent), sent);
}

TEST(types, floats_cross) {
  EXPECT_EQ(types::fork_echo_floats(1.5f, -2.25e300).get(), std::make_pair(1.5f, -2.25e300));
}

TEST(types, strings_and_string_views_cross) {
  EXPECT_EQ(types::fork_echo_string("with\0nul"s).get(), "with\0nul"s);
  const std::string big(100000, 'v');
  EXPECT_EQ(types::fork_echo_view(std::string_view(big)).get(), big);
  EXPECT_EQ(types::fork_echo_view(std::string_view()).get(), "");
  // A view of part of a buffer sends only that part.
  const std::string text = "0123456789";
  EXPECT_EQ(types::fork_concat_views(std::string_view(text).substr(2, 3), std::string_view(text).substr(8), 2).get(),
            "2348923489");
}

TEST(types, sequences_cross) {
  EXPECT_EQ(types::fork_echo_vector({1, -2, 3}).get(), (std::vector<int>{1, -2, 3}));
  EXPECT_EQ(types::fork_echo_array({-7, 0, 32767}).get(), (std::array<std::int16_t, 3>{-7, 0, 32767}));
  EXPECT_EQ(types::fork_echo_deque({"a", "", "c"}).get(), (std::deque<std::string>{"a", "", "c"}));
  EXPECT_EQ(types::fork_echo_list({0.5, -0.0}).get(), (std::list<double>{0.5, -0.0}));
}

TEST(types, associative_containers_cross) {
  const std::map<std::string, int> m{{"one", 1}, {"two", 2}};
  EXPECT_EQ(types::fork_echo_map(m).get(), m);
  const std::unordered_map<int, std::string> um{{1, "x"}, {-5, "y"}};
  EXPECT_EQ(types::fork_echo_unordered_map(um).get(), um);
  const std::set<std::string> s{"b", "a"};
  EXPECT_EQ(types::fork_echo_set(s).get(), s);
  const std::unordered_set<long> us{3, -4, 1L << 40};
  EXPECT_EQ(types::fork_echo_unordered_set(us).get(), us);
}

TEST(types, tuples_optionals_and_variants_cross) {
  const std::tuple<int, std::string, std::vector<bool>> t{4, "four", {true, false}};
  EXPECT_EQ(types::fork_echo_tuple(t).get(), t);
  EXPECT_EQ(types::fork_echo_optional("here"s).get(), std::optional<std::string>("here"));
  EXPECT_EQ(types::fork_echo_optional(std::nullopt).get(), std::nullopt);
  using v = std::variant<int, std::string, std::vector<double>>;
  EXPECT_EQ(types::fork_echo_variant(v(42)).get(), v(42));
  EXPECT_EQ(types::fork_echo_variant(v("s"s)).get(), v("s"s));
  EXPECT_EQ(types::fork_echo_variant(v(std::vector<double>{1.0, 2.0})).get(), v(std::vector<double>{1.0, 2.0}));
  // Repeated alternatives stay distinct: the index travels, not just the value.
  const std::variant<int, int> second(std::in_place_index<1>, 9);
  const auto back = types::fork_echo_twin_variant(second).get();
  EXPECT_EQ(back.index(), 1u);
  EXPECT_EQ(back, second);
}

TEST(types, durations_bytes_and_enums_cross) {
  EXPECT_EQ(types::fork_echo_milliseconds(std::chrono::milliseconds(-1234567)).get(), std::chrono::milliseconds(-1234567));
  EXPECT_EQ(types::fork_echo_seconds(std::chrono::duration<double>(0.25)).get(), std::chrono::duration<double>(0.25));
  EXPECT_EQ(types::fork_echo_byte(std::byte{0xfe}).get(), std::byte{0xfe});
  const std::vector<std::byte> bytes{std::byte{0}, std::byte{0x80}, std::byte{0xff}};
  EXPECT_EQ(types::fork_echo_bytes(bytes).get(), bytes);
  EXPECT_EQ(types::fork_echo_color(geo::color::red).get(), geo::color::red);
  EXPECT_EQ(types::fork_echo_color(geo::color::blue).get(), geo::color::blue);
  EXPECT_EQ(types::fork_echo_legacy({geo::legacy_b, geo::legacy_a}).get(),
            (std::vector<geo::legacy>{geo::legacy_b, geo::legacy_a}));
}

TEST(types, user_aggregates_templates_and_aliases_cross) {
  EXPECT_EQ(types::fork_echo_point({1.5, -2}).get(), (geo::point{1.5, -2}));
  const geo::point_box b{{0, 1}, {2, 3}};
  EXPECT_EQ(types::fork_echo_box(b).get(), b);
  EXPECT_EQ(types::fork_echo_int_box({-1, 1}).get(), (geo::box<int>{-1, 1}));
  geo::shapes::polygon p{"tri", {{0, 0}, {1, 0}, {0, 1}}, geo::color::green, geo::point_box{{0, 0}, {1, 1}}};
  const geo::shapes::polygon copy = p;
  EXPECT_EQ(types::fork_echo_polygon(std::move(p)).get(), copy);
  EXPECT_EQ(types::fork_echo_label(geo::label("hi", 12)).get(), geo::label("hi", 12));
  EXPECT_EQ(types::fork_echo_empty(geo::empty{}).get(), geo::empty{});
}

TEST(types, deep_nesting_crosses) {
  const std::map<std::string, std::vector<std::optional<geo::point>>> m{
      {"a", {geo::point{1, 2}, std::nullopt}}, {"b", {}}, {"c", {std::nullopt}}};
  EXPECT_EQ(types::fork_echo_nested(m).get(), m);
  const geo::tree t{"root", {{"left", {}}, {"right", {{"leaf", {}}}}}};
  EXPECT_EQ(types::fork_echo_tree(t).get(), t);
}

TEST(types, a_type_with_its_own_msgpack_support_is_used_as_it_is) {
  EXPECT_EQ(types::fork_echo_secret(geo::secret("hidden")).get().value(), "hidden");
}

TEST(types, a_type_used_from_two_headers_crosses_from_both) {
  const std::vector<geo::point> points{{1, 1}, {-1, 2}};
  EXPECT_EQ(more::fork_mirror(points).get(), points);
  using either = std::variant<geo::point, geo::label>;
  EXPECT_EQ(more::fork_echo_either(either(geo::label("l", 1))).get(), either(geo::label("l", 1)));
  EXPECT_EQ(types::fork_echo_point({3, 4}).get(), (geo::point{3, 4}));
}

TEST(types, echoes_ran_in_another_process) {
  // The echo of a label built from getpid() would equal anyway; check a child really ran.
  auto child = types::fork_echo_string("x");
  EXPECT_NE(child.pid(), getpid());
  EXPECT_EQ(child.get(), "x");
}

}  // namespace
