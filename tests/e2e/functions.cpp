#include "functions.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <numeric>
#include <stdexcept>

#include "functions.gofork.hpp"

namespace e2e {

int square(int x) { return x * x; }

std::string with_defaults(int x, int step, std::vector<std::string> words) {
  std::string out = std::to_string(x + step);
  for (const auto& word : words) out += " " + word;
  return out;
}

int own_pid() { return static_cast<int>(::getpid()); }

int counter::count_from(int first, int steps) { return first + steps; }
int counter::pid_of_child() { return static_cast<int>(::getpid()); }
std::string counter::nested::tag(const std::string& name) { return "<" + name + ">"; }

void write_line(int fd, const std::string& text) {
  std::string line = text + "\n";
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) throw std::runtime_error("write");
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? separator : "") + parts[i];
  return out;
}

double sum(std::vector<double> values) { return std::accumulate(values.begin(), values.end(), 0.0); }

std::vector<std::int64_t> iota_vector(std::int64_t count) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(count));
  std::iota(v.begin(), v.end(), std::int64_t{-5});
  return v;
}

std::string describe(bool b, char c, signed char sc, unsigned char uc, short s, unsigned short us, int i, unsigned u,
                     long l, unsigned long ul, long long ll, unsigned long long ull, float f, double d, char16_t c16,
                     char32_t c32, wchar_t wc) {
  auto hex = [](double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%a", v);
    return std::string(buf);
  };
  return std::to_string(b) + "|" + std::to_string(c) + "|" + std::to_string(sc) + "|" + std::to_string(uc) + "|" +
         std::to_string(s) + "|" + std::to_string(us) + "|" + std::to_string(i) + "|" + std::to_string(u) + "|" +
         std::to_string(l) + "|" + std::to_string(ul) + "|" + std::to_string(ll) + "|" + std::to_string(ull) + "|" +
         hex(f) + "|" + hex(d) + "|" + std::to_string(static_cast<unsigned>(c16)) + "|" +
         std::to_string(static_cast<unsigned long>(c32)) + "|" + std::to_string(static_cast<long>(wc));
}

std::vector<std::uint8_t> echo_bytes(std::vector<std::uint8_t> bytes) { return bytes; }

bool marker_visible() { return std::getenv("GOFORK_CHILD") != nullptr; }

bool child_flag() { return gofork::is_child(); }

int nested_square(int x) { return fork_square(x).get(); }

void throw_runtime_error(std::string message) { throw std::runtime_error(message); }

int throw_int(int value) { throw value; }

void abort_now() {
  rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);  // a test crash needs no core file
  std::abort();
}

void exit_with(int code) { std::exit(code); }

void sleep_forever() {
  for (;;) ::pause();
}

std::vector<std::string> command_line() {
  std::vector<std::string> args;
  FILE* f = std::fopen("/proc/self/cmdline", "rb");
  if (!f) throw std::runtime_error("cannot open /proc/self/cmdline");
  std::string current;
  for (int ch; (ch = std::fgetc(f)) != EOF;) {
    if (ch == 0) {
      args.push_back(current);
      current.clear();
    } else {
      current += static_cast<char>(ch);
    }
  }
  std::fclose(f);
  return args;
}

std::string environment(std::string name) {
  const char* v = std::getenv(name.c_str());
  return v ? v : "<unset>";
}

std::string working_directory() {
  char buf[4096];
  return ::getcwd(buf, sizeof buf) ? buf : "";
}

void print_out_err(std::string out, std::string err) {
  std::cout << out;  // no flush on purpose: the child must flush before it exits
  std::fputs(err.c_str(), stderr);
}

std::vector<int> open_descriptors() {
  std::vector<int> fds;
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) throw std::runtime_error("cannot list /proc/self/fd");
  int own = ::dirfd(dir);
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    int fd = std::atoi(e->d_name);
    if (fd != own) fds.push_back(fd);
  }
  ::closedir(dir);
  return fds;
}

std::string descriptor_target(int fd) {
  char target[256] = {};
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  if (::readlink(link.c_str(), target, sizeof target - 1) < 0) throw std::runtime_error("readlink " + link);
  return target;
}

void print_and_throw(std::string text) {
  std::fputs(text.c_str(), stdout);
  std::cout << text;
  throw std::runtime_error("thrown after printing");
}

summary summarise(int id, std::string name, std::vector<double> values) {
  summary s{id, std::move(name), std::move(values), 0};
  for (double v : s.values) s.total += v;
  return s;
}

std::string read_stdin() {
  std::string all;
  char buf[4096];
  for (ssize_t n; (n = ::read(0, buf, sizeof buf)) > 0;) all.append(buf, static_cast<std::size_t>(n));
  return all;
}

namespace inner {
std::string where() { return "e2e::inner"; }
}  // namespace inner

}  // namespace e2e
