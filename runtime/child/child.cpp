// The child's side of a call, run inside init() once trust.cpp has accepted the channel: decode
// the request, run the function, send the reply, flush stdio, exit.
#include "child/child.hpp"

#include <cxxabi.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <typeinfo>

#include <gofork/detail/codec.hpp>
#include <gofork/detail/registry.hpp>

#include "channel/frame.hpp"
#include "channel/memfd_reply.hpp"
#include "channel/write_all.hpp"
#include "runtime_state.hpp"

namespace gofork::runtime {
namespace {

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(abi::__cxa_demangle(name, nullptr, nullptr, &status), std::free);
  return status == 0 && out ? std::string(out.get()) : std::string(name);
}

// No user code has run: say why on stderr, tell the parent if the channel allows, and stop.
[[noreturn]] void refuse(int channel, const std::string& why) {
  std::fprintf(stderr, "gofork: child %d refuses the call: %s\n", static_cast<int>(::getpid()), why.c_str());
  if (channel >= 0) send_reply(channel, reply_kind::refused, detail::encode_value(why));
  std::fflush(stderr);
  ::_exit(exit_refused);
}

// Makes the channel descriptors private to this process again (exec cleared close-on-exec).
void claim_channel(const marker& m) {
  // The argument descriptor needs no flag: map_request closes it before anything can exec.
  if (::fcntl(m.channel_fd, F_SETFD, FD_CLOEXEC) != 0) refuse(-1, "the channel descriptor is not open");
}

// Maps the request memfd, shared: the reply goes back through it when it fits. The parent
// reuses the buffer once this process is gone, so a process forked from this one must not
// keep the mapping (MADV_DONTFORK).
struct shared_request {
  char* data = nullptr;
  std::size_t size = 0;
  bool writable = false;  // not when the buffer is sealed against writes: replies use the socket
};

shared_request map_request(const marker& m) {
  struct stat st {};
  if (::fstat(m.arguments_fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
    refuse(m.channel_fd, "the argument descriptor is not a request");
  }
  int seals = ::fcntl(m.arguments_fd, F_GET_SEALS);
  constexpr int required = F_SEAL_SHRINK | F_SEAL_GROW;
  if (seals < 0 || (seals & required) != required) refuse(m.channel_fd, "the request is not sealed");
  auto size = static_cast<std::size_t>(st.st_size);
  const bool writable = (seals & F_SEAL_WRITE) == 0;
  void* data = ::mmap(nullptr, size, writable ? PROT_READ | PROT_WRITE : PROT_READ, writable ? MAP_SHARED : MAP_PRIVATE,
                      m.arguments_fd, 0);
  if (data == MAP_FAILED) refuse(m.channel_fd, std::string("cannot map the request: ") + std::strerror(errno));
  ::madvise(data, size, MADV_DONTFORK);
  ::close(m.arguments_fd);
  return {static_cast<char*>(data), size, writable};
}

// Puts the reply into the request buffer past the frame if it fits there; the parent takes it
// when it reaps this process, so the reply costs it no wake-up. The header comes first (the
// parent learns how far to clear even if this process dies while copying) and its kind byte
// last: a reply cut short by a signal is never a valid one.
bool place_reply(const shared_request& buffer, std::size_t frame_size, reply_kind kind, const std::string& payload) {
  const std::size_t offset = reply_offset(frame_size);
  if (!buffer.writable || offset > buffer.size || buffer.size - offset < reply_header_size ||
      payload.size() > buffer.size - offset - reply_header_size) {
    return false;
  }
  char* at = buffer.data + offset;
  std::string header = encode_reply_header(kind, payload.size());
  header[4] = 0;
  std::memcpy(at, header.data(), header.size());
  std::memcpy(at + reply_header_size, payload.data(), payload.size());
  __atomic_store_n(at + 4, static_cast<char>(kind), __ATOMIC_RELEASE);
  return true;
}

// The parent's executable descriptor came along: this child's own launches use it, so they
// need no /proc (a chroot, a hidden /proc) and exec the same (possibly sealed) copy.
void adopt_executable(const marker& m, int fd, bool sealed) {
  struct stat st {};
  if (fd < 0) return;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || ::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
    refuse(m.channel_fd, "the executable descriptor is not a file");
  }
  runtime_state& s = state();
  std::call_once(s.exe_once, [&s, fd] { s.exe_fd = fd; });
  if (sealed) {
    std::call_once(s.sealed_once, [&s, fd] {
      s.sealed_exe_fd = fd;
      s.sealed_kind.store(::fcntl(fd, F_GET_SEALS) >= 0 ? sealed_exe_copy::memfd : sealed_exe_copy::tmpfile,
                          std::memory_order_release);
    });
  }
}

}  // namespace

// Header and payload in one sendmsg where the socket takes it: one wake-up of the parent.
bool send_reply(int channel, reply_kind kind, const std::string& payload) {
  const std::string header = encode_reply_header(kind, payload.size());
  iovec parts[2] = {{const_cast<char*>(header.data()), header.size()},
                    {const_cast<char*>(payload.data()), payload.size()}};
  return write_all(parts, 2, [channel](iovec* next, std::size_t count) {
    msghdr message{};
    message.msg_iov = next;
    message.msg_iovlen = count;
    return ::sendmsg(channel, &message, MSG_NOSIGNAL);
  });
}

void flush_stdio() {
  std::cout.flush();
  std::cerr.flush();
  std::clog.flush();
  std::wcout.flush();
  std::wcerr.flush();
  std::wclog.flush();
  std::fflush(nullptr);
}

served_call run_function(const detail::entry& target, std::string_view arguments) {
  detail::call call(arguments, target.target);
  served_call out;
  try {
    target.invoke(call);
    out.refused = call.refused();
    out.payload = std::move(call.result());
  } catch (const std::exception& e) {
    out.kind = reply_kind::exception;
    out.payload = detail::encode_value(std::make_tuple(demangle(typeid(e).name()), std::string(e.what())));
  } catch (...) {
    out.kind = reply_kind::exception;
    std::type_info* type = abi::__cxa_current_exception_type();
    out.payload = detail::encode_value(
        std::make_tuple(type ? demangle(type->name()) : std::string("unknown exception"), std::string()));
  }
  return out;
}

void run_child(const marker& m) {
  claim_channel(m);
  std::string why;
  const shared_request buffer = map_request(m);
  std::optional<request_view> request = parse_request(std::string_view(buffer.data, buffer.size), why);
  if (!request) refuse(m.channel_fd, why);
  if (request->call_nonce != m.call_nonce) refuse(m.channel_fd, "the request does not belong to this launch");
  if (request->parent_build != own_build_id()) {
    refuse(m.channel_fd, "this program is a different build from the parent's (version skew)");
  }
  adopt_executable(m, request->executable_fd, (request->flags & request_sealed) != 0);
  if ((request->flags & request_sealed) != 0) {
    // No ptrace, no /proc/self/mem, no /proc/self/exe reopening by other users of this uid.
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  }
  if (request->pdeathsig != 0) {
    // Re-armed: the exec of a privileged binary clears it. If the parent is already gone (we
    // were re-parented), act as the signal would have.
    ::prctl(PR_SET_PDEATHSIG, static_cast<unsigned long>(request->pdeathsig), 0, 0, 0);
    if (::getppid() != 0 && ::getppid() != m.parent) {
      ::kill(::getpid(), static_cast<int>(request->pdeathsig));
      ::_exit(128 + static_cast<int>(request->pdeathsig));
    }
  }
  // A worker's launch request names no function: it serves the calls that come next.
  if ((request->flags & request_worker) != 0) serve_calls(m.channel_fd);
  if ((request->flags & request_zygote) != 0) serve_forks(m.channel_fd);
  const detail::entry* target = detail::find_entry(request->function_id);
  if (target == nullptr) {
    refuse(m.channel_fd, "function '" + std::string(request->function_id) + "' is not registered in this program");
  }

  state().in_child = true;
  auto [kind, payload, refused] = run_function(*target, request->arguments);
  if (refused) refuse(m.channel_fd, payload);
  // The parent learns of the result only after the child's output is out.
  flush_stdio();
  const auto frame_size = static_cast<std::size_t>(request->arguments.data() + request->arguments.size() - buffer.data);
  bool sent = place_reply(buffer, frame_size, kind, payload) ||
              (payload.size() >= memfd_reply_threshold && send_reply_in_memfd(m.channel_fd, kind, payload)) ||
              send_reply(m.channel_fd, kind, payload);
  ::_exit(!sent ? exit_channel_lost : kind == reply_kind::value ? 0 : exit_exception);
}

}  // namespace gofork::runtime
