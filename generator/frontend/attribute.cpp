#include "frontend/attribute.hpp"

#include "parse/collect.hpp"

#include <clang/AST/ASTContext.h>
#include <clang/AST/Attr.h>
#include <clang/AST/Decl.h>
#include <clang/Sema/ParsedAttr.h>
#include <clang/Sema/Sema.h>

namespace gofork::gen::frontend {
namespace {

// Clang does not know the attribute; without this it is dropped with -Wunknown-attributes. We attach an
// AnnotateAttr, which is inheritable, so every later redeclaration carries it too.
struct forkable_attr_info : clang::ParsedAttrInfo {
  forkable_attr_info() {
    static constexpr Spelling spellings[] = {
        {clang::ParsedAttr::AS_CXX11, "gofork::forkable"},
        {clang::ParsedAttr::AS_GNU, "gofork_forkable"},
    };
    Spellings = spellings;
  }

  bool diagAppertainsToDecl(clang::Sema& sema, const clang::ParsedAttr& attr, const clang::Decl* decl) const override {
    if (llvm::isa<clang::FunctionDecl>(decl)) return true;
    // A custom ID: shown even under -Wno-everything, which hides the users' own warnings.
    auto& diags = sema.getDiagnostics();
    diags.Report(attr.getLoc(), diags.getCustomDiagID(clang::DiagnosticsEngine::Warning,
                                                      "'gofork::forkable' attribute only applies to functions"));
    return false;
  }

  AttrHandling handleDeclAttribute(clang::Sema& sema, clang::Decl* decl, const clang::ParsedAttr& attr) const override {
    decl->addAttr(clang::AnnotateAttr::Create(sema.Context, parse::forkable_annotation, nullptr, 0, attr.getRange()));
    return AttributeApplied;
  }
};

clang::ParsedAttrInfoRegistry::Add<forkable_attr_info> registration("gofork-forkable", "[[gofork::forkable]]");

}  // namespace

void ensure_attribute_registered() {}

}  // namespace gofork::gen::frontend
