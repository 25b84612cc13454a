#include "channel/frame.hpp"

#include "channel/host_order.hpp"

#include <link.h>

#include <algorithm>
#include <cstring>

namespace gofork::runtime {
namespace {

constexpr char request_magic[4] = {'G', 'F', 'Q', '1'};
constexpr char reply_magic[4] = {'G', 'F', 'R', '1'};

}  // namespace

const build_id& own_build_id() noexcept {
  static const build_id id = [] {
    build_id found{};
    // The first object dl_iterate_phdr reports is the executable itself.
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* out) -> int {
          for (int i = 0; i < info->dlpi_phnum; ++i) {
            const ElfW(Phdr)& ph = info->dlpi_phdr[i];
            if (ph.p_type != PT_NOTE) continue;
            const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
            const char* end = p + ph.p_memsz;
            while (p + sizeof(ElfW(Nhdr)) <= end) {
              ElfW(Nhdr) note;
              std::memcpy(&note, p, sizeof note);
              const char* name = p + sizeof note;
              const char* desc = name + ((note.n_namesz + 3) & ~3u);
              if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
                auto* id = static_cast<build_id*>(out);
                std::memcpy(id->data(), desc, std::min<std::size_t>(note.n_descsz, id->size()));
                return 1;
              }
              p = desc + ((note.n_descsz + 3) & ~3u);
            }
          }
          return 1;  // only the executable
        },
        &found);
    return found;
  }();
  return id;
}

std::string encode_request_prefix(const nonce& n, std::string_view function_id, std::uint64_t arguments_size,
                                  std::uint32_t pdeathsig, std::uint32_t flags, int executable_fd) {
  std::string out;
  out.reserve(request_header_size + function_id.size());
  out.append(request_magic, 4);
  put<std::uint32_t>(out, protocol_version);
  out.append(reinterpret_cast<const char*>(n.data()), n.size());
  put<std::uint32_t>(out, static_cast<std::uint32_t>(function_id.size()));
  put<std::uint32_t>(out, pdeathsig | flags << 8);
  put<std::uint64_t>(out, arguments_size);
  const build_id& own = own_build_id();
  out.append(reinterpret_cast<const char*>(own.data()), own.size());
  put<std::uint32_t>(out, static_cast<std::uint32_t>(executable_fd));
  put<std::uint32_t>(out, 0);
  out.append(function_id);
  return out;
}

std::optional<std::uint64_t> request_frame_size(std::string_view header) {
  if (header.size() < request_header_size || std::memcmp(header.data(), "GFQ1", 4) != 0) return std::nullopt;
  const auto id_size = get<std::uint32_t>(header.data() + 24);
  const auto arguments_size = get<std::uint64_t>(header.data() + 32);
  if (id_size == 0 || id_size > max_function_id_size || arguments_size > (std::uint64_t{1} << 40)) return std::nullopt;
  return request_header_size + id_size + arguments_size;
}

std::optional<request_view> parse_request(std::string_view bytes, std::string& why) {
  if (bytes.size() < request_header_size) {
    why = "request frame is truncated (" + std::to_string(bytes.size()) + " bytes)";
    return std::nullopt;
  }
  const char* p = bytes.data();
  if (std::memcmp(p, request_magic, 4) != 0) {
    why = "request frame has a bad magic number";
    return std::nullopt;
  }
  if (auto version = get<std::uint32_t>(p + 4); version != protocol_version) {
    why = "request frame has protocol version " + std::to_string(version) + ", expected " +
          std::to_string(protocol_version);
    return std::nullopt;
  }
  request_view view;
  std::memcpy(view.call_nonce.data(), p + 8, view.call_nonce.size());
  auto id_size = get<std::uint32_t>(p + 24);
  auto arguments_size = get<std::uint64_t>(p + 32);
  std::uint64_t rest = bytes.size() - request_header_size;
  // The frame may be followed by padding: the buffer it travels in is reused at a fixed size.
  if (id_size == 0 || id_size > max_function_id_size || (get<std::uint32_t>(p + 28) & 0xff) >= 65 || ((get<std::uint32_t>(p + 28) >> 8) & ~(request_sealed | request_worker | request_zygote)) != 0 || id_size > rest ||
      arguments_size > rest - id_size) {
    why = "request frame sizes do not match its length";
    return std::nullopt;
  }
  view.pdeathsig = get<std::uint32_t>(p + 28) & 0xff;
  view.flags = get<std::uint32_t>(p + 28) >> 8;
  std::memcpy(view.parent_build.data(), p + 40, view.parent_build.size());
  const auto executable_fd = get<std::uint32_t>(p + 60);
  if ((executable_fd <= 2 || executable_fd > 0x7fffffff) && executable_fd != 0xffffffffu) {
    why = "request frame names an impossible executable descriptor";
    return std::nullopt;
  }
  if (get<std::uint32_t>(p + 64) != 0) {
    why = "request frame has a non-zero reserved field";
    return std::nullopt;
  }
  view.executable_fd = static_cast<int>(executable_fd);
  view.function_id = bytes.substr(request_header_size, id_size);
  view.arguments = bytes.substr(request_header_size + id_size, arguments_size);
  return view;
}

std::string encode_call_prefix(std::string_view function_id, std::uint64_t arguments_size, bool in_memfd) {
  std::string out;
  out.reserve(call_header_size + function_id.size());
  out.append(in_memfd ? "GFCM" : "GFC1", 4);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(function_id.size()));
  put<std::uint64_t>(out, arguments_size);
  out.append(function_id);
  return out;
}

std::optional<call_header> parse_call_header(std::string_view bytes) {
  if (bytes.size() != call_header_size) return std::nullopt;
  call_header h;
  h.in_memfd = bytes.compare(0, 4, "GFCM") == 0;
  if (!h.in_memfd && bytes.compare(0, 4, "GFC1") != 0) return std::nullopt;
  std::memcpy(&h.id_size, bytes.data() + 4, sizeof h.id_size);
  std::memcpy(&h.arguments_size, bytes.data() + 8, sizeof h.arguments_size);
  if (h.id_size == 0 || h.id_size > max_function_id_size) return std::nullopt;
  return h;
}

std::string encode_reply_header(reply_kind kind, std::uint64_t payload_size) {
  std::string out;
  out.reserve(reply_header_size);
  out.append(reply_magic, 4);
  put<std::uint8_t>(out, static_cast<std::uint8_t>(kind));
  out.append(3, '\0');
  put<std::uint64_t>(out, payload_size);
  return out;
}

std::optional<reply_view> parse_reply(std::string_view bytes, std::string& why) {
  if (bytes.size() < reply_header_size) {
    why = "reply is truncated (" + std::to_string(bytes.size()) + " bytes)";
    return std::nullopt;
  }
  const char* p = bytes.data();
  if (std::memcmp(p, reply_magic, 4) != 0) {
    why = "reply has a bad magic number";
    return std::nullopt;
  }
  auto kind = get<std::uint8_t>(p + 4);
  if (kind < 1 || kind > 3 || p[5] != 0 || p[6] != 0 || p[7] != 0) {
    why = "reply has an unknown kind";
    return std::nullopt;
  }
  auto size = get<std::uint64_t>(p + 8);
  if (size != bytes.size() - reply_header_size) {
    why = "reply is truncated or too long (payload " + std::to_string(bytes.size() - reply_header_size) +
          " of " + std::to_string(size) + " bytes)";
    return std::nullopt;
  }
  return reply_view{static_cast<reply_kind>(kind), bytes.substr(reply_header_size)};
}

}  // namespace gofork::runtime
