// The two frames of one call. Both ends are the same build on the same machine, so integers
// are in host byte order; every size is still checked, since the bytes cross a trust boundary.
//
// request (parent → child, in a sealed memfd):
//   "GFQ1" u32 version | 16-byte nonce | u32 id size | u32 pdeathsig + flags << 8 | u64 arguments size |
//   20-byte build id | u32 executable fd | u32 0 | id | arguments
// reply (child → parent):
//   "GFR1" u8 kind | 3 zero bytes | u64 payload size | payload
// A reply that fits goes into the request's buffer at reply_offset(request frame size), which
// the parent reads once it has reaped the child; a big one into a sealed memfd of its own
// (memfd_reply.hpp); any other (and a refusal) goes on the socket.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "channel/marker.hpp"

namespace gofork::runtime {

inline constexpr std::uint32_t protocol_version = 1;
inline constexpr std::size_t request_header_size = 68;
inline constexpr std::size_t reply_header_size = 16;
inline constexpr std::size_t max_function_id_size = 4096;

// Where a reply placed in the request buffer starts: just past the frame, cache-line aligned.
constexpr std::size_t reply_offset(std::size_t request_frame_size) { return (request_frame_size + 63) / 64 * 64; }

enum class reply_kind : std::uint8_t {
  value = 1,      // payload: the msgpack result
  exception = 2,  // payload: msgpack [type name, what()]
  refused = 3,    // payload: msgpack message; the child rejected the call (protocol error)
};

// The header and id; the arguments follow it.
// The GNU build id of this process's executable (zeros when it has none): a child built
// differently from its parent refuses the call.
using build_id = std::array<std::uint8_t, 20>;
const build_id& own_build_id() noexcept;

std::string encode_request_prefix(const nonce& n, std::string_view function_id, std::uint64_t arguments_size,
                                  std::uint32_t pdeathsig = 0, std::uint32_t flags = 0, int executable_fd = -1);

// Request flags.
inline constexpr std::uint32_t request_sealed = 1;  // sealed executable: the child makes itself non-dumpable
inline constexpr std::uint32_t request_worker = 2;  // a pool worker: it serves calls until the channel closes
inline constexpr std::uint32_t request_zygote = 4;  // a zygote: it forks a process per request (zygote/fork_plan.hpp)

// A call to a pool worker, on its channel (parent → worker), answered by a reply frame:
//   "GFC1" | u32 id size | u64 arguments size | id | arguments
// or, for big arguments, with the arguments at the start of a memfd passed (SCM_RIGHTS) with
// the header's first byte, which the worker maps read-only and unmaps before it replies:
//   "GFCM" | u32 id size | u64 arguments size | id
inline constexpr std::size_t call_header_size = 16;
// Arguments of at least this size (by the encoder's hint) go to a worker in a memfd.
inline constexpr std::size_t call_memfd_threshold = std::size_t{256} << 10;
// The header and the id; the arguments follow, on the socket or in the memfd.
std::string encode_call_prefix(std::string_view function_id, std::uint64_t arguments_size, bool in_memfd = false);
struct call_header {
  std::uint32_t id_size = 0;
  std::uint64_t arguments_size = 0;
  bool in_memfd = false;
};
// std::nullopt unless `bytes` (call_header_size of them) is a call header with a sane id size.
std::optional<call_header> parse_call_header(std::string_view bytes);

struct request_view {
  nonce call_nonce{};
  std::string_view function_id;
  std::string_view arguments;
  build_id parent_build{};
  std::uint32_t pdeathsig = 0;  // to re-arm in the child (exec of a privileged binary clears it)
  std::uint32_t flags = 0;
  int executable_fd = -1;  // the parent's executable, inherited for the child's own launches
};
// From a request frame's first request_header_size bytes, for a reader of a stream (the far
// side of a launcher): the whole frame's size, or std::nullopt when they are no request header.
std::optional<std::uint64_t> request_frame_size(std::string_view header);
// std::nullopt with `why` set when `bytes` does not start with one well-formed request (what
// follows the request, the padding of its buffer, is ignored).
std::optional<request_view> parse_request(std::string_view bytes, std::string& why);

std::string encode_reply_header(reply_kind kind, std::uint64_t payload_size);

struct reply_view {
  reply_kind kind{};
  std::string_view payload;
};
std::optional<reply_view> parse_reply(std::string_view bytes, std::string& why);

}  // namespace gofork::runtime
