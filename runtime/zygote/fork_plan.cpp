#include "zygote/fork_plan.hpp"

#include <cstring>
#include <tuple>

#include <gofork/detail/codec.hpp>
#include <gofork/error.hpp>

namespace gofork::runtime {
namespace {

using wire_limits = std::vector<std::tuple<int, std::uint64_t, std::uint64_t>>;
using wire_plan = std::tuple<std::string, std::int64_t, std::vector<std::string>, std::string, bool,
                             std::optional<std::int64_t>, wire_limits, std::string, bool, std::vector<std::uint32_t>,
                             std::optional<std::uint32_t>, std::optional<std::uint32_t>, bool, int, int, std::uint32_t,
                             bool, std::uint32_t>;

template <class T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

template <class T>
T get(const char* at) {
  T value;
  std::memcpy(&value, at, sizeof value);
  return value;
}

}  // namespace

std::string encode_fork_request(const fork_plan& p, std::uint32_t descriptor_count) {
  wire_limits limits;
  for (const rlimit_setting& r : p.rlimits) limits.emplace_back(r.resource, r.soft, r.hard);
  std::optional<std::int64_t> pgid;
  if (p.pgid) pgid = *p.pgid;
  const wire_plan wire{std::string(reinterpret_cast<const char*>(p.call_nonce.data()), p.call_nonce.size()),
                       p.caller, p.env, p.cwd, p.setsid, pgid, limits, p.chroot, p.set_groups,
                       std::vector<std::uint32_t>(p.groups.begin(), p.groups.end()),
                       p.gid ? std::optional<std::uint32_t>(*p.gid) : std::nullopt,
                       p.uid ? std::optional<std::uint32_t>(*p.uid) : std::nullopt, p.no_new_privs, p.pdeathsig,
                       p.unshare_flags, p.stdio_mask, p.nofile_safe, p.umask};
  const std::string body = detail::encode_value(wire);
  std::string out;
  out.reserve(fork_header_size + body.size());
  out.append("GFZ1", 4);
  put<std::uint32_t>(out, descriptor_count);
  put<std::uint64_t>(out, body.size());
  return out + body;
}

std::optional<fork_request_header> parse_fork_request_header(std::string_view bytes) {
  if (bytes.size() != fork_header_size || bytes.compare(0, 4, "GFZ1") != 0) return std::nullopt;
  fork_request_header h{get<std::uint32_t>(bytes.data() + 4), get<std::uint64_t>(bytes.data() + 8)};
  if (h.descriptor_count < 3 || h.descriptor_count > max_fork_descriptors || h.plan_size > max_fork_plan_size) {
    return std::nullopt;
  }
  return h;
}

std::optional<fork_plan> decode_fork_plan(std::string_view bytes) {
  try {
    const auto w = detail::decode_value<wire_plan>(bytes);
    fork_plan p;
    const std::string& n = std::get<0>(w);
    if (n.size() != p.call_nonce.size()) return std::nullopt;
    std::memcpy(p.call_nonce.data(), n.data(), n.size());
    p.caller = static_cast<pid_t>(std::get<1>(w));
    p.env = std::get<2>(w);
    p.cwd = std::get<3>(w);
    p.setsid = std::get<4>(w);
    if (std::get<5>(w)) p.pgid = static_cast<pid_t>(*std::get<5>(w));
    for (const auto& [resource, soft, hard] : std::get<6>(w)) p.rlimits.push_back({resource, soft, hard});
    p.chroot = std::get<7>(w);
    p.set_groups = std::get<8>(w);
    p.groups.assign(std::get<9>(w).begin(), std::get<9>(w).end());
    if (std::get<10>(w)) p.gid = static_cast<gid_t>(*std::get<10>(w));
    if (std::get<11>(w)) p.uid = static_cast<uid_t>(*std::get<11>(w));
    p.no_new_privs = std::get<12>(w);
    p.pdeathsig = std::get<13>(w);
    p.unshare_flags = std::get<14>(w);
    p.stdio_mask = std::get<15>(w);
    p.nofile_safe = std::get<16>(w);
    p.umask = std::get<17>(w) & 0777;
    if (p.stdio_mask > 7 || p.caller <= 0) return std::nullopt;
    return p;
  } catch (const std::exception&) {  // error(protocol), or a length no allocation can hold
    return std::nullopt;
  }
}

std::string encode_fork_answer(pid_t pid, int err, std::string_view stage) {
  std::string out;
  out.reserve(fork_header_size + stage.size());
  out.append("GFZ2", 4);
  put<std::int32_t>(out, pid);
  put<std::int32_t>(out, err);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(stage.size()));
  out.append(stage);
  return out;
}

std::optional<fork_answer_header> parse_fork_answer_header(std::string_view bytes) {
  if (bytes.size() != fork_header_size || bytes.compare(0, 4, "GFZ2") != 0) return std::nullopt;
  fork_answer_header h{get<std::int32_t>(bytes.data() + 4), get<std::int32_t>(bytes.data() + 8),
                       get<std::uint32_t>(bytes.data() + 12)};
  if (h.stage_size > 4096) return std::nullopt;
  return h;
}

}  // namespace gofork::runtime
