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
};

struct plan {
  std::vector<function> functions;         // deduplicated, sorted by id
  std::vector<generated_header> headers;   // sorted by file name
  std::vector<problem> problems;           // non-empty: nothing may be written
};

plan make_plan(const plan_input& input);

// "<stem>.gofork.hpp" for a path: file name without its last extension.
std::string generated_file_name(const std::string& path);

// Spelling for #include "...": shortest path relative to an include dir, else the absolute path.
std::string include_spelling(const std::string& path, const std::vector<std::string>& include_dirs);

}  // namespace gofork::gen::model
