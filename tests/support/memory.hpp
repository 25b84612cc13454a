// Peak memory of a piece of code, from the kernel's own accounting: VmHWM, the resident set's
// high-water mark, which writing "5" to /proc/self/clear_refs resets to the current size.
#pragma once

#include <fstream>
#include <string>

namespace gofork_test {

// A "<key>: <n> kB" line of /proc/self/status, in KiB; -1 when absent.
inline long status_kib(const std::string& key) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
  }
  return -1;
}

// How far above its size before `f` this process's resident set rose while `f` ran, in KiB.
template <class F>
long peak_growth_kib(F&& f) {
  std::ofstream("/proc/self/clear_refs") << "5" << std::flush;
  const long before = status_kib("VmRSS");
  f();
  return status_kib("VmHWM") - before;
}

}  // namespace gofork_test
