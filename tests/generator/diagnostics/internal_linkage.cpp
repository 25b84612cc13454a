[[gofork::forkable]] static int hidden(int x);

namespace {
[[gofork::forkable]] int anonymous(int x);
}  // namespace
