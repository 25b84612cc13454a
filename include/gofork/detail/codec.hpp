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

#include <gofork/detail/adaptors.hpp>
// The direct codec, in its parts (include/gofork/detail/wire/).
#include <gofork/detail/wire/choice.hpp>
#include <gofork/detail/wire/container_readers.hpp>
#include <gofork/detail/wire/reader.hpp>
#include <gofork/detail/wire/scanner.hpp>
#include <gofork/detail/wire/sink.hpp>
#include <gofork/detail/wire/size_bound.hpp>
#include <gofork/detail/wire/writer.hpp>

namespace gofork::detail {

// An upper bound of an argument list's encoded size, when every argument has one.
template <class... V>
std::size_t arguments_size_hint(const V&... args) {
  return (std::size_t{5} + ... + wire::size_bound(args));
}

template <class... V>
void put_arguments(sink& s, const V&... args) {
  wire::put_array(s, sizeof...(V));
  (put(s, args), ...);
}

template <class... V>
std::string encode_arguments(const V&... args) {
  sink s(arguments_size_hint(args...));
  put_arguments(s, args...);
  return s.finish();
}

template <class T>
std::string encode_value(const T& value) {
  sink s(wire::size_bound(value));
  put(s, value);
  return s.finish();
}

inline std::string encode_nil() { return std::string(1, '\xc0'); }

// Parses exactly one msgpack value spanning all of `bytes`, under limits that make a hostile
// frame fail instead of allocating: no container or string may declare more elements than the
// frame has bytes, and nesting stops at 64. Throws error(protocol) on any violation. (The
// decoders below do not need it: they read the frame directly under the same limits.)
msgpack::object_handle parse_frame(std::string_view bytes, const char* what);

// The compiler's spelling of T ("int", "std::vector<double>"), for decoding errors.
template <class T>
const char* parameter_type_name() {
  // Read here, not in the lambda, whose own name it would be: "... [with T = int]" (gcc), "... [T = int]" (clang).
  const std::string_view pretty = __PRETTY_FUNCTION__;
  static const std::string name = [pretty] {
    const std::size_t from = pretty.find("T = ");
    if (from == std::string_view::npos) return std::string("parameter");
    const std::size_t to = pretty.find_first_of(";]", from);
    return std::string(pretty.substr(from + 4, to == std::string_view::npos ? std::string_view::npos : to - from - 4));
  }();
  return name.c_str();
}

template <class Tuple, std::size_t... I>
Tuple take_arguments(reader& r, std::index_sequence<I...>) {
  (void)r;
  // Braced initialisation: the elements are read in order, each named first for its errors.
  return Tuple{(r.begin_argument(I, parameter_type_name<std::tuple_element_t<I, Tuple>>()),
                r.take_element<std::tuple_element_t<I, Tuple>>())...};
}

// Decodes an argument array into a tuple of the parameters' value types.
template <class Tuple>
Tuple decode_arguments(std::string_view bytes) {
  reader r(bytes, "argument frame", "gofork: argument frame does not match the function's parameter types");
  r.arguments_header(std::tuple_size_v<Tuple>);
  Tuple decoded = take_arguments<Tuple>(r, std::make_index_sequence<std::tuple_size_v<Tuple>>{});
  r.close_arguments();
  r.finish();
  return decoded;
}

template <class R>
R decode_value(std::string_view bytes) {
  reader r(bytes, "result frame", "gofork: result frame does not match the function's return type");
  if constexpr (direct_v<R>) {
    R value{};
    r.read(value);
    r.finish();
    return value;
  } else {
    R value = r.take_fallback<R>();
    r.finish();
    return value;
  }
}

}  // namespace gofork::detail
