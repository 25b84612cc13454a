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

clang::tooling::CommandLineArguments adjust(const clang::tooling::CommandLineArguments& args, llvm::StringRef) {
  clang::tooling::CommandLineArguments out;
  bool has_resource_dir = false;
  for (const auto& arg : args) {
    if (llvm::StringRef(arg).startswith("-Wno-attributes=")) continue;  // gcc-only
    if (llvm::StringRef(arg).startswith("-resource-dir")) has_resource_dir = true;
    out.push_back(arg);
  }
  out.push_back("-fsyntax-only");
  if (!has_resource_dir) out.push_back("-resource-dir=" GOFORK_CLANG_RESOURCE_DIR);
  // The users' warnings are not ours to print; our custom diagnostics are not affected by this.
  out.push_back("-Wno-everything");
  out.push_back("-Wno-unknown-warning-option");
  return out;
}

}  // namespace

scan_result scan(const std::vector<std::string>& sources, const std::vector<std::string>& compiler_flags) {
  ensure_attribute_registered();
  shared_state state;
  clang::tooling::FixedCompilationDatabase database(".", compiler_flags);
  clang::tooling::ClangTool tool(database, sources, std::make_shared<clang::PCHContainerOperations>(),
                                 make_scan_file_system());
  tool.appendArgumentsAdjuster(adjust);
  factory actions(state);
  const int status = tool.run(&actions);

  scan_result result;
  result.ok = status == 0 && !state.our_errors;
  result.functions = std::move(state.functions);
  result.main_files.assign(state.main_files.begin(), state.main_files.end());
  result.dependencies.assign(state.dependencies.begin(), state.dependencies.end());
  return result;
}

std::vector<std::string> include_dirs(const std::vector<std::string>& compiler_flags) {
  std::vector<std::string> dirs;
  auto add = [&](const std::string& dir) {
    // Canonical, like the declaring files' real paths they are compared with.
    std::error_code ec;
    fs::path path = fs::weakly_canonical(fs::absolute(dir), ec);
    if (ec) path = fs::absolute(dir).lexically_normal();
    if (!path.has_filename()) path = path.parent_path();  // drop a trailing separator
    dirs.push_back(path.string());
  };
  for (std::size_t i = 0; i < compiler_flags.size(); ++i) {
    const std::string& flag = compiler_flags[i];
    for (const char* option : {"-isystem", "-iquote", "-I"}) {
      const std::string prefix = option;
      if (flag == prefix) {
        if (i + 1 < compiler_flags.size()) add(compiler_flags[++i]);
        break;
      }
      if (flag.rfind(prefix, 0) == 0) {
        add(flag.substr(prefix.size()));
        break;
      }
    }
  }
  return dirs;
}

}  // namespace gofork::gen::frontend
