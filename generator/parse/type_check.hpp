// Every "can this type cross a process boundary" decision. An empty result means supported;
// otherwise the text is the reason shown in the error. User classes that pass get an adaptor.
#pragma once

#include "model/model.hpp"

#include <clang/Basic/SourceLocation.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace clang {
class ArrayType;
class ASTContext;
class ClassTemplateDecl;
class CXXRecordDecl;
class QualType;
class Sema;
}  // namespace clang

namespace gofork::gen::parse {

// std::string_view: allowed as a parameter only; the child decodes a std::string and passes a view of it.
bool is_string_view(clang::QualType type);

// std::span<E>: E (cv kept), or a null type for anything else. A std::span<const T> parameter is
// decoded as a std::vector<T> and passed as a view of it.
clang::QualType span_element(clang::QualType type);

// Checks the types of one forkable function. `where` is used to instantiate class templates.
class type_checker {
 public:
  type_checker(clang::Sema& sema, clang::SourceLocation where);

  // A parameter as declared: by value, const T& or T&&.
  std::string parameter_problem(clang::QualType declared);
  // A return type: void or a supported type by value.
  std::string return_problem(clang::QualType declared);

  // User classes the checked types need adaptors for, each after the classes it contains.
  const std::vector<model::adaptor>& adaptors() const { return adaptors_; }

 private:
  std::string top_level(clang::QualType type);
  std::string span_problem(clang::QualType type);
  std::string value_problem(clang::QualType type);
  std::string element_problem(clang::QualType element);
  std::string contained_name(clang::QualType element) const;
  std::string std_problem(const clang::CXXRecordDecl& decl);
  std::string record_problem(clang::CXXRecordDecl& decl, clang::QualType type);
  std::string hierarchy_problem(const clang::CXXRecordDecl& decl);
  bool uses_access(const clang::CXXRecordDecl& decl);
  std::string bases_problem(const clang::CXXRecordDecl& decl, std::set<const clang::CXXRecordDecl*>& seen);
  std::string gather_fields(const clang::CXXRecordDecl& decl, const clang::CXXRecordDecl& top,
                            std::vector<model::field>& out, std::vector<int>& layout);
  std::string construction_problem(clang::CXXRecordDecl& decl, model::adaptor& adaptor);
  std::string const_member(const clang::CXXRecordDecl& decl) const;
  bool holds_built_class(clang::QualType type, const clang::CXXRecordDecl& asker, std::string& which);
  bool const_array(const clang::ArrayType& array) const;
  std::string c_array_problem(const clang::ArrayType& array);
  bool has_msgpack_support(const clang::CXXRecordDecl& decl);

  clang::Sema& sema_;
  clang::ASTContext& ctx_;
  clang::SourceLocation where_;
  std::vector<model::adaptor> adaptors_;
  std::map<const clang::CXXRecordDecl*, bool> done_;  // true: finished and fine; false: being checked
  // Classes with generated adaptors: why one is built from its fields (empty: decoded by assignment).
  std::map<const clang::CXXRecordDecl*, std::string> built_because_;
  // Who asked about a class while it was being checked (and was told it is not built).
  std::map<const clang::CXXRecordDecl*, std::set<const clang::CXXRecordDecl*>> consulted_by_;
  std::vector<clang::ClassTemplateDecl*> pack_templates_;
  bool looked_up_pack_ = false;
  // Set while a failure travels up through class fields: the path of fields and the failing field's type.
  std::vector<std::string> trail_;
  std::string trail_type_;
  std::string trail_root_;
};

}  // namespace gofork::gen::parse
