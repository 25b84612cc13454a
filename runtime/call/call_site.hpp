// Where a call runs: the one seam every way of running a call goes through. A call is data (the
// options, the function's registered id, the encoded arguments); a call site starts it
// somewhere and returns the process_state the caller waits on. The request frame, the reply
// frame and the child's trust check are the same wherever it runs; only starting differs.
//
// The sites: a one-off child re-exec'd for this call (launch/one_off_site.cpp), a process
// forked by a zygote (zygote/zygote.cpp); a pool's workers are one-off children that serve
// calls (pool/); a process a launcher starts elsewhere (via/launcher_site.cpp).
#pragma once

#include <gofork/detail/process_state.hpp>
#include <gofork/options.hpp>

namespace gofork::runtime {

struct call {
  const options& opts;
  const char* function_id;
  const detail::argument_encoder& arguments;
  bool serve_calls = false;  // a pool worker: the process serves calls on its channel instead
  bool serve_forks = false;  // a zygote: the process forks one per request on its channel
};

class call_site {
 public:
  virtual ~call_site() = default;
  // Starts `c` and returns its record. Throws error(spawn_failed) when it could not be started;
  // nothing is left running then.
  virtual detail::process_state_ptr start(const call& c) = 0;
};

// A new child of this process, re-exec'd from this build's executable, for each call.
call_site& one_off_site();

// A process started by a launcher (options::via: srun, ssh, a command), which starts this build
// elsewhere; the call crosses on the launcher's standard streams (via/launcher_site.cpp).
call_site& launcher_site();

// The site `opts` asks for.
call_site& site_for(const options& opts);

}  // namespace gofork::runtime
