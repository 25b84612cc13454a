namespace b {
[[gofork::forkable]] int thrice(int x);
}  // namespace b
