#include <string>

[[gofork::forkable]] const std::string& name();
