#include "c/api.hpp"
[[gofork::forkable]] void top();
