// Spelling of types in generated code: fully qualified with a leading "::", so the text means the same
// wherever it is pasted.
#pragma once

#include <clang/AST/ASTContext.h>
#include <clang/AST/QualTypeNames.h>
#include <clang/AST/Type.h>

#include <string>

namespace gofork::gen::parse {

class type_printer {
 public:
  explicit type_printer(const clang::ASTContext& ctx) : ctx_(ctx), policy_(ctx.getPrintingPolicy()) {
    policy_.SuppressScope = false;
    policy_.FullyQualifiedName = true;
  }

  // Declared type, fully qualified with a leading "::"; references attach to the type ("T&", not "T &").
  std::string declared(clang::QualType type) const {
    if (const auto* ref = llvm::dyn_cast<clang::LValueReferenceType>(type.getTypePtr())) {
      return declared(ref->getPointeeTypeAsWritten()) + "&";
    }
    if (const auto* ref = llvm::dyn_cast<clang::RValueReferenceType>(type.getTypePtr())) {
      return declared(ref->getPointeeTypeAsWritten()) + "&&";
    }
    return tidy(clang::TypeName::getFullyQualifiedName(type, ctx_, policy_, /*WithGlobalNsPrefix=*/true));
  }

  // std::decay_t of the declared type, spelled out.
  std::string value(clang::QualType type) const { return declared(type.getNonReferenceType().getUnqualifiedType()); }

  // Canonical spelling used in function ids.
  std::string canonical(clang::QualType type) const {
    return type.getCanonicalType().getLocalUnqualifiedType().getAsString(ctx_.getPrintingPolicy());
  }

  // One spelling per type whatever alias named it: the key of a generated adaptor.
  std::string adaptor_name(clang::QualType type) const {
    return declared(type.getCanonicalType().getUnqualifiedType());
  }

 private:
  // Clang writes "< ::std::string" to dodge the C++03 "<:" digraph; C++11 and later read "<::" correctly.
  static std::string tidy(std::string text) {
    for (std::size_t at = text.find("< ::"); at != std::string::npos; at = text.find("< ::", at)) text.erase(at + 1, 1);
    return text;
  }

  const clang::ASTContext& ctx_;
  clang::PrintingPolicy policy_;
};

}  // namespace gofork::gen::parse
