// Forkables over standard types. Each returns its argument(s), so the test compares what came back.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "geo.hpp"

namespace types {

[[gofork::forkable]] std::tuple<char, signed char, unsigned char, wchar_t, char16_t, char32_t> echo_chars(
    char c, signed char sc, unsigned char uc, wchar_t wc, char16_t c16, char32_t c32);
[[gofork::forkable]] std::tuple<bool, short, unsigned short, int, unsigned, long, unsigned long, long long,
                                unsigned long long>
echo_integers(bool b, short s, unsigned short us, int i, unsigned u, long l, unsigned long ul, long long ll,
              unsigned long long ull);
[[gofork::forkable]] std::pair<float, double> echo_floats(float f, const double& d);
[[gofork::forkable]] std::string echo_string(std::string&& s);
[[gofork::forkable]] std::string echo_view(std::string_view s);
[[gofork::forkable]] std::string concat_views(const std::string_view& a, std::string_view&& b, int times);
[[gofork::forkable]] std::vector<int> echo_vector(const std::vector<int>& v);
[[gofork::forkable]] std::array<std::int16_t, 3> echo_array(std::array<std::int16_t, 3> a);
[[gofork::forkable]] std::deque<std::string> echo_deque(std::deque<std::string> d);
[[gofork::forkable]] std::list<double> echo_list(std::list<double> l);
[[gofork::forkable]] std::map<std::string, int> echo_map(const std::map<std::string, int>& m);
[[gofork::forkable]] std::unordered_map<int, std::string> echo_unordered_map(std::unordered_map<int, std::string> m);
[[gofork::forkable]] std::set<std::string> echo_set(std::set<std::string> s);
[[gofork::forkable]] std::unordered_set<long> echo_unordered_set(std::unordered_set<long> s);
[[gofork::forkable]] std::tuple<int, std::string, std::vector<bool>> echo_tuple(std::tuple<int, std::string, std::vector<bool>> t);
[[gofork::forkable]] std::optional<std::string> echo_optional(std::optional<std::string> o);
[[gofork::forkable]] std::variant<int, std::string, std::vector<double>> echo_variant(
    const std::variant<int, std::string, std::vector<double>>& v);
[[gofork::forkable]] std::variant<int, int> echo_twin_variant(std::variant<int, int> v);
[[gofork::forkable]] std::chrono::milliseconds echo_milliseconds(std::chrono::milliseconds d);
[[gofork::forkable]] std::chrono::duration<double> echo_seconds(std::chrono::duration<double> d);
[[gofork::forkable]] std::byte echo_byte(std::byte b);
[[gofork::forkable]] std::vector<std::byte> echo_bytes(std::vector<std::byte> b);
[[gofork::forkable]] geo::color echo_color(geo::color c);
[[gofork::forkable]] std::vector<geo::legacy> echo_legacy(std::vector<geo::legacy> l);

}  // namespace types
