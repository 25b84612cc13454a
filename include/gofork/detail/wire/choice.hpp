// File: gofork/detail/wire/choice.hpp — internal, part of the direct codec; include <gofork/detail/codec.hpp>.
//
// Which codec a type takes. Standard types (arithmetic, strings, the standard containers,
// optional, tuple, pair, variant, durations, enumerations, std::byte) are read straight from
// the frame into their C++ objects and written straight into the output buffer, with no
// msgpack::object tree in between ("direct"). Everything else — user types with generated
// adaptors, MSGPACK_DEFINE, user msgpack adaptors — goes through msgpack-c: on the way in, the
// extent of that one sub-object is found by the scanner and only that slice is unpacked.
#pragma once

#ifndef MSGPACK_NO_BOOST
#define MSGPACK_NO_BOOST  // gofork needs none of msgpack's Boost adaptors
#endif

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
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
#include <variant>
#include <vector>

#include <msgpack.hpp>

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

namespace wire {

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

}  // namespace wire

}  // namespace gofork::detail
