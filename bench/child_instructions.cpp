// Counts, with callgrind, the instructions a gofork child executes before the user's function
// runs, and the instructions of the floor: the same binary exiting at the top of main. Their
// difference is gofork's share of a child's start-up (the loader, libc and libstdc++ start-up
// are in both). Instruction counts do not depend on machine load, so a committed threshold can
// guard against regressions.
//
//   gofork_bench_child_instructions [--check FILE] [--update FILE] [--keep DIR]
//
//   --check FILE   fail (exit 1) if gofork's share exceeds the threshold in FILE
//   --update FILE  write FILE with the measured share + 20%
//   Exit code 77 (CTest's SKIP_RETURN_CODE): valgrind is not installed; nothing is installed.
//
// The child side is driven directly: this process writes a request frame into a sealed memfd,
// makes the socket pair, sets GOFORK_CHILD the way spawn() does, and runs this same binary under
// `valgrind --tool=callgrind --dump-before=gofork_bench_user_function` as its direct child (so
// the channel's peer is its parent, as init() checks). The first dump holds the cost up to the
// user function's entry.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gofork/gofork.hpp>

#include "channel/frame.hpp"   // runtime/: the request frame, as spawn() writes it
#include "channel/marker.hpp"  // runtime/: the GOFORK_CHILD marker

extern "C" __attribute__((noinline, used)) void gofork_bench_user_function() { asm volatile(""); }

namespace {

constexpr int skip_code = 77;

std::string find_on_path(const char* name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  std::stringstream ss(dirs);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string self_path() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw std::runtime_error("readlink /proc/self/exe");
  return std::string(buf, static_cast<std::size_t>(n));
}

// The "totals:" (or "summary:") instruction count of a callgrind output file.
unsigned long long callgrind_total(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("no callgrind output " + file);
  std::string line;
  unsigned long long summary = 0;
  bool found = false;
  while (std::getline(in, line)) {
    for (const char* key : {"totals:", "summary:"}) {
      if (line.rfind(key, 0) == 0) {
        summary = std::stoull(line.substr(std::strlen(key)));
        found = true;
        if (std::strcmp(key, "totals:") == 0) return summary;
      }
    }
  }
  if (!found) throw std::runtime_error("no totals in " + file);
  return summary;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waitpid");
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void run_quietly(const std::vector<std::string>& args, const std::string& log) {
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork");
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  if (int rc = wait_for(pid); rc != 0) throw std::runtime_error(args[0] + " failed (status " + std::to_string(rc) + "), see " + log);
}

// The floor: this binary exiting at the top of main.
unsigned long long measure_floor(const std::string& valgrind, const std::string& dir) {
  const std::string out = dir + "/floor.callgrind";
  run_quietly({valgrind, "--tool=callgrind", "--callgrind-out-file=" + out, self_path(), "--exit-now"},
              dir + "/floor.log");
  return callgrind_total(out);
}

// A gofork child of the empty function, up to the function's entry.
unsigned long long measure_child(const std::string& valgrind, const std::string& dir) {
  const std::string arguments = gofork::detail::encode_arguments();
  const std::string id = gofork::detail::dynamic_id("empty");
  gofork::runtime::nonce n{};
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<std::uint8_t>(0x40 + i);
  const std::string request = gofork::runtime::encode_request_prefix(n, id, arguments.size()) + arguments;

  int memfd = ::memfd_create("gofork-call", MFD_ALLOW_SEALING);
  if (memfd < 0 || ::write(memfd, request.data(), request.size()) != static_cast<ssize_t>(request.size()) ||
      ::fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    throw std::runtime_error("request memfd");
  }
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) throw std::runtime_error("socketpair");

  gofork::runtime::marker m;
  m.call_nonce = n;
  m.parent = ::getpid();
  m.channel_fd = pair[1];
  m.arguments_fd = memfd;
  const std::string marker = gofork::runtime::format_marker(m);

  const std::string out = dir + "/child.callgrind";
  const std::string log = dir + "/child.log";
  std::vector<std::string> args = {valgrind, "--tool=callgrind", "--dump-before=gofork_bench_user_function",
                                   "--callgrind-out-file=" + out, self_path()};
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork");
  if (pid == 0) {
    ::fcntl(pair[1], F_SETFD, 0);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::setenv(gofork::runtime::marker_variable, marker.c_str(), 1);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pair[1]);
  ::close(memfd);
  std::string reply;
  char buf[4096];
  for (;;) {
    ssize_t r = ::read(pair[0], buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    reply.append(buf, static_cast<std::size_t>(r));
  }
  ::close(pair[0]);
  int rc = wait_for(pid);
  std::string why;
  auto parsed = gofork::runtime::parse_reply(reply, why);
  if (rc != 0 || !parsed || parsed->kind != gofork::runtime::reply_kind::value) {
    throw std::runtime_error("the child under valgrind did not return a value (status " + std::to_string(rc) +
                             "), see " + log);
  }
  // --dump-before writes <out>.1 at the function's entry (and <out> at exit).
  return callgrind_total(out + ".1");
}

unsigned long long read_threshold(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::string key;
    unsigned long long value = 0;
    if (ss >> key >> value && key == "child_instructions_before_function_max") return value;
  }
  throw std::runtime_error(file + " has no child_instructions_before_function_max line");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--exit-now") == 0) ::_exit(0);
  gofork::register_function("empty", &gofork_bench_user_function);
  gofork::init(argc, argv);

  std::string check, update, keep;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--check" && i + 1 < argc) {
      check = argv[++i];
    } else if (a == "--update" && i + 1 < argc) {
      update = argv[++i];
    } else if (a == "--keep" && i + 1 < argc) {
      keep = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--check FILE] [--update FILE] [--keep DIR]\n", argv[0]);
      return 2;
    }
  }

  const std::string valgrind = find_on_path("valgrind");
  if (valgrind.empty()) {
    std::printf("skipped: valgrind is not installed (scripts/install-deps.sh installs it); nothing measured\n");
    return skip_code;
  }
  try {
    std::string dir = keep;
    char tmpl[] = "/tmp/gofork-icount-XXXXXX";
    if (dir.empty()) {
      if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp");
      dir = tmpl;
    } else {
      ::mkdir(dir.c_str(), 0755);
    }
    const unsigned long long floor = measure_floor(valgrind, dir);
    const unsigned long long child = measure_child(valgrind, dir);
    if (keep.empty()) {
      for (const char* f : {"floor.callgrind", "floor.log", "child.callgrind", "child.callgrind.1", "child.log"}) {
        ::unlink((dir + "/" + f).c_str());
      }
      ::rmdir(dir.c_str());
    }
    const long long share = static_cast<long long>(child) - static_cast<long long>(floor);
    std::printf("child instructions before the user function: %llu\n", child);
    std::printf("floor (same binary, exit at the top of main): %llu\n", floor);
    std::printf("gofork's share (child - floor):               %lld (%.2fx the floor)\n", share,
                floor ? static_cast<double>(child) / static_cast<double>(floor) : 0.0);
    if (!update.empty()) {
      const unsigned long long limit = static_cast<unsigned long long>(static_cast<double>(share) * 1.2);
      std::ofstream out(update);
      out << "# gofork's share of a child's instructions before the user function (callgrind: child up to the\n"
             "# function minus the same binary exiting at the top of main), measured + 20%.\n"
             "# Measured: "
          << share << " (child " << child << ", floor " << floor
          << ").\n# Regenerate: gofork_bench_child_instructions --update bench/child_instructions.threshold\n"
          << "child_instructions_before_function_max " << limit << "\n";
      std::printf("wrote %s (threshold %llu)\n", update.c_str(), limit);
    }
    if (!check.empty()) {
      const unsigned long long limit = read_threshold(check);
      const bool ok = share >= 0 && static_cast<unsigned long long>(share) <= limit;
      std::printf("threshold %llu: %s\n", limit, ok ? "ok" : "EXCEEDED");
      return ok ? 0 : 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gofork_bench_child_instructions: %s\n", e.what());
    return 1;
  }
  return 0;
}
