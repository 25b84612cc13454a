// The misuse warning must show even though users' warnings are silenced; the error makes the run fail.
[[gofork::forkable]] int counter;

[[gofork::forkable]] void take(void (*callback)(int), int (*) [4]);
