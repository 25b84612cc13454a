// File: gofork/detail/wire/reader.hpp — internal, part of the direct codec; include <gofork/detail/codec.hpp>.
//
// The direct reader: one pass over a frame that decodes scalars and strings into their C++
// objects and enforces the frame limits as it goes — no container may declare more elements
// than the frame has bytes left (counting every element still pending), and nesting stops at
// 64. It accepts exactly what msgpack-c's convert adaptors accept (integers range-checked, an
// integer for a floating-point target, bool only from bool, str or bin for strings and byte
// vectors, ...). The standard containers are read by container_readers.hpp.
#pragma once

#include <cstring>
#include <limits>

#include <gofork/detail/wire/bytes.hpp>
#include <gofork/detail/wire/choice.hpp>
#include <gofork/detail/wire/huge_pages.hpp>
#include <gofork/detail/wire/scanner.hpp>
#include <gofork/error.hpp>

namespace gofork::detail {

template <class C>
void reserve_large(C& c, std::size_t n) {
  if (n * sizeof(typename C::value_type) < large_buffer_bytes) return;
  c.reserve(n);
  advise_huge_pages(c.data(), n * sizeof(typename C::value_type));
}

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

}  // namespace gofork::detail
