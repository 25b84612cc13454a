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
    return tidy(clang::TypeName::getFullyQualifiedName(without_using_sugar(type), ctx_, policy_,
                                                       /*WithGlobalNsPrefix=*/true));
  }

  // A type as a message shows it. Clang 16 keeps every name as written (an ElaboratedType even
  // without a qualifier) and prints `point` where Clang 14 printed `geo::point`; dropping that
  // sugar on the outer type, through references and pointers, makes messages the same with both.
  std::string diagnostic(clang::QualType type) const {
    return without_implicit_elaboration(type).getAsString(ctx_.getPrintingPolicy());
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

  // A name brought in by a using-declaration (`std::int32_t` is libstdc++'s `using ::int32_t`):
  // Clang 14's qualifier does not look through it and writes `int32_t`, Clang 16's writes
  // `::int32_t`; the name it stands for is spelled the same by both.
  clang::QualType without_using_sugar(clang::QualType type) const {
    clang::QualType named = type;
    if (const auto* elaborated = llvm::dyn_cast<clang::ElaboratedType>(type.getTypePtr())) {
      named = elaborated->getNamedType();
    }
    const auto* using_type = llvm::dyn_cast<clang::UsingType>(named.getTypePtr());
    if (using_type == nullptr) return type;
    clang::Qualifiers qualifiers = type.getLocalQualifiers();
    qualifiers += named.getLocalQualifiers();
    return ctx_.getQualifiedType(using_type->getUnderlyingType(), qualifiers);
  }

  clang::QualType without_implicit_elaboration(clang::QualType type) const {
    auto& ctx = const_cast<clang::ASTContext&>(ctx_);  // building types interns them; the AST is not changed
    if (const auto* ref = llvm::dyn_cast<clang::LValueReferenceType>(type.getTypePtr())) {
      return ctx.getLValueReferenceType(without_implicit_elaboration(ref->getPointeeTypeAsWritten()));
    }
    if (const auto* ref = llvm::dyn_cast<clang::RValueReferenceType>(type.getTypePtr())) {
      return ctx.getRValueReferenceType(without_implicit_elaboration(ref->getPointeeTypeAsWritten()));
    }
    const clang::Qualifiers qualifiers = type.getLocalQualifiers();
    if (const auto* pointer = llvm::dyn_cast<clang::PointerType>(type.getTypePtr())) {
      return ctx.getQualifiedType(ctx.getPointerType(without_implicit_elaboration(pointer->getPointeeType())),
                                  qualifiers);
    }
    if (const auto* elaborated = llvm::dyn_cast<clang::ElaboratedType>(type.getTypePtr())) {
      if (elaborated->getQualifier() == nullptr && elaborated->getKeyword() == clang::ETK_None) {
        clang::Qualifiers all = qualifiers;
        all += elaborated->getNamedType().getLocalQualifiers();
        return ctx.getQualifiedType(elaborated->getNamedType().getTypePtr(), all);
      }
    }
    return type;
  }

  const clang::ASTContext& ctx_;
  clang::PrintingPolicy policy_;
};

}  // namespace gofork::gen::parse
