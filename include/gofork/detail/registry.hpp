// File: gofork/detail/registry.hpp — internal, used by generated code; do not include directly.
//
// The table of functions a child can run, filled before main() by the generated headers'
// registration variables, and the typed trampolines those entries point at.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include <gofork/detail/codec.hpp>

namespace gofork::detail {

// What a child's dispatcher reads and writes.
class call {
 public:
  explicit call(std::string_view arguments) : arguments_(arguments) {}
  std::string_view arguments() const noexcept { return arguments_; }
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
  std::string result_;
  bool refused_ = false;
};

using invoke_fn = void (*)(call&);

// Adds `function_id` to the table; an id registered twice (the same header linked into several
// libraries) keeps its first entry. Returns true so it can initialise a variable.
bool register_entry(const char* function_id, invoke_fn invoke);
// The entry for `function_id`, or nullptr.
invoke_fn find_entry(std::string_view function_id) noexcept;

template <class Sig, Sig* F>
struct dispatcher;

template <class R, class... P, R (*F)(P...)>
struct dispatcher<R(P...), F> {
  static void run(call& c) {
    using arguments = std::tuple<std::decay_t<P>...>;
    std::optional<arguments> decoded;
    try {
      decoded.emplace(decode_arguments<arguments>(c.arguments()));
    } catch (const error& e) {
      c.refuse(e.what());
      return;
    }
    arguments& args = *decoded;
    // Only the user's function runs past this point; what it throws is its own exception.
    if constexpr (std::is_void_v<R>) {
      std::apply([](auto&&... a) { F(std::move(a)...); }, std::move(args));
      c.set_result(encode_nil());
    } else {
      c.set_result(encode_value(std::apply([](auto&&... a) -> R { return F(std::move(a)...); }, std::move(args))));
    }
  }
};

// noexcept is part of a function's type since C++17.
template <class R, class... P, R (*F)(P...) noexcept>
struct dispatcher<R(P...) noexcept, F> {
  static void run(call& c) { dispatcher<R(P...), static_cast<R (*)(P...)>(F)>::run(c); }
};

// What a registration points at: decode the arguments, call F, encode its result.
template <class Sig, Sig* F>
void dispatch(call& c) {
  dispatcher<Sig, F>::run(c);
}

}  // namespace gofork::detail
