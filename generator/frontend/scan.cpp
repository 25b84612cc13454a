#include "frontend/scan.hpp"

#include "diagnostics/diagnostics.hpp"
#include "frontend/attribute.hpp"
#include "frontend/file_system.hpp"
#include "parse/collect.hpp"

#include <clang/AST/ASTConsumer.h>
#include <clang/AST/ASTContext.h>
#include <clang/Basic/SourceManager.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Frontend/FrontendAction.h>
#include <clang/Tooling/ArgumentsAdjusters.h>
#include <clang/Tooling/CompilationDatabase.h>
#include <clang/Tooling/JSONCompilationDatabase.h>
#include <clang/Tooling/Tooling.h>

#include <algorithm>
#include <filesystem>
#include <set>

#ifndef GOFORK_CLANG_RESOURCE_DIR
#error "GOFORK_CLANG_RESOURCE_DIR must name the builtin-header directory of the Clang we link"
#endif

namespace gofork::gen::frontend {
namespace {

namespace fs = std::filesystem;

struct shared_state {
  std::vector<model::function> functions;
  std::set<std::string> main_files;
  std::set<std::string> dependencies;
  std::set<std::string> reported;  // diagnostics already printed, across TUs
  bool our_errors = false;
};

std::string absolute_path(const clang::FileEntry& entry) {
  if (!entry.tryGetRealPathName().empty()) return entry.tryGetRealPathName().str();
  return fs::absolute(entry.getName().str()).lexically_normal().string();
}

class consumer : public clang::ASTConsumer {
 public:
  consumer(shared_state& state, clang::CompilerInstance& ci) : state_(state), ci_(ci) {}

  void HandleTranslationUnit(clang::ASTContext& ctx) override {
    const auto& sm = ctx.getSourceManager();
    if (const auto* main = sm.getFileEntryForID(sm.getMainFileID())) state_.main_files.insert(absolute_path(*main));
    for (auto it = sm.fileinfo_begin(); it != sm.fileinfo_end(); ++it) {
      const clang::FileEntry* entry = it->first;
      if (entry == nullptr || is_generated_header(entry->getName())) continue;
      state_.dependencies.insert(absolute_path(*entry));
    }
    // A broken AST would only produce follow-up noise.
    if (ctx.getDiagnostics().hasFatalErrorOccurred()) return;
    diagnostics::reporter report(ctx.getDiagnostics(), state_.reported);
    if (!ci_.hasSema()) return;
    auto found = parse::collect(ci_.getSema(), report);
    state_.our_errors = state_.our_errors || report.had_error();
    state_.functions.insert(state_.functions.end(), found.begin(), found.end());
  }

 private:
  shared_state& state_;
  clang::CompilerInstance& ci_;  // its Sema is alive until after HandleTranslationUnit
};

class action : public clang::ASTFrontendAction {
 public:
  explicit action(shared_state& state) : state_(state) {}

 protected:
  bool BeginSourceFileAction(clang::CompilerInstance& ci) override {
    // Calls to fork_* stubs live in bodies and the stubs are not declared yet; bodies are irrelevant anyway.
    ci.getFrontendOpts().SkipFunctionBodies = true;
    return true;
  }

  std::unique_ptr<clang::ASTConsumer> CreateASTConsumer(clang::CompilerInstance& ci, llvm::StringRef) override {
    return std::make_unique<consumer>(state_, ci);
  }

 private:
  shared_state& state_;
};

class factory : public clang::tooling::FrontendActionFactory {
 public:
  explicit factory(shared_state& state) : state_(state) {}
  std::unique_ptr<clang::FrontendAction> create() override { return std::make_unique<action>(state_); }

 private:
  shared_state& state_;
};

// Our flags go before a "--" (a compilation database's command may end with "-- <file>"), after
// the command's own, so that the extra flags given with a database override it as a compiler would.
clang::tooling::CommandLineArguments adjust(const clang::tooling::CommandLineArguments& args,
                                            const std::vector<std::string>& extra_flags) {
  clang::tooling::CommandLineArguments out;
  bool has_resource_dir = false;
  auto end = std::find(args.begin(), args.end(), "--");
  for (auto it = args.begin(); it != end; ++it) {
    if (it->rfind("-Wno-attributes=", 0) == 0) continue;  // gcc-only
    if (it->rfind("-resource-dir", 0) == 0) has_resource_dir = true;
    out.push_back(*it);
  }
  for (const auto& flag : extra_flags) {
    if (flag.rfind("-Wno-attributes=", 0) == 0) continue;
    if (flag.rfind("-resource-dir", 0) == 0) has_resource_dir = true;
    out.push_back(flag);
  }
  out.push_back("-fsyntax-only");
  if (!has_resource_dir) out.push_back("-resource-dir=" GOFORK_CLANG_RESOURCE_DIR);
  // The users' warnings are not ours to print; our custom diagnostics are not affected by this.
  out.push_back("-Wno-everything");
  out.push_back("-Wno-unknown-warning-option");
  out.insert(out.end(), end, args.end());
  return out;
}

}  // namespace

namespace {

// -I, -iquote and -isystem directories in command-line order, relative ones resolved against `base`
// (a compilation database's "directory": Meson writes -I paths relative to the build directory).
void add_include_dirs(const std::vector<std::string>& flags, const fs::path& base, std::vector<std::string>& dirs) {
  auto add = [&](const std::string& dir) {
    // Canonical, like the declaring files' real paths they are compared with.
    const fs::path given = fs::path(dir).is_absolute() ? fs::path(dir) : base / dir;
    std::error_code ec;
    fs::path path = fs::weakly_canonical(given, ec);
    if (ec) path = given.lexically_normal();
    if (!path.has_filename()) path = path.parent_path();  // drop a trailing separator
    if (std::find(dirs.begin(), dirs.end(), path.string()) == dirs.end()) dirs.push_back(path.string());
  };
  for (std::size_t i = 0; i < flags.size(); ++i) {
    const std::string& flag = flags[i];
    for (const char* option : {"-isystem", "-iquote", "-I"}) {
      const std::string prefix = option;
      if (flag == prefix) {
        if (i + 1 < flags.size()) add(flags[++i]);
        break;
      }
      if (flag.rfind(prefix, 0) == 0) {
        add(flag.substr(prefix.size()));
        break;
      }
    }
  }
}

std::unique_ptr<clang::tooling::CompilationDatabase> load_database(const scan_request& request) {
  if (request.compile_commands_dir.empty()) {
    return std::make_unique<clang::tooling::FixedCompilationDatabase>(".", request.compiler_flags);
  }
  std::string error;
  const std::string file = (fs::path(request.compile_commands_dir) / "compile_commands.json").string();
  auto database = clang::tooling::JSONCompilationDatabase::loadFromFile(
      file, error, clang::tooling::JSONCommandLineSyntax::AutoDetect);
  if (!database) {
    diagnostics::report_plain_error("cannot read '" + file + "': " + error);
    return nullptr;
  }
  for (const auto& source : request.sources) {
    const auto commands = database->getCompileCommands(fs::absolute(source).lexically_normal().string());
    // A command guessed from another file's (Heuristic) would parse with flags nobody chose.
    const bool guessed = std::any_of(commands.begin(), commands.end(),
                                     [](const clang::tooling::CompileCommand& c) { return !c.Heuristic.empty(); });
    if (commands.empty() || guessed) {
      diagnostics::report_plain_error("'" + source + "' has no entry in '" + file + "'");
      return nullptr;
    }
  }
  return database;
}

}  // namespace

scan_result scan(const scan_request& request) {
  ensure_attribute_registered();
  scan_result result;
  std::unique_ptr<clang::tooling::CompilationDatabase> database = load_database(request);
  if (!database) return result;

  // The directories that decide a header's include spelling, from the commands Clang will run.
  fs::path cwd = fs::current_path();
  if (request.compile_commands_dir.empty()) {
    add_include_dirs(request.compiler_flags, cwd, result.include_dirs);
  } else {
    for (const auto& source : request.sources) {
      for (const auto& command : database->getCompileCommands(fs::absolute(source).lexically_normal().string())) {
        add_include_dirs(command.CommandLine, command.Directory, result.include_dirs);
      }
    }
    add_include_dirs(request.compiler_flags, cwd, result.include_dirs);
  }

  shared_state state;
  clang::tooling::ClangTool tool(*database, request.sources, std::make_shared<clang::PCHContainerOperations>(),
                                 make_scan_file_system());
  // With a database, the flags after `--` are added to each of its commands.
  const std::vector<std::string> extra_flags =
      request.compile_commands_dir.empty() ? std::vector<std::string>{} : request.compiler_flags;
  tool.appendArgumentsAdjuster(
      [extra_flags](const clang::tooling::CommandLineArguments& args, llvm::StringRef) { return adjust(args, extra_flags); });
  factory actions(state);
  const int status = tool.run(&actions);

  result.ok = status == 0 && !state.our_errors;
  result.functions = std::move(state.functions);
  result.main_files.assign(state.main_files.begin(), state.main_files.end());
  result.dependencies.assign(state.dependencies.begin(), state.dependencies.end());
  return result;
}

}  // namespace gofork::gen::frontend
