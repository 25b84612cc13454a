#include "channel/memfd_reply.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "channel/descriptor_passing.hpp"
#include "channel/memfd.hpp"
#include "channel/write_all.hpp"

namespace gofork::runtime {
namespace {

constexpr int all_seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL;

bool write_frame(int fd, const std::string& header, const std::string& payload) noexcept {
  iovec parts[2] = {{const_cast<char*>(header.data()), header.size()},
                    {const_cast<char*>(payload.data()), payload.size()}};
  return write_all(parts, 2, [fd](iovec* next, std::size_t count) { return ::writev(fd, next, static_cast<int>(count)); });
}

// The notice with the descriptor attached to its first byte; the rest, if the socket took
// only part, without.
bool send_notice(int channel, int fd, std::uint64_t frame_size) noexcept {
  char notice[memfd_notice_size] = {};
  std::memcpy(notice, memfd_reply_magic, 4);
  std::memcpy(notice + 8, &frame_size, sizeof frame_size);
  std::size_t sent_total = 0;
  while (sent_total < sizeof notice) {
    const ssize_t sent = send_with_descriptor(channel, notice + sent_total, sizeof notice - sent_total,
                                              sent_total == 0 ? fd : -1);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return sent_total > 0;  // a notice cut short is the parent's to refuse
    sent_total += static_cast<std::size_t>(sent);
  }
  return true;
}

}  // namespace

bool send_reply_in_memfd(int channel, reply_kind kind, const std::string& payload) noexcept {
  const int fd = create_sealable_memfd("gofork-reply");
  if (fd < 0) return false;
  std::string header;
  try {
    header = encode_reply_header(kind, payload.size());
  } catch (...) {
    ::close(fd);
    return false;
  }
  const bool sent = write_frame(fd, header, payload) && ::fcntl(fd, F_ADD_SEALS, all_seals) == 0 &&
                    send_notice(channel, fd, header.size() + payload.size());
  ::close(fd);
  return sent;
}

sealed_mapping::sealed_mapping(sealed_mapping&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

sealed_mapping& sealed_mapping::operator=(sealed_mapping&& other) noexcept {
  if (this != &other) {
    this->~sealed_mapping();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

sealed_mapping::~sealed_mapping() {
  if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

const char* sealed_mapping::map(int fd, std::uint64_t size) noexcept {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return "the descriptor it passed is not a memfd";
  const int seals = ::fcntl(fd, F_GET_SEALS);
  constexpr int required = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
  if (seals < 0 || (seals & required) != required) return "its shared-memory reply is not sealed against changes";
  if (static_cast<std::uint64_t>(st.st_size) != size || size == 0) {
    return "its shared-memory reply is not the size it announced";
  }
  // Populated in one go: the child's pages already exist, so this only maps them.
  void* data = ::mmap(nullptr, static_cast<std::size_t>(size), PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
  if (data == MAP_FAILED) return "its shared-memory reply could not be mapped";
  data_ = static_cast<const char*>(data);
  size_ = static_cast<std::size_t>(size);
  return nullptr;
}

}  // namespace gofork::runtime
