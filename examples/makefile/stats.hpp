// A forkable declared in a header: its stub lands in gen/stats.gofork.hpp.
#pragma once

#include <string>
#include <vector>

namespace stats {

struct summary {
  std::string label;
  double mean = 0;
  double max = 0;
  int pid = 0;  // of the process that computed it
};

[[gofork::forkable]] summary summarize(const std::string& label, const std::vector<double>& xs);

}  // namespace stats
