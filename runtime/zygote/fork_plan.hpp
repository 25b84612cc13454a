// What a zygote needs to fork one call's process, sent on the zygote's channel (parent →
// zygote), and its answer (zygote → parent):
//   request: "GFZ1" | u32 descriptor count | u64 plan size | plan (msgpack)
//            with the descriptors on its first byte (SCM_RIGHTS): the call's channel end, its
//            request memfd, the caller's working directory (O_PATH), then the standard streams
//            the plan's stdio_mask names, in order
//   answer:  "GFZ2" | i32 pid | i32 errno | u32 stage size | stage
//            with the new process's pidfd on its first byte when pid > 0; a non-zero errno
//            (pid -1) means no process was forked, the stage says why.
// The new process then sends, on the call's own channel, a status in the answer's format (pid
// 0): errno 0, or the set-up step that failed and why (it has exited, and the parent reaps it
// through the pidfd). After a good status it waits for the parent's go, one byte 'g', sent
// once the parent holds its pidfd; then it serves the call as a one-off child does.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gofork/options.hpp>

#include "channel/marker.hpp"

namespace gofork::runtime {

inline constexpr std::size_t fork_header_size = 16;
inline constexpr std::size_t max_fork_plan_size = std::size_t{16} << 20;
inline constexpr std::size_t max_fork_descriptors = 6;

struct fork_plan {
  nonce call_nonce{};
  pid_t caller = 0;               // the new process's parent, which made its channel
  std::vector<std::string> env;   // its whole environment, "NAME=value"
  std::string cwd;
  bool setsid = false;
  std::optional<pid_t> pgid;
  std::vector<rlimit_setting> rlimits;
  bool nofile_safe = false;       // options::rlimit_nofile_safe, applied before `rlimits`
  std::uint32_t umask = 022;      // the caller's
  std::string chroot;
  bool set_groups = false;
  std::vector<gid_t> groups;
  std::optional<gid_t> gid;
  std::optional<uid_t> uid;
  bool no_new_privs = false;
  int pdeathsig = 0;
  int unshare_flags = 0;          // CLONE_NEW* namespaces the process enters (not CLONE_NEWPID)
  std::uint32_t stdio_mask = 0;   // bit k: a descriptor for fd k came along; fd k is closed without
};

// The request frame, header and plan.
std::string encode_fork_request(const fork_plan& plan, std::uint32_t descriptor_count);
struct fork_request_header {
  std::uint32_t descriptor_count = 0;
  std::uint64_t plan_size = 0;
};
std::optional<fork_request_header> parse_fork_request_header(std::string_view bytes);
// std::nullopt for a plan that does not decode.
std::optional<fork_plan> decode_fork_plan(std::string_view bytes);

std::string encode_fork_answer(pid_t pid, int err, std::string_view stage);
struct fork_answer_header {
  pid_t pid = -1;
  int err = 0;
  std::uint32_t stage_size = 0;
};
std::optional<fork_answer_header> parse_fork_answer_header(std::string_view bytes);

}  // namespace gofork::runtime
