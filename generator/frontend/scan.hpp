// Runs Clang over the sources and collects the model. No Clang types in this interface, so the driver
// compiles without Clang headers.
#pragma once

#include "model/model.hpp"

#include <string>
#include <vector>

namespace gofork::gen::frontend {

struct scan_result {
  bool ok = false;                         // no Clang error and no gofork error in any TU
  std::vector<model::function> functions;  // from all TUs, not yet deduplicated
  std::vector<std::string> main_files;     // absolute
  std::vector<std::string> dependencies;   // every file Clang read (absolute, sorted, unique), no .gofork.hpp
};

scan_result scan(const std::vector<std::string>& sources, const std::vector<std::string>& compiler_flags);

// -I, -iquote and -isystem directories in command-line order, made absolute against the current directory.
std::vector<std::string> include_dirs(const std::vector<std::string>& compiler_flags);

}  // namespace gofork::gen::frontend
