// The child is this build even when the executable on disk is deleted and replaced after
// start-up. Run with --copy: copies itself to a temporary directory and runs the copy, which
// replaces its own file with a script and then launches a child.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include <gofork/gofork.hpp>

[[gofork::forkable]] int add(int a, int b) { return a + b; }
[[gofork::forkable]] int own_pid() { return static_cast<int>(::getpid()); }

#include "self_replace.gofork.hpp"

namespace {

int run_copy(const char* self) {
  char dir[] = "/tmp/gofork-replace-XXXXXX";
  if (!::mkdtemp(dir)) return 10;
  const std::string copy = std::string(dir) + "/program";
  {
    std::ifstream in(self, std::ios::binary);
    std::ofstream out(copy, std::ios::binary);
    out << in.rdbuf();
  }
  ::chmod(copy.c_str(), 0755);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execl(copy.c_str(), copy.c_str(), "--replace", copy.c_str(), static_cast<char*>(nullptr));
    ::_exit(11);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::unlink(copy.c_str());
  ::rmdir(dir);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 12;
}

int replace_and_launch(const char* path) {
  if (::unlink(path) != 0) return 20;
  {
    std::ofstream script(path);
    script << "#!/bin/sh\necho 'the replaced file ran'\nexit 42\n";
  }
  ::chmod(path, 0755);
  int sum = fork_add(2, 3).get();
  auto p = fork_own_pid();
  int child = p.get();
  std::printf("after replacement: add(2, 3) = %d in child %d (parent %d)\n", sum, child, ::getpid());
  return sum == 5 && child == p.pid() && child != ::getpid() ? 0 : 21;
}

}  // namespace

int main(int argc, char** argv) {
  gofork::init(argc, argv);
  if (argc == 2 && std::strcmp(argv[1], "--copy") == 0) return run_copy(argv[0]);
  if (argc == 3 && std::strcmp(argv[1], "--replace") == 0) return replace_and_launch(argv[2]);
  std::fprintf(stderr, "usage: %s --copy\n", argv[0]);
  return 2;
}
