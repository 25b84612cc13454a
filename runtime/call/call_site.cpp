// The stubs' entry into the runtime: detail::spawn hands the call to the site its options name.
#include "call/call_site.hpp"

#include <string_view>

#include <gofork/detail/wire/sink.hpp>

namespace gofork::runtime {

call_site& site_for(const options& opts) {
  return opts.via.type() == via::launcher::kind::local ? one_off_site() : launcher_site();
}

}  // namespace gofork::runtime

namespace gofork::detail {

process_state_ptr spawn(const options& opts, const char* function_id, const argument_encoder& encoder) {
  return runtime::site_for(opts).start(runtime::call{opts, function_id, encoder});
}

process_state_ptr spawn(const options& opts, const char* function_id, std::string_view arguments) {
  argument_encoder copy;
  copy.size_hint = arguments.size();
  copy.context = &arguments;
  copy.encode = [](const void* context, sink& out) {
    const auto* bytes = static_cast<const std::string_view*>(context);
    out.write(bytes->data(), bytes->size());
  };
  return spawn(opts, function_id, copy);
}

}  // namespace gofork::detail
