[[gofork::forkable]] auto compute(int x) { return x * 2; }
