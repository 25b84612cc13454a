// File: gofork/detail/wire/container_readers.hpp — internal, part of the direct codec; include <gofork/detail/codec.hpp>.
//
// The direct reader for the standard class templates, as msgpack-c's convert adaptors read them,
// and reader::read, which picks the reader for a type.
#pragma once

#include <gofork/detail/wire/reader.hpp>

namespace gofork::detail {

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
