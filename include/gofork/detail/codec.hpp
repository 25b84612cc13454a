// File: gofork/detail/codec.hpp — internal, used by generated code; do not include directly.
//
// msgpack encoding of argument lists and results. Arguments travel as one msgpack array (one
// element per parameter); a result as one msgpack value (nil for void).
#pragma once

#ifndef MSGPACK_NO_BOOST
#define MSGPACK_NO_BOOST  // gofork needs none of msgpack's Boost adaptors
#endif

#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include <msgpack.hpp>

#include <gofork/error.hpp>

namespace gofork::detail {

// A msgpack output stream appending to a std::string.
struct string_sink {
  std::string bytes;
  void write(const char* data, std::size_t size) { bytes.append(data, size); }
};

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
