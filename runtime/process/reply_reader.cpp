#include "process/reply_reader.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstring>

#include "channel/descriptor_passing.hpp"
#include "channel/frame.hpp"
#include "channel/memfd_reply.hpp"

namespace gofork::runtime {

int drain(unique_fd& fd, std::string& out) {
  return drain(fd, out, [] { return std::uint64_t{0}; }, [&fd](char* buffer, std::size_t size) { return ::read(fd.get(), buffer, size); });
}

namespace {

// Reads from the channel, taking in the one descriptor a child may pass (the memfd of a big
// reply, memfd_reply.hpp); any other is closed at once and marks the reply as malformed.
ssize_t receive(detail::process_state& s, unique_fd& channel, char* buffer, std::size_t size) {
  return receive_with_descriptors(channel.get(), buffer, size, s.descriptors_refused, [&s](int fd) {
    if (!s.passed_fd && !s.descriptors_refused) {
      s.passed_fd.reset(fd);
    } else {
      ::close(fd);
      s.descriptors_refused = true;
    }
  });
}

bool reply_in_memfd(const detail::process_state& s) {
  return s.reply.size() >= 4 && s.reply.compare(0, 4, memfd_reply_magic, 4) == 0;
}

std::uint64_t declared_size(const detail::process_state& s) {
  std::uint64_t declared = 0;
  std::memcpy(&declared, s.reply.data() + 8, sizeof declared);
  return declared;
}

// The size a well-formed reply header announces (header included), if it is within limits:
// for a reply in a memfd, only its notice comes on the socket.
std::uint64_t announced_reply_size(const detail::process_state& s) {
  if (s.reply.size() < reply_header_size) return 0;
  if (reply_in_memfd(s)) return memfd_notice_size;
  if (s.reply.compare(0, 4, "GFR1") != 0) return 0;
  const std::uint64_t declared = declared_size(s);
  return declared <= s.max_result_bytes ? declared + reply_header_size : 0;
}

// Stops listening to a child whose reply broke the rules, saying how, and ends it.
void refuse_reply(detail::process_state& s, const char* why) {
  s.malformed_why = why;
  s.passed_fd.reset();
  give_up_on(s, s.reply_malformed);
}

// A complete notice of a reply in a memfd: map the memfd that came with it.
void take_memfd_reply(detail::process_state& s) {
  if (!s.passed_fd) return refuse_reply(s, "it announced a reply in shared memory but passed no descriptor");
  const char* why = s.reply_mapping.map(s.passed_fd.get(), declared_size(s));
  s.passed_fd.reset();
  if (why != nullptr) refuse_reply(s, why);
}

}  // namespace

// Stops listening to a child that broke the rules, and ends it.
void give_up_on(detail::process_state& s, bool& flag) {
  flag = true;
  s.kill(SIGKILL);
}

// A read that failed lost data the caller would have had: the call cannot succeed.
void note_read_failure(detail::process_state& s, const char* what, int err) {
  if (err == 0 || s.read_failed != nullptr) return;
  s.read_failed = what;
  s.read_errno = err;
  s.kill(SIGKILL);
}

namespace {

// What a reply's bytes so far say, once read: refused as soon as its first bytes show it is
// bad or too big, not after buffering; a reply in a memfd mapped once its notice is whole.
bool check_reply(detail::process_state& s, unique_fd& channel) {
  const bool whole = s.reply.size() >= reply_header_size && s.reply.size() == announced_reply_size(s);
  if (s.descriptors_refused) {
    refuse_reply(s, "it passed more than one descriptor");
  } else if (s.reply.size() >= 4 && s.reply.compare(0, 4, "GFR1") != 0 && !reply_in_memfd(s)) {
    refuse_reply(s, nullptr);
  } else if (s.reply.size() >= reply_header_size && reply_in_memfd(s)) {
    const std::uint64_t declared = declared_size(s);
    if (declared < reply_header_size) {
      refuse_reply(s, "its shared-memory reply is shorter than a reply header");
    } else if (declared - reply_header_size > s.max_result_bytes) {
      s.passed_fd.reset();
      give_up_on(s, s.result_too_large);
    } else if (whole && !s.reply_mapping) {
      take_memfd_reply(s);
    }
  } else if (s.reply.size() >= reply_header_size) {
    const std::uint64_t declared = declared_size(s);
    if (declared > s.max_result_bytes || s.reply.size() - reply_header_size > s.max_result_bytes) {
      give_up_on(s, s.result_too_large);
    } else if (s.passed_fd) {
      refuse_reply(s, "it passed a descriptor with a reply on the socket");
    }
  }
  if (s.reply_malformed || s.result_too_large) {
    channel.reset();  // nothing more is read from a process that broke the rules
    return false;
  }
  return whole;
}

}  // namespace

bool read_reply(detail::process_state& s, unique_fd& channel) {
  if (!channel || s.result_too_large || s.reply_malformed) return false;
  note_read_failure(s, "reply", drain(channel, s.reply, [&s] { return announced_reply_size(s); },
                                      [&s, &channel](char* buffer, std::size_t size) { return receive(s, channel, buffer, size); }));
  return check_reply(s, channel);
}

bool read_reply(detail::process_state& s, frame_stream& replies) {
  unique_fd& channel = replies.channel();
  if (!channel || s.result_too_large || s.reply_malformed) return false;
  // Another reply may follow in the bytes read in: take no byte past this one's header before
  // the header says how long it is.
  const auto expected = [&s] {
    return s.reply.size() < reply_header_size ? std::uint64_t{reply_header_size} : announced_reply_size(s);
  };
  note_read_failure(s, "reply", drain(channel, s.reply, expected,
                                      [&replies](char* buffer, std::size_t size) { return replies.read_some(buffer, size); }));
  if (replies.descriptors_overflowed()) s.descriptors_refused = true;
  // The memfd of a reply in shared memory came with its notice's first byte, or before.
  if (!s.passed_fd && s.reply.size() == memfd_notice_size && reply_in_memfd(s)) s.passed_fd = replies.take_descriptor();
  return check_reply(s, channel);
}

}  // namespace gofork::runtime
