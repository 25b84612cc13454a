// File: gofork/detail/wire/huge_pages.hpp — internal, part of the direct codec; include <gofork/detail/codec.hpp>.
//
// Buffers this large — a decoded container, an encoded frame — are filled through transparent
// huge pages where the system grants them on request (THP "madvise" mode): one page fault per
// 2 MiB instead of 512.
#pragma once

#include <cstddef>

namespace gofork::detail {

inline constexpr std::size_t large_buffer_bytes = std::size_t{4} << 20;
// Advises huge pages for the 2 MiB-aligned part of [data, data + bytes); failures are ignored.
void advise_huge_pages(void* data, std::size_t bytes) noexcept;

}  // namespace gofork::detail
