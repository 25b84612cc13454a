namespace app {

union number {
  int i;
  float f;
};

[[gofork::forkable]] number make(int i);

}  // namespace app
