#include "channel/request_pool.hpp"

#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <gofork/error.hpp>
#include <gofork/request_buffers.hpp>

#include "channel/memfd.hpp"
#include "launch/spawn_failure.hpp"
#include "unique_fd.hpp"

namespace gofork::runtime {

struct request_buffer {
  unique_fd fd;
  char* data = nullptr;
  std::size_t capacity = 0;
  std::size_t dirty = 0;  // bytes from the start that may hold an earlier call's frame or reply
  std::size_t frame_size = 0;  // this call's frame
  pid_t owner = 0;        // a process forked from ours inherits the buffer but must not reuse it

  ~request_buffer() {
    if (data != nullptr) ::munmap(data, capacity);
  }
};

namespace {

constexpr std::size_t smallest_buffer = std::size_t{64} << 10;
constexpr std::size_t prefault_bytes = std::size_t{1} << 20;

std::size_t page_size() noexcept { return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)); }

struct pool {
  pool() { idle.reserve(max_idle_request_buffers); }
  std::mutex mutex;
  std::vector<request_buffer*> idle;
  std::size_t idle_bytes = 0;
  pid_t owner = 0;

  // Called with the mutex held: the idle buffers of the process we were forked from are ours
  // to close, never to write.
  void forget_inherited() {
    if (owner == ::getpid()) return;
    for (request_buffer* b : idle) delete b;
    idle.clear();
    idle_bytes = 0;
    owner = ::getpid();
  }
};

pool& the_pool() {
  static pool* p = new pool;  // never destroyed: leases may be returned during exit
  return *p;
}

request_buffer* make_buffer(std::size_t size) {
  std::size_t capacity = smallest_buffer;
  while (capacity < size) {
    if (capacity > (std::size_t{1} << 62)) fail("request buffer", EFBIG);
    capacity *= 2;
  }
  auto b = std::make_unique<request_buffer>();
  b->fd = checked_fd(create_sealable_memfd("gofork-request"), "memfd_create");
  b->capacity = capacity;
  b->owner = ::getpid();
  // Sealed at its size so a child can map it without fear of SIGBUS; F_SEAL_SEAL so no one can
  // add F_SEAL_WRITE and stop the next call's writes.
  if (::ftruncate(b->fd.get(), static_cast<off_t>(capacity)) != 0) fail("ftruncate request buffer", errno);
  if (::fcntl(b->fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    fail("seal request buffer", errno);
  }
  void* data = ::mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd.get(), 0);
  if (data == MAP_FAILED) fail("map request buffer", errno);
  b->data = static_cast<char*>(data);
  // A big request is about to be written into fresh pages: allocate them in one call rather
  // than in a fault per 4 KiB page (MADV_POPULATE_WRITE, Linux 5.14+; ignored where unknown).
  constexpr int populate_write = 23;
  if (size >= prefault_bytes) ::madvise(data, (size + page_size() - 1) / page_size() * page_size(), populate_write);
  return b.release();
}

}  // namespace

request_lease::request_lease(request_lease&& other) noexcept : buffer_(std::exchange(other.buffer_, nullptr)) {}

request_lease& request_lease::operator=(request_lease&& other) noexcept {
  if (this != &other) {
    reset();
    buffer_ = std::exchange(other.buffer_, nullptr);
  }
  return *this;
}

int request_lease::fd() const noexcept { return buffer_->fd.get(); }
char* request_lease::data() const noexcept { return buffer_->data; }
std::size_t request_lease::capacity() const noexcept { return buffer_->capacity; }

void request_lease::finish(std::size_t size, std::size_t written) noexcept {
  const std::size_t end = std::min(std::max(buffer_->dirty, written), buffer_->capacity);
  if (end > size) {
    const std::size_t page = page_size();
    const std::size_t boundary = std::min((size + page - 1) / page * page, end);
    std::memset(buffer_->data + size, 0, boundary - size);
    // Whole pages are given back rather than zeroed: a smaller call should not keep them.
    if (end > boundary && ::fallocate(buffer_->fd.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                                      static_cast<off_t>(boundary), static_cast<off_t>(end - boundary)) != 0) {
      std::memset(buffer_->data + boundary, 0, end - boundary);
    }
  }
  buffer_->dirty = size;
  buffer_->frame_size = size;
}

std::size_t request_lease::frame_size() const noexcept { return buffer_->frame_size; }

void request_lease::child_wrote(std::size_t to) noexcept {
  buffer_->dirty = std::max(buffer_->dirty, std::min(to, buffer_->capacity));
}

void request_lease::reset() noexcept {
  request_buffer* b = std::exchange(buffer_, nullptr);
  if (b == nullptr) return;
  pool& p = the_pool();
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    p.forget_inherited();
    if (b->owner == p.owner && p.idle.size() < max_idle_request_buffers &&
        p.idle_bytes + b->capacity <= max_idle_request_bytes) {
      try {
        p.idle.push_back(b);
        p.idle_bytes += b->capacity;
        return;
      } catch (...) {
        // No memory for the list: close the buffer instead.
      }
    }
  }
  delete b;
}

void request_lease::discard() noexcept { delete std::exchange(buffer_, nullptr); }

request_lease acquire_request_buffer(std::size_t size) {
  pool& p = the_pool();
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    p.forget_inherited();
    // The smallest idle buffer that fits.
    auto best = p.idle.end();
    for (auto it = p.idle.begin(); it != p.idle.end(); ++it) {
      if ((*it)->capacity >= size && (best == p.idle.end() || (*it)->capacity < (*best)->capacity)) best = it;
    }
    if (best != p.idle.end()) {
      request_buffer* b = *best;
      p.idle.erase(best);
      p.idle_bytes -= b->capacity;
      return request_lease(b);
    }
  }
  return request_lease(make_buffer(size));
}

}  // namespace gofork::runtime

namespace gofork {

std::size_t release_idle_request_buffers() noexcept {
  runtime::pool& p = runtime::the_pool();
  std::vector<runtime::request_buffer*> closing;
  std::size_t bytes = 0;
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    p.forget_inherited();
    closing.swap(p.idle);
    bytes = std::exchange(p.idle_bytes, 0);
  }
  for (runtime::request_buffer* b : closing) delete b;
  return bytes;
}

request_buffer_usage idle_request_buffers() noexcept {
  runtime::pool& p = runtime::the_pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  p.forget_inherited();
  return {p.idle.size(), p.idle_bytes};
}

}  // namespace gofork
