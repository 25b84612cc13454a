// gofork-gen --output-dir DIR [--stamp FILE] [--depfile FILE] [--list] SOURCE... -- COMPILER_FLAGS...
// Thin driver: command line, planning, write-if-changed, stale-file removal, stamp and depfile.
#include "diagnostics/diagnostics.hpp"
#include "emit/emit.hpp"
#include "frontend/scan.hpp"
#include "model/plan.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace gofork::gen;

struct command_line {
  std::string output_dir;
  std::string stamp;
  std::string depfile;
  bool list = false;
  std::vector<std::string> sources;
  std::vector<std::string> flags;
};

constexpr const char* usage =
    "usage: gofork-gen --output-dir DIR [--stamp FILE] [--depfile FILE] [--list] SOURCE... -- COMPILER_FLAGS...";

bool parse_command_line(int argc, char** argv, command_line& out) {
  int i = 1;
  for (; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      ++i;
      break;
    }
    auto value = [&](std::string& target) {
      if (i + 1 >= argc) return false;
      target = argv[++i];
      return true;
    };
    if (arg == "--output-dir") {
      if (!value(out.output_dir)) return false;
    } else if (arg == "--stamp") {
      if (!value(out.stamp)) return false;
    } else if (arg == "--depfile") {
      if (!value(out.depfile)) return false;
    } else if (arg == "--list") {
      out.list = true;
    } else if (arg.rfind("--", 0) == 0) {
      diagnostics::report_plain_error("unknown option '" + arg + "'");
      return false;
    } else {
      out.sources.push_back(arg);
    }
  }
  for (; i < argc; ++i) out.flags.push_back(argv[i]);
  return !out.sources.empty() && (out.list || !out.output_dir.empty());
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) diagnostics::report_plain_error("cannot write '" + path.string() + "'");
  return static_cast<bool>(out);
}

// Unchanged files keep their mtime, so the build system does not recompile their includers.
bool write_if_changed(const fs::path& path, const std::string& content) {
  std::error_code ec;
  if (fs::exists(path, ec) && read_file(path) == content) return true;
  return write_file(path, content);
}

int run(const command_line& cmd) {
  std::vector<std::string> sources;
  for (const auto& source : cmd.sources) {
    std::error_code ec;
    fs::path path = fs::weakly_canonical(fs::absolute(source), ec);
    sources.push_back(ec ? fs::absolute(source).lexically_normal().string() : path.string());
  }

  frontend::scan_result scanned = frontend::scan(cmd.sources, cmd.flags);
  if (!scanned.ok) return 1;

  model::plan_input input;
  input.functions = std::move(scanned.functions);
  input.sources = sources;
  input.main_files = scanned.main_files;
  input.include_dirs = frontend::include_dirs(cmd.flags);
  const model::plan plan = model::make_plan(input);
  if (diagnostics::report_late(plan.problems) != 0) return 1;

  if (cmd.list) {
    std::vector<std::string> lines;
    for (const auto& fn : plan.functions) lines.push_back(emit::list_line(fn));
    std::sort(lines.begin(), lines.end());
    for (const auto& line : lines) std::cout << line << '\n';
    return 0;
  }

  const fs::path dir = cmd.output_dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    diagnostics::report_plain_error("cannot create '" + dir.string() + "': " + ec.message());
    return 1;
  }

  std::set<std::string> produced;
  std::string first_output;
  for (const auto& header : plan.headers) {
    const fs::path path = dir / header.file_name;
    if (!write_if_changed(path, emit::header(header))) return 1;
    produced.insert(header.file_name);
    if (first_output.empty()) first_output = path.string();
  }

  // The directory belongs to the generator: generated headers nobody produces any more would be stale.
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const std::string suffix = ".gofork.hpp";
    const bool generated = name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    if (generated && produced.count(name) == 0) fs::remove(entry.path(), ec);
  }

  if (!cmd.stamp.empty() && !write_file(cmd.stamp, "")) return 1;
  if (!cmd.depfile.empty()) {
    const std::string target = cmd.stamp.empty() ? first_output : cmd.stamp;
    if (!write_if_changed(cmd.depfile, emit::depfile(target, scanned.dependencies))) return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  command_line cmd;
  if (!parse_command_line(argc, argv, cmd)) {
    std::cerr << usage << '\n';
    return 1;
  }
  try {
    return run(cmd);
  } catch (const std::exception& e) {
    diagnostics::report_plain_error(e.what());
    return 1;
  }
}
