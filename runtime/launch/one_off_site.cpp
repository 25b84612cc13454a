// The one-off call site, the parent's side of launching a child for one call: check the options,
// write the request where the child will map it, prepare stdio, argv and the environment with
// the marker, build the child's plan, clone and exec it (clone_exec.cpp), and return the
// child_process the caller waits on.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <gofork/detail/codec.hpp>
#include <gofork/error.hpp>

#include "channel/frame.hpp"
#include "channel/marker.hpp"
#include "channel/request_pool.hpp"
#include "launch/child_plan.hpp"
#include "launch/clone_exec.hpp"
#include "launch/launch_parts.hpp"
#include "launch/spawn_failure.hpp"
#include "launch/spawner_thread.hpp"
#include "call/call_site.hpp"
#include "process/child_process.hpp"
#include "runtime_state.hpp"
#include "unique_fd.hpp"

extern char** environ;

namespace gofork::detail {

using runtime::checked_fd;
using runtime::fail;
using runtime::unique_fd;

runtime::nonce random_nonce() {
  runtime::nonce n{};
  std::size_t got = 0;
  while (got < n.size()) {
    ssize_t r = ::getrandom(n.data() + got, n.size() - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      fail("getrandom", errno);
    }
    got += static_cast<std::size_t>(r);
  }
  return n;
}

// The request frame in a memfd sealed at its size, written before the child exists so a big
// argument never waits on a reader. The arguments are encoded straight into the buffer the
// child will map; only types without a size bound can outgrow it, and then move once.
runtime::request_lease make_request(const runtime::nonce& n, const char* function_id,
                                    const argument_encoder& encoder, int pdeathsig, std::uint32_t flags, int exe_fd) {
  const std::size_t prefix_size = runtime::request_header_size + std::strlen(function_id);
  runtime::request_lease request = runtime::acquire_request_buffer(prefix_size + std::max<std::size_t>(encoder.size_hint, 1));
  sink arguments(request.data() + prefix_size, request.capacity() - prefix_size);
  encoder.encode(encoder.context, arguments);
  if (!arguments.in_external()) {
    runtime::request_lease bigger = runtime::acquire_request_buffer(prefix_size + arguments.bytes().size());
    std::memcpy(bigger.data() + prefix_size, arguments.bytes().data(), arguments.bytes().size());
    request.finish(0, prefix_size + arguments.external_written());
    request = std::move(bigger);
  }
  const std::string prefix = runtime::encode_request_prefix(n, function_id, arguments.bytes().size(),
                                                           static_cast<std::uint32_t>(pdeathsig), flags, exe_fd);
  std::memcpy(request.data(), prefix.data(), prefix.size());
  const std::size_t size = prefix.size() + arguments.bytes().size();
  request.finish(size, size);
  return request;
}

// A descriptor to install as the child's fd `target`, or an empty one for "inherit". For a
// capture, `parent_end` receives the pipe's read end.
unique_fd stdio_source(const redirect& r, int target, unique_fd& parent_end) {
  switch (r.type()) {
    case redirect::kind::capture: {
      if (target == 0) fail("redirect::capture() is for stdout and stderr, not stdin", EINVAL);
      int p[2];
      if (::pipe2(p, O_CLOEXEC) != 0) fail("pipe for captured output", errno);
      unique_fd read_end = checked_fd(p[0], "pipe for captured output");
      unique_fd write_end = checked_fd(p[1], "pipe for captured output");
      if (::fcntl(read_end.get(), F_SETFL, O_NONBLOCK) != 0) fail("fcntl captured output", errno);
      parent_end = std::move(read_end);
      return write_end;
    }
    case redirect::kind::inherit:
      return unique_fd();
    case redirect::kind::null:
      return checked_fd(::open("/dev/null", (target == 0 ? O_RDONLY : O_WRONLY) | O_CLOEXEC), "open /dev/null");
    case redirect::kind::fd:
      // A private duplicate above 2, so installing one stream never clobbers another's source.
      return checked_fd(::fcntl(r.descriptor(), F_DUPFD_CLOEXEC, 3), "duplicate redirect descriptor");
    case redirect::kind::file: {
      int flags = target == 0 ? O_RDONLY : (O_WRONLY | O_CREAT | O_TRUNC);
      int fd = ::open(r.path().c_str(), flags | O_CLOEXEC, 0666);
      if (fd < 0) fail("open " + r.path(), errno);
      return checked_fd(fd, "open redirect file");
    }
  }
  return unique_fd();
}

void flush_before_launch() {
  // Output the parent wrote before the launch should come out before the child's.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(stdout);
  std::fflush(stderr);
}

unsigned long descriptor_limit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  return std::min<unsigned long>(limit.rlim_cur, 1ul << 20);
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void hold_call(runtime::child_process& state, const options& opts, unique_fd channel, unique_fd child_end,
               runtime::request_lease request, unique_fd (&captured)[3]) {
  state.channel = std::move(channel);
  state.child_end = std::move(child_end);
  state.request = std::move(request);
  state.max_result_bytes = opts.max_result_bytes;
  state.max_captured_bytes = opts.max_captured_bytes;
  for (int i = 1; i < 3; ++i) state.captured_fd[i] = std::move(captured[i]);
  state.start_clock(opts.timeout);
}

namespace {

using runtime::child_plan;
using runtime::clone_child;
using runtime::launched;
using runtime::on_spawner_thread;
using runtime::writes_id_maps;

// The child's environment: pointers to the parent's own entries, then the overrides and the
// marker, whose text lives in `own`. With `copy_inherited` the parent's entries are copied into
// `own` too, for a launch whose child execs long after this returns (pdeathsig's spawner
// thread, id maps): a user's putenv string may change by then.
std::vector<char*> child_environment(const options& opts, const std::string& marker_text, bool copy_inherited,
                                     std::vector<std::string>& own) {
  const std::string marker_prefix = std::string(runtime::marker_variable) + "=";
  std::vector<char*> env;
  if (!opts.clear_env) {
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      std::string_view entry(*e);
      if (entry.compare(0, marker_prefix.size(), marker_prefix) == 0) continue;
      if (!opts.env.empty() && opts.env.count(std::string(entry.substr(0, entry.find('=')))) != 0) continue;
      env.push_back(*e);
    }
  }
  // Reserved first: the pointers into `own` must not move.
  own.reserve((copy_inherited ? env.size() : 0) + opts.env.size() + 1);
  if (copy_inherited) {
    for (char*& entry : env) entry = own.emplace_back(entry).data();
  }
  for (const auto& [name, value] : opts.env) {
    if (name.empty() || name.find('=') != std::string::npos || name == runtime::marker_variable) {
      fail("environment variable name '" + name + "' is not allowed", EINVAL);
    }
    env.push_back(own.emplace_back(name + "=" + value).data());
  }
  env.push_back(own.emplace_back(marker_prefix + marker_text).data());
  env.push_back(nullptr);
  return env;
}

class one_off final : public runtime::call_site {
 public:
  process_state_ptr start(const runtime::call& c) override;
};

process_state_ptr one_off::start(const runtime::call& c) {
  const options& opts = c.opts;
  runtime::runtime_state& rt = runtime::state();
  if (!rt.initialized.load()) {
    if (std::getenv(runtime::marker_variable) != nullptr) {
      // A child not dispatched yet (a launch from a static initialiser, say): launching again
      // would recurse, so refuse; init() will run the requested function afterwards.
      throw error(error_kind::spawn_failed,
                  "gofork: this process is a gofork child that gofork::init() has not dispatched yet; it "
                  "cannot launch children before init() has run");
    }
    throw error(error_kind::spawn_failed,
                "gofork: gofork::init(argc, argv) was not called; call it first in main() before launching a "
                "child (a child of a program without it would run main() again)");
  }

  if (opts.via.type() != via::launcher::kind::local) {
    // Only a pool's workers and a zygote come here with a launcher named: they serve many
    // calls over a socket pair, which no launcher carries.
    throw error(error_kind::spawn_failed,
                "gofork: options::via cannot apply to a pool's workers or a zygote, which run on this machine; a "
                "launcher starts one-off calls");
  }

  flush_before_launch();

  const int exe_fd = opts.sealed_exe ? runtime::sealed_exe_fd() : runtime::self_exe_fd();
  if (exe_fd < 0 && opts.sealed_exe) fail("sealed copy of the executable", rt.sealed_errno);
  if (exe_fd < 0) fail("this program's executable could not be opened", rt.exe_errno);

  const runtime::nonce n = random_nonce();
  if (opts.pdeathsig < 0 || opts.pdeathsig >= NSIG) fail("pdeathsig is not a signal number", EINVAL);
  // Only new namespaces: anything else (CLONE_FILES, CLONE_FS, CLONE_SIGHAND, an exit signal,
  // ...) would let the child, which shares our memory until exec, change this process.
  constexpr int namespace_flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
                                  CLONE_NEWUSER | CLONE_NEWCGROUP;
  if ((opts.clone_flags & ~namespace_flags) != 0) fail("clone_flags may only hold CLONE_NEW* namespace flags", EINVAL);
  runtime::request_lease request = make_request(n, c.function_id, c.arguments, opts.pdeathsig,
                                                  (opts.sealed_exe ? runtime::request_sealed : 0u) |
                                                      (c.serve_calls ? runtime::request_worker : 0u) |
                                                      (c.serve_forks ? runtime::request_zygote : 0u),
                                                  exe_fd);
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) fail("socketpair", errno);
  unique_fd parent_end = checked_fd(pair[0], "socketpair");
  unique_fd child_end = checked_fd(pair[1], "socketpair");
  unique_fd captured[3];
  unique_fd stdio[3] = {stdio_source(opts.in, 0, captured[0]), stdio_source(opts.out, 1, captured[1]),
                        stdio_source(opts.err, 2, captured[2])};

  const pid_t self = ::getpid();
  runtime::marker m;
  m.call_nonce = n;
  m.parent = self;
  m.channel_fd = child_end.get();
  m.arguments_fd = request.fd();

  std::vector<std::string> argv_strings = opts.argv.empty() ? std::vector<std::string>{rt.argv0} : opts.argv;
  std::vector<std::string> env_strings;
  const bool late_exec = opts.pdeathsig != 0 || writes_id_maps(opts);
  std::vector<char*> envp = child_environment(opts, runtime::format_marker(m), late_exec, env_strings);
  std::vector<char*> argv = pointers(argv_strings);

  child_plan plan;
  plan.exe_fd = exe_fd;
  plan.argv = argv.data();
  plan.envp = envp.data();
  for (int i = 0; i < 3; ++i) plan.stdio[i] = stdio[i].get();
  plan.cwd = opts.cwd.empty() ? nullptr : opts.cwd.c_str();
  plan.keep[0] = child_end.get();
  plan.keep[1] = request.fd();
  plan.keep[2] = exe_fd;
  plan.descriptor_limit = descriptor_limit();
  std::sort(std::begin(plan.keep), std::end(plan.keep));
  plan.new_session = opts.setsid;
  plan.set_pgid = opts.pgid.has_value();
  plan.pgid = opts.pgid.value_or(0);
  // rlimit_nofile_safe first, so an RLIMIT_NOFILE the caller lists explicitly still wins.
  std::vector<rlimit_setting> rlimits;
  if (opts.rlimit_nofile_safe) {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    rlimits.push_back({RLIMIT_NOFILE, std::min<unsigned long long>(limit.rlim_cur, FD_SETSIZE), limit.rlim_max});
  }
  rlimits.insert(rlimits.end(), opts.rlimits.begin(), opts.rlimits.end());
  plan.rlimits = rlimits.data();
  plan.rlimit_count = rlimits.size();
  plan.chroot_dir = opts.chroot.empty() ? nullptr : opts.chroot.c_str();
  const bool deny_setgroups = !opts.gid_map.empty() && opts.groups.empty();
  // Clearing supplementary groups on a credential change is the safe default, but in a new user
  // namespace they are unmapped anyway and setgroups may be denied.
  plan.set_groups = !opts.groups.empty() || ((opts.uid || opts.gid) && (opts.clone_flags & CLONE_NEWUSER) == 0);
  plan.groups = opts.groups.data();
  plan.group_count = opts.groups.size();
  plan.set_gid = opts.gid.has_value();
  plan.gid = opts.gid.value_or(0);
  plan.set_uid = opts.uid.has_value();
  plan.uid = opts.uid.value_or(0);
  plan.no_new_privs = opts.no_new_privs;
  plan.pdeathsig = opts.pdeathsig;
  plan.expected_parent = (opts.clone_flags & CLONE_NEWPID) != 0 ? 0 : self;

  // Everything that can fail is done before the child exists.
  std::unique_ptr<runtime::child_process> state(new runtime::child_process);
  if (::fcntl(parent_end.get(), F_SETFL, O_NONBLOCK) != 0) fail("fcntl channel", errno);

  launched child;
  try {
    child = opts.pdeathsig != 0 ? on_spawner_thread([&] { return clone_child(plan, opts, deny_setgroups); })
                                : clone_child(plan, opts, deny_setgroups);
  } catch (...) {
    // A child that got as far as its exec may have left a reply anywhere in the buffer.
    request.child_wrote(request.capacity());
    throw;
  }

  state->pid = child.pid;
  state->pid_fd = std::move(child.pidfd);
  hold_call(*state, opts, std::move(parent_end), std::move(child_end), std::move(request), captured);
  return process_state_ptr(state.release());
}

}  // namespace
}  // namespace gofork::detail

namespace gofork::runtime {

call_site& one_off_site() {
  // Never destroyed: a call may start from another static's destructor.
  static call_site* const site = new detail::one_off;
  return *site;
}

}  // namespace gofork::runtime
