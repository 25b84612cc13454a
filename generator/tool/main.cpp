// gofork-gen --output-dir DIR [-p BUILD_DIR] [--source-root DIR] [--stamp FILE] [--depfile FILE] [--list] SOURCE...
//            [-- FLAGS...]
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
  std::string source_root;
  std::string stamp;
  std::string depfile;
  std::string compile_commands_dir;
  bool list = false;
  bool version = false;
  std::vector<std::string> sources;
  std::vector<std::string> flags;
};

constexpr const char* usage =
    "usage: gofork-gen --output-dir DIR [-p BUILD_DIR] [--source-root DIR] [--stamp FILE] [--depfile FILE] [--list]\n"
    "                  SOURCE... [-- COMPILER_FLAGS...]\n"
    "       gofork-gen --version\n"
    "Flags come from BUILD_DIR/compile_commands.json (-p), from COMPILER_FLAGS, or both (added to each command).";

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
    } else if (arg == "--source-root") {
      if (!value(out.source_root)) return false;
    } else if (arg == "--stamp") {
      if (!value(out.stamp)) return false;
    } else if (arg == "--depfile") {
      if (!value(out.depfile)) return false;
    } else if (arg == "-p") {
      if (!value(out.compile_commands_dir)) return false;
    } else if (arg.rfind("-p=", 0) == 0) {
      out.compile_commands_dir = arg.substr(3);
    } else if (arg == "--list") {
      out.list = true;
    } else if (arg == "--version") {
      out.version = true;
    } else if (arg.rfind("--", 0) == 0) {
      diagnostics::report_plain_error("unknown option '" + arg + "'");
      return false;
    } else {
      out.sources.push_back(arg);
    }
  }
  for (; i < argc; ++i) out.flags.push_back(argv[i]);
  if (out.version) return true;
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

// Absolute and canonical, like the real paths Clang reports for the files it read.
std::string canonical_path(const std::string& path) {
  std::error_code ec;
  fs::path out = fs::weakly_canonical(fs::absolute(path), ec);
  if (ec) out = fs::absolute(path).lexically_normal();
  if (!out.has_filename()) out = out.parent_path();  // drop a trailing separator
  return out.string();
}

bool is_generated_name(const std::string& name) {
  const std::string suffix = ".gofork.hpp";
  return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The directory belongs to the generator: generated headers nobody produces any more would be stale.
// Returns whether `dir` is empty afterwards, so that subdirectories this left empty go too.
bool remove_stale(const fs::path& root, const fs::path& dir, const std::set<std::string>& produced) {
  std::error_code ec;
  bool empty = true;
  std::vector<fs::path> entries;
  for (const auto& entry : fs::directory_iterator(dir, ec)) entries.push_back(entry.path());
  for (const auto& path : entries) {
    if (fs::is_directory(fs::symlink_status(path, ec))) {
      if (remove_stale(root, path, produced)) {
        fs::remove(path, ec);
        if (!ec) continue;
      }
      empty = false;
      continue;
    }
    const std::string relative = path.lexically_relative(root).generic_string();
    if (is_generated_name(path.filename().string()) && produced.count(relative) == 0 && fs::remove(path, ec)) continue;
    empty = false;
  }
  return empty;
}

int run(const command_line& cmd) {
  std::vector<std::string> sources;
  for (const auto& source : cmd.sources) sources.push_back(canonical_path(source));

  frontend::scan_request request;
  request.sources = cmd.sources;
  request.compiler_flags = cmd.flags;
  request.compile_commands_dir = cmd.compile_commands_dir;
  frontend::scan_result scanned = frontend::scan(request);
  if (!scanned.ok) return 1;

  model::plan_input input;
  input.functions = std::move(scanned.functions);
  input.sources = sources;
  input.main_files = scanned.main_files;
  input.include_dirs = scanned.include_dirs;
  if (!cmd.source_root.empty()) input.source_root = canonical_path(cmd.source_root);
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
    if (header.file_name.find('/') != std::string::npos) {
      fs::create_directories(path.parent_path(), ec);
      if (ec) {
        diagnostics::report_plain_error("cannot create '" + path.parent_path().string() + "': " + ec.message());
        return 1;
      }
    }
    if (!write_if_changed(path, emit::header(header))) return 1;
    produced.insert(header.file_name);
    if (first_output.empty()) first_output = path.string();
  }

  remove_stale(dir, dir, produced);

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
  if (cmd.version) {
    std::cout << "gofork-gen " GOFORK_VERSION " (Clang " GOFORK_LLVM_VERSION_STRING ")\n";
    return 0;
  }
  try {
    return run(cmd);
  } catch (const std::exception& e) {
    diagnostics::report_plain_error(e.what());
    return 1;
  }
}
