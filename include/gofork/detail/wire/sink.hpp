// File: gofork/detail/wire/sink.hpp — internal, part of the direct codec; include <gofork/detail/codec.hpp>.
//
// The output buffer: encoded bytes grow in it (or in a caller's mapped buffer until that is
// full), and msgpack-c's packer writes to it too, with floats kept bit for bit.
#pragma once

#ifndef MSGPACK_NO_BOOST
#define MSGPACK_NO_BOOST  // gofork needs none of msgpack's Boost adaptors
#endif

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <msgpack.hpp>

#include <gofork/detail/wire/huge_pages.hpp>

namespace gofork::detail {

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
      if (capacity >= large_buffer_bytes && buffer_.capacity() < capacity) {
        buffer_.reserve(capacity);
        advise_huge_pages(buffer_.data(), capacity);
      }
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
