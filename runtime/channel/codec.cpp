#include <sys/mman.h>

#include <cstdint>
#include <new>
#include <string>

#include <gofork/detail/codec.hpp>

#include "channel/frame_budget.hpp"

namespace gofork::detail {

void advise_huge_pages(void* data, std::size_t bytes) noexcept {
  constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
  const auto start = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (start + huge - 1) & ~(huge - 1);
  const std::uintptr_t last = (start + bytes) & ~(huge - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

namespace {

[[noreturn]] void refuse(const char* what, const char* why) {
  throw error(error_kind::protocol, std::string("gofork: malformed ") + what + ": " + why);
}

msgpack::object_handle unpack_limited(const char* data, std::size_t n, std::size_t& offset, unsigned depth,
                                      const char* what) {
  // Every element of a container or string needs at least one byte of the frame, so no honest
  // frame declares more than n of them; the depth limit bounds recursion.
  msgpack::unpack_limit limit(n, n, n, n, n, depth);
  try {
    // Strings and binaries point into the frame instead of being copied: the frame outlives
    // the conversion in both directions (the request mapping, the parent's reply buffer).
    return msgpack::unpack(data, n, offset, [](msgpack::type::object_type, std::size_t, void*) { return true; },
                           nullptr, limit);
  } catch (const msgpack::unpack_error& e) {
    refuse(what, e.what());
  } catch (const std::bad_alloc&) {
    throw error(error_kind::protocol, std::string("gofork: ") + what + " asks for more memory than is available");
  }
}

}  // namespace

msgpack::object_handle parse_frame(std::string_view bytes, const char* what) {
  const std::size_t n = bytes.size();
  if (std::string why = runtime::check_frame_budget(bytes); !why.empty()) refuse(what, why.c_str());
  std::size_t offset = 0;
  msgpack::object_handle handle = unpack_limited(bytes.data(), n, offset, max_depth, what);
  if (offset != n) {
    throw error(error_kind::protocol, std::string("gofork: ") + what + " has " + std::to_string(n - offset) +
                                          " trailing bytes");
  }
  return handle;
}

msgpack::object_handle unpack_slice(const char* data, std::size_t size, unsigned depth, const char* what) {
  std::size_t offset = 0;
  msgpack::object_handle handle = unpack_limited(data, size, offset, depth, what);
  if (offset != size) refuse(what, "an object's extent differs from the scan");
  return handle;
}

void reader::malformed(const char* why) const { refuse(what_, why); }

void reader::mismatch() const {
  if (argument_ == 0) throw error(error_kind::protocol, mismatch_);
  throw error(error_kind::protocol, std::string(mismatch_) + ": argument " + std::to_string(argument_) + " of " +
                                        std::to_string(arguments_) + " (" + argument_type_ + ")");
}

void reader::wrong_arity(std::int64_t got) const {
  const std::string takes = "the function takes " + std::to_string(arguments_);
  if (got < 0) throw error(error_kind::protocol, "gofork: argument frame is not an argument list; " + takes);
  throw error(error_kind::protocol, "gofork: argument frame has the wrong number of arguments: " +
                                        std::to_string(got) + " where " + takes);
}

void reader::trailing() const {
  throw error(error_kind::protocol, std::string("gofork: ") + what_ + " has " + std::to_string(end_ - p_) +
                                        " trailing bytes");
}

}  // namespace gofork::detail
