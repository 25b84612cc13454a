// Where a child's output goes: captured into strings (both streams at once, any size), a file,
// /dev/null; and what it starts with: argv, environment, working directory.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include <unistd.h>

#include <gofork/gofork.hpp>

[[gofork::forkable]] void chatty(int lines) {
  for (int i = 0; i < lines; ++i) {
    std::cout << "out " << i << '\n';
    std::cerr << "err " << i << '\n';
  }
}

[[gofork::forkable]] std::string whoami() {
  char cwd[256];
  std::ifstream cmdline("/proc/self/cmdline");
  std::string argv0;
  std::getline(cmdline, argv0, '\0');
  const char* mode = std::getenv("MODE");
  return "argv[0]=" + argv0 + " MODE=" + (mode ? mode : "-") + " cwd=" + (getcwd(cwd, sizeof cwd) ? cwd : "?");
}

#include "main.gofork.hpp"

int main(int argc, char** argv) {
  gofork::init(argc, argv);

  gofork::options capture;
  capture.out = gofork::redirect::capture();
  capture.err = gofork::redirect::capture();
  auto p = fork_chatty(capture, 150000);
  p.wait();
  std::printf("captured %zu bytes of stdout and %zu of stderr\n", p.captured_stdout().size(),
              p.captured_stderr().size());

  char dir[] = "/tmp/gofork-redirects-XXXXXX";
  if (!mkdtemp(dir)) return 1;
  const std::string log = std::string(dir) + "/out.log";
  gofork::options to_file;
  to_file.out = gofork::redirect::file(log);
  to_file.err = gofork::redirect::null();
  fork_chatty(to_file, 2).wait();
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) std::printf("from the file: %s\n", line.c_str());
  unlink(log.c_str());
  rmdir(dir);

  gofork::options setup;
  setup.argv = {"worker-7"};
  setup.env["MODE"] = "batch";
  setup.cwd = "/";
  std::printf("%s\n", fork_whoami(setup).get().c_str());
}
