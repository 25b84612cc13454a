// model -> text. Pure functions: no I/O, no Clang, deterministic output.
#pragma once

#include "model/model.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gofork::gen::emit {

// FNV-1a 32-bit; gives registration variables a stable, overload-unique suffix.
std::uint32_t fnv1a_32(std::string_view text);

// Name of the generated stub: fork_<name>.
std::string stub_name(const model::function& fn);

// The whole content of one generated header.
std::string header(const model::generated_header& file);

// One --list line (without newline): <qualified name>(<param types>) -> <return type>  <file>:<line>:<col>
std::string list_line(const model::function& fn);

// make-format dependency rule; spaces in paths escaped as "\ ".
std::string depfile(const std::string& target, const std::vector<std::string>& dependencies);

}  // namespace gofork::gen::emit
