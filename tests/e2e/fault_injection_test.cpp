// T49: every system call on the parent's launch path fails in turn (this binary is linked with
// -Wl,--wrap for them, so the runtime's own calls come here). Each failure must be a typed
// spawn_failed with the injected errno, leave no child and no descriptor; an EINTR must be
// retried transparently.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include <gofork/gofork.hpp>

#include "../support/test_support.hpp"

namespace {

enum site { none, socketpair_site, memfd_site, getrandom_site, ftruncate_site, seal_site, map_buffer_site, mmap_site,
            clone_site, pipe_site, poll_site, waitid_site, read_site, read_pipe_site, write_site, send_site };

std::atomic<int> armed{none};
std::atomic<int> injected_errno{0};
std::atomic<int> let_through{0};  // calls at the armed site that succeed before the one that fails

// True (once) when `s` is armed and its earlier calls have been let through: the call fails
// with the injected errno.
bool fire(site s) {
  if (armed.load() != s || let_through.fetch_sub(1) > 0) return false;
  int expected = s;
  if (!armed.compare_exchange_strong(expected, none)) return false;
  errno = injected_errno;
  return true;
}

}  // namespace

extern "C" {
int __real_socketpair(int, int, int, int*);
int __wrap_socketpair(int domain, int type, int protocol, int* sv) {
  return fire(socketpair_site) ? -1 : __real_socketpair(domain, type, protocol, sv);
}
int __real_memfd_create(const char*, unsigned);
int __wrap_memfd_create(const char* name, unsigned flags) {
  return fire(memfd_site) ? -1 : __real_memfd_create(name, flags);
}
ssize_t __real_getrandom(void*, size_t, unsigned);
ssize_t __wrap_getrandom(void* buf, size_t size, unsigned flags) {
  return fire(getrandom_site) ? -1 : __real_getrandom(buf, size, flags);
}
int __real_ftruncate(int, off_t);
int __wrap_ftruncate(int fd, off_t size) { return fire(ftruncate_site) ? -1 : __real_ftruncate(fd, size); }
int __real_fcntl(int, int, ...);
int __wrap_fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  if (cmd == F_ADD_SEALS && fire(seal_site)) return -1;
  return __real_fcntl(fd, cmd, arg);
}
void* __real_mmap(void*, size_t, int, int, int, off_t);
void* __wrap_mmap(void* addr, size_t size, int prot, int flags, int fd, off_t offset) {
  // A descriptor's mapping is the request buffer; an anonymous one the child's stack.
  return fire(fd >= 0 ? map_buffer_site : mmap_site) ? MAP_FAILED : __real_mmap(addr, size, prot, flags, fd, offset);
}
int __real___clone(int (*)(void*), void*, int, void*, ...);
int __wrap___clone(int (*fn)(void*), void* stack, int flags, void* arg, ...) {
  va_list ap;
  va_start(ap, arg);
  void* parent_tid = va_arg(ap, void*);
  va_end(ap);
  return fire(clone_site) ? -1 : __real___clone(fn, stack, flags, arg, parent_tid, nullptr, nullptr);
}
int __real_pipe2(int*, int);
int __wrap_pipe2(int* fds, int flags) { return fire(pipe_site) ? -1 : __real_pipe2(fds, flags); }
int __real_poll(pollfd*, nfds_t, int);
int __wrap_poll(pollfd* fds, nfds_t n, int timeout) { return fire(poll_site) ? -1 : __real_poll(fds, n, timeout); }
ssize_t __real_read(int, void*, size_t);
ssize_t __wrap_read(int fd, void* buf, size_t size) {
  // read_pipe_site: only reads of a pipe (captured output) fail; read_site: any read.
  struct stat st{};
  const bool pipe = armed.load() == read_pipe_site && ::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
  return fire(read_site) || (pipe && fire(read_pipe_site)) ? -1 : __real_read(fd, buf, size);
}
ssize_t __real_recvmsg(int, msghdr*, int);
// The channel is read with recvmsg (a big reply's memfd comes with it): a read all the same.
ssize_t __wrap_recvmsg(int fd, msghdr* message, int flags) {
  return fire(read_site) ? -1 : __real_recvmsg(fd, message, flags);
}
ssize_t __real_write(int, const void*, size_t);
ssize_t __wrap_write(int fd, const void* buf, size_t size) { return fire(write_site) ? -1 : __real_write(fd, buf, size); }
ssize_t __real_send(int, const void*, size_t, int);
ssize_t __wrap_send(int fd, const void* buf, size_t size, int flags) {
  return fire(send_site) ? -1 : __real_send(fd, buf, size, flags);
}
int __real_waitid(idtype_t, id_t, siginfo_t*, int);
int __wrap_waitid(idtype_t type, id_t id, siginfo_t* info, int options) {
  return fire(waitid_site) ? -1 : __real_waitid(type, id, info, options);
}
}

namespace {

int twice(int x) { return 2 * x; }
void chatter() { std::puts("out"); }
// Too big for the request buffer: the reply comes through the channel, on the socket (100 KiB)
// or as the notice of a sealed memfd (1 MiB and more).
std::string big_reply(int size) { return std::string(static_cast<std::size_t>(size), 'r'); }

struct injection {
  site where;
  const char* name;
  bool needs_capture;
  int let_through;  // earlier calls at the site that succeed (the N-th call fails)
};

const injection launch_sites[] = {
    {socketpair_site, "socketpair", false, 0}, {memfd_site, "memfd_create", false, 0},
    {getrandom_site, "getrandom", false, 0},   {ftruncate_site, "ftruncate", false, 0},
    {seal_site, "seal request buffer", false, 0}, {map_buffer_site, "map request buffer", false, 0},
    {mmap_site, "mmap child stack", false, 0}, {clone_site, "clone", false, 0},
    {pipe_site, "pipe for captured output", true, 0},
};

// A launch that writes user-namespace id maps makes a second socket pair (to hold the child
// until the maps are written) and a pipe (to wait for its exec), writes the maps, releases the
// child and reads the pipe until the exec.
const injection user_namespace_sites[] = {
    {socketpair_site, "socketpair for the id maps", false, 1},
    {pipe_site, "pipe for the exec", false, 0},
    {write_site, "write uid_map", false, 0},
    {send_site, "send to release the child", false, 0},
    {read_site, "read the exec pipe", false, 0},
};

// Fails each site in turn with each errno: every failure must be spawn_failed with that errno
// and the site's name, and leave no child and no descriptor.
template <std::size_t n>
void fail_each(const injection (&sites)[n], const gofork::options& base) {
  for (const injection& site : sites) {
    for (int err : {EMFILE, ENFILE, ENOMEM, EAGAIN, ENOSYS}) {
      const int before = gofork_test::count_open_descriptors();
      gofork::options o = base;
      if (site.needs_capture) o.out = gofork::redirect::capture();
      injected_errno = err;
      let_through = site.let_through;
      armed = site.where;
      // From a new thread each time: a thread maps its child stack at its first launch.
      std::thread([&] {
        try {
          (void)gofork::fork<int>(o, "twice", 1);
          ADD_FAILURE() << site.name << " failing with " << std::strerror(err) << " did not fail the launch";
        } catch (const gofork::error& e) {
          EXPECT_EQ(e.kind(), gofork::error_kind::spawn_failed) << site.name;
          EXPECT_EQ(e.sys_errno(), err) << site.name << ": " << e.what();
          EXPECT_NE(std::string(e.what()).find(site.name), std::string::npos) << e.what();
        }
      }).join();
      EXPECT_EQ(armed.load(), none) << site.name << " was never called";
      armed = none;
      EXPECT_EQ(gofork_test::count_open_descriptors(), before) << site.name << " " << std::strerror(err);
      gofork_test::expect_no_children();
    }
  }
}

TEST(fault_injection, every_launch_step_fails_cleanly) {
  (void)gofork::fork<int>("twice", 1).get();  // warm up: lazily made state is not a leak
  fail_each(launch_sites, gofork::options{});
}

TEST(fault_injection, every_user_namespace_launch_step_fails_cleanly) {
  gofork::options o;
  o.clone_flags = CLONE_NEWUSER;
  o.uid_map = {{0, static_cast<unsigned>(::geteuid()), 1}};
  try {
    if (gofork::fork<int>(o, "twice", 2).get() != 4) GTEST_FAIL() << "a launch in a user namespace went wrong";
  } catch (const gofork::error& e) {
    GTEST_SKIP() << "no user namespaces here: " << e.what();
  }
  fail_each(user_namespace_sites, o);
}

TEST(fault_injection, interrupted_calls_are_retried) {
  for (site s : {getrandom_site, poll_site, waitid_site}) {
    injected_errno = EINTR;
    let_through = 0;
    armed = s;
    EXPECT_EQ(gofork::fork<int>("twice", 21).get(), 42) << "site " << s;
    armed = none;
  }
  // A read of the reply interrupted, or finding nothing yet: read again later, lose nothing.
  for (int err : {EINTR, EAGAIN}) {
    injected_errno = err;
    let_through = 0;
    for (int size : {100 << 10, 1 << 20}) {
      let_through = 0;
      armed = read_site;
      EXPECT_EQ(gofork::fork<std::string>("big_reply", size).get(), std::string(static_cast<std::size_t>(size), 'r'))
          << std::strerror(err) << ", " << size << " bytes";
      EXPECT_EQ(armed.load(), none) << "the reply was never read";
      armed = none;
    }
  }
  gofork_test::expect_no_children();
}

// A read of the reply or of captured output that fails loses data: the call is a protocol
// error carrying the errno, its child is killed and reaped, and nothing is left open.
TEST(fault_injection, a_failed_read_is_a_protocol_error) {
  (void)gofork::fork<int>("twice", 1).get();
  for (int err : {EIO, ENOMEM, ECONNRESET}) {
    for (const char* stream : {"reply", "memfd reply", "captured stdout"}) {
      const int before = gofork_test::count_open_descriptors();
      gofork::options o;
      const bool reply = std::string(stream) != "captured stdout";
      if (!reply) o.out = gofork::redirect::capture();
      injected_errno = err;
      let_through = 0;
      armed = reply ? read_site : read_pipe_site;
      try {
        if (reply) {
          (void)gofork::fork<std::string>(o, "big_reply", std::string(stream) == "reply" ? 100 << 10 : 1 << 20).get();
        } else {
          gofork::fork<void>(o, "chatter").get();
        }
        ADD_FAILURE() << stream << " read failing with " << std::strerror(err) << " did not fail the call";
      } catch (const gofork::error& e) {
        EXPECT_EQ(e.kind(), gofork::error_kind::protocol) << e.what();
        EXPECT_EQ(e.sys_errno(), err) << e.what();
        EXPECT_NE(std::string(e.what()).find(std::string("reading its ") + (reply ? "reply" : stream) + " failed (" +
                                             std::strerror(err)),
                  std::string::npos)
            << e.what();
      }
      EXPECT_EQ(armed.load(), none) << stream << " was never read";
      armed = none;
      EXPECT_EQ(gofork_test::count_open_descriptors(), before) << stream << " " << std::strerror(err);
      gofork_test::expect_no_children();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  gofork::register_function("twice", &twice);
  gofork::register_function("chatter", &chatter);
  gofork::register_function("big_reply", &big_reply);
  gofork::init(argc, argv);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
