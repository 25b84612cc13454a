// File: gofork/detail/adaptors.hpp — internal, included by codec.hpp; do not include directly.
//
// msgpack adaptors for standard types msgpack-c (without Boost) does not handle: enumerations
// (the underlying integer), std::chrono::duration (the count), std::variant ([index, value])
// and char8_t. User classes get theirs from gofork-gen, in the generated headers.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <variant>

#include <msgpack.hpp>

namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
namespace adaptor {

// Enumerations, scoped or not. A user's MSGPACK_ADD_ENUM is a full specialisation and wins.
template <class E>
struct convert<E, std::enable_if_t<std::is_enum_v<E>>> {
  using gofork_native = void;  // the direct codec (wire.hpp) may handle the type itself
  const msgpack::object& operator()(const msgpack::object& o, E& v) const {
    v = static_cast<E>(o.as<std::underlying_type_t<E>>());
    return o;
  }
};

template <class E>
struct pack<E, std::enable_if_t<std::is_enum_v<E>>> {
  using gofork_native = void;  // the direct codec (wire.hpp) may handle the type itself
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
  using gofork_native = void;  // the direct codec (wire.hpp) may handle the type itself
  const msgpack::object& operator()(const msgpack::object& o, std::chrono::duration<Rep, Period>& v) const {
    v = std::chrono::duration<Rep, Period>(o.as<Rep>());
    return o;
  }
};

template <class Rep, class Period>
struct pack<std::chrono::duration<Rep, Period>> {
  using gofork_native = void;  // the direct codec (wire.hpp) may handle the type itself
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
  using gofork_native = void;  // the direct codec (wire.hpp) may handle the type itself
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

template <class... T>
struct pack<std::variant<T...>> {
  using gofork_native = void;  // the direct codec (wire.hpp) may handle the type itself
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
#endif

}  // namespace adaptor
}  // MSGPACK_API_VERSION_NAMESPACE
}  // namespace msgpack
