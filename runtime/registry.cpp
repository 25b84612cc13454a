#include <map>
#include <mutex>
#include <string>

#include <gofork/detail/registry.hpp>

namespace gofork::detail {
namespace {

struct registry {
  std::mutex mutex;  // registrations may come from libraries loaded at any time
  std::map<std::string, invoke_fn, std::less<>> entries;
};

registry& table() {
  static registry instance;
  return instance;
}

}  // namespace

bool register_entry(const char* function_id, invoke_fn invoke) {
  registry& r = table();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.entries.emplace(function_id, invoke);
  return true;
}

invoke_fn find_entry(std::string_view function_id) noexcept {
  registry& r = table();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.entries.find(function_id);
  return it == r.entries.end() ? nullptr : it->second;
}

}  // namespace gofork::detail
