#include <gofork/init.hpp>

#include <fcntl.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "child/child.hpp"
#include "child/trust.hpp"
#include "channel/launcher_stream.hpp"
#include "channel/marker.hpp"
#include "runtime_state.hpp"

namespace gofork {

void init(int argc, char** argv) {
  runtime::runtime_state& s = runtime::state();
  if (s.initialized.load()) return;
  s.argv0 = (argc > 0 && argv != nullptr && argv[0] != nullptr) ? argv[0] : program_invocation_name;

  if (const char* raw = std::getenv(runtime::marker_variable)) {
    // Gone before any user code runs, so the function and its own children never see it.
    const std::string text = raw;
    ::unsetenv(runtime::marker_variable);
    std::optional<runtime::marker> m = runtime::parse_marker(text);
    if (m && runtime::channel_from_parent(*m)) {
      s.initialized = true;
      runtime::run_child(*m);
    }
    if (::getauxval(AT_SECURE) != 0) {
      // A privileged program never runs on with a marker it cannot authenticate.
      std::fprintf(stderr, "gofork: refusing to run: %s is set but does not come from this process's parent\n",
                   runtime::marker_variable);
      ::_exit(runtime::exit_refused);
    }
    std::fprintf(stderr, "gofork: ignoring %s %s=%s (not set by this process's parent)\n",
                 m ? "stale" : "malformed", runtime::marker_variable, text.c_str());
  }
  if (const char* raw_remote = std::getenv(runtime::remote_marker_variable)) {
    const std::string remote = raw_remote;
    // Started by a launcher (srun, ssh, a command) for a caller elsewhere: stdin and stdout are
    // the call's channel. A privileged program never takes a call on a stream anyone can write.
    const bool wanted = remote == "1";
    ::unsetenv(runtime::remote_marker_variable);
    if (wanted && ::getauxval(AT_SECURE) == 0) {
      runtime::self_exe_fd();
      s.initialized = true;
      runtime::serve_launcher_call();
    }
    std::fprintf(stderr, "gofork: ignoring %s=%s (%s)\n", runtime::remote_marker_variable, remote.c_str(),
                 wanted ? "a privileged program does not serve a launcher's call" : "not a protocol version this build speaks");
  }
  // This build's executable, opened now: later launches exec this descriptor, so a binary
  // replaced or deleted on disk does not change what children run. (A child opens it only if
  // it launches children itself; its own image is the same build either way.)
  runtime::self_exe_fd();
  s.initialized = true;
}

void init() { init(0, nullptr); }

bool is_child() noexcept { return runtime::state().in_child.load(); }

}  // namespace gofork
