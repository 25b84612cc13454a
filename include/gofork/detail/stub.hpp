// File: gofork/detail/stub.hpp — internal; the one header generated *.gofork.hpp files include.
#pragma once

#include <optional>
#include <tuple>
#include <utility>

#include <gofork/access.hpp>
#include <gofork/attribute.hpp>
#include <gofork/detail/codec.hpp>
#include <gofork/detail/process_state.hpp>
#include <gofork/detail/registry.hpp>
#include <gofork/options.hpp>
#include <gofork/pool.hpp>
#include <gofork/process.hpp>
#include <gofork/stubs.hpp>
#include <gofork/zygote.hpp>

namespace gofork::detail {

// Calls `start` with an encoder of the arguments, which are encoded only when the runtime asks
// (straight into the buffer the call will read them from). V... are the parameters' value
// types, given explicitly so the arguments bind exactly as the forkable function's own
// parameters do.
template <class... V, class Start>
auto with_argument_encoder(Start start, const V&... args) {
  const std::tuple<const V&...> arguments(args...);
  argument_encoder encoder;
  encoder.size_hint = arguments_size_hint(args...);
  encoder.context = &arguments;
  encoder.encode = [](const void* context, sink& out) {
    std::apply([&out](const V&... a) { put_arguments<V...>(out, a...); },
               *static_cast<const std::tuple<const V&...>*>(context));
  };
  return start(encoder);
}

// The body of every generated fork_* stub.
template <class... V>
process_state_ptr spawn_with_arguments(const options& opts, const char* function_id, const V&... args) {
  return with_argument_encoder<V...>([&](const argument_encoder& e) { return spawn(opts, function_id, e); }, args...);
}

// The body of every generated fork_*(pool&, ...) stub.
template <class... V>
process_state_ptr submit_with_arguments(pool& p, const char* function_id, const V&... args) {
  return with_argument_encoder<V...>([&](const argument_encoder& e) { return submit(p, function_id, e); }, args...);
}

template <class R, class... V>
future<R> submit(pool& p, const char* function_id, const V&... args) {
  return future<R>(submit_with_arguments<V...>(p, function_id, args...));
}

// The body of every generated try_fork_*(pool&, ...) stub: no future when the queue is full.
template <class... V>
process_state_ptr try_submit_with_arguments(pool& p, const char* function_id, const V&... args) {
  return with_argument_encoder<V...>([&](const argument_encoder& e) { return try_submit(p, function_id, e); },
                                     args...);
}

// A try_submit's record as the caller sees it: no future when no call was made.
template <class R>
std::optional<future<R>> optional_future(process_state_ptr state) {
  if (!state) return std::nullopt;
  return future<R>(std::move(state));
}

template <class R, class... V>
std::optional<future<R>> try_submit(pool& p, const char* function_id, const V&... args) {
  return optional_future<R>(try_submit_with_arguments<V...>(p, function_id, args...));
}

template <class R, class... V>
process<R> launch(const options& opts, const char* function_id, const V&... args) {
  return process<R>(spawn_with_arguments<V...>(opts, function_id, args...));
}

// The body of every generated fork_*(zygote&, ...) stub.
template <class... V>
process_state_ptr spawn_with_arguments(zygote& z, const options& opts, const char* function_id, const V&... args) {
  return with_argument_encoder<V...>([&](const argument_encoder& e) { return spawn(z, opts, function_id, e); }, args...);
}

template <class R, class... V>
process<R> launch(zygote& z, const options& opts, const char* function_id, const V&... args) {
  return process<R>(spawn_with_arguments<V...>(z, opts, function_id, args...));
}

}  // namespace gofork::detail
