#include "parse/collect.hpp"

#include "parse/type_check.hpp"
#include "parse/type_printer.hpp"

#include <clang/AST/ASTContext.h>
#include <clang/AST/Attr.h>
#include <clang/AST/Decl.h>
#include <clang/AST/DeclCXX.h>
#include <clang/AST/DeclTemplate.h>
#include <clang/AST/RecursiveASTVisitor.h>
#include <clang/Basic/SourceManager.h>
#include <clang/Lex/Lexer.h>
#include <clang/Sema/Sema.h>

#include <filesystem>
#include <set>

namespace gofork::gen::parse {
namespace {

bool has_forkable(const clang::Decl& decl) {
  for (const auto* attr : decl.specific_attrs<clang::AnnotateAttr>()) {
    if (attr->getAnnotation() == forkable_annotation) return true;
  }
  return false;
}

class collector : public clang::RecursiveASTVisitor<collector> {
 public:
  collector(clang::Sema& sema, diagnostics::reporter& report)
      : sema_(sema), ctx_(sema.getASTContext()), sm_(ctx_.getSourceManager()), report_(report), print_(ctx_) {}

  bool VisitFunctionDecl(clang::FunctionDecl* fn) {
    if (!has_forkable(*fn)) return true;
    if (!seen_.insert(fn->getCanonicalDecl()).second) return true;
    const clang::FunctionDecl* first = first_attributed(*fn);
    if (sm_.isInSystemHeader(first->getLocation())) return true;
    pending_.push_back(first);
    return true;
  }

  // Checking may instantiate templates, which must not happen while the visitor walks the AST.
  std::vector<model::function> check_all() {
    for (const auto* fn : pending_) check(*fn);
    return std::move(found_);
  }

 private:
  // The declaring file is that of the first redeclaration carrying the attribute.
  const clang::FunctionDecl* first_attributed(const clang::FunctionDecl& fn) const {
    const clang::FunctionDecl* first = nullptr;
    for (const auto* redecl : fn.redecls()) {
      if (!has_forkable(*redecl)) continue;
      if (first == nullptr || sm_.isBeforeInTranslationUnit(redecl->getLocation(), first->getLocation())) {
        first = redecl;
      }
    }
    return first;
  }

  // A static member is called without an object, so it runs in a child like a free function; the
  // generated stubs and dispatch entry name it from outside the class, so it and its classes are public.
  static std::string member_problem(const clang::CXXMethodDecl& method) {
    if (!method.isStatic()) {
      return "is a non-static member function (a child process has no object to call it on: make it static, "
             "or a free function that takes the object as a parameter)";
    }
    if (method.getAccess() != clang::AS_public) {
      return "is a non-public static member function (its stubs call it from outside the class: make it public)";
    }
    for (const clang::DeclContext* dc = method.getDeclContext(); dc != nullptr; dc = dc->getParent()) {
      const auto* record = llvm::dyn_cast<clang::CXXRecordDecl>(dc);
      if (record == nullptr) continue;
      if (record->getDescribedClassTemplate() != nullptr ||
          llvm::isa<clang::ClassTemplateSpecializationDecl>(record) || record->isDependentContext()) {
        return "is a member of a class template (not supported: make it a member of a class)";
      }
      if (record->getIdentifier() == nullptr) return "is a member of an unnamed class (not supported: name the class)";
      if (record->getAccess() != clang::AS_none && record->getAccess() != clang::AS_public) {
        return "is a member of a non-public nested class (its stubs name the class from outside: make it public)";
      }
    }
    return "";
  }

  std::string function_problem(const clang::FunctionDecl& fn) const {
    if (const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&fn)) {
      if (std::string problem = member_problem(*method); !problem.empty()) return problem;
    }
    if (fn.getDescribedFunctionTemplate() != nullptr || fn.isFunctionTemplateSpecialization() ||
        fn.getTemplatedKind() != clang::FunctionDecl::TK_NonTemplate) {
      return "is a function template or template specialisation (not supported)";
    }
    if (fn.isVariadic()) return "is variadic (not supported)";
    if (fn.isInAnonymousNamespace()) return "is in an anonymous namespace (not supported yet)";
    if (fn.getFormalLinkage() != clang::ExternalLinkage) return "has internal linkage (not supported yet)";
    if (fn.getReturnType()->getContainedDeducedType() != nullptr) {
      return "has a deduced return type (spell out the return type)";
    }
    return "";
  }

  void check(const clang::FunctionDecl& fn) {
    const std::string qualified = fn.getQualifiedNameAsString();
    if (std::string problem = function_problem(fn); !problem.empty()) {
      report_.error(fn.getLocation(), "gofork: forkable function '" + qualified + "' " + problem);
      return;
    }
    bool ok = true;
    type_checker types(sema_, fn.getLocation());
    for (unsigned i = 0; i < fn.getNumParams(); ++i) {
      const clang::ParmVarDecl& param = *fn.getParamDecl(i);
      std::string reason = param.getOriginalType()->isArrayType()
                               ? "a C array parameter is a pointer: take a std::array or std::vector"
                               : types.parameter_problem(param.getType());
      if (reason.empty()) continue;
      ok = false;
      const std::string who =
          param.getName().empty() ? "parameter " + std::to_string(i + 1) : "parameter '" + param.getName().str() + "'";
      const clang::SourceLocation where = param.getName().empty() ? param.getBeginLoc() : param.getLocation();
      report_.error(where, param.getSourceRange(),
                    "gofork: " + who + " of forkable function '" + qualified + "' has type '" +
                        print_.diagnostic(param.getType()) +
                        "', which cannot cross a process boundary (" + reason + ")");
    }
    if (std::string reason = types.return_problem(fn.getReturnType()); !reason.empty()) {
      ok = false;
      const clang::SourceRange range = fn.getReturnTypeSourceRange();
      report_.error(range.isValid() ? range.getBegin() : fn.getLocation(), range,
                    "gofork: return type '" + print_.diagnostic(fn.getReturnType()) +
                        "' of forkable function '" + qualified + "' cannot cross a process boundary (" + reason + ")");
    }
    if (ok) found_.push_back(to_model(fn, qualified, types.adaptors()));
  }

  model::function to_model(const clang::FunctionDecl& fn, const std::string& qualified,
                           const std::vector<model::adaptor>& adaptors) const {
    model::function out;
    out.adaptors = adaptors;
    out.qualified_name = qualified;
    out.name = fn.getNameAsString();
    if (const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&fn)) {
      out.class_is_final = method->getParent()->hasAttr<clang::FinalAttr>();
    }
    for (const clang::DeclContext* dc = fn.getDeclContext(); dc != nullptr; dc = dc->getParent()) {
      if (const auto* ns = llvm::dyn_cast<clang::NamespaceDecl>(dc)) {
        out.namespaces.insert(out.namespaces.begin(), {ns->getNameAsString(), ns->isInline()});
      } else if (const auto* record = llvm::dyn_cast<clang::CXXRecordDecl>(dc)) {
        out.classes.insert(out.classes.begin(), record->getNameAsString());
      }
    }
    out.return_type = print_.declared(fn.getReturnType());
    out.result_type = print_.declared(fn.getReturnType().getUnqualifiedType());

    std::set<std::string> user_names;
    for (const auto* param : fn.parameters()) user_names.insert(param->getNameAsString());
    out.id = qualified + "(";
    for (unsigned i = 0; i < fn.getNumParams(); ++i) {
      const clang::ParmVarDecl& param = *fn.getParamDecl(i);
      std::string name = param.getNameAsString();
      if (name.empty() || name == "gofork_options_") {
        name = "arg" + std::to_string(i);
        while (user_names.count(name) != 0) name += '_';  // never shadow a user's own name
      }
      out.parameters.push_back({name, print_.declared(param.getType()), print_.value(param.getType()),
                                wire_type(param.getType()), default_argument(fn, i)});
      if (i != 0) out.id += ", ";
      out.id += print_.canonical(param.getType());
    }
    out.id += ")";

    const clang::SourceLocation loc = sm_.getExpansionLoc(fn.getLocation());
    out.declaring_file = file_path(sm_.getFileID(loc));
    out.position = {out.declaring_file, sm_.getExpansionLineNumber(loc), sm_.getExpansionColumnNumber(loc)};
    return out;
  }

  // What the child decodes for a view parameter: it owns the data, the function gets a view of it.
  std::string wire_type(clang::QualType type) const {
    if (is_string_view(type)) return "::std::string";
    const clang::QualType element = span_element(type.getCanonicalType());
    if (!element.isNull()) return "::std::vector<" + print_.value(element) + ">";
    return "";
  }

  // Defaults may be added by any redeclaration; the most recent one sees them all (inherited ones too).
  // The text is copied as written: the stub lives in the function's namespace, so its names resolve alike.
  std::string default_argument(const clang::FunctionDecl& fn, unsigned index) const {
    const clang::ParmVarDecl& param = *fn.getMostRecentDecl()->getParamDecl(index);
    if (!param.hasDefaultArg() || param.hasUnparsedDefaultArg() || param.hasUninstantiatedDefaultArg()) return "";
    const clang::CharSourceRange range = clang::Lexer::makeFileCharRange(
        clang::CharSourceRange::getTokenRange(param.getDefaultArgRange()), sm_, ctx_.getLangOpts());
    if (range.isValid()) {
      // A braced default (= {1, 2}) converted to a class type has a range that starts at its '='.
      llvm::StringRef text = clang::Lexer::getSourceText(range, sm_, ctx_.getLangOpts()).trim();
      if (text.consume_front("=")) text = text.ltrim();
      return text.str();
    }
    std::string text;  // not in one file (pasted by a macro): print the expression instead
    llvm::raw_string_ostream stream(text);
    param.getDefaultArg()->printPretty(stream, nullptr, ctx_.getPrintingPolicy());
    return stream.str();
  }

  std::string file_path(clang::FileID id) const {
    const clang::FileEntry* entry = sm_.getFileEntryForID(id);
    if (entry == nullptr) return "";
    if (!entry->tryGetRealPathName().empty()) return entry->tryGetRealPathName().str();
    return std::filesystem::absolute(entry->getName().str()).lexically_normal().string();
  }

  clang::Sema& sema_;
  clang::ASTContext& ctx_;
  const clang::SourceManager& sm_;
  diagnostics::reporter& report_;
  type_printer print_;
  std::set<const clang::Decl*> seen_;
  std::vector<const clang::FunctionDecl*> pending_;
  std::vector<model::function> found_;
};

}  // namespace

std::vector<model::function> collect(clang::Sema& sema, diagnostics::reporter& report) {
  collector visitor(sema, report);
  visitor.TraverseDecl(sema.getASTContext().getTranslationUnitDecl());
  return visitor.check_all();
}

}  // namespace gofork::gen::parse
