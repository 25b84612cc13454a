// File: gofork/detail/stub.hpp — internal; the one header generated *.gofork.hpp files include.
#pragma once

#include <tuple>

#include <gofork/access.hpp>
#include <gofork/attribute.hpp>
#include <gofork/detail/codec.hpp>
#include <gofork/detail/process_state.hpp>
#include <gofork/detail/registry.hpp>
#include <gofork/options.hpp>
#include <gofork/process.hpp>
#include <gofork/stubs.hpp>

namespace gofork::detail {

// The body of every generated fork_* stub. V... are the parameters' value types, given
// explicitly so the arguments bind exactly as the forkable function's own parameters do.
template <class... V>
process_state_ptr spawn_with_arguments(const options& opts, const char* function_id, const V&... args) {
  const std::tuple<const V&...> arguments(args...);
  argument_encoder encoder;
  encoder.size_hint = arguments_size_hint(args...);
  encoder.context = &arguments;
  encoder.encode = [](const void* context, sink& out) {
    std::apply([&out](const V&... a) { put_arguments<V...>(out, a...); },
               *static_cast<const std::tuple<const V&...>*>(context));
  };
  return spawn(opts, function_id, encoder);
}

template <class R, class... V>
process<R> launch(const options& opts, const char* function_id, const V&... args) {
  return process<R>(spawn_with_arguments<V...>(opts, function_id, args...));
}

}  // namespace gofork::detail
