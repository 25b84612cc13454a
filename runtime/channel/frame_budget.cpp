#include "channel/frame_budget.hpp"

#include <cstdint>

#include <gofork/detail/codec.hpp>

namespace gofork::runtime {

std::string check_frame_budget(std::string_view bytes) {
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t pos = 0;
  if (const char* why = detail::skip_object(data, bytes.size(), pos, 0, 0, detail::max_depth)) return why;
  if (pos != bytes.size()) return std::to_string(bytes.size() - pos) + " trailing bytes";
  return "";
}

}  // namespace gofork::runtime

namespace gofork::detail {
namespace {

std::uint64_t read_be(const unsigned char* p, int size) {
  std::uint64_t v = 0;
  for (int i = 0; i < size; ++i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

const char* skip_object(const unsigned char* data, std::size_t n, std::size_t& pos_io, std::uint64_t pending,
                        unsigned depth, unsigned max_depth_allowed) noexcept {
  // Elements still to begin in each container this object opens, innermost last.
  std::uint64_t left[max_depth];
  unsigned level = 0;
  std::uint64_t open = 0;  // the sum of left[]
  if (max_depth_allowed > max_depth) max_depth_allowed = max_depth;
  std::size_t pos = pos_io;
  for (;;) {
    if (pos >= n) return "truncated";
    if (level > 0) {
      --left[level - 1];
      --open;
    }
    const unsigned char b = data[pos++];
    std::uint64_t skip = 0;   // payload bytes after the header
    std::uint64_t items = 0;  // objects the header declares
    bool container = false;
    int length_size = 0;      // a big-endian length follows the type byte
    enum { none, raw, ext, array, map } kind = none;
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
      // fixint, nil, bool: no payload
    } else if (b >= 0x80 && b <= 0x8f) {
      items = 2u * (b & 0x0fu);
      container = true;
    } else if (b >= 0x90 && b <= 0x9f) {
      items = b & 0x0fu;
      container = true;
    } else if (b >= 0xa0 && b <= 0xbf) {
      skip = b & 0x1fu;
    } else {
      switch (b) {
        case 0xc4: case 0xd9: length_size = 1; kind = raw; break;  // bin8, str8
        case 0xc5: case 0xda: length_size = 2; kind = raw; break;  // bin16, str16
        case 0xc6: case 0xdb: length_size = 4; kind = raw; break;  // bin32, str32
        case 0xc7: length_size = 1; kind = ext; break;
        case 0xc8: length_size = 2; kind = ext; break;
        case 0xc9: length_size = 4; kind = ext; break;
        case 0xca: skip = 4; break;
        case 0xcb: skip = 8; break;
        case 0xcc: case 0xd0: skip = 1; break;
        case 0xcd: case 0xd1: skip = 2; break;
        case 0xce: case 0xd2: skip = 4; break;
        case 0xcf: case 0xd3: skip = 8; break;
        case 0xd4: skip = 2; break;   // fixext1: type + 1
        case 0xd5: skip = 3; break;
        case 0xd6: skip = 5; break;
        case 0xd7: skip = 9; break;
        case 0xd8: skip = 17; break;
        case 0xdc: length_size = 2; kind = array; break;
        case 0xdd: length_size = 4; kind = array; break;
        case 0xde: length_size = 2; kind = map; break;
        case 0xdf: length_size = 4; kind = map; break;
        default: return "invalid type byte";  // 0xc1
      }
    }
    if (length_size > 0) {
      if (n - pos < static_cast<std::size_t>(length_size)) return "truncated";
      const std::uint64_t length = read_be(data + pos, length_size);
      pos += static_cast<std::size_t>(length_size);
      if (kind == raw) skip = length;
      if (kind == ext) skip = length + 1;
      if (kind == array) items = length;
      if (kind == map) items = 2 * length;
      container = kind == array || kind == map;
    }
    if (skip > n - pos) return "truncated (a value runs past the end)";
    pos += static_cast<std::size_t>(skip);
    if (container) {
      // msgpack-c counts an empty container's nesting too.
      if (depth + level >= max_depth_allowed) return "nesting deeper than 64";
      if (items > 0) {
        left[level++] = items;
        open += items;
      }
    }
    if (pending + open > n - pos) return "declares more elements than the frame has bytes";
    while (level > 0 && left[level - 1] == 0) --level;
    if (level == 0) break;
  }
  pos_io = pos;
  return nullptr;
}

}  // namespace gofork::detail
