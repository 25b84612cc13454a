#include "diagnostics/diagnostics.hpp"

#include <clang/Basic/Diagnostic.h>
#include <clang/Basic/DiagnosticOptions.h>
#include <clang/Basic/FileManager.h>
#include <clang/Basic/LangOptions.h>
#include <clang/Basic/SourceManager.h>
#include <clang/Frontend/TextDiagnosticPrinter.h>
#include <llvm/Support/raw_ostream.h>

namespace gofork::gen::diagnostics {

bool reporter::first_time(clang::SourceLocation where, const std::string& message) {
  const auto& sm = engine_.getSourceManager();
  std::string key = message;
  if (where.isValid()) {
    const clang::PresumedLoc loc = sm.getPresumedLoc(sm.getFileLoc(where));
    if (loc.isValid()) {
      key = std::string(loc.getFilename()) + ":" + std::to_string(loc.getLine()) + ":" +
            std::to_string(loc.getColumn()) + ":" + message;
    }
  }
  return seen_.insert(key).second;
}

void reporter::error(clang::SourceLocation where, const std::string& message) {
  error(where, clang::SourceRange(), message);
}

void reporter::error(clang::SourceLocation where, clang::SourceRange range, const std::string& message) {
  had_error_ = true;  // counts even when already printed for another TU: this TU must fail too
  if (!first_time(where, message)) return;
  // "%0" keeps user text out of the format string. Custom IDs bypass warning flags, so -Wno-everything
  // cannot hide them.
  const unsigned id = engine_.getCustomDiagID(clang::DiagnosticsEngine::Error, "%0");
  auto builder = engine_.Report(where, id);
  builder << message;
  if (range.isValid()) builder << range;
}

void reporter::warning(clang::SourceLocation where, const std::string& message) {
  if (!first_time(where, message)) return;
  engine_.Report(where, engine_.getCustomDiagID(clang::DiagnosticsEngine::Warning, "%0")) << message;
}

unsigned report_late(const std::vector<model::problem>& problems) {
  if (problems.empty()) return 0;
  llvm::IntrusiveRefCntPtr<clang::DiagnosticOptions> options(new clang::DiagnosticOptions());
  clang::TextDiagnosticPrinter printer(llvm::errs(), options.get());
  clang::DiagnosticsEngine engine(new clang::DiagnosticIDs(), options, &printer, /*ShouldOwnClient=*/false);
  clang::FileManager files{clang::FileSystemOptions()};
  clang::SourceManager sources(engine, files);
  engine.setSourceManager(&sources);
  printer.BeginSourceFile(clang::LangOptions(), nullptr);

  auto locate = [&](const model::source_position& position) {
    if (position.file.empty()) return clang::SourceLocation();
    auto entry = files.getFile(position.file);
    if (!entry) return clang::SourceLocation();
    const clang::FileID id = sources.getOrCreateFileID(*entry, clang::SrcMgr::C_User);
    return sources.translateLineCol(id, position.line, position.column);
  };

  const unsigned error_id = engine.getCustomDiagID(clang::DiagnosticsEngine::Error, "%0");
  const unsigned note_id = engine.getCustomDiagID(clang::DiagnosticsEngine::Note, "%0");
  for (const auto& problem : problems) {
    engine.Report(locate(problem.position), error_id) << problem.message;
    for (const auto& [position, text] : problem.notes) engine.Report(locate(position), note_id) << text;
  }
  printer.EndSourceFile();
  const unsigned errors = engine.getClient()->getNumErrors();
  llvm::errs() << errors << (errors == 1 ? " error" : " errors") << " generated.\n";
  return errors;
}

void report_plain_error(const std::string& message) {
  llvm::errs() << "gofork-gen: error: " << message << "\n";
}

}  // namespace gofork::gen::diagnostics
