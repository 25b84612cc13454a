// File: gofork/detail/wire.hpp — internal, included by codec.hpp; do not include directly.
//
// The direct msgpack codec. Standard types (arithmetic, strings, the standard containers,
// optional, tuple, pair, variant, durations, enumerations, std::byte) are read straight from
// the frame into their C++ objects and written straight into the output buffer, with no
// msgpack::object tree in between. Everything else — user types with generated adaptors,
// MSGPACK_DEFINE, user msgpack adaptors — goes through msgpack-c as before: on the way in, the
// extent of that one sub-object is found with an allocation-free scanner and only that slice
// is unpacked and converted.
//
// The reader accepts exactly what msgpack-c's convert adaptors accept (integers range-checked,
// an integer for a floating-point target, bool only from bool, str or bin for strings and byte
// vectors, ...), and enforces the frame limits during the same pass: no container may declare
// more elements than the frame has bytes left (counting every element still pending), and
// nesting stops at 64.
#pragma once

#ifndef MSGPACK_NO_BOOST
#define MSGPACK_NO_BOOST  // gofork needs none of msgpack's Boost adaptors
#endif

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <limits>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include <msgpack.hpp>

#include <gofork/error.hpp>

namespace gofork::detail {

// ---------------------------------------------------------------------------------------------
// Which types the direct codec handles. A type whose msgpack adaptor is gofork's own (in
// adaptors.hpp) carries the marker `gofork_native`; a user's full specialisation (say,
// MSGPACK_ADD_ENUM) does not, and then msgpack-c handles the type as the user asked.

template <class A, class = void>
struct has_gofork_native : std::false_type {};
template <class A>
struct has_gofork_native<A, std::void_t<typename A::gofork_native>> : std::true_type {};

template <class T>
inline constexpr bool native_adaptor_v = has_gofork_native<msgpack::adaptor::convert<T>>::value &&
                                         has_gofork_native<msgpack::adaptor::pack<T>>::value;

template <class T, class = void>
struct direct : std::false_type {};

template <class T>
inline constexpr bool direct_v = direct<T>::value;

template <class T>
struct direct<T, std::enable_if_t<std::is_arithmetic_v<T> || std::is_same_v<T, std::byte>>>
    : std::bool_constant<(sizeof(T) <= 8 && !std::is_same_v<T, long double>)> {};
template <class T>
struct direct<T, std::enable_if_t<std::is_enum_v<T> && !std::is_same_v<T, std::byte>>>
    : std::bool_constant<native_adaptor_v<T>> {};
template <>
struct direct<std::string> : std::true_type {};
template <>
struct direct<std::string_view> : std::true_type {};
template <class T>
struct direct<std::vector<T>> : direct<T> {};
template <class T, std::size_t N>
struct direct<std::array<T, N>> : direct<T> {};
template <class T>
struct direct<std::deque<T>> : direct<T> {};
template <class T>
struct direct<std::list<T>> : direct<T> {};
template <class T>
struct direct<std::set<T>> : direct<T> {};
template <class T>
struct direct<std::unordered_set<T>> : direct<T> {};
template <class K, class V>
struct direct<std::map<K, V>> : std::bool_constant<direct_v<K> && direct_v<V>> {};
template <class K, class V>
struct direct<std::unordered_map<K, V>> : std::bool_constant<direct_v<K> && direct_v<V>> {};
template <class A, class B>
struct direct<std::pair<A, B>> : std::bool_constant<direct_v<A> && direct_v<B>> {};
template <class... T>
struct direct<std::tuple<T...>> : std::bool_constant<(direct_v<T> && ...)> {};
template <class T>
struct direct<std::optional<T>> : direct<T> {};
template <class... T>
struct direct<std::variant<T...>> : std::bool_constant<native_adaptor_v<std::variant<T...>> && (direct_v<T> && ...)> {};
template <class Rep, class Period>
struct direct<std::chrono::duration<Rep, Period>>
    : std::bool_constant<native_adaptor_v<std::chrono::duration<Rep, Period>> && direct_v<Rep>> {};

template <class T>
inline constexpr bool is_byte_like_v =
    std::is_same_v<T, char> || std::is_same_v<T, unsigned char> || std::is_same_v<T, std::byte>;

// Decoded buffers this large are filled through transparent huge pages where the system grants
// them on request (THP "madvise" mode): one page fault per 2 MiB instead of 512 per 2 MiB.
inline constexpr std::size_t large_buffer_bytes = std::size_t{4} << 20;
// Advises huge pages for the 2 MiB-aligned part of [data, data + bytes); failures are ignored.
void advise_huge_pages(void* data, std::size_t bytes) noexcept;

template <class C>
void reserve_large(C& c, std::size_t n) {
  if (n * sizeof(typename C::value_type) < large_buffer_bytes) return;
  c.reserve(n);
  advise_huge_pages(c.data(), n * sizeof(typename C::value_type));
}

// ---------------------------------------------------------------------------------------------
// Output: a growable buffer msgpack's packer can also write to.

class sink {
 public:
  explicit sink(std::size_t hint) {
    if (hint > 0) reserve_exact(hint);
  }
  // Writes into [data, data + capacity), moving to a buffer of its own if that is too small.
  sink(char* data, std::size_t capacity) noexcept : data_(data), capacity_(capacity), external_(data) {}
  sink(const sink&) = delete;
  sink& operator=(const sink&) = delete;

  // msgpack's stream interface.
  void write(const char* data, std::size_t size) {
    std::memcpy(room(size), data, size);
    used_ += size;
  }

  // At least `size` writable bytes at the end; commit() what was written.
  char* room(std::size_t size) {
    if (capacity_ - used_ < size) grow(size);
    return data_ + used_;
  }
  void commit(std::size_t size) { used_ += size; }

  std::string finish() {
    if (in_external()) return std::string(data_, used_);
    buffer_.resize(used_);
    return std::move(buffer_);
  }

  std::string_view bytes() const noexcept { return {data_, used_}; }
  bool in_external() const noexcept { return external_ != nullptr && data_ == external_; }
  // How much of the external buffer was written before the sink left it (or so far).
  std::size_t external_written() const noexcept { return in_external() ? used_ : external_written_; }

 private:
  void reserve_exact(std::size_t capacity) {
    if (in_external()) {  // leaving the caller's buffer: take what is written along
      external_written_ = used_;
      std::string own(capacity, '\0');
      std::memcpy(own.data(), data_, used_);
      buffer_ = std::move(own);
    } else {
      buffer_.resize(capacity);
    }
    data_ = buffer_.data();
    capacity_ = capacity;
  }
  __attribute__((noinline)) void grow(std::size_t size) {
    std::size_t capacity = capacity_ * 2;
    if (capacity < used_ + size) capacity = used_ + size;
    if (capacity < 256) capacity = 256;
    reserve_exact(capacity);
  }

  std::string buffer_;
  char* data_ = nullptr;
  std::size_t used_ = 0;
  std::size_t capacity_ = 0;
  char* external_ = nullptr;
  std::size_t external_written_ = 0;
};

}  // namespace gofork::detail

// msgpack-c 4 packs an integral-valued float or double as an integer, which turns -0.0 into 0.
// gofork's own stream always writes float32 / float64, so every value crosses bit for bit (the
// direct writer below does the same).
namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(v1) {

template <>
inline packer<gofork::detail::sink>& packer<gofork::detail::sink>::pack_double(double d) {
  std::uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  char buf[9];
  buf[0] = static_cast<char>(0xcbu);
  _msgpack_store64(&buf[1], bits);
  append_buffer(buf, sizeof buf);
  return *this;
}

template <>
inline packer<gofork::detail::sink>& packer<gofork::detail::sink>::pack_float(float f) {
  std::uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  char buf[5];
  buf[0] = static_cast<char>(0xcau);
  _msgpack_store32(&buf[1], bits);
  append_buffer(buf, sizeof buf);
  return *this;
}

}  // MSGPACK_API_VERSION_NAMESPACE(v1)
}  // namespace msgpack

namespace gofork::detail {

namespace wire {

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

template <class T>
inline constexpr bool scalar_v =
    (std::is_arithmetic_v<T> && sizeof(T) <= 8 && !std::is_same_v<T, long double>) || std::is_same_v<T, std::byte>;

template <class T, template <class...> class Template>
struct is_instance : std::false_type {};
template <template <class...> class Template, class... A>
struct is_instance<Template<A...>, Template> : std::true_type {};

template <class T>
struct is_std_array : std::false_type {};
template <class T, std::size_t N>
struct is_std_array<std::array<T, N>> : std::true_type {};

// An upper bound of the encoded size (for one allocation up front); 0 for what msgpack-c packs.
template <class T>
std::size_t size_bound(const T& v) {
  if constexpr (!direct_v<T>) {
    (void)v;
    return 0;
  } else if constexpr (scalar_v<T> || std::is_enum_v<T> || is_instance<T, std::chrono::duration>::value) {
    (void)v;
    return 9;
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>) {
    return 5 + v.size();
  } else if constexpr (is_instance<T, std::optional>::value) {
    return v ? size_bound(*v) : 1;
  } else if constexpr (is_instance<T, std::variant>::value) {
    return 14 + std::visit([](const auto& e) { return size_bound(e); }, v);
  } else if constexpr (is_instance<T, std::tuple>::value || is_instance<T, std::pair>::value) {
    return std::apply([](const auto&... e) { return std::size_t{5} + (std::size_t{0} + ... + size_bound(e)); }, v);
  } else if constexpr (is_instance<T, std::map>::value || is_instance<T, std::unordered_map>::value) {
    std::size_t n = 5;
    for (const auto& [key, value] : v) n += size_bound(key) + size_bound(value);
    return n;
  } else {
    using E = typename T::value_type;
    if constexpr (is_byte_like_v<E> && (is_instance<T, std::vector>::value || is_std_array<T>::value)) {
      return 5 + v.size();
    } else if constexpr (scalar_v<E>) {
      return 5 + v.size() * (std::is_same_v<E, bool> ? 1 : 1 + sizeof(E));
    } else {
      std::size_t n = 5;
      for (const auto& e : v) n += size_bound(e);
      return n;
    }
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

// ---------------------------------------------------------------------------------------------
// Input.

// Skips the one msgpack object that starts at data[pos] in a frame of `size` bytes, moving pos
// past it. `pending` objects are already declared after it (they must fit in the bytes that
// remain too) and `depth` containers enclose it. Returns nullptr, or why the frame is refused
// (truncated, an invalid type byte, more elements declared than bytes left, nesting past
// `max_depth`). Allocates nothing.
const char* skip_object(const unsigned char* data, std::size_t size, std::size_t& pos, std::uint64_t pending,
                        unsigned depth, unsigned max_depth) noexcept;

// Unpacks exactly `size` bytes — one object that skip_object accepted — with strings and
// binaries pointing into them, nesting at most `max_depth` deep. Throws error(protocol).
msgpack::object_handle unpack_slice(const char* data, std::size_t size, unsigned max_depth, const char* what);

inline constexpr unsigned max_depth = 64;

class reader {
 public:
  reader(std::string_view bytes, const char* what, const char* mismatch_message) noexcept
      : begin_(reinterpret_cast<const unsigned char*>(bytes.data())),
        p_(begin_),
        end_(begin_ + bytes.size()),
        what_(what),
        mismatch_(mismatch_message) {}

  [[noreturn]] void malformed(const char* why) const;
  [[noreturn]] void mismatch() const;
  [[noreturn]] void wrong_arity(std::int64_t got) const;

  // Names the argument being read (0-based) and its parameter type, for mismatch()'s message.
  void begin_argument(std::size_t index, const char* type) noexcept {
    argument_ = index + 1;
    argument_type_ = type;
  }

  // Every byte was read.
  void finish() const {
    if (p_ != end_) trailing();
  }

  // Reads the argument array's header: exactly `count` elements.
  void arguments_header(std::size_t count) {
    std::uint32_t n;
    arguments_ = count;
    if (!array_header(n)) wrong_arity(-1);
    if (n != count) wrong_arity(n);
    open(n);
  }
  void close_arguments() { close(); }

  // One element of an open container, returned by value (types msgpack-c converts need not be
  // default-constructible).
  template <class T>
  T take_element() {
    --pending_;
    if constexpr (direct_v<T>) {
      T v{};
      read(v);
      return v;
    } else {
      return fallback<T>();
    }
  }

  // The whole frame through msgpack-c (the top-level value is not a direct type).
  template <class T>
  T take_fallback() {
    return fallback<T>();
  }

  // Reads one object into `v`, in place, as msgpack-c's convert<T> would.
  template <class T>
  void read(T& v);

  // The rest is for the readers below.
  [[noreturn]] void trailing() const;

  std::size_t remaining() const { return static_cast<std::size_t>(end_ - p_); }
  void need(std::size_t n) const {
    if (remaining() < n) malformed("truncated");
  }
  unsigned char peek() const {
    if (p_ == end_) malformed("truncated");
    return *p_;
  }

  // A container of `items` objects begins.
  void open(std::uint64_t items) {
    if (depth_ >= max_depth) malformed("nesting deeper than 64");
    if (pending_ + items > remaining()) malformed("declares more elements than the frame has bytes");
    pending_ += items;
    ++depth_;
  }
  void close() { --depth_; }

  // A container header: fix form (tag | n, n < 16), or a 16-bit or 32-bit count.
  bool sized_header(unsigned char fix_tag, unsigned char code16, unsigned char code32, std::uint32_t& n) {
    const unsigned char b = peek();
    if ((b & 0xf0u) == fix_tag) {
      n = b & 0x0fu;
      ++p_;
    } else if (b == code16) {
      need(3);
      n = wire::load16(p_ + 1);
      p_ += 3;
    } else if (b == code32) {
      need(5);
      n = wire::load32(p_ + 1);
      p_ += 5;
    } else {
      return false;
    }
    return true;
  }
  bool array_header(std::uint32_t& n) { return sized_header(0x90, 0xdc, 0xdd, n); }
  bool map_header(std::uint32_t& n) { return sized_header(0x80, 0xde, 0xdf, n); }
  void array(std::uint32_t& n) {
    if (!array_header(n)) mismatch();
    open(n);
  }
  // A str or bin: its bytes, which stay in the frame.
  bool raw(const char*& data, std::uint32_t& n) {
    const unsigned char b = peek();
    std::size_t h;
    if ((b & 0xe0u) == 0xa0u) {
      n = b & 0x1fu;
      h = 1;
    } else if (b == 0xd9 || b == 0xc4) {
      need(2);
      n = p_[1];
      h = 2;
    } else if (b == 0xda || b == 0xc5) {
      need(3);
      n = wire::load16(p_ + 1);
      h = 3;
    } else if (b == 0xdb || b == 0xc6) {
      need(5);
      n = wire::load32(p_ + 1);
      h = 5;
    } else {
      return false;
    }
    p_ += h;
    if (remaining() < n) malformed("truncated (a value runs past the end)");
    data = reinterpret_cast<const char*>(p_);
    p_ += n;
    return true;
  }

  void skip() {
    std::size_t pos = static_cast<std::size_t>(p_ - begin_);
    if (const char* why = skip_object(begin_, static_cast<std::size_t>(end_ - begin_), pos, pending_, depth_, max_depth)) {
      malformed(why);
    }
    p_ = begin_ + pos;
  }

  template <class T>
  T fallback() {
    const unsigned char* start = p_;
    skip();
    msgpack::object_handle handle =
        unpack_slice(reinterpret_cast<const char*>(start), static_cast<std::size_t>(p_ - start), max_depth - depth_, what_);
    try {
      return handle.get().as<T>();
    } catch (const msgpack::type_error&) {
      mismatch();
    }
  }

  // The scalar readers work on a cursor of their own, so a loop over many keeps it in a
  // register; they return it advanced past what they read.
  void need_at(const unsigned char* p, std::size_t n) const {
    if (static_cast<std::size_t>(end_ - p) < n) malformed("truncated");
  }

  // Integers: returns nullptr (nothing read) when the object at p is not one. `v` holds the
  // value, `negative` says whether it is below zero (then v is its two's complement).
  const unsigned char* integer_at(const unsigned char* p, std::uint64_t& v, bool& negative) const {
    need_at(p, 1);
    const unsigned char b = *p;
    negative = false;
    if (b <= 0x7f) {
      v = b;
      return p + 1;
    }
    if (b >= 0xe0) {
      v = static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<signed char>(b)));
      negative = true;
      return p + 1;
    }
    std::int64_t s;
    switch (b) {
      case 0xcc: need_at(p, 2); v = p[1]; return p + 2;
      case 0xcd: need_at(p, 3); v = wire::load16(p + 1); return p + 3;
      case 0xce: need_at(p, 5); v = wire::load32(p + 1); return p + 5;
      case 0xcf: need_at(p, 9); v = wire::load64(p + 1); return p + 9;
      case 0xd0: need_at(p, 2); s = static_cast<std::int8_t>(p[1]); p += 2; break;
      case 0xd1: need_at(p, 3); s = static_cast<std::int16_t>(wire::load16(p + 1)); p += 3; break;
      case 0xd2: need_at(p, 5); s = static_cast<std::int32_t>(wire::load32(p + 1)); p += 5; break;
      case 0xd3: need_at(p, 9); s = static_cast<std::int64_t>(wire::load64(p + 1)); p += 9; break;
      default: return nullptr;
    }
    v = static_cast<std::uint64_t>(s);
    negative = s < 0;
    return p;
  }

  template <class T>
  void scalar(T& out) {
    p_ = scalar_at(p_, out);
  }

  template <class T>
  const unsigned char* scalar_at(const unsigned char* p, T& out) const {
    need_at(p, 1);
    if constexpr (std::is_same_v<T, bool>) {
      if (*p == 0xc2) {
        out = false;
      } else if (*p == 0xc3) {
        out = true;
      } else {
        mismatch();
      }
      return p + 1;
    } else if constexpr (std::is_same_v<T, std::byte>) {
      unsigned char c;
      p = scalar_at(p, c);
      out = static_cast<std::byte>(c);
      return p;
    } else if constexpr (std::is_integral_v<T>) {
      if constexpr (sizeof(T) == 8) {
        // The 9-byte forms first, without a branch on the sign.
        if (end_ - p >= 9 && ((static_cast<unsigned>(*p) - 0xcfu) & ~4u) == 0) {  // 0xcf or 0xd3
          const std::uint64_t v = wire::load64(p + 1);
          // Out of range: above INT64_MAX in the unsigned form for a signed T, below zero in
          // the signed form for an unsigned T. Arithmetic, not branches, on the form byte.
          const std::uint64_t unsigned_form = static_cast<std::uint64_t>(*p == 0xcf);
          const std::uint64_t wrong_form = std::is_signed_v<T> ? unsigned_form : (unsigned_form ^ 1u);
          if (((v >> 63) & wrong_form) != 0) mismatch();
          out = static_cast<T>(v);
          return p + 9;
        }
      }
      std::uint64_t v;
      bool negative;
      p = integer_at(p, v, negative);
      if (p == nullptr) mismatch();
      if (!negative) {
        if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) mismatch();
        out = static_cast<T>(v);
      } else if constexpr (std::is_signed_v<T>) {
        const auto s = static_cast<std::int64_t>(v);
        if (s < static_cast<std::int64_t>(std::numeric_limits<T>::min())) mismatch();
        out = static_cast<T>(s);
      } else {
        mismatch();
      }
      return p;
    } else {
      static_assert(std::is_floating_point_v<T>);
      const unsigned char b = *p;
      if (b == 0xcb) {
        need_at(p, 9);
        const std::uint64_t bits = wire::load64(p + 1);
        double d;
        std::memcpy(&d, &bits, 8);
        out = static_cast<T>(d);
        return p + 9;
      }
      if (b == 0xca) {
        need_at(p, 5);
        const std::uint32_t bits = wire::load32(p + 1);
        float f;
        std::memcpy(&f, &bits, 4);
        out = static_cast<T>(static_cast<double>(f));  // as msgpack-c: through its double
        return p + 5;
      }
      std::uint64_t v;
      bool negative;
      p = integer_at(p, v, negative);
      if (p == nullptr) mismatch();
      out = negative ? static_cast<T>(static_cast<std::int64_t>(v)) : static_cast<T>(v);
      return p;
    }
  }

  const unsigned char* begin_;
  const unsigned char* p_;
  const unsigned char* end_;
  std::uint64_t pending_ = 0;  // objects declared by open containers and not yet begun
  unsigned depth_ = 0;         // open containers
  const char* what_;
  const char* mismatch_;
  std::size_t argument_ = 0;  // 1-based while an argument is read, else 0
  std::size_t arguments_ = 0;
  const char* argument_type_ = "";
};

// Readers for the class templates, as msgpack-c's convert adaptors do it.
template <class T>
struct reader_for;

template <class T>
struct reader_for<std::vector<T>> {
  static void read(reader& r, std::vector<T>& v) {
    if constexpr (is_byte_like_v<T>) {
      const char* data;
      std::uint32_t n;
      if (!r.raw(data, n)) r.mismatch();
      const T* first = reinterpret_cast<const T*>(data);
      reserve_large(v, n);
      v.assign(first, first + n);
    } else {
      std::uint32_t n;
      r.array(n);
      if constexpr (wire::scalar_v<T> && !std::is_same_v<T, bool>) reserve_large(v, n);
      v.resize(n);
      if constexpr (wire::scalar_v<T> && !std::is_same_v<T, bool>) {
        T* out = v.data();
        const unsigned char* p = r.p_;
        for (std::uint32_t i = 0; i < n; ++i) p = r.scalar_at(p, out[i]);
        r.p_ = p;
        r.pending_ -= n;
      } else if constexpr (std::is_same_v<T, bool>) {
        for (std::uint32_t i = 0; i < n; ++i) {
          bool b;
          r.scalar(b);
          v[i] = b;
        }
        r.pending_ -= n;
      } else {
        for (T& e : v) {
          --r.pending_;
          r.read(e);
        }
      }
      r.close();
    }
  }
};

template <class T, std::size_t N>
struct reader_for<std::array<T, N>> {
  static void read(reader& r, std::array<T, N>& v) {
    if constexpr (is_byte_like_v<T>) {
      const char* data;
      std::uint32_t n;
      if (!r.raw(data, n) || n > N) r.mismatch();
      if (n > 0) std::memcpy(v.data(), data, n);
    } else {
      std::uint32_t n;
      r.array(n);
      if (n > N) r.mismatch();
      for (std::uint32_t i = 0; i < n; ++i) {
        --r.pending_;
        r.read(v[i]);
      }
      r.close();
    }
  }
};

template <class C>
struct sequence_reader {
  static void read(reader& r, C& v) {
    std::uint32_t n;
    r.array(n);
    v.resize(n);
    for (auto& e : v) {
      --r.pending_;
      r.read(e);
    }
    r.close();
  }
};
template <class T>
struct reader_for<std::deque<T>> : sequence_reader<std::deque<T>> {};
template <class T>
struct reader_for<std::list<T>> : sequence_reader<std::list<T>> {};

// msgpack-c inserts a set's elements from the last: of equivalent elements the last one stays.
template <class C>
struct set_reader {
  static void read(reader& r, C& v) {
    std::uint32_t n;
    r.array(n);
    C tmp;
    for (std::uint32_t i = 0; i < n; ++i) {
      --r.pending_;
      typename C::value_type e{};
      r.read(e);
      auto [it, inserted] = tmp.insert(e);
      if (!inserted) {
        it = tmp.erase(it);
        tmp.insert(it, std::move(e));
      }
    }
    r.close();
    v = std::move(tmp);
  }
};
template <class T>
struct reader_for<std::set<T>> : set_reader<std::set<T>> {};
template <class T>
struct reader_for<std::unordered_set<T>> : set_reader<std::unordered_set<T>> {};

// Of repeated keys the last value is converted in place over the earlier one, as in msgpack-c.
template <class M>
struct map_reader {
  static void read(reader& r, M& v) {
    std::uint32_t n;
    if (!r.map_header(n)) r.mismatch();
    r.open(std::uint64_t{2} * n);
    M tmp;
    for (std::uint32_t i = 0; i < n; ++i) {
      r.pending_ -= 2;
      typename M::key_type key{};
      r.read(key);
      r.read(tmp[std::move(key)]);
    }
    r.close();
    v = std::move(tmp);
  }
};
template <class K, class V>
struct reader_for<std::map<K, V>> : map_reader<std::map<K, V>> {};
template <class K, class V>
struct reader_for<std::unordered_map<K, V>> : map_reader<std::unordered_map<K, V>> {};

template <class A, class B>
struct reader_for<std::pair<A, B>> {
  static void read(reader& r, std::pair<A, B>& v) {
    std::uint32_t n;
    if (!r.array_header(n) || n != 2) r.mismatch();
    r.open(2);
    r.pending_ -= 2;
    r.read(v.first);
    r.read(v.second);
    r.close();
  }
};

// A tuple takes as many elements as the array has: missing ones are left alone, extra ones
// skipped (msgpack-c's convert<std::tuple>).
template <class... T>
struct reader_for<std::tuple<T...>> {
  static void read(reader& r, std::tuple<T...>& v) {
    std::uint32_t n;
    r.array(n);
    read_elements(r, v, n, std::index_sequence_for<T...>{});
    for (std::uint32_t i = sizeof...(T); i < n; ++i) {
      --r.pending_;
      r.skip();
    }
    r.close();
  }
  template <std::size_t... I>
  static void read_elements(reader& r, std::tuple<T...>& v, std::uint32_t n, std::index_sequence<I...>) {
    (void)r, (void)v, (void)n;
    ((I < n ? (--r.pending_, r.read(std::get<I>(v))) : void()), ...);
  }
};

template <class T>
struct reader_for<std::optional<T>> {
  static void read(reader& r, std::optional<T>& v) {
    if (r.peek() == 0xc0) {
      ++r.p_;
      v = std::nullopt;
    } else {
      T t{};
      r.read(t);
      v = std::move(t);
    }
  }
};

// gofork's variant adaptor: [index, value].
template <class... T>
struct reader_for<std::variant<T...>> {
  static void read(reader& r, std::variant<T...>& v) {
    std::uint32_t n;
    if (!r.array_header(n) || n != 2) r.mismatch();
    r.open(2);
    r.pending_ -= 2;
    std::size_t index;
    r.scalar(index);
    if (index >= sizeof...(T)) r.mismatch();
    emplace(r, v, index, std::index_sequence_for<T...>{});
    r.close();
  }
  template <std::size_t... I>
  static void emplace(reader& r, std::variant<T...>& v, std::size_t index, std::index_sequence<I...>) {
    ((index == I ? (void)read_alternative<I>(r, v) : void()), ...);
  }
  template <std::size_t I>
  static void read_alternative(reader& r, std::variant<T...>& v) {
    std::variant_alternative_t<I, std::variant<T...>> value{};
    r.read(value);
    v.template emplace<I>(std::move(value));
  }
};

template <class Rep, class Period>
struct reader_for<std::chrono::duration<Rep, Period>> {
  static void read(reader& r, std::chrono::duration<Rep, Period>& v) {
    Rep count{};
    r.read(count);
    v = std::chrono::duration<Rep, Period>(count);
  }
};

template <class T>
void reader::read(T& v) {
  static_assert(direct_v<T>, "reader::read is for directly decoded types");
  if constexpr (wire::scalar_v<T>) {
    scalar(v);
  } else if constexpr (std::is_enum_v<T>) {
    std::underlying_type_t<T> u{};
    scalar(u);
    v = static_cast<T>(u);
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>) {
    const char* data;
    std::uint32_t n;
    if (!raw(data, n)) mismatch();
    if constexpr (std::is_same_v<T, std::string>) {
      reserve_large(v, n);
      v.assign(data, n);
    } else {
      v = T(data, n);
    }
  } else {
    reader_for<T>::read(*this, v);
  }
}

}  // namespace gofork::detail
