// Decides which generated headers exist and what goes into each (pure; no Clang, no I/O).
#pragma once

#include "model/model.hpp"

#include <string>
#include <vector>

namespace gofork::gen::model {

struct plan_input {
  std::vector<function> functions;         // from every TU, duplicates allowed
  std::vector<std::string> sources;        // absolute paths of the SOURCE arguments
  std::vector<std::string> main_files;     // absolute paths of the scanned TUs' main files
  std::vector<std::string> include_dirs;   // absolute, in command-line order (-I, -iquote, -isystem)
  std::string source_root;                 // absolute; empty: every generated header is flat in the output dir
};

struct plan {
  std::vector<function> functions;         // deduplicated, sorted by id
  std::vector<generated_header> headers;   // sorted by file name
  std::vector<problem> problems;           // non-empty: nothing may be written
};

plan make_plan(const plan_input& input);

// "<stem>.gofork.hpp" for a path: file name without its last extension.
std::string generated_file_name(const std::string& path);

// Where a path's header goes, relative to the output dir: "<dir relative to root>/<stem>.gofork.hpp" for a
// path under `source_root`, else generated_file_name(path).
std::string generated_path(const std::string& path, const std::string& source_root);

// Where a header's generated header goes: beside its include spelling (<mylib/api.hpp> →
// mylib/api.gofork.hpp), so users include it the way they include the header; a header no
// include directory reaches falls back to generated_path().
std::string header_output_path(const std::string& path, const std::vector<std::string>& include_dirs,
                               const std::string& source_root);

// Spelling for #include "...": shortest path relative to an include dir, else the absolute path.
std::string include_spelling(const std::string& path, const std::vector<std::string>& include_dirs);

}  // namespace gofork::gen::model
