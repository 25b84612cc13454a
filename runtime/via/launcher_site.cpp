// The launcher call site: check that the options make sense on the far side, build the
// launcher's command line (srun, ssh or a prefix, then `/usr/bin/env GOFORK_REMOTE=1 <this
// build's path>`), start the launcher with three pipes for its standard streams, and write the
// request and the call's settings into its stdin. The far side is child/remote.cpp.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <gofork/error.hpp>

#include "call/call_site.hpp"
#include "channel/launcher_stream.hpp"
#include "launch/child_plan.hpp"
#include "launch/clone_exec.hpp"
#include "launch/launch_parts.hpp"
#include "launch/spawn_failure.hpp"
#include "launch/spawner_thread.hpp"
#include "runtime_state.hpp"
#include "via/launcher_process.hpp"

extern char** environ;

namespace gofork::runtime {
namespace {

const char* launcher_label(const via::launcher& l) {
  switch (l.type()) {
    case via::launcher::kind::srun:
      return "srun";
    case via::launcher::kind::ssh:
      return "ssh";
    default:
      return "command";
  }
}

[[noreturn]] void refuse_option(const via::launcher& l, const char* option, const char* why) {
  throw error(error_kind::spawn_failed, std::string("gofork: options::") + option + " cannot apply through a launcher (via::" +
                                            launcher_label(l) + "): " + why);
}

// What only a child of this process on this machine can take is refused, never ignored.
void check_remote_options(const options& opts, bool serves) {
  const via::launcher& l = opts.via;
  if (serves) refuse_option(l, "via", "a pool's workers and a zygote serve calls over a socket pair, which no launcher carries");
  const char* local_only = "it sets up a process on this machine; the far side is set up by its launcher";
  if (opts.clone_flags != 0) refuse_option(l, "clone_flags", local_only);
  if (!opts.uid_map.empty()) refuse_option(l, "uid_map", local_only);
  if (!opts.gid_map.empty()) refuse_option(l, "gid_map", local_only);
  if (opts.uid) refuse_option(l, "uid", local_only);
  if (opts.gid) refuse_option(l, "gid", local_only);
  if (!opts.groups.empty()) refuse_option(l, "groups", local_only);
  if (opts.setsid) refuse_option(l, "setsid", local_only);
  if (opts.pgid) refuse_option(l, "pgid", local_only);
  if (!opts.chroot.empty()) refuse_option(l, "chroot", local_only);
  if (!opts.rlimits.empty()) refuse_option(l, "rlimits", local_only);
  if (opts.rlimit_nofile_safe) refuse_option(l, "rlimit_nofile_safe", local_only);
  if (opts.no_new_privs) refuse_option(l, "no_new_privs", local_only);
  if (opts.sealed_exe) refuse_option(l, "sealed_exe", "the launcher starts the program by its path");
  if (opts.in.type() != redirect::kind::inherit && opts.in.type() != redirect::kind::null) {
    refuse_option(l, "in", "the launcher's stdin carries the call; the child's stdin is /dev/null");
  }
  if (l.type() == via::launcher::kind::ssh && (l.host().empty() || l.host()[0] == '-')) {
    refuse_option(l, "via", "ssh needs a host name, which may not start with '-'");
  }
  if (l.type() == via::launcher::kind::command && (l.arguments().empty() || l.arguments()[0].empty())) {
    refuse_option(l, "via", "via::command needs a program to run");
  }
}

// This build by its absolute path, which the launcher's far side must have too.
std::string own_path() {
  std::string path(4096, '\0');
  const ssize_t n = ::readlink("/proc/self/exe", path.data(), path.size());
  if (n <= 0 || static_cast<std::size_t>(n) >= path.size()) fail("readlink /proc/self/exe", errno);
  path.resize(static_cast<std::size_t>(n));
  // Replaced on disk since we started: the program now at the path is another build, which
  // the far side's build-id check then refuses with a clear message.
  const std::string deleted = " (deleted)";
  if (path.size() > deleted.size() && path.compare(path.size() - deleted.size(), deleted.size(), deleted) == 0) {
    path.resize(path.size() - deleted.size());
  }
  return path;
}

// `program` as execvp would find it in the caller's PATH.
std::string find_program(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const std::size_t colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  throw error(error_kind::spawn_failed, "gofork: the launcher '" + program + "' was not found in PATH", ENOENT);
}

// One word for the remote shell ssh hands its command to.
std::string shell_quoted(const std::string& word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::vector<std::string> launcher_argv(const via::launcher& l, const std::string& exe) {
  const std::vector<std::string> far_side = {"/usr/bin/env", std::string(remote_marker_variable) + "=1", exe};
  std::vector<std::string> argv;
  switch (l.type()) {
    case via::launcher::kind::srun:
      argv.push_back("srun");
      argv.insert(argv.end(), l.arguments().begin(), l.arguments().end());
      argv.insert(argv.end(), far_side.begin(), far_side.end());
      break;
    case via::launcher::kind::ssh: {
      // No terminal (it would mangle the binary stream), never a password prompt.
      argv = {"ssh", "-T", "-o", "BatchMode=yes"};
      argv.insert(argv.end(), l.arguments().begin(), l.arguments().end());
      argv.push_back(l.host());
      std::string command;
      for (const std::string& word : far_side) command += (command.empty() ? "" : " ") + shell_quoted(word);
      argv.push_back(command);
      break;
    }
    default:
      argv = l.arguments();
      argv.insert(argv.end(), far_side.begin(), far_side.end());
      break;
  }
  return argv;
}

struct pipe_pair {
  unique_fd read_end, write_end;
};
pipe_pair make_pipe(const char* what) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) fail(what, errno);
  pipe_pair out{checked_fd(p[0], what), checked_fd(p[1], what)};
  return out;
}

// Where the child's stdout or the launcher's stderr goes on this side.
void route(const redirect& r, int stream, launcher_process::stream_route& to) {
  unique_fd& fd = to.fd;
  switch (r.type()) {
    case redirect::kind::inherit:
      to.inherit = true;
      break;
    case redirect::kind::capture:
      to.capture = true;
      break;
    case redirect::kind::null:
      break;
    case redirect::kind::fd:
      fd = checked_fd(::fcntl(r.descriptor(), F_DUPFD_CLOEXEC, 3), "duplicate redirect descriptor");
      break;
    case redirect::kind::file: {
      const int opened = ::open(r.path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
      if (opened < 0) fail("open " + r.path(), errno);
      fd = checked_fd(opened, stream == 1 ? "open stdout file" : "open stderr file");
      break;
    }
  }
}

class launcher_site_impl final : public call_site {
 public:
  detail::process_state_ptr start(const call& c) override;
};

detail::process_state_ptr launcher_site_impl::start(const call& c) {
  const options& opts = c.opts;
  if (!state().initialized.load()) {
    throw error(error_kind::spawn_failed,
                "gofork: gofork::init(argc, argv) was not called; call it first in main() before launching a child");
  }
  check_remote_options(opts, c.serve_calls || c.serve_forks);
  if (opts.pdeathsig < 0 || opts.pdeathsig >= NSIG) fail("pdeathsig is not a signal number", EINVAL);
  detail::flush_before_launch();

  std::unique_ptr<launcher_process> s(new launcher_process);
  s->launcher_name = opts.via.type() == via::launcher::kind::command ? opts.via.arguments()[0] : launcher_label(opts.via);
  s->where = " through " + s->launcher_name;
  s->call_nonce = detail::random_nonce();
  request_lease request = detail::make_request(s->call_nonce, c.function_id, c.arguments, 0, 0, -1);
  remote_settings settings;
  settings.env = opts.env;
  for (const auto& [name, value] : opts.env) {
    if (name.empty() || name.find('=') != std::string::npos) {
      fail("environment variable name '" + name + "' is not allowed", EINVAL);
    }
  }
  settings.clear_env = opts.clear_env;
  settings.cwd = opts.cwd;
  settings.argv = opts.argv;
  settings.max_result_bytes = opts.max_result_bytes;
  std::string settings_frame = encode_settings_frame(settings);

  route(opts.out, 1, s->route[1]);
  route(opts.err, 2, s->route[2]);

  std::vector<std::string> argv_strings = launcher_argv(opts.via, own_path());
  const std::string program = find_program(argv_strings[0]);
  std::vector<std::string> env_strings;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string_view name = entry.substr(0, entry.find('='));
    if (name == marker_variable || name == remote_marker_variable) continue;
    env_strings.emplace_back(entry);
  }
  std::vector<char*> argv = detail::pointers(argv_strings);
  std::vector<char*> envp = detail::pointers(env_strings);

  pipe_pair in = make_pipe("pipe for the launcher's stdin");
  pipe_pair out = make_pipe("pipe for the launcher's stdout");
  pipe_pair err = make_pipe("pipe for the launcher's stderr");
  for (int fd : {in.write_end.get(), out.read_end.get(), err.read_end.get()}) {
    if (::fcntl(fd, F_SETFL, O_NONBLOCK) != 0) fail("fcntl launcher pipe", errno);
  }

  child_plan plan;
  plan.exe_path = program.c_str();
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.stdio[0] = in.read_end.get();
  plan.stdio[1] = out.write_end.get();
  plan.stdio[2] = err.write_end.get();
  plan.descriptor_limit = detail::descriptor_limit();
  plan.pdeathsig = opts.pdeathsig;
  plan.expected_parent = ::getpid();
  launched child = opts.pdeathsig != 0 ? on_spawner_thread([&] { return clone_child(plan, opts, false); })
                                       : clone_child(plan, opts, false);
  s->pid = child.pid;
  s->pid_fd = std::move(child.pidfd);
  s->to_launcher = std::move(in.write_end);
  s->from_launcher = std::move(out.read_end);
  s->launcher_err = std::move(err.read_end);
  s->max_result_bytes = opts.max_result_bytes;
  s->max_captured_bytes = opts.max_captured_bytes;
  s->start_clock(opts.timeout);
  // From here the launcher exists: whatever happens, the state owns it and reaps it.
  detail::process_state_ptr owned(s.release());
  static_cast<launcher_process&>(*owned).send_request(std::move(request), std::move(settings_frame));
  return owned;
}

}  // namespace

call_site& launcher_site() {
  // Never destroyed: a call may start from another static's destructor.
  static call_site* const site = new launcher_site_impl;
  return *site;
}

}  // namespace gofork::runtime
