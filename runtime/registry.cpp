#include <cxxabi.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include <gofork/detail/registry.hpp>

#include "runtime_state.hpp"

namespace gofork::detail {

using runtime::registry;

bool register_entry(const char* function_id, invoke_fn invoke) {
  registry& r = runtime::functions();
  std::lock_guard<std::mutex> lock(r.mutex);
  entry e;
  e.invoke = invoke;
  r.entries.emplace(function_id, std::move(e));
  return true;
}

void register_dynamic(std::string function_id, entry e) {
  if (runtime::state().initialized.load()) {
    throw std::logic_error("gofork::register_function(\"" + function_id.substr(function_id.find(':') + 1) +
                           "\"): called after gofork::init(); a child looks functions up inside init, so register "
                           "them before it");
  }
  registry& r = runtime::functions();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto [it, inserted] = r.entries.emplace(function_id, e);
  if (!inserted && (it->second.target != e.target || it->second.invoke != e.invoke)) {
    throw std::invalid_argument("gofork::register_function: the name \"" +
                                function_id.substr(function_id.find(':') + 1) +
                                "\" is already registered for another function");
  }
}

const entry* find_entry(std::string_view function_id) noexcept {
  registry& r = runtime::functions();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.entries.find(function_id);
  return it == r.entries.end() ? nullptr : &it->second;
}

}  // namespace gofork::detail

namespace gofork::detail {
namespace {

bool fits(const type_tag& parameter, const type_tag& argument) {
  using C = type_tag::category;
  if (parameter.type == argument.type) return true;
  switch (parameter.kind) {
    case C::integral: return argument.kind == C::integral;
    case C::floating: return argument.kind == C::integral || argument.kind == C::floating;
    case C::string: return argument.kind == C::string;
    default: return false;
  }
}

std::string describe(const type_tag& t) {
  using C = type_tag::category;
  switch (t.kind) {
    case C::boolean: return "bool";
    case C::integral: return "an integer";
    case C::floating: return "a floating-point number";
    case C::string: return "a string";
    default: {
      int status = 0;
      char* name = abi::__cxa_demangle(t.type.name(), nullptr, nullptr, &status);
      std::string out = status == 0 && name ? name : t.type.name();
      std::free(name);
      return out;
    }
  }
}

}  // namespace

void check_dynamic_call(std::string_view name, const type_tag& result, const std::vector<type_tag>& arguments) {
  const entry* e = find_entry("dynamic:" + std::string(name));
  const std::string who = "gofork::fork(\"" + std::string(name) + "\")";
  if (e == nullptr || !e->checked) {
    throw error(error_kind::spawn_failed, who + ": no function is registered under this name");
  }
  const signature& sig = *e->checked;
  if (sig.result.type != result.type) {
    throw error(error_kind::spawn_failed, who + ": the function returns " + describe(sig.result) +
                                              ", not the requested " + describe(result));
  }
  if (sig.parameters.size() != arguments.size()) {
    throw error(error_kind::spawn_failed, who + ": the function takes " + std::to_string(sig.parameters.size()) +
                                              " arguments, " + std::to_string(arguments.size()) + " given");
  }
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    if (!fits(sig.parameters[i], arguments[i])) {
      throw error(error_kind::spawn_failed, who + ": argument " + std::to_string(i + 1) + " is " +
                                                describe(arguments[i]) + ", the parameter needs " +
                                                describe(sig.parameters[i]));
    }
  }
}

}  // namespace gofork::detail
