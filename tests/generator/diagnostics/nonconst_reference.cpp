#include <vector>

[[gofork::forkable]] void fill(std::vector<int>& out, int count);
