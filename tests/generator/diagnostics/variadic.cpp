[[gofork::forkable]] int sum(int count, ...);
