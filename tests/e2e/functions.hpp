// Forkable functions the end-to-end tests launch: declared here, defined in functions.cpp,
// called from the *_test.cpp files through the generated functions.gofork.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <gofork/gofork.hpp>

namespace e2e {

[[gofork::forkable]] int square(int x);
inline constexpr int default_step = 10;
// Defaults as users write them: a literal, a name of this namespace, a braced list.
[[gofork::forkable]] std::string with_defaults(int x, int step = default_step * 2,
                                               std::vector<std::string> words = {"a", "b"});
[[gofork::forkable]] int own_pid();

// Static members: their stubs are gofork::stubs<counter>::fork_*; a default names the class's own constant.
struct counter {
  static constexpr int start = 100;
  [[gofork::forkable]] static int count_from(int first = start, int steps = 3);
  [[gofork::forkable]] static int pid_of_child();
  struct nested {
    [[gofork::forkable]] static std::string tag(const std::string& name);
    using forks = gofork::stubs<nested>;  // so callers may write counter::nested::forks::fork_tag
  };
};
[[gofork::forkable]] void write_line(int fd, const std::string& text);
[[gofork::forkable]] std::string join(const std::vector<std::string>& parts, const std::string& separator);
[[gofork::forkable]] double sum(std::vector<double> values);
[[gofork::forkable]] std::vector<std::int64_t> iota_vector(std::int64_t count);
[[gofork::forkable]] std::string describe(bool b, char c, signed char sc, unsigned char uc, short s, unsigned short us,
                                          int i, unsigned u, long l, unsigned long ul, long long ll,
                                          unsigned long long ull, float f, double d, char16_t c16, char32_t c32,
                                          wchar_t wc);
[[gofork::forkable]] std::vector<std::uint8_t> echo_bytes(std::vector<std::uint8_t> bytes);
[[gofork::forkable]] bool marker_visible();
[[gofork::forkable]] bool child_flag();
[[gofork::forkable]] int nested_square(int x);
[[gofork::forkable]] void throw_runtime_error(std::string message);
[[gofork::forkable]] int throw_int(int value);
[[gofork::forkable]] void abort_now();
[[gofork::forkable]] void exit_with(int code);
[[gofork::forkable]] void sleep_forever();
[[gofork::forkable]] std::vector<std::string> command_line();
[[gofork::forkable]] std::string environment(std::string name);
[[gofork::forkable]] std::string working_directory();
[[gofork::forkable]] void print_out_err(std::string out, std::string err);
[[gofork::forkable]] std::vector<int> open_descriptors();
[[gofork::forkable]] std::string read_stdin();

// What descriptor `fd` of the child refers to (readlink of /proc/self/fd/<fd>).
[[gofork::forkable]] std::string descriptor_target(int fd);
// Writes `text` to stdout through C stdio and again through std::cout (no newline, no flush),
// then throws.
[[gofork::forkable]] void print_and_throw(std::string text);

// T01's round trip: a struct made from an int, a string and a vector of doubles.
struct summary {
  int id = 0;
  std::string name;
  std::vector<double> values;
  double total = 0;
};
[[gofork::forkable]] summary summarise(int id, std::string name, std::vector<double> values);

namespace inner {
[[gofork::forkable]] std::string where();
}  // namespace inner

}  // namespace e2e
