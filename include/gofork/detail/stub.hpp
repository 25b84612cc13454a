// File: gofork/detail/stub.hpp — internal; the one header generated *.gofork.hpp files include.
#pragma once

#include <gofork/attribute.hpp>
#include <gofork/detail/codec.hpp>
#include <gofork/detail/process_state.hpp>
#include <gofork/detail/registry.hpp>
#include <gofork/options.hpp>
#include <gofork/process.hpp>

namespace gofork::detail {

// The body of every generated fork_* stub. V... are the parameters' value types, given
// explicitly so the arguments bind exactly as the forkable function's own parameters do.
template <class R, class... V>
process<R> launch(const options& opts, const char* function_id, const V&... args) {
  return process<R>(spawn(opts, function_id, encode_arguments<V...>(args...)));
}

}  // namespace gofork::detail
