// The parts of a launch every call site that starts a new process shares (defined in
// one_off_site.cpp): the nonce, the request in its shared buffer, the standard streams.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <gofork/detail/process_state.hpp>
#include <gofork/options.hpp>

#include "channel/marker.hpp"
#include "channel/request_pool.hpp"
#include "process/child_process.hpp"
#include "unique_fd.hpp"

namespace gofork::detail {

// 128 random bits from getrandom; throws spawn_failed.
runtime::nonce random_nonce();

// The request frame (frame.hpp) in a memfd sealed at its size, the arguments encoded straight
// into it. `exe_fd` is the executable descriptor the child inherits at that number, or -1.
runtime::request_lease make_request(const runtime::nonce& n, const char* function_id, const argument_encoder& encoder,
                                    int pdeathsig, std::uint32_t flags, int exe_fd);

// A descriptor to install as the child's fd `target`, or an empty one for "inherit". For a
// capture, `parent_end` receives the pipe's read end.
runtime::unique_fd stdio_source(const redirect& r, int target, runtime::unique_fd& parent_end);

// Flushes this process's stdio, so what it wrote before a launch comes out before the child's.
void flush_before_launch();
// The soft RLIMIT_NOFILE (at most 2^20): how far a child's descriptor sweep walks without
// close_range or /proc.
unsigned long descriptor_limit();
// argv/envp for exec: pointers into `strings`, null-terminated.
std::vector<char*> pointers(std::vector<std::string>& strings);

// Gives a started child's record what the call's reading and reaping need: our channel end,
// the child's (held until the reap), the request, the captured streams' read ends, the limits
// and the clock.
void hold_call(runtime::child_process& state, const options& opts, runtime::unique_fd channel,
               runtime::unique_fd child_end, runtime::request_lease request, runtime::unique_fd (&captured)[3]);

}  // namespace gofork::detail
