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
  // -I, -iquote and -isystem directories of the commands, in command-line order, absolute and canonical.
  std::vector<std::string> include_dirs;
};

struct scan_request {
  std::vector<std::string> sources;
  // Without a database: the flags of every source. With one: added to each source's command.
  std::vector<std::string> compiler_flags;
  std::string compile_commands_dir;  // holds compile_commands.json; empty: none
};

scan_result scan(const scan_request& request);

}  // namespace gofork::gen::frontend
