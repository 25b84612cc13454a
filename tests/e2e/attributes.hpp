// Forkables that report what the kernel says about the child: its namespaces, credentials,
// session, root, limits. Used by attributes_test.cpp.
#pragma once

#include <string>
#include <vector>

#include <gofork/gofork.hpp>

namespace attr {

[[gofork::forkable]] std::string set_and_get_hostname(std::string name);
[[gofork::forkable]] int own_pid();
[[gofork::forkable]] int parent_pid();
[[gofork::forkable]] std::string namespace_of(std::string kind);
[[gofork::forkable]] std::vector<long> credentials();  // uid, euid, gid, egid, then the groups
[[gofork::forkable]] std::string read_file(std::string path);
[[gofork::forkable]] std::vector<long> session();  // pid, sid, pgid
[[gofork::forkable]] std::vector<std::string> list_directory(std::string path);
[[gofork::forkable]] std::vector<unsigned long long> open_files_limit();
[[gofork::forkable]] int no_new_privs();
[[gofork::forkable]] int pdeathsig();
[[gofork::forkable]] int launch_orphan_with_pdeathsig();
[[gofork::forkable]] void sleep_forever();
[[gofork::forkable]] int square(int x);
// What the child can see of its executable: the /proc/self/exe link, its seals, whether it
// opens for writing, and PR_GET_DUMPABLE.
[[gofork::forkable]] std::vector<std::string> executable_report();
// executable_report of a sealed_exe child launched where vm.memfd_noexec=2 (set in this
// child's own pid namespace), then the copy kind, what memfd_create(MFD_EXEC) said there, and
// square(7) from a sealed_exe child running as uid 65534.
// A single string when the sysctl cannot be set.
[[gofork::forkable]] std::vector<std::string> sealed_report_without_executable_memfds();
// CVE-2019-5736 from the inside: keeps an O_PATH descriptor of /proc/self/exe in a grandchild
// (/bin/sh) that, once this process has exited, reopens it for writing and writes to it. The
// grandchild exits 0 if the write went through, 3 if it was refused. Returns its pid.
[[gofork::forkable]] int attack_own_executable();
// Sends the test (through stdin, a unix socket) a seccomp listener that holds every
// prctl(PR_SET_PDEATHSIG), then launches sleep_forever with a pdeathsig: the launch never ends.
[[gofork::forkable]] void launch_held_before_pdeathsig();
// Launches sleep_forever with pdeathsig SIGKILL (in new user, pid, mount and network
// namespaces if asked), sends its pid to the test through stdin (a unix socket), and waits to
// be killed.
[[gofork::forkable]] void launch_and_wait_to_be_killed(bool in_namespaces);

// Makes one pre-exec step of a launch fail with EPERM (a seccomp filter on the system call the
// step makes, installed in this child), launches square(1) with the option that needs the step
// and returns what the launch threw: "<what> | errno <n>", or "launched".
[[gofork::forkable]] std::string launch_with_a_failing_step(std::string step);
// Writes "r" to stdout, then reads stdin to its end: the parent looks at the child meanwhile.
[[gofork::forkable]] void report_ready_and_wait();
// Makes the mount tree private, mounts a tmpfs on `dir` and writes `dir`/inside; returns
// whether the file is there.
[[gofork::forkable]] bool mount_a_private_tmpfs(std::string dir);

}  // namespace attr
