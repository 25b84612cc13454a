// Two files named util.cpp in one target: with --source-root their headers do not clash.
namespace a {
[[gofork::forkable]] int twice(int x);
}  // namespace a
