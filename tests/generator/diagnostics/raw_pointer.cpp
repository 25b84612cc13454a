namespace app {

[[gofork::forkable]] void f(int* p);

}  // namespace app
