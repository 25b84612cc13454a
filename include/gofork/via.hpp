// File: gofork/via.hpp
//
// Where a call's process is started: here (the default) or through a launcher that runs a
// command elsewhere with its standard streams forwarded — Slurm's srun, ssh, or any program
// that runs its arguments as a command (setpriv, unshare, docker exec -i, systemd-run --pipe).
//
//   gofork::options o;
//   o.via = gofork::via::srun({"--nodes=1", "--time=10"});
//   gofork::process<result> p = fork_simulate(o, params);
//
// The launcher starts this same build, at the same absolute path (a shared file system), on
// the other side; the request goes down the launcher's stdin and the reply, with the child's
// stdout in frames around it, comes back up its stdout (docs/launchers.md).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace gofork {
namespace via {

// One way of starting a call's process; made by the factories below.
class launcher {
 public:
  enum class kind { local, srun, ssh, command };

  launcher() = default;
  launcher(kind k, std::string host, std::vector<std::string> arguments)
      : kind_(k), host_(std::move(host)), arguments_(std::move(arguments)) {}
  kind type() const noexcept { return kind_; }
  // srun's and ssh's own arguments, placed before the command; a command launcher's prefix.
  const std::vector<std::string>& arguments() const noexcept { return arguments_; }
  // ssh's destination ([user@]host).
  const std::string& host() const noexcept { return host_; }

 private:
  kind kind_ = kind::local;
  std::string host_;
  std::vector<std::string> arguments_;
};

// A child of this process on this machine (the default).
inline launcher local() { return launcher(); }
// `srun <args> <this build>`: a Slurm job step (inside an allocation, or a job of its own).
inline launcher srun(std::vector<std::string> args = {}) {
  return launcher(launcher::kind::srun, {}, std::move(args));
}
// `ssh <args> <host> <this build>`, non-interactive (BatchMode): keys, not passwords.
inline launcher ssh(std::string host, std::vector<std::string> args = {}) {
  return launcher(launcher::kind::ssh, std::move(host), std::move(args));
}
// `<prefix...> <this build>`: prefix[0] is found in PATH as a shell would.
inline launcher command(std::vector<std::string> prefix) {
  return launcher(launcher::kind::command, {}, std::move(prefix));
}

}  // namespace via
}  // namespace gofork
