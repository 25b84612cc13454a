// Round trips through a real child for the standard types and class shapes of round two.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "classes.hpp"
#include "echo_std_extra.hpp"

#include "classes.gofork.hpp"
#include "echo_std_extra.gofork.hpp"

namespace {

using namespace std::chrono_literals;

TEST(types, filesystem_paths_cross_as_their_bytes) {
  const std::filesystem::path odd = "/tmp/with space/\xff\x01 bytes/../x.txt";
  EXPECT_EQ(types::fork_echo_path(odd).get().native(), odd.native());
  EXPECT_EQ(types::fork_echo_path({}).get(), std::filesystem::path());
  const std::vector<std::filesystem::path> many{"a", "b/c", "/"};
  EXPECT_EQ(types::fork_echo_paths(many).get(), many);
  gofork::options in_root;
  in_root.cwd = "/";
  EXPECT_EQ(types::fork_child_working_directory(in_root).get(), std::filesystem::path("/"));
}

TEST(types, time_points_cross_as_their_duration_since_the_epoch) {
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(types::fork_echo_system_time(now).get(), now);
  const auto before_epoch = std::chrono::system_clock::time_point(-1234567891ns);
  EXPECT_EQ(types::fork_echo_system_time(before_epoch).get(), before_epoch);
  const auto far = std::chrono::system_clock::time_point::max();
  EXPECT_EQ(types::fork_echo_system_time(far).get(), far);
  const auto steady = std::chrono::steady_clock::now();
  EXPECT_EQ(types::fork_echo_steady_time(steady).get(), steady);
  using fractional = std::chrono::time_point<std::chrono::system_clock, std::chrono::duration<double>>;
  const fractional f(std::chrono::duration<double>(1.0 / 3.0));
  EXPECT_EQ(types::fork_echo_fractional_time(f).get(), f);  // bit for bit, no rounding to nanoseconds
}

TEST(types, complex_numbers_cross) {
  const std::complex<double> c(-0.0, std::numeric_limits<double>::infinity());
  const auto back = types::fork_echo_complex(c).get();
  EXPECT_TRUE(std::signbit(back.real()));
  EXPECT_EQ(back, c);
  const std::vector<std::complex<float>> cs{{1.5f, -2.f}, {0.f, 0.25f}};
  EXPECT_EQ(types::fork_echo_complex_floats(cs).get(), cs);
}

TEST(types, bitsets_cross) {
  std::bitset<70> b;
  b.set(0).set(7).set(8).set(63).set(69);
  EXPECT_EQ(types::fork_echo_bitset(b).get(), b);
  EXPECT_EQ(types::fork_echo_bitset(std::bitset<70>().set()).get(), std::bitset<70>().set());
  EXPECT_EQ(types::fork_echo_byte_bitset(std::bitset<8>(0xa5)).get(), std::bitset<8>(0xa5));
}

TEST(types, multi_containers_keep_every_duplicate) {
  const std::multimap<std::string, int> mm{{"a", 1}, {"a", 2}, {"b", 3}, {"a", 1}};
  EXPECT_EQ(types::fork_echo_multimap(mm).get(), mm);
  const std::multiset<int> ms{3, 1, 3, 3, -2};
  EXPECT_EQ(types::fork_echo_multiset(ms).get(), ms);
  const std::unordered_multimap<int, std::string> umm{{1, "x"}, {1, "y"}, {2, "z"}};
  EXPECT_EQ(types::fork_echo_unordered_multimap(umm).get(), umm);
  const std::unordered_multiset<std::string> ums{"p", "p", "q"};
  EXPECT_EQ(types::fork_echo_unordered_multiset(ums).get(), ums);
}

TEST(types, monostate_in_a_variant_crosses) {
  using maybe = std::variant<std::monostate, int, std::string>;
  EXPECT_EQ(types::fork_echo_maybe(maybe()).get(), maybe());
  EXPECT_EQ(types::fork_echo_maybe(maybe(7)).get(), maybe(7));
  EXPECT_EQ(types::fork_echo_maybe(maybe("s")).get(), maybe("s"));
}

TEST(types, wide_and_unicode_strings_cross) {
  const std::wstring w = L"w\u00e9\U0010ffff";
  EXPECT_EQ(types::fork_echo_wstring(w).get(), w);
  const std::u16string u16 = u"\u00e9\xd800 lone surrogate \xffff";
  EXPECT_EQ(types::fork_echo_u16string(u16).get(), u16);
  const std::u32string u32 = U"\U0010ffff\u0000x";
  EXPECT_EQ(types::fork_echo_u32string(u32).get(), u32);
  EXPECT_EQ(types::fork_echo_u32string(U"").get(), U"");
}

shapes::record sample_record() {
  shapes::record r{};
  for (int i = 0; i < 4; ++i) r.ids[i] = -i * 1000;
  std::memcpy(r.name, "abc\0after-nul\0\xff", 16);  // every byte crosses, NULs and all
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j) r.grid[i][j] = i * 10 + j + 0.5;
  }
  r.raw[0] = 0;
  r.raw[1] = 255;
  r.raw[2] = 7;
  r.names[0] = "first";
  r.names[1] = std::string(300, 'n');
  return r;
}

TEST(types, c_arrays_as_data_members_cross_whole) {
  const shapes::record r = sample_record();
  const shapes::record back = shapes::fork_echo_record(r).get();
  EXPECT_EQ(back, r);
  EXPECT_EQ(std::memcmp(back.name, r.name, sizeof r.name), 0);
}

TEST(types, public_base_classes_send_their_members_first) {
  shapes::pixel p;
  p.name = "p";
  p.tag = 9;
  p.x = -1;
  p.y = 2;
  EXPECT_EQ(shapes::fork_echo_pixel(p).get(), p);

  shapes::relabelled r;
  r.named::name = "base's";
  r.name = "own";
  const shapes::relabelled back = shapes::fork_echo_relabelled(r).get();
  EXPECT_EQ(back.named::name, "base's");
  EXPECT_EQ(back.name, "own");

  shapes::deep d;
  d.name = "deep";
  d.tag = 1;
  d.value = {1, 2, 3};
  d.code[0] = 'o';
  d.code[1] = 'k';
  EXPECT_EQ(shapes::fork_echo_deep({d, d}).get(), (std::vector<shapes::deep>{d, d}));
}

TEST(types, classes_with_const_members_are_built_from_their_fields) {
  const shapes::reading r{7, "t1", 1.5};
  const shapes::reading back = shapes::fork_scaled(r, 2).get();
  EXPECT_EQ(back, (shapes::reading{7, "t1*", 3.0}));  // computed in the child from the decoded fields

  shapes::logged l{{}, {-42}, {r, {8, "t2", -0.5}}, r, {{"t1", r}}, shapes::reading{9, "v", 0.25}};
  EXPECT_EQ(shapes::fork_echo_logged(l).get(), l);
  l.last.reset();
  l.either = 5;
  const shapes::logged other = shapes::fork_echo_logged(l).get();
  EXPECT_EQ(other, l);
  EXPECT_EQ(std::get<int>(other.either), 5);

  const std::vector<shapes::batch> batches{{{1, 2}, r}, {{}, {8, "", 0}}};
  EXPECT_EQ(shapes::fork_echo_batches(batches).get(), batches);
}

TEST(types, private_members_cross_when_the_class_befriends_gofork_access) {
  const shapes::account after = shapes::fork_deposit(shapes::account("ann", 100), 23).get();
  EXPECT_EQ(after.owner(), "ann");
  EXPECT_EQ(after.cents(), 123);  // computed in the child from the private balance
  EXPECT_EQ(after.pin(1), 42);
  shapes::savings s;
  static_cast<shapes::account&>(s) = shapes::account("bob", -5);
  s.rate = 0.25;
  const shapes::savings back = shapes::fork_echo_savings(s).get();
  EXPECT_EQ(back.owner(), "bob");
  EXPECT_EQ(back.cents(), -5);
  EXPECT_EQ(back.rate, 0.25);
}

}  // namespace
