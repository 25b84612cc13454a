// C strings, C arrays outside classes and C arrays a class cannot send: refused with a hint.
#include <array>

namespace app {

struct flexible {
  int n;
  int rest[];
};

struct holds_strings {
  const char* name;
};

[[gofork::forkable]] void with_c_string(const char* name);
[[gofork::forkable]] void with_wide_c_string(const wchar_t* name);
[[gofork::forkable]] void with_array_parameter(int values[4]);
[[gofork::forkable]] void with_array_in_std_array(std::array<int[2], 2> values);
[[gofork::forkable]] void with_flexible(const flexible& f);
[[gofork::forkable]] void with_string_field(holds_strings h);

}  // namespace app
