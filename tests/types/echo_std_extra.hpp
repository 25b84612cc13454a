// Forkables over the standard types added in round two: paths, time points, complex numbers,
// bitsets, the multi-containers, monostate, the wide and Unicode strings. Each echoes its argument.
#pragma once

#include <bitset>
#include <chrono>
#include <complex>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

namespace types {

[[gofork::forkable]] std::filesystem::path echo_path(const std::filesystem::path& p);
[[gofork::forkable]] std::vector<std::filesystem::path> echo_paths(std::vector<std::filesystem::path> p);
[[gofork::forkable]] std::chrono::system_clock::time_point echo_system_time(std::chrono::system_clock::time_point t);
[[gofork::forkable]] std::chrono::steady_clock::time_point echo_steady_time(std::chrono::steady_clock::time_point t);
[[gofork::forkable]] std::chrono::time_point<std::chrono::system_clock, std::chrono::duration<double>>
echo_fractional_time(std::chrono::time_point<std::chrono::system_clock, std::chrono::duration<double>> t);
[[gofork::forkable]] std::complex<double> echo_complex(std::complex<double> c);
[[gofork::forkable]] std::vector<std::complex<float>> echo_complex_floats(std::vector<std::complex<float>> c);
[[gofork::forkable]] std::bitset<70> echo_bitset(const std::bitset<70>& b);
[[gofork::forkable]] std::bitset<8> echo_byte_bitset(std::bitset<8> b);
[[gofork::forkable]] std::multimap<std::string, int> echo_multimap(std::multimap<std::string, int> m);
[[gofork::forkable]] std::multiset<int> echo_multiset(std::multiset<int> s);
[[gofork::forkable]] std::unordered_multimap<int, std::string> echo_unordered_multimap(
    std::unordered_multimap<int, std::string> m);
[[gofork::forkable]] std::unordered_multiset<std::string> echo_unordered_multiset(std::unordered_multiset<std::string> s);
[[gofork::forkable]] std::variant<std::monostate, int, std::string> echo_maybe(std::variant<std::monostate, int, std::string> v);
[[gofork::forkable]] std::wstring echo_wstring(std::wstring s);
[[gofork::forkable]] std::u16string echo_u16string(const std::u16string& s);
[[gofork::forkable]] std::u32string echo_u32string(std::u32string s);

// Where the child is: its result is computed there, not echoed.
[[gofork::forkable]] std::filesystem::path child_working_directory();

}  // namespace types
