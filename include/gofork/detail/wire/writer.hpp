// File: gofork/detail/wire/writer.hpp — internal, part of the direct codec; include <gofork/detail/codec.hpp>.
//
// The direct writer: msgpack's smallest forms, as msgpack-c writes them, straight into a sink;
// what it does not handle itself goes through msgpack-c's packer on the same sink.
#pragma once

#include <gofork/detail/wire/bytes.hpp>
#include <gofork/detail/wire/choice.hpp>
#include <gofork/detail/wire/sink.hpp>

namespace gofork::detail {

namespace wire {

// Writes an unsigned integer in msgpack's smallest form at p; returns the bytes written.
inline std::size_t put_uint(char* p, std::uint64_t v) {
  if (v >= (std::uint64_t{1} << 32)) {
    p[0] = static_cast<char>(0xcfu);
    store64(p + 1, v);
    return 9;
  }
  if (v < 128) {
    p[0] = static_cast<char>(v);
    return 1;
  }
  if (v < 256) {
    p[0] = static_cast<char>(0xccu);
    p[1] = static_cast<char>(v);
    return 2;
  }
  if (v < 65536) {
    p[0] = static_cast<char>(0xcdu);
    store16(p + 1, static_cast<std::uint16_t>(v));
    return 3;
  }
  if (v < (std::uint64_t{1} << 32)) {
    p[0] = static_cast<char>(0xceu);
    store32(p + 1, static_cast<std::uint32_t>(v));
    return 5;
  }
  p[0] = static_cast<char>(0xcfu);
  store64(p + 1, v);
  return 9;
}

// The same for a signed integer (non-negative values take the unsigned forms, as msgpack-c does).
inline std::size_t put_int(char* p, std::int64_t v) {
  // Outside [-2^31, 2^32): the 9-byte forms, chosen without a branch on the sign (random
  // full-range values would mispredict it half the time).
  if (static_cast<std::uint64_t>(v) + 0x80000000u > 0x17fffffffu) {
    p[0] = static_cast<char>(v < 0 ? 0xd3u : 0xcfu);
    store64(p + 1, static_cast<std::uint64_t>(v));
    return 9;
  }
  if (v >= 0) return put_uint(p, static_cast<std::uint64_t>(v));
  if (v >= -32) {
    p[0] = static_cast<char>(v);
    return 1;
  }
  if (v >= -128) {
    p[0] = static_cast<char>(0xd0u);
    p[1] = static_cast<char>(v);
    return 2;
  }
  if (v >= -32768) {
    p[0] = static_cast<char>(0xd1u);
    store16(p + 1, static_cast<std::uint16_t>(v));
    return 3;
  }
  if (v >= -(std::int64_t{1} << 31)) {
    p[0] = static_cast<char>(0xd2u);
    store32(p + 1, static_cast<std::uint32_t>(v));
    return 5;
  }
  p[0] = static_cast<char>(0xd3u);
  store64(p + 1, static_cast<std::uint64_t>(v));
  return 9;
}

// A header with a 4-bit (fix), 16-bit or 32-bit count: arrays and maps.
inline void put_count(sink& s, std::size_t n, unsigned fix, unsigned c16, unsigned c32) {
  const std::uint32_t size = msgpack::checked_get_container_size(n);
  char* p = s.room(5);
  if (size < 16) {
    p[0] = static_cast<char>(fix | size);
    s.commit(1);
  } else if (size < 65536) {
    p[0] = static_cast<char>(c16);
    store16(p + 1, static_cast<std::uint16_t>(size));
    s.commit(3);
  } else {
    p[0] = static_cast<char>(c32);
    store32(p + 1, size);
    s.commit(5);
  }
}
inline void put_array(sink& s, std::size_t n) { put_count(s, n, 0x90u, 0xdcu, 0xddu); }
inline void put_map(sink& s, std::size_t n) { put_count(s, n, 0x80u, 0xdeu, 0xdfu); }

inline void put_str(sink& s, const char* data, std::size_t n) {
  const std::uint32_t size = msgpack::checked_get_container_size(n);
  char* p = s.room(5 + static_cast<std::size_t>(size));
  std::size_t h;
  if (size < 32) {
    p[0] = static_cast<char>(0xa0u | size);
    h = 1;
  } else if (size < 256) {
    p[0] = static_cast<char>(0xd9u);
    p[1] = static_cast<char>(size);
    h = 2;
  } else if (size < 65536) {
    p[0] = static_cast<char>(0xdau);
    store16(p + 1, static_cast<std::uint16_t>(size));
    h = 3;
  } else {
    p[0] = static_cast<char>(0xdbu);
    store32(p + 1, size);
    h = 5;
  }
  if (size > 0) std::memcpy(p + h, data, size);
  s.commit(h + size);
}

inline void put_bin(sink& s, const void* data, std::size_t n) {
  const std::uint32_t size = msgpack::checked_get_container_size(n);
  char* p = s.room(5 + static_cast<std::size_t>(size));
  std::size_t h;
  if (size < 256) {
    p[0] = static_cast<char>(0xc4u);
    p[1] = static_cast<char>(size);
    h = 2;
  } else if (size < 65536) {
    p[0] = static_cast<char>(0xc5u);
    store16(p + 1, static_cast<std::uint16_t>(size));
    h = 3;
  } else {
    p[0] = static_cast<char>(0xc6u);
    store32(p + 1, size);
    h = 5;
  }
  if (size > 0) std::memcpy(p + h, data, size);
  s.commit(h + size);
}

// One scalar at p (room for 9 bytes); returns the bytes written.
template <class T>
inline std::size_t put_scalar(char* p, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    p[0] = static_cast<char>(v ? 0xc3u : 0xc2u);
    return 1;
  } else if constexpr (std::is_same_v<T, std::byte>) {
    return put_uint(p, static_cast<unsigned char>(v));
  } else if constexpr (std::is_integral_v<T>) {
    if constexpr (std::is_signed_v<T>) {
      return put_int(p, static_cast<std::int64_t>(v));
    } else {
      return put_uint(p, static_cast<std::uint64_t>(v));
    }
  } else if constexpr (std::is_same_v<T, float>) {
    std::uint32_t bits;
    std::memcpy(&bits, &v, 4);
    p[0] = static_cast<char>(0xcau);
    store32(p + 1, bits);
    return 5;
  } else {
    static_assert(std::is_floating_point_v<T>);
    const double d = static_cast<double>(v);
    std::uint64_t bits;
    std::memcpy(&bits, &d, 8);
    p[0] = static_cast<char>(0xcbu);
    store64(p + 1, bits);
    return 9;
  }
}

}  // namespace wire

// Writes one value: directly for the types above, through msgpack-c's packer otherwise.
template <class T>
void put(sink& s, const T& v);

namespace wire {

template <class C>
void put_elements(sink& s, const C& c) {
  put_array(s, c.size());
  for (const auto& e : c) put(s, e);
}

template <class M>
void put_entries(sink& s, const M& m) {
  put_map(s, m.size());
  for (const auto& [k, val] : m) {
    put(s, k);
    put(s, val);
  }
}

template <class T>
struct writer;  // for the class templates below

template <class T>
struct writer<std::vector<T>> {
  static void put(sink& s, const std::vector<T>& v) {
    if constexpr (is_byte_like_v<T>) {
      put_bin(s, v.data(), v.size());
    } else if constexpr (std::is_same_v<T, bool>) {
      put_array(s, v.size());
      char* p = s.room(v.size());
      for (std::size_t i = 0; i < v.size(); ++i) p[i] = static_cast<char>(v[i] ? 0xc3u : 0xc2u);
      s.commit(v.size());
    } else if constexpr (scalar_v<T>) {
      put_array(s, v.size());
      char* const start = s.room(v.size() * 9);
      char* p = start;
      for (const T& e : v) p += put_scalar(p, e);
      s.commit(static_cast<std::size_t>(p - start));
    } else {
      put_elements(s, v);
    }
  }
};

template <class T, std::size_t N>
struct writer<std::array<T, N>> {
  static void put(sink& s, const std::array<T, N>& v) {
    if constexpr (is_byte_like_v<T>) {
      put_bin(s, v.data(), N);
    } else {
      put_elements(s, v);
    }
  }
};

template <class T>
struct writer<std::deque<T>> {
  static void put(sink& s, const std::deque<T>& v) { put_elements(s, v); }
};
template <class T>
struct writer<std::list<T>> {
  static void put(sink& s, const std::list<T>& v) { put_elements(s, v); }
};
template <class T>
struct writer<std::set<T>> {
  static void put(sink& s, const std::set<T>& v) { put_elements(s, v); }
};
template <class T>
struct writer<std::unordered_set<T>> {
  static void put(sink& s, const std::unordered_set<T>& v) { put_elements(s, v); }
};
template <class K, class V>
struct writer<std::map<K, V>> {
  static void put(sink& s, const std::map<K, V>& v) { put_entries(s, v); }
};
template <class K, class V>
struct writer<std::unordered_map<K, V>> {
  static void put(sink& s, const std::unordered_map<K, V>& v) { put_entries(s, v); }
};
template <class A, class B>
struct writer<std::pair<A, B>> {
  static void put(sink& s, const std::pair<A, B>& v) {
    put_array(s, 2);
    detail::put(s, v.first);
    detail::put(s, v.second);
  }
};
template <class... T>
struct writer<std::tuple<T...>> {
  static void put(sink& s, const std::tuple<T...>& v) {
    put_array(s, sizeof...(T));
    std::apply([&s](const auto&... e) { (detail::put(s, e), ...); }, v);
  }
};
template <class T>
struct writer<std::optional<T>> {
  static void put(sink& s, const std::optional<T>& v) {
    if (v) {
      detail::put(s, *v);
    } else {
      *s.room(1) = static_cast<char>(0xc0u);
      s.commit(1);
    }
  }
};
template <class... T>
struct writer<std::variant<T...>> {
  static void put(sink& s, const std::variant<T...>& v) {
    if (v.valueless_by_exception()) throw msgpack::type_error();
    put_array(s, 2);
    s.commit(put_uint(s.room(9), static_cast<std::uint64_t>(v.index())));
    std::visit([&s](const auto& value) { detail::put(s, value); }, v);
  }
};
template <class Rep, class Period>
struct writer<std::chrono::duration<Rep, Period>> {
  static void put(sink& s, const std::chrono::duration<Rep, Period>& v) { detail::put(s, v.count()); }
};

}  // namespace wire

template <class T>
void put(sink& s, const T& v) {
  if constexpr (!direct_v<T>) {
    msgpack::packer<sink> packer(s);
    packer.pack(v);
  } else if constexpr (wire::scalar_v<T>) {
    s.commit(wire::put_scalar(s.room(9), v));
  } else if constexpr (std::is_enum_v<T>) {
    put(s, static_cast<std::underlying_type_t<T>>(v));
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>) {
    wire::put_str(s, v.data(), v.size());
  } else {
    wire::writer<T>::put(s, v);
  }
}

}  // namespace gofork::detail
