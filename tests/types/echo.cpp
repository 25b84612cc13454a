// The echo functions: each returns what it got.
#include "echo_geo.hpp"
#include "echo_more.hpp"
#include "echo_std.hpp"
#include "echo_std_extra.hpp"
#include "classes.hpp"

#include <cstring>

namespace types {

std::tuple<char, signed char, unsigned char, wchar_t, char16_t, char32_t> echo_chars(char c, signed char sc,
                                                                                      unsigned char uc, wchar_t wc,
                                                                                      char16_t c16, char32_t c32) {
  return {c, sc, uc, wc, c16, c32};
}
std::tuple<bool, short, unsigned short, int, unsigned, long, unsigned long, long long, unsigned long long>
echo_integers(bool b, short s, unsigned short us, int i, unsigned u, long l, unsigned long ul, long long ll,
              unsigned long long ull) {
  return {b, s, us, i, u, l, ul, ll, ull};
}
std::pair<float, double> echo_floats(float f, const double& d) { return {f, d}; }
std::string echo_string(std::string&& s) { return std::move(s); }
std::string echo_view(std::string_view s) { return std::string(s); }
std::string concat_views(const std::string_view& a, std::string_view&& b, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out.append(a).append(b);
  return out;
}
std::vector<int> echo_vector(const std::vector<int>& v) { return v; }
std::array<std::int16_t, 3> echo_array(std::array<std::int16_t, 3> a) { return a; }
std::deque<std::string> echo_deque(std::deque<std::string> d) { return d; }
std::list<double> echo_list(std::list<double> l) { return l; }
std::map<std::string, int> echo_map(const std::map<std::string, int>& m) { return m; }
std::unordered_map<int, std::string> echo_unordered_map(std::unordered_map<int, std::string> m) { return m; }
std::set<std::string> echo_set(std::set<std::string> s) { return s; }
std::unordered_set<long> echo_unordered_set(std::unordered_set<long> s) { return s; }
std::tuple<int, std::string, std::vector<bool>> echo_tuple(std::tuple<int, std::string, std::vector<bool>> t) {
  return t;
}
std::optional<std::string> echo_optional(std::optional<std::string> o) { return o; }
std::variant<int, std::string, std::vector<double>> echo_variant(
    const std::variant<int, std::string, std::vector<double>>& v) {
  return v;
}
std::variant<int, int> echo_twin_variant(std::variant<int, int> v) { return v; }
std::chrono::milliseconds echo_milliseconds(std::chrono::milliseconds d) { return d; }
std::chrono::duration<double> echo_seconds(std::chrono::duration<double> d) { return d; }
std::byte echo_byte(std::byte b) { return b; }
std::vector<std::byte> echo_bytes(std::vector<std::byte> b) { return b; }
geo::color echo_color(geo::color c) { return c; }
std::vector<geo::legacy> echo_legacy(std::vector<geo::legacy> l) { return l; }

geo::point echo_point(const geo::point& p) { return p; }
geo::point_box echo_box(geo::point_box b) { return b; }
geo::box<int> echo_int_box(geo::box<int> b) { return b; }
geo::shapes::polygon echo_polygon(geo::shapes::polygon&& p) { return std::move(p); }
std::map<std::string, std::vector<std::optional<geo::point>>> echo_nested(
    const std::map<std::string, std::vector<std::optional<geo::point>>>& m) {
  return m;
}
geo::label echo_label(geo::label l) { return l; }
geo::secret echo_secret(geo::secret s) { return s; }
geo::tree echo_tree(const geo::tree& t) { return t; }
geo::empty echo_empty(geo::empty e) { return e; }

}  // namespace types

namespace more {

std::vector<geo::point> mirror(std::vector<geo::point> points) { return points; }
std::variant<geo::point, geo::label> echo_either(std::variant<geo::point, geo::label> v) { return v; }

}  // namespace more

namespace types {

std::filesystem::path echo_path(const std::filesystem::path& p) { return p; }
std::vector<std::filesystem::path> echo_paths(std::vector<std::filesystem::path> p) { return p; }
std::chrono::system_clock::time_point echo_system_time(std::chrono::system_clock::time_point t) { return t; }
std::chrono::steady_clock::time_point echo_steady_time(std::chrono::steady_clock::time_point t) { return t; }
std::chrono::time_point<std::chrono::system_clock, std::chrono::duration<double>> echo_fractional_time(
    std::chrono::time_point<std::chrono::system_clock, std::chrono::duration<double>> t) {
  return t;
}
std::complex<double> echo_complex(std::complex<double> c) { return c; }
std::vector<std::complex<float>> echo_complex_floats(std::vector<std::complex<float>> c) { return c; }
std::bitset<70> echo_bitset(const std::bitset<70>& b) { return b; }
std::bitset<8> echo_byte_bitset(std::bitset<8> b) { return b; }
std::multimap<std::string, int> echo_multimap(std::multimap<std::string, int> m) { return m; }
std::multiset<int> echo_multiset(std::multiset<int> s) { return s; }
std::unordered_multimap<int, std::string> echo_unordered_multimap(std::unordered_multimap<int, std::string> m) {
  return m;
}
std::unordered_multiset<std::string> echo_unordered_multiset(std::unordered_multiset<std::string> s) { return s; }
std::variant<std::monostate, int, std::string> echo_maybe(std::variant<std::monostate, int, std::string> v) {
  return v;
}
std::wstring echo_wstring(std::wstring s) { return s; }
std::u16string echo_u16string(const std::u16string& s) { return s; }
std::u32string echo_u32string(std::u32string s) { return s; }
std::filesystem::path child_working_directory() { return std::filesystem::current_path(); }

}  // namespace types

namespace shapes {

bool record::operator==(const record& other) const {
  bool names_equal = true;
  for (int i = 0; i < 2; ++i) names_equal = names_equal && names[i] == other.names[i];
  return std::memcmp(ids, other.ids, sizeof ids) == 0 && std::memcmp(name, other.name, sizeof name) == 0 &&
         std::memcmp(grid, other.grid, sizeof grid) == 0 && std::memcmp(raw, other.raw, sizeof raw) == 0 &&
         names_equal;
}

record echo_record(const record& r) { return r; }
reading scaled(reading r, double factor) { return reading{r.id, r.sensor + "*", r.value * factor}; }
logged echo_logged(const logged& l) { return l; }
std::vector<batch> echo_batches(std::vector<batch> b) { return b; }
account deposit(account a, long cents) {
  a.deposit(cents);
  return a;
}
savings echo_savings(const savings& s) { return s; }
pixel echo_pixel(pixel p) { return p; }
relabelled echo_relabelled(relabelled r) { return r; }
std::vector<deep> echo_deep(std::vector<deep> d) { return d; }

}  // namespace shapes
