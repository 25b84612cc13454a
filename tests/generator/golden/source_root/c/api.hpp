// Declared in a header of a subdirectory: its header is c/api.gofork.hpp, included as "c/api.hpp".
namespace c {
[[gofork::forkable]] long add(long x, long y);
}  // namespace c
