#include "stats.hpp"

#include <algorithm>
#include <numeric>

#include <unistd.h>

namespace stats {

summary summarize(const std::string& label, const std::vector<double>& xs) {
  summary s;
  s.label = label;
  if (!xs.empty()) {
    s.mean = std::accumulate(xs.begin(), xs.end(), 0.0) / static_cast<double>(xs.size());
    s.max = *std::max_element(xs.begin(), xs.end());
  }
  s.pid = static_cast<int>(getpid());
  return s;
}

}  // namespace stats
