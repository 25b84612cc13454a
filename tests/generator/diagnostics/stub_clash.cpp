// app::v1::f and app::f are different functions, but both stubs would be found as app::fork_f(int).
namespace app {

inline namespace v1 {
[[gofork::forkable]] void f(int x);
}  // namespace v1

[[gofork::forkable]] void f(int x);

}  // namespace app
