struct worker {
  [[gofork::forkable]] int run(int steps);
  [[gofork::forkable]] static int make(int steps);
};
