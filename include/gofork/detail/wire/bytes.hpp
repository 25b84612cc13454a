// File: gofork/detail/wire/bytes.hpp — internal, part of the direct codec; include <gofork/detail/codec.hpp>.
//
// msgpack's big-endian integers, stored and loaded at unaligned addresses.
#pragma once

#include <cstdint>
#include <cstring>

namespace gofork::detail::wire {

inline void store16(char* p, std::uint16_t v) {
  v = __builtin_bswap16(v);
  std::memcpy(p, &v, 2);
}
inline void store32(char* p, std::uint32_t v) {
  v = __builtin_bswap32(v);
  std::memcpy(p, &v, 4);
}
inline void store64(char* p, std::uint64_t v) {
  v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
}
inline std::uint16_t load16(const unsigned char* p) {
  std::uint16_t v;
  std::memcpy(&v, p, 2);
  return __builtin_bswap16(v);
}
inline std::uint32_t load32(const unsigned char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline std::uint64_t load64(const unsigned char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}

}  // namespace gofork::detail::wire
