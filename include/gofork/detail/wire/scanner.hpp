// File: gofork/detail/wire/scanner.hpp — internal, part of the direct codec; include <gofork/detail/codec.hpp>.
//
// Finding the extent of one msgpack object without allocating (the direct reader uses it to
// hand msgpack-c just the slice of a type it decodes; frames are checked with it before
// anything is decoded). Defined in runtime/frame_budget.cpp.
#pragma once

#ifndef MSGPACK_NO_BOOST
#define MSGPACK_NO_BOOST  // gofork needs none of msgpack's Boost adaptors
#endif

#include <cstddef>
#include <cstdint>

#include <msgpack.hpp>

namespace gofork::detail {

// Skips the one msgpack object that starts at data[pos] in a frame of `size` bytes, moving pos
// past it. `pending` objects are already declared after it (they must fit in the bytes that
// remain too) and `depth` containers enclose it. Returns nullptr, or why the frame is refused
// (truncated, an invalid type byte, more elements declared than bytes left, nesting past
// `max_depth`). Allocates nothing.
const char* skip_object(const unsigned char* data, std::size_t size, std::size_t& pos, std::uint64_t pending,
                        unsigned depth, unsigned max_depth) noexcept;

// Unpacks exactly `size` bytes — one object that skip_object accepted — with strings and
// binaries pointing into them, nesting at most `max_depth` deep. Throws error(protocol).
msgpack::object_handle unpack_slice(const char* data, std::size_t size, unsigned max_depth, const char* what);

inline constexpr unsigned max_depth = 64;

}  // namespace gofork::detail
