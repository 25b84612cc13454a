// File: gofork/detail/codec.hpp — internal, used by generated code; do not include directly.
//
// msgpack encoding of argument lists and results. Arguments travel as one msgpack array (one
// element per parameter); a result as one msgpack value (nil for void).
#pragma once

#ifndef MSGPACK_NO_BOOST
#define MSGPACK_NO_BOOST  // gofork needs none of msgpack's Boost adaptors
#endif

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include <msgpack.hpp>

#include <gofork/error.hpp>

// msgpack-c has no adaptors for char16_t and char32_t: they travel as unsigned integers.
namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
namespace adaptor {

#define GOFORK_MSGPACK_CHAR_ADAPTOR(type, wide)                                                    \
  template <>                                                                                      \
  struct convert<type> {                                                                           \
    const msgpack::object& operator()(const msgpack::object& o, type& v) const {                   \
      v = static_cast<type>(o.as<wide>());                                                         \
      if (static_cast<wide>(v) != o.as<wide>()) throw msgpack::type_error();                       \
      return o;                                                                                    \
    }                                                                                              \
  };                                                                                               \
  template <>                                                                                      \
  struct pack<type> {                                                                              \
    template <class Stream>                                                                        \
    msgpack::packer<Stream>& operator()(msgpack::packer<Stream>& o, const type& v) const {         \
      return o.pack(static_cast<wide>(v));                                                         \
    }                                                                                              \
  };                                                                                               \
  template <>                                                                                      \
  struct object<type> {                                                                            \
    void operator()(msgpack::object& o, type v) const { o = msgpack::object(static_cast<wide>(v)); } \
  };                                                                                               \
  template <>                                                                                      \
  struct object_with_zone<type> {                                                                  \
    void operator()(msgpack::object::with_zone& o, type v) const {                                 \
      static_cast<msgpack::object&>(o) = msgpack::object(static_cast<wide>(v));                    \
    }                                                                                              \
  };

GOFORK_MSGPACK_CHAR_ADAPTOR(char16_t, std::uint16_t)
GOFORK_MSGPACK_CHAR_ADAPTOR(char32_t, std::uint32_t)
#undef GOFORK_MSGPACK_CHAR_ADAPTOR

}  // namespace adaptor
}  // MSGPACK_API_VERSION_NAMESPACE
}  // namespace msgpack

namespace gofork::detail {

// A msgpack output stream appending to a std::string.
struct string_sink {
  std::string bytes;
  void write(const char* data, std::size_t size) { bytes.append(data, size); }
};

}  // namespace gofork::detail

// msgpack-c 4 packs an integral-valued float or double as an integer, which turns -0.0 into 0.
// gofork's own stream always writes float32 / float64, so every value crosses bit for bit.
namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(v1) {

template <>
inline packer<gofork::detail::string_sink>& packer<gofork::detail::string_sink>::pack_double(double d) {
  std::uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  char buf[9];
  buf[0] = static_cast<char>(0xcbu);
  _msgpack_store64(&buf[1], bits);
  append_buffer(buf, sizeof buf);
  return *this;
}

template <>
inline packer<gofork::detail::string_sink>& packer<gofork::detail::string_sink>::pack_float(float f) {
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

template <class... V>
std::string encode_arguments(const V&... args) {
  string_sink sink;
  msgpack::packer<string_sink> packer(sink);
  packer.pack_array(static_cast<std::uint32_t>(sizeof...(V)));
  (packer.pack(args), ...);
  return std::move(sink.bytes);
}

template <class T>
std::string encode_value(const T& value) {
  string_sink sink;
  msgpack::pack(sink, value);
  return std::move(sink.bytes);
}

inline std::string encode_nil() { return std::string(1, '\xc0'); }

// Parses exactly one msgpack value spanning all of `bytes`, under limits that make a hostile
// frame fail instead of allocating: no container or string may declare more elements than the
// frame has bytes, and nesting stops at 64. Throws error(protocol) on any violation.
msgpack::object_handle parse_frame(std::string_view bytes, const char* what);

template <class Tuple, std::size_t... I>
Tuple convert_array(const msgpack::object& array, std::index_sequence<I...>) {
  return Tuple{array.via.array.ptr[I].as<std::tuple_element_t<I, Tuple>>()...};
}

// Decodes an argument array into a tuple of the parameters' value types.
template <class Tuple>
Tuple decode_arguments(std::string_view bytes) {
  msgpack::object_handle handle = parse_frame(bytes, "argument frame");
  const msgpack::object& obj = handle.get();
  constexpr std::size_t count = std::tuple_size_v<Tuple>;
  if (obj.type != msgpack::type::ARRAY || obj.via.array.size != count) {
    throw error(error_kind::protocol, "gofork: argument frame has the wrong number of arguments");
  }
  try {
    return convert_array<Tuple>(obj, std::make_index_sequence<count>{});
  } catch (const msgpack::type_error&) {
    throw error(error_kind::protocol, "gofork: argument frame does not match the function's parameter types");
  }
}

template <class R>
R decode_value(std::string_view bytes) {
  msgpack::object_handle handle = parse_frame(bytes, "result frame");
  try {
    return handle.get().as<R>();
  } catch (const msgpack::type_error&) {
    throw error(error_kind::protocol, "gofork: result frame does not match the function's return type");
  }
}

}  // namespace gofork::detail

#include <gofork/detail/adaptors.hpp>
