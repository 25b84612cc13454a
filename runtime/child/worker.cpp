// A pool worker's side: after the launch checks of any child (trust.cpp, then run_child's
// nonce and build checks), serve call after call from the channel — read a call frame, run the
// function, flush stdio, reply — until the parent closes the channel. A function that throws
// leaves the worker serving; one that crashes ends it, and the parent replaces it.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <gofork/detail/codec.hpp>
#include <gofork/detail/registry.hpp>

#include "channel/frame.hpp"
#include "channel/frame_stream.hpp"
#include "channel/memfd_reply.hpp"
#include "child/child.hpp"
#include "runtime_state.hpp"
#include "unique_fd.hpp"

namespace gofork::runtime {
namespace {

// Exactly `size` bytes of the parent's calls (channel/frame_stream.hpp: a call sent ahead
// behind the running one comes in with it, and a call costs one read, not one a part); false
// at end of file or on an error (the parent is gone).
bool read_exactly(frame_stream& calls, char* out, std::size_t size, bool exact) {
  while (size > 0) {
    const ssize_t r = calls.read_some(out, size, exact);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    out += r;
    size -= static_cast<std::size_t>(r);
  }
  return true;
}

// A "GFCM" call's arguments, mapped read-only from the memfd the parent passed; unmapped at
// the end of the call, before the reply (after it the parent may reuse the buffer).
class mapped_arguments {
 public:
  // False unless `fd` is a memfd sealed at a size that holds `size` bytes.
  bool map(const unique_fd& fd, std::uint64_t size) {
    struct stat st {};
    const int seals = fd ? ::fcntl(fd.get(), F_GET_SEALS) : -1;
    constexpr int required = F_SEAL_SHRINK | F_SEAL_GROW;
    if (seals < 0 || (seals & required) != required || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
        size == 0 || static_cast<std::uint64_t>(st.st_size) < size) {
      return false;
    }
    void* data = ::mmap(nullptr, static_cast<std::size_t>(size), PROT_READ, MAP_SHARED | MAP_POPULATE, fd.get(), 0);
    if (data == MAP_FAILED) return false;
    data_ = static_cast<const char*>(data);
    size_ = static_cast<std::size_t>(size);
    return true;
  }
  std::string_view bytes() const noexcept { return {data_, size_}; }
  ~mapped_arguments() {
    if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
  }

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

bool reply(int channel, reply_kind kind, const std::string& payload) {
  return (payload.size() >= memfd_reply_threshold && send_reply_in_memfd(channel, kind, payload)) ||
         send_reply(channel, kind, payload);
}

}  // namespace

void serve_calls(int channel) {
  state().in_child = true;
  std::string header(call_header_size, '\0');
  std::string id;
  std::string arguments;
  // Descriptors a parent of this build never sends (one only with a call that needs it) are
  // closed past this many.
  frame_stream calls(unique_fd(channel), 64);
  // While calls come one at a time, the next header is read alone (then the rest of its call
  // in one read): measured, a call then comes back sooner than when one read takes all. Once
  // calls come several to a read (sent ahead), reads take all there is.
  bool header_alone = true;
  for (;;) {
    served_call served;
    {
      const bool batch_under_way = calls.buffered();
      if (!read_exactly(calls, header.data(), header.size(), header_alone)) ::_exit(0);  // the pool is done with us
      const std::optional<call_header> h = parse_call_header(header);
      if (!h) ::_exit(exit_refused);  // not our parent's protocol: nothing else can be trusted
      id.resize(h->id_size);
      if (!read_exactly(calls, id.data(), id.size(), false)) ::_exit(exit_channel_lost);
      mapped_arguments mapped;
      std::string_view bytes;
      if (h->in_memfd) {
        if (!mapped.map(calls.take_descriptor(), h->arguments_size)) ::_exit(exit_refused);
        bytes = mapped.bytes();
      } else {
        arguments.resize(static_cast<std::size_t>(h->arguments_size));
        if (!read_exactly(calls, arguments.data(), arguments.size(), false)) ::_exit(exit_channel_lost);
        bytes = arguments;
      }
      header_alone = !batch_under_way && !calls.buffered();
      if (const detail::entry* target = detail::find_entry(id.c_str())) {
        served = run_function(*target, bytes);
      } else {
        served.refused = true;
        served.payload = "function '" + id + "' is not registered in this program";
      }
    }
    if (served.refused) {
      served.kind = reply_kind::refused;
      served.payload = detail::encode_value(served.payload);
    }
    flush_stdio();
    if (!reply(channel, served.kind, served.payload)) ::_exit(exit_channel_lost);
  }
}

}  // namespace gofork::runtime
