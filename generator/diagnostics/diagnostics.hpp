// Located errors through clang::DiagnosticsEngine, so they look like (and count as) compiler errors.
#pragma once

#include "model/model.hpp"

#include <set>
#include <string>
#include <vector>

namespace clang {
class DiagnosticsEngine;
class SourceLocation;
class SourceRange;
}  // namespace clang

namespace gofork::gen::diagnostics {

// Reports into one TU's DiagnosticsEngine. `seen` is shared across TUs so a header included by several
// sources reports each problem once.
class reporter {
 public:
  reporter(clang::DiagnosticsEngine& engine, std::set<std::string>& seen) : engine_(engine), seen_(seen) {}

  void error(clang::SourceLocation where, const std::string& message);
  void error(clang::SourceLocation where, clang::SourceRange range, const std::string& message);
  void warning(clang::SourceLocation where, const std::string& message);
  bool had_error() const { return had_error_; }

 private:
  bool first_time(clang::SourceLocation where, const std::string& message);

  clang::DiagnosticsEngine& engine_;
  std::set<std::string>& seen_;
  bool had_error_ = false;
};

// Problems found after every TU has been scanned: printed with a fresh SourceManager over the real files,
// with the same file:line:col: error: ... and caret format. Returns the number of errors printed.
unsigned report_late(const std::vector<model::problem>& problems);

// An unlocated error/note in the same format (e.g. command-line problems): "gofork-gen: error: ...".
void report_plain_error(const std::string& message);

}  // namespace gofork::gen::diagnostics
