// What crosses a launcher (srun, ssh, a command): only the standard streams survive one, so
// the call travels on them. Caller → remote process, on the launcher's stdin:
//   the request frame (frame.hpp, the same bytes a one-off child maps) | a settings frame
// remote process → caller, on the launcher's stdout, a sequence of stream frames:
//   4-byte tag | u32 aux | u64 size | payload | '\n'
//   "GFH1" hello, first: the remote process runs this protocol (payload: its build id)
//   "GFO1" bytes the function wrote to its stdout
//   "GFE1" end, last (aux: outcome): the call's nonce, exit status and reply (launch_end below)
// The newline after each frame makes slurmstepd, which holds an unterminated line back, pass
// the frame on at once. stderr is not framed: it carries the launcher's messages too.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "channel/frame.hpp"
#include "channel/marker.hpp"

namespace gofork::runtime {

// Set (to "1") in the environment of the process a launcher starts: init() then serves the
// call arriving on stdin (child/remote.cpp).
inline constexpr const char* remote_marker_variable = "GOFORK_REMOTE";

inline constexpr std::size_t stream_header_size = 16;
inline constexpr std::uint64_t max_output_frame = std::uint64_t{1} << 20;

enum class stream_tag { hello, output, end };
struct stream_header {
  stream_tag tag{};
  std::uint32_t aux = 0;
  std::uint64_t size = 0;
};
// The header, then the payload, then the newline.
std::string encode_stream_frame(stream_tag tag, std::uint32_t aux, std::string_view payload);
std::optional<stream_header> parse_stream_header(std::string_view bytes);

// The per-call settings a one-off child takes from its environment and its parent, which a
// launcher does not carry (ssh drops the environment; cwd is the remote's): applied by the
// remote process to the child it starts for the call.
struct remote_settings {
  std::map<std::string, std::string> env;
  bool clear_env = false;
  std::string cwd;
  std::vector<std::string> argv;
  std::uint64_t max_result_bytes = 0;
};
std::string encode_settings_frame(const remote_settings& s);
// From the frame's first stream_header_size bytes: the payload's size, or std::nullopt when
// they are no settings header or announce more than max_settings_size.
std::optional<std::uint64_t> settings_size(std::string_view header);
// `bytes` is the frame's payload. std::nullopt when it does not decode.
std::optional<remote_settings> parse_settings(std::string_view bytes);
inline constexpr std::size_t max_settings_size = std::size_t{16} << 20;

// The end frame's payload.
enum class launch_outcome : std::uint32_t {
  ran = 0,           // the function's process ran: `status` and `reply` say how it ended
  spawn_failed = 1,  // the remote process could not start it: `message` says why
  refused = 2,       // the request was refused before any user code ran: `message` says why
};
struct launch_end {
  launch_outcome outcome = launch_outcome::ran;
  nonce call_nonce{};
  bool exited = false;  // else signaled
  int code = 0;         // exit code or signal
  bool core_dumped = false;
  bool result_too_large = false;
  std::string reply;    // the reply frame the function's process sent (may be empty), or the message
};
std::string encode_end_frame(const launch_end& e);
std::optional<launch_end> parse_end(std::uint32_t aux, std::string_view payload);

}  // namespace gofork::runtime
