// File: gofork/dynamic.hpp
//
// go-fork's dynamic API, for code that does not run gofork-gen: functions are registered by
// name and launched by name, with the signature checked at run time, before anything starts.
//
//   int square(int x) { return x * x; }
//
//   int main(int argc, char** argv) {
//     gofork::register_function("square", &square);   // before init, as in go-fork
//     gofork::init(argc, argv);
//     int v = gofork::fork<int>("square", 7).get();     // 49
//
//     gofork::launcher<int> worker("square");           // options set once, started many times
//     worker.opts().timeout = std::chrono::seconds(5);
//     auto a = worker.start(1), b = worker.start(2);
//   }
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <gofork/detail/codec.hpp>
#include <gofork/detail/process_state.hpp>
#include <gofork/detail/registry.hpp>
#include <gofork/detail/stub.hpp>
#include <gofork/error.hpp>
#include <gofork/options.hpp>
#include <gofork/pool.hpp>
#include <gofork/process.hpp>

namespace gofork {

namespace detail {

inline std::string dynamic_id(std::string_view name) { return "dynamic:" + std::string(name); }

// Throws error(spawn_failed) unless a function registered as `name` takes arguments of the
// given types and returns R. Arguments may differ from parameters as msgpack allows: any
// integer for an integer or floating-point parameter, any string-like value for std::string.
void check_dynamic_call(std::string_view name, const type_tag& result, const std::vector<type_tag>& arguments);

template <class A>
decltype(auto) wire_value(const A& a) {
  using D = std::decay_t<A>;
  if constexpr (std::is_same_v<D, std::string_view> || std::is_same_v<D, const char*> || std::is_same_v<D, char*>) {
    return std::string(a);  // one wire form for every string-like argument
  } else {
    return (a);
  }
}

template <class R, class... P>
entry make_dynamic_entry(R (*fn)(P...)) {
  entry e;
  e.invoke = &dispatch_dynamic<R, P...>;
  e.target = reinterpret_cast<call::target_fn>(fn);
  e.checked = signature{tag_of<R>(), {tag_of<P>()...}};
  return e;
}

template <class R, class... P>
entry make_dynamic_entry(R (*fn)(P...) noexcept) {
  return make_dynamic_entry(static_cast<R (*)(P...)>(fn));
}

}  // namespace detail

// Makes `fn` launchable as `name`. Call it before init() — from main() before init, or from a
// static initialiser. Throws std::invalid_argument if `name` is taken by another function and
// std::logic_error after init(). Parameter and return types must be msgpack-serialisable.
template <class F>
void register_function(std::string name, F* fn) {
  static_assert(std::is_function_v<F>, "gofork::register_function needs a pointer to a function");
  detail::register_dynamic(detail::dynamic_id(name), detail::make_dynamic_entry(fn));
}

// Launches the function registered as `name`. Throws error(spawn_failed) — with nothing
// started — when no function has that name or its signature does not fit R and the arguments.
template <class R = void, class... A>
[[nodiscard]] process<R> fork(const options& opts, std::string_view name, const A&... args) {
  detail::check_dynamic_call(name, detail::tag_of<R>(), {detail::tag_of<A>()...});
  return process<R>(detail::spawn_with_arguments(opts, detail::dynamic_id(name).c_str(), detail::wire_value(args)...));
}

template <class R = void, class... A>
[[nodiscard]] process<R> fork(std::string_view name, const A&... args) {
  return fork<R>(options{}, name, args...);
}

// The dynamic API through a zygote: gofork::fork<int>(z, "square", 7), a process forked from it.
template <class R = void, class... A>
[[nodiscard]] process<R> fork(zygote& z, const options& opts, std::string_view name, const A&... args) {
  detail::check_dynamic_call(name, detail::tag_of<R>(), {detail::tag_of<A>()...});
  return process<R>(detail::spawn_with_arguments(z, opts, detail::dynamic_id(name).c_str(), detail::wire_value(args)...));
}

template <class R = void, class... A>
[[nodiscard]] process<R> fork(zygote& z, std::string_view name, const A&... args) {
  return fork<R>(z, options{}, name, args...);
}

// The dynamic API through a pool: gofork::fork<int>(workers, "square", 7).
template <class R = void, class... A>
[[nodiscard]] future<R> fork(pool& p, std::string_view name, const A&... args) {
  detail::check_dynamic_call(name, detail::tag_of<R>(), {detail::tag_of<A>()...});
  return future<R>(detail::submit_with_arguments(p, detail::dynamic_id(name).c_str(), detail::wire_value(args)...));
}

// As fork(pool&, ...), but without blocking: no future (and no call) when the pool's queue is
// at queue_limit.
template <class R = void, class... A>
[[nodiscard]] std::optional<future<R>> try_fork(pool& p, std::string_view name, const A&... args) {
  detail::check_dynamic_call(name, detail::tag_of<R>(), {detail::tag_of<A>()...});
  return detail::optional_future<R>(
      detail::try_submit_with_arguments(p, detail::dynamic_id(name).c_str(), detail::wire_value(args)...));
}

// A reusable launch: one function, options set once, started any number of times (go-fork's
// Function can start only once).
template <class R = void>
class launcher {
 public:
  explicit launcher(std::string name, options opts = {}) : name_(std::move(name)), opts_(std::move(opts)) {}

  options& opts() noexcept { return opts_; }
  const options& opts() const noexcept { return opts_; }
  const std::string& name() const noexcept { return name_; }

  template <class... A>
  [[nodiscard]] process<R> start(const A&... args) const {
    return fork<R>(opts_, name_, args...);
  }

 private:
  std::string name_;
  options opts_;
};

}  // namespace gofork
