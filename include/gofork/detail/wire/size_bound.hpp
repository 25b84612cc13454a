// File: gofork/detail/wire/size_bound.hpp — internal, part of the direct codec; include <gofork/detail/codec.hpp>.
//
// An upper bound of a value's encoded size, so an argument list is encoded with one allocation.
#pragma once

#include <gofork/detail/wire/choice.hpp>

namespace gofork::detail::wire {

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

}  // namespace gofork::detail::wire
