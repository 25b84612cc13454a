// Every "can this type cross a process boundary" decision. An empty result means supported;
// otherwise the text is the reason shown in the error.
#pragma once

#include <string>

namespace clang {
class ASTContext;
class QualType;
}  // namespace clang

namespace gofork::gen::parse {

// A parameter as declared: by value, const T& or T&&.
std::string parameter_problem(clang::QualType declared, const clang::ASTContext& ctx);

// A return type: void or a supported type by value.
std::string return_problem(clang::QualType declared, const clang::ASTContext& ctx);

}  // namespace gofork::gen::parse
