// File: gofork/detail/adaptors.hpp — internal, included by codec.hpp; do not include directly.
//
// msgpack adaptors for standard types msgpack-c (without Boost) does not handle, or handles in
// a way that does not round-trip: enumerations (the underlying integer), std::chrono::duration
// (the count), std::chrono::time_point (the count of its duration since the clock's epoch; not
// msgpack's timestamp, which rounds to nanoseconds), std::variant ([index, value]),
// std::monostate (nil), std::bitset (bin, bit i in byte i / 8), std::filesystem::path (str, its
// native bytes), std::u16string / std::u32string (arrays of code units), std::u8string (str) and
// char8_t. User classes get theirs from gofork-gen, in the generated headers.
#pragma once

#include <bitset>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#if __cplusplus >= 202002L && __has_include(<span>)
#include <span>
#define GOFORK_HAS_SPAN 1
#endif

#include <msgpack.hpp>

namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
namespace adaptor {

// Enumerations, scoped or not. A user's MSGPACK_ADD_ENUM is a full specialisation and wins.
template <class E>
struct convert<E, std::enable_if_t<std::is_enum_v<E>>> {
  using gofork_native = void;  // the direct codec (wire/choice.hpp) may handle the type itself
  const msgpack::object& operator()(const msgpack::object& o, E& v) const {
    v = static_cast<E>(o.as<std::underlying_type_t<E>>());
    return o;
  }
};

template <class E>
struct pack<E, std::enable_if_t<std::is_enum_v<E>>> {
  using gofork_native = void;  // the direct codec (wire/choice.hpp) may handle the type itself
  template <class Stream>
  msgpack::packer<Stream>& operator()(msgpack::packer<Stream>& o, const E& v) const {
    return o.pack(static_cast<std::underlying_type_t<E>>(v));
  }
};

template <class E>
struct object<E, std::enable_if_t<std::is_enum_v<E>>> {
  void operator()(msgpack::object& o, const E& v) const {
    o = msgpack::object(static_cast<std::underlying_type_t<E>>(v));
  }
};

template <class E>
struct object_with_zone<E, std::enable_if_t<std::is_enum_v<E>>> {
  void operator()(msgpack::object::with_zone& o, const E& v) const {
    static_cast<msgpack::object&>(o) = msgpack::object(static_cast<std::underlying_type_t<E>>(v));
  }
};

// Durations travel as their count; the unit is part of the type on both sides.
template <class Rep, class Period>
struct convert<std::chrono::duration<Rep, Period>> {
  using gofork_native = void;  // the direct codec (wire/choice.hpp) may handle the type itself
  const msgpack::object& operator()(const msgpack::object& o, std::chrono::duration<Rep, Period>& v) const {
    v = std::chrono::duration<Rep, Period>(o.as<Rep>());
    return o;
  }
};

template <class Rep, class Period>
struct pack<std::chrono::duration<Rep, Period>> {
  using gofork_native = void;  // the direct codec (wire/choice.hpp) may handle the type itself
  template <class Stream>
  msgpack::packer<Stream>& operator()(msgpack::packer<Stream>& o, const std::chrono::duration<Rep, Period>& v) const {
    return o.pack(v.count());
  }
};

template <class Rep, class Period>
struct object_with_zone<std::chrono::duration<Rep, Period>> {
  void operator()(msgpack::object::with_zone& o, const std::chrono::duration<Rep, Period>& v) const {
    msgpack::adaptor::object_with_zone<Rep>()(o, v.count());
  }
};

// std::variant as [index, value]. A valueless variant cannot be packed (it has no index).
template <class... T>
struct convert<std::variant<T...>> {
  using gofork_native = void;  // the direct codec (wire/choice.hpp) may handle the type itself
  const msgpack::object& operator()(const msgpack::object& o, std::variant<T...>& v) const {
    if (o.type != msgpack::type::ARRAY || o.via.array.size != 2) throw msgpack::type_error();
    const std::size_t index = o.via.array.ptr[0].as<std::size_t>();
    if (index >= sizeof...(T)) throw msgpack::type_error();
    assign(o.via.array.ptr[1], index, v, std::index_sequence_for<T...>{});
    return o;
  }

 private:
  template <std::size_t... I>
  static void assign(const msgpack::object& value, std::size_t index, std::variant<T...>& v,
                     std::index_sequence<I...>) {
    // Exactly one alternative matches the index; emplace by index so repeated types stay distinct.
    ((index == I ? (void)v.template emplace<I>(value.as<std::variant_alternative_t<I, std::variant<T...>>>())
                 : (void)0),
     ...);
  }
};

// A variant whose first alternative has no default constructor (a class gofork-gen builds from
// its fields) cannot be converted into: it is built from the alternative its index names.
template <class... T>
struct as<std::variant<T...>, std::enable_if_t<!std::is_default_constructible_v<std::variant<T...>>>> {
  std::variant<T...> operator()(const msgpack::object& o) const {
    if (o.type != msgpack::type::ARRAY || o.via.array.size != 2) throw msgpack::type_error();
    const std::size_t index = o.via.array.ptr[0].as<std::size_t>();
    if (index >= sizeof...(T)) throw msgpack::type_error();
    return build(o.via.array.ptr[1], index, std::index_sequence_for<T...>{});
  }

 private:
  template <std::size_t... I>
  static std::variant<T...> build(const msgpack::object& value, std::size_t index, std::index_sequence<I...>) {
    std::optional<std::variant<T...>> built;
    ((index == I ? (void)built.emplace(std::in_place_index<I>,
                                       value.as<std::variant_alternative_t<I, std::variant<T...>>>())
                 : (void)0),
     ...);
    return std::move(*built);
  }
};

template <class... T>
struct pack<std::variant<T...>> {
  using gofork_native = void;  // the direct codec (wire/choice.hpp) may handle the type itself
  template <class Stream>
  msgpack::packer<Stream>& operator()(msgpack::packer<Stream>& o, const std::variant<T...>& v) const {
    if (v.valueless_by_exception()) throw msgpack::type_error();
    o.pack_array(2);
    o.pack(static_cast<std::uint64_t>(v.index()));
    std::visit([&o](const auto& value) { o.pack(value); }, v);
    return o;
  }
};

template <class... T>
struct object_with_zone<std::variant<T...>> {
  void operator()(msgpack::object::with_zone& o, const std::variant<T...>& v) const {
    if (v.valueless_by_exception()) throw msgpack::type_error();
    o.type = msgpack::type::ARRAY;
    o.via.array.size = 2;
    o.via.array.ptr = static_cast<msgpack::object*>(
        o.zone.allocate_align(sizeof(msgpack::object) * 2, MSGPACK_ZONE_ALIGNOF(msgpack::object)));
    o.via.array.ptr[0] = msgpack::object(static_cast<std::uint64_t>(v.index()), o.zone);
    std::visit([&o](const auto& value) { o.via.array.ptr[1] = msgpack::object(value, o.zone); }, v);
  }
};

// A time point is its duration since the clock's epoch. More specialised than msgpack-c's own
// (any Duration), so this one is chosen.
template <class Clock, class Rep, class Period>
struct convert<std::chrono::time_point<Clock, std::chrono::duration<Rep, Period>>> {
  using point = std::chrono::time_point<Clock, std::chrono::duration<Rep, Period>>;
  const msgpack::object& operator()(const msgpack::object& o, point& v) const {
    v = point(std::chrono::duration<Rep, Period>(o.as<Rep>()));
    return o;
  }
};

template <class Clock, class Rep, class Period>
struct pack<std::chrono::time_point<Clock, std::chrono::duration<Rep, Period>>> {
  using point = std::chrono::time_point<Clock, std::chrono::duration<Rep, Period>>;
  template <class Stream>
  msgpack::packer<Stream>& operator()(msgpack::packer<Stream>& o, const point& v) const {
    return o.pack(v.time_since_epoch().count());
  }
};

template <class Clock, class Rep, class Period>
struct object_with_zone<std::chrono::time_point<Clock, std::chrono::duration<Rep, Period>>> {
  using point = std::chrono::time_point<Clock, std::chrono::duration<Rep, Period>>;
  void operator()(msgpack::object::with_zone& o, const point& v) const {
    msgpack::adaptor::object_with_zone<Rep>()(o, v.time_since_epoch().count());
  }
};

// std::monostate, the empty alternative of a variant: nil.
template <>
struct convert<std::monostate> {
  const msgpack::object& operator()(const msgpack::object& o, std::monostate&) const {
    if (o.type != msgpack::type::NIL) throw msgpack::type_error();
    return o;
  }
};

template <>
struct pack<std::monostate> {
  template <class Stream>
  msgpack::packer<Stream>& operator()(msgpack::packer<Stream>& o, const std::monostate&) const {
    return o.pack_nil();
  }
};

template <>
struct object_with_zone<std::monostate> {
  void operator()(msgpack::object::with_zone& o, const std::monostate&) const { o.type = msgpack::type::NIL; }
};

// std::bitset<N>: (N + 7) / 8 bytes, bit i in byte i / 8 at 1 << (i % 8). Padding bits must be 0.
template <std::size_t N>
struct convert<std::bitset<N>> {
  const msgpack::object& operator()(const msgpack::object& o, std::bitset<N>& v) const {
    if (o.type != msgpack::type::BIN || o.via.bin.size != (N + 7) / 8) throw msgpack::type_error();
    v.reset();
    for (std::size_t byte = 0; byte < o.via.bin.size; ++byte) {
      const auto bits = static_cast<unsigned char>(o.via.bin.ptr[byte]);
      for (std::size_t bit = 0; bit < 8; ++bit) {
        if ((bits & (1u << bit)) == 0) continue;
        if (byte * 8 + bit >= N) throw msgpack::type_error();
        v.set(byte * 8 + bit);
      }
    }
    return o;
  }
};

template <std::size_t N>
struct pack<std::bitset<N>> {
  template <class Stream>
  msgpack::packer<Stream>& operator()(msgpack::packer<Stream>& o, const std::bitset<N>& v) const {
    std::string bytes((N + 7) / 8, '\0');
    for (std::size_t i = 0; i < N; ++i) {
      if (v.test(i)) bytes[i / 8] = static_cast<char>(static_cast<unsigned char>(bytes[i / 8]) | (1u << (i % 8)));
    }
    o.pack_bin(static_cast<std::uint32_t>(bytes.size()));
    o.pack_bin_body(bytes.data(), static_cast<std::uint32_t>(bytes.size()));
    return o;
  }
};

template <std::size_t N>
struct object_with_zone<std::bitset<N>> {
  void operator()(msgpack::object::with_zone& o, const std::bitset<N>& v) const {
    constexpr std::size_t size = (N + 7) / 8;
    char* bytes = static_cast<char*>(o.zone.allocate_no_align(size == 0 ? 1 : size));
    for (std::size_t i = 0; i < size; ++i) bytes[i] = 0;
    for (std::size_t i = 0; i < N; ++i) {
      if (v.test(i)) bytes[i / 8] = static_cast<char>(static_cast<unsigned char>(bytes[i / 8]) | (1u << (i % 8)));
    }
    o.type = msgpack::type::BIN;
    o.via.bin.size = static_cast<std::uint32_t>(size);
    o.via.bin.ptr = bytes;
  }
};

// std::filesystem::path: its native bytes as a str (a POSIX path is any bytes but NUL).
template <>
struct convert<std::filesystem::path> {
  const msgpack::object& operator()(const msgpack::object& o, std::filesystem::path& v) const {
    v = std::filesystem::path(o.as<std::string>());
    return o;
  }
};

template <>
struct pack<std::filesystem::path> {
  template <class Stream>
  msgpack::packer<Stream>& operator()(msgpack::packer<Stream>& o, const std::filesystem::path& v) const {
    return o.pack(v.native());
  }
};

template <>
struct object_with_zone<std::filesystem::path> {
  void operator()(msgpack::object::with_zone& o, const std::filesystem::path& v) const {
    msgpack::adaptor::object_with_zone<std::string>()(o, v.native());
  }
};

}  // namespace adaptor
}  // MSGPACK_API_VERSION_NAMESPACE
}  // namespace msgpack

namespace gofork::detail {

// std::u16string and std::u32string: arrays of code units (each range-checked on the way in).
template <class S>
struct code_unit_string {
  using unit = typename S::value_type;
  using wire_unit = std::conditional_t<sizeof(unit) == 2, std::uint16_t, std::uint32_t>;

  static void convert(const msgpack::object& o, S& v) {
    if (o.type != msgpack::type::ARRAY) throw msgpack::type_error();
    S out;
    out.reserve(o.via.array.size);
    for (std::uint32_t i = 0; i < o.via.array.size; ++i) out.push_back(static_cast<unit>(o.via.array.ptr[i].as<wire_unit>()));
    v = std::move(out);
  }
  template <class Stream>
  static void pack(msgpack::packer<Stream>& o, const S& v) {
    o.pack_array(static_cast<std::uint32_t>(v.size()));
    for (unit c : v) o.pack(static_cast<wire_unit>(c));
  }
  static void object(msgpack::object::with_zone& o, const S& v) {
    o.type = msgpack::type::ARRAY;
    o.via.array.size = static_cast<std::uint32_t>(v.size());
    o.via.array.ptr = v.empty() ? nullptr
                                : static_cast<msgpack::object*>(o.zone.allocate_align(
                                      sizeof(msgpack::object) * v.size(), MSGPACK_ZONE_ALIGNOF(msgpack::object)));
    for (std::size_t i = 0; i < v.size(); ++i) o.via.array.ptr[i] = msgpack::object(static_cast<wire_unit>(v[i]));
  }
};

}  // namespace gofork::detail

namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
namespace adaptor {

#define GOFORK_CODE_UNIT_STRING(S)                                                                  \
  template <>                                                                                       \
  struct convert<S> {                                                                               \
    const msgpack::object& operator()(const msgpack::object& o, S& v) const {                       \
      ::gofork::detail::code_unit_string<S>::convert(o, v);                                         \
      return o;                                                                                     \
    }                                                                                               \
  };                                                                                                \
  template <>                                                                                       \
  struct pack<S> {                                                                                  \
    template <class Stream>                                                                         \
    msgpack::packer<Stream>& operator()(msgpack::packer<Stream>& o, const S& v) const {             \
      ::gofork::detail::code_unit_string<S>::pack(o, v);                                            \
      return o;                                                                                     \
    }                                                                                               \
  };                                                                                                \
  template <>                                                                                       \
  struct object_with_zone<S> {                                                                      \
    void operator()(msgpack::object::with_zone& o, const S& v) const {                              \
      ::gofork::detail::code_unit_string<S>::object(o, v);                                          \
    }                                                                                               \
  };
GOFORK_CODE_UNIT_STRING(std::u16string)
GOFORK_CODE_UNIT_STRING(std::u32string)
#undef GOFORK_CODE_UNIT_STRING

#if defined(__cpp_char8_t)
// char8_t (C++20) travels like the other character types: as an unsigned integer.
template <>
struct convert<char8_t> {
  const msgpack::object& operator()(const msgpack::object& o, char8_t& v) const {
    v = static_cast<char8_t>(o.as<std::uint8_t>());
    return o;
  }
};

template <>
struct pack<char8_t> {
  template <class Stream>
  msgpack::packer<Stream>& operator()(msgpack::packer<Stream>& o, const char8_t& v) const {
    return o.pack(static_cast<std::uint8_t>(v));
  }
};

template <>
struct object<char8_t> {
  void operator()(msgpack::object& o, char8_t v) const { o = msgpack::object(static_cast<std::uint8_t>(v)); }
};

template <>
struct object_with_zone<char8_t> {
  void operator()(msgpack::object::with_zone& o, char8_t v) const {
    static_cast<msgpack::object&>(o) = msgpack::object(static_cast<std::uint8_t>(v));
  }
};

// std::u8string: UTF-8 bytes, so a str like std::string.
template <>
struct convert<std::u8string> {
  const msgpack::object& operator()(const msgpack::object& o, std::u8string& v) const {
    if (o.type != msgpack::type::STR && o.type != msgpack::type::BIN) throw msgpack::type_error();
    const char* data = o.type == msgpack::type::STR ? o.via.str.ptr : o.via.bin.ptr;
    const std::uint32_t size = o.type == msgpack::type::STR ? o.via.str.size : o.via.bin.size;
    v.assign(reinterpret_cast<const char8_t*>(data), size);
    return o;
  }
};

template <>
struct pack<std::u8string> {
  template <class Stream>
  msgpack::packer<Stream>& operator()(msgpack::packer<Stream>& o, const std::u8string& v) const {
    o.pack_str(static_cast<std::uint32_t>(v.size()));
    o.pack_str_body(reinterpret_cast<const char*>(v.data()), static_cast<std::uint32_t>(v.size()));
    return o;
  }
};

template <>
struct object_with_zone<std::u8string> {
  void operator()(msgpack::object::with_zone& o, const std::u8string& v) const {
    char* copy = static_cast<char*>(o.zone.allocate_no_align(v.empty() ? 1 : v.size()));
    if (!v.empty()) std::memcpy(copy, v.data(), v.size());
    o.type = msgpack::type::STR;
    o.via.str.size = static_cast<std::uint32_t>(v.size());
    o.via.str.ptr = copy;
  }
};
#endif

}  // namespace adaptor
}  // MSGPACK_API_VERSION_NAMESPACE
}  // namespace msgpack

namespace gofork::detail {

// C arrays as data members of user classes (generated adaptors call these). Unlike msgpack-c's
// own, the size must match exactly both ways, and char / unsigned char / std::byte arrays travel
// as bin with all their N bytes, NULs and what follows them included: the array comes back equal.
template <class T>
inline constexpr bool is_byte_element_v =
    std::is_same_v<T, char> || std::is_same_v<T, unsigned char> || std::is_same_v<T, std::byte>;

template <class T, std::size_t N>
void convert_c_array(const msgpack::object& o, T (&v)[N]) {
  if constexpr (is_byte_element_v<T>) {
    if (o.type != msgpack::type::BIN || o.via.bin.size != N) throw msgpack::type_error();
    std::memcpy(v, o.via.bin.ptr, N);
  } else {
    if (o.type != msgpack::type::ARRAY || o.via.array.size != N) throw msgpack::type_error();
    for (std::size_t i = 0; i < N; ++i) {
      if constexpr (std::is_array_v<T>) {
        convert_c_array(o.via.array.ptr[i], v[i]);
      } else {
        o.via.array.ptr[i].convert(v[i]);
      }
    }
  }
}

template <class Stream, class T, std::size_t N>
void pack_c_array(msgpack::packer<Stream>& o, const T (&v)[N]) {
  if constexpr (is_byte_element_v<T>) {
    o.pack_bin(static_cast<std::uint32_t>(N));
    o.pack_bin_body(reinterpret_cast<const char*>(v), static_cast<std::uint32_t>(N));
  } else {
    o.pack_array(static_cast<std::uint32_t>(N));
    for (const auto& e : v) {
      if constexpr (std::is_array_v<T>) {
        pack_c_array(o, e);
      } else {
        o.pack(e);
      }
    }
  }
}

template <class T, std::size_t N>
msgpack::object c_array_object(const T (&v)[N], msgpack::zone& zone) {
  msgpack::object o;
  if constexpr (is_byte_element_v<T>) {
    char* copy = static_cast<char*>(zone.allocate_no_align(N));
    std::memcpy(copy, v, N);
    o.type = msgpack::type::BIN;
    o.via.bin.size = static_cast<std::uint32_t>(N);
    o.via.bin.ptr = copy;
  } else {
    o.type = msgpack::type::ARRAY;
    o.via.array.size = static_cast<std::uint32_t>(N);
    o.via.array.ptr = static_cast<msgpack::object*>(
        zone.allocate_align(sizeof(msgpack::object) * N, MSGPACK_ZONE_ALIGNOF(msgpack::object)));
    for (std::size_t i = 0; i < N; ++i) {
      if constexpr (std::is_array_v<T>) {
        o.via.array.ptr[i] = c_array_object(v[i], zone);
      } else {
        o.via.array.ptr[i] = msgpack::object(v[i], zone);
      }
    }
  }
  return o;
}

}  // namespace gofork::detail

#if defined(GOFORK_HAS_SPAN)
namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
namespace adaptor {

// A std::span<const T> argument is sent as the std::vector<T> the child decodes: an array (a bin
// for the byte types, through msgpack-c's own full specialisations, which win over this one).
template <class T, std::size_t Extent>
struct pack<std::span<const T, Extent>> {
  template <class Stream>
  msgpack::packer<Stream>& operator()(msgpack::packer<Stream>& o, const std::span<const T, Extent>& v) const {
    if constexpr (::gofork::detail::is_byte_element_v<T>) {
      o.pack_bin(static_cast<std::uint32_t>(v.size()));
      o.pack_bin_body(reinterpret_cast<const char*>(v.data()), static_cast<std::uint32_t>(v.size()));
    } else {
      o.pack_array(static_cast<std::uint32_t>(v.size()));
      for (const T& e : v) o.pack(e);
    }
    return o;
  }
};

}  // namespace adaptor
}  // MSGPACK_API_VERSION_NAMESPACE
}  // namespace msgpack
#endif
