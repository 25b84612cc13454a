// AST -> model: finds [[gofork::forkable]] functions in one translation unit.
#pragma once

#include "diagnostics/diagnostics.hpp"
#include "model/model.hpp"

#include <vector>

namespace clang {
class Sema;
}  // namespace clang

namespace gofork::gen::parse {

// The annotation the attribute handler attaches (frontend/attribute.cpp).
inline constexpr const char* forkable_annotation = "gofork::forkable";

// Valid forkable functions of the TU; rejected ones are reported through `report` and left out.
// `sema` completes class templates used as parameter types, to see their fields.
std::vector<model::function> collect(clang::Sema& sema, diagnostics::reporter& report);

}  // namespace gofork::gen::parse
