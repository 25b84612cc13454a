// File: gofork/detail/registry.hpp — internal, used by generated code; do not include directly.
//
// The table of functions a child can run — filled before main() by the generated headers'
// registration variables and by gofork::register_function — and the typed trampolines its
// entries point at.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeindex>
#include <utility>
#include <vector>

#include <gofork/detail/codec.hpp>

namespace gofork::detail {

// What a child's dispatcher reads and writes.
class call {
 public:
  using target_fn = void (*)();

  call(std::string_view arguments, target_fn target) : arguments_(arguments), target_(target) {}
  std::string_view arguments() const noexcept { return arguments_; }
  // The function a dynamic entry calls (nullptr for generated entries, which know theirs).
  target_fn target() const noexcept { return target_; }
  void set_result(std::string bytes) { result_ = std::move(bytes); }
  std::string& result() noexcept { return result_; }
  // The arguments could not be decoded: the function was not called.
  void refuse(std::string why) {
    refused_ = true;
    result_ = std::move(why);
  }
  bool refused() const noexcept { return refused_; }

 private:
  std::string_view arguments_;
  target_fn target_;
  std::string result_;
  bool refused_ = false;
};

using invoke_fn = void (*)(call&);

// The run-time description of a dynamic entry's signature, for checking fork<R>(name, args...).
struct type_tag {
  enum class category { boolean, integral, floating, string, other };
  std::type_index type;
  category kind;
};

template <class T>
type_tag tag_of() {
  using D = std::decay_t<T>;
  using C = type_tag::category;
  C kind = std::is_same_v<D, bool>                                ? C::boolean
           : std::is_integral_v<D>                                ? C::integral
           : std::is_floating_point_v<D>                          ? C::floating
           : std::is_same_v<D, std::string> || std::is_same_v<D, const char*> || std::is_same_v<D, char*> ||
                   std::is_same_v<D, std::string_view>
               ? C::string
               : C::other;
  return type_tag{std::type_index(typeid(D)), kind};
}

struct signature {
  type_tag result;
  std::vector<type_tag> parameters;
};

struct entry {
  invoke_fn invoke = nullptr;
  call::target_fn target = nullptr;  // dynamic entries only
  std::optional<signature> checked;  // dynamic entries only
};

// Adds `function_id` to the table; an id registered twice (the same header linked into several
// libraries) keeps its first entry. Returns true so it can initialise a variable.
bool register_entry(const char* function_id, invoke_fn invoke);
// Adds a dynamic entry; throws if `function_id` is taken by another function or init() has run.
void register_dynamic(std::string function_id, entry e);
// The entry for `function_id`, or nullptr. Entries are never removed.
const entry* find_entry(std::string_view function_id) noexcept;

// Decode the arguments as P..., call `fn`, encode its result.
template <class R, class... P, class Fn>
void run_call(call& c, Fn fn) {
  using arguments = std::tuple<std::decay_t<P>...>;
  std::optional<arguments> decoded;
  try {
    decoded.emplace(decode_arguments<arguments>(c.arguments()));
  } catch (const error& e) {
    c.refuse(e.what());
    return;
  }
  // Only the user's function runs past this point; what it throws is its own exception.
  if constexpr (std::is_void_v<R>) {
    std::apply([&fn](auto&&... a) { fn(std::move(a)...); }, std::move(*decoded));
    c.set_result(encode_nil());
  } else {
    c.set_result(encode_value(std::apply([&fn](auto&&... a) -> R { return fn(std::move(a)...); }, std::move(*decoded))));
  }
}

template <class Sig, Sig* F>
struct dispatcher;

template <class R, class... P, R (*F)(P...)>
struct dispatcher<R(P...), F> {
  static void run(call& c) { run_call<R, P...>(c, F); }
};

// noexcept is part of a function's type since C++17.
template <class R, class... P, R (*F)(P...) noexcept>
struct dispatcher<R(P...) noexcept, F> {
  static void run(call& c) { run_call<R, P...>(c, F); }
};

// What a generated registration points at.
template <class Sig, Sig* F>
void dispatch(call& c) {
  dispatcher<Sig, F>::run(c);
}

// What a dynamic registration points at: the function pointer travels in the call.
template <class R, class... P>
void dispatch_dynamic(call& c) {
  run_call<R, P...>(c, reinterpret_cast<R (*)(P...)>(c.target()));
}

}  // namespace gofork::detail
