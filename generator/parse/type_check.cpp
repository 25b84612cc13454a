#include "parse/type_check.hpp"

#include "parse/type_printer.hpp"

#include <clang/AST/ASTContext.h>
#include <clang/AST/DeclCXX.h>
#include <clang/AST/DeclFriend.h>
#include <clang/AST/DeclTemplate.h>
#include <clang/AST/Type.h>
#include <clang/Sema/Sema.h>

#include <set>

namespace gofork::gen::parse {
namespace {

using clang::QualType;

// A specialisation of std::<name> (inline namespaces such as __cxx11 are looked through), or null.
const clang::ClassTemplateSpecializationDecl* std_specialization(QualType type, llvm::StringRef name) {
  const auto* record = type.getCanonicalType()->getAs<clang::RecordType>();
  if (record == nullptr) return nullptr;
  const auto* spec = llvm::dyn_cast<clang::ClassTemplateSpecializationDecl>(record->getDecl());
  if (spec == nullptr || !spec->isInStdNamespace() || spec->getName() != name) return nullptr;
  return spec;
}

bool same(QualType a, QualType b) { return a.getCanonicalType() == b.getCanonicalType(); }

// Declared anywhere under namespace std (std::chrono::duration included).
bool in_std(const clang::Decl& decl) {
  for (const clang::DeclContext* dc = decl.getDeclContext(); dc != nullptr; dc = dc->getParent()) {
    if (dc->isStdNamespace()) return true;
  }
  return false;
}

// std::<name><element>, e.g. the default std::allocator<T>, std::less<T>, std::hash<T>.
bool is_std_of(const clang::TemplateArgument& arg, llvm::StringRef name, QualType element) {
  if (arg.getKind() != clang::TemplateArgument::Type) return false;
  const auto* spec = std_specialization(arg.getAsType(), name);
  if (spec == nullptr || spec->getTemplateArgs().size() < 1) return false;
  const auto& inner = spec->getTemplateArgs()[0];
  return inner.getKind() == clang::TemplateArgument::Type && same(inner.getAsType(), element);
}

// std::allocator<std::pair<const K, V>>, the default allocator of the maps.
bool is_map_allocator(const clang::TemplateArgument& arg, QualType key, QualType mapped) {
  if (arg.getKind() != clang::TemplateArgument::Type) return false;
  const auto* alloc = std_specialization(arg.getAsType(), "allocator");
  if (alloc == nullptr || alloc->getTemplateArgs().size() < 1) return false;
  const auto& pair_arg = alloc->getTemplateArgs()[0];
  if (pair_arg.getKind() != clang::TemplateArgument::Type) return false;
  const auto* pair = std_specialization(pair_arg.getAsType(), "pair");
  if (pair == nullptr || pair->getTemplateArgs().size() != 2) return false;
  const auto& args = pair->getTemplateArgs();
  return same(args[0].getAsType(), key.withConst()) && same(args[1].getAsType(), mapped);
}

std::string builtin_problem(const clang::BuiltinType& builtin) {
  switch (builtin.getKind()) {
    case clang::BuiltinType::Bool:
    case clang::BuiltinType::Char_S:
    case clang::BuiltinType::Char_U:
    case clang::BuiltinType::SChar:
    case clang::BuiltinType::UChar:
    case clang::BuiltinType::WChar_S:
    case clang::BuiltinType::WChar_U:
    case clang::BuiltinType::Char8:
    case clang::BuiltinType::Char16:
    case clang::BuiltinType::Char32:
    case clang::BuiltinType::Short:
    case clang::BuiltinType::UShort:
    case clang::BuiltinType::Int:
    case clang::BuiltinType::UInt:
    case clang::BuiltinType::Long:
    case clang::BuiltinType::ULong:
    case clang::BuiltinType::LongLong:
    case clang::BuiltinType::ULongLong:
    case clang::BuiltinType::Float:
    case clang::BuiltinType::Double:
      return "";
    case clang::BuiltinType::LongDouble:
      return "long double is not supported";
    case clang::BuiltinType::Int128:
    case clang::BuiltinType::UInt128:
      return "128-bit integers are not supported";
    case clang::BuiltinType::Void:
      return "void";
    case clang::BuiltinType::NullPtr:
      return "std::nullptr_t is not supported";
    default:
      if (builtin.isFloatingPoint()) return "extended floating-point types are not supported";
      return "this built-in type is not supported";
  }
}

// std::filesystem::path, std::chrono::time_point: the name users write (inline namespaces such
// as __cxx11 left out).
std::string std_name(const clang::NamedDecl& decl) {
  std::string out = decl.getNameAsString();
  for (const clang::DeclContext* dc = decl.getDeclContext(); dc != nullptr; dc = dc->getParent()) {
    const auto* ns = llvm::dyn_cast<clang::NamespaceDecl>(dc);
    if (ns == nullptr || ns->isInline()) continue;
    out = ns->getNameAsString() + "::" + out;
  }
  return out;
}

// The character types std::basic_string and its friends take.
bool is_character(clang::ASTContext& ctx, clang::QualType type) {
  for (clang::QualType c : {ctx.CharTy, ctx.WCharTy, ctx.Char16Ty, ctx.Char32Ty, ctx.Char8Ty}) {
    if (same(type, c)) return true;
  }
  return false;
}

bool has_call_operator(const clang::CXXRecordDecl& decl) {
  return !decl.lookup(decl.getASTContext().DeclarationNames.getCXXOperatorName(clang::OO_Call)).empty();
}

}  // namespace

bool is_string_view(QualType type) {
  const auto* spec = std_specialization(type.getNonReferenceType().getUnqualifiedType(), "basic_string_view");
  if (spec == nullptr || spec->getTemplateArgs().size() < 1) return false;
  const auto& arg = spec->getTemplateArgs()[0];
  return arg.getKind() == clang::TemplateArgument::Type && same(arg.getAsType(), spec->getASTContext().CharTy);
}

QualType span_element(QualType type) {
  const auto* spec = std_specialization(type.getNonReferenceType().getUnqualifiedType(), "span");
  if (spec == nullptr || spec->getTemplateArgs().size() < 1) return {};
  const auto& arg = spec->getTemplateArgs()[0];
  return arg.getKind() == clang::TemplateArgument::Type ? arg.getAsType() : QualType();
}

static bool has_dynamic_extent(const clang::ClassTemplateSpecializationDecl& span) {
  const auto& args = span.getTemplateArgs();
  return args.size() != 2 || args[1].getKind() != clang::TemplateArgument::Integral ||
         args[1].getAsIntegral() == llvm::APSInt::getMaxValue(args[1].getAsIntegral().getBitWidth(), true);
}

// std::span<const T> with a dynamic extent: what a view parameter over a decoded vector can be.
std::string type_checker::span_problem(QualType type) {
  const auto* spec = std_specialization(type.getNonReferenceType().getUnqualifiedType(), "span");
  const QualType element = span_element(type);
  if (!element.isConstQualified()) {
    return "std::span of non-const elements: changes would not reach the caller; take std::span<const T>";
  }
  if (!has_dynamic_extent(*spec)) {
    return "std::span with a fixed extent: take std::span<const T> or a std::array";
  }
  return top_level(element.getUnqualifiedType());
}

type_checker::type_checker(clang::Sema& sema, clang::SourceLocation where)
    : sema_(sema), ctx_(sema.getASTContext()), where_(where) {}

std::string type_checker::element_problem(QualType element) {
  std::string reason = value_problem(element);
  // A failing class field reports its own path; "contains" would only repeat the outer types.
  if (reason.empty() || !trail_.empty() || reason.rfind("contains '", 0) == 0) return reason;
  return "contains '" + contained_name(element) + "': " + reason;
}

std::string type_checker::contained_name(QualType element) const {
  const clang::PrintingPolicy& policy = ctx_.getPrintingPolicy();
  const QualType canonical = element.getCanonicalType();
  // Clang 14 prints a span's defaulted extent (18446744073709551615); Clang 16 leaves it out.
  const auto* span = std_specialization(canonical, "span");
  if (span != nullptr && has_dynamic_extent(*span)) return "std::span<" + span_element(canonical).getAsString(policy) + ">";
  return canonical.getAsString(policy);
}

std::string type_checker::std_problem(const clang::CXXRecordDecl& decl) {
  const llvm::StringRef name = decl.getName();
  const std::string full = std_name(decl);
  if (name == "unique_ptr" || name == "shared_ptr" || name == "weak_ptr") {
    return "smart pointer: pass the value it points to (or a std::optional of it)";
  }
  if (name == "function" || name == "move_only_function" || name == "packaged_task") {
    return "callable (" + full + "): code cannot cross; pass a value that says what to do (an enum, a string)";
  }
  if (name == "basic_string_view") return "std::string_view is only supported as a top-level parameter";
  if (name == "span") return "std::span is only supported as a top-level parameter";
  if (full == "std::filesystem::path" || full == "std::monostate") return "";
  const auto* spec = llvm::dyn_cast<clang::ClassTemplateSpecializationDecl>(&decl);
  if (spec == nullptr) return full + " is not supported";

  const auto& args = spec->getTemplateArgs();
  auto type_arg = [&](unsigned i) { return args[i].getAsType(); };
  auto all_types = [&] {
    for (unsigned i = 0; i < args.size(); ++i) {
      if (args[i].getKind() != clang::TemplateArgument::Type) return false;
    }
    return true;
  };
  const std::string custom = full + " with a non-default allocator, comparator or hash";

  if (name == "basic_string") {
    if (args.size() == 3 && all_types() && is_character(ctx_, type_arg(0)) &&
        is_std_of(args[1], "char_traits", type_arg(0)) && is_std_of(args[2], "allocator", type_arg(0))) {
      return "";
    }
    return "std::basic_string with custom traits or allocator: use std::string, std::wstring, std::u8string, "
           "std::u16string or std::u32string";
  }
  if (name == "bitset") return "";
  if (name == "complex") {
    if (args.size() != 1 || args[0].getKind() != clang::TemplateArgument::Type) return "unsupported std::complex";
    return element_problem(type_arg(0));
  }
  if (name == "time_point") {
    if (args.size() != 2 || !all_types()) return "unsupported std::chrono::time_point";
    return element_problem(type_arg(1));  // the clock is part of the type on both sides
  }
  if (name == "vector" || name == "deque" || name == "list") {
    if (args.size() != 2 || !all_types() || !is_std_of(args[1], "allocator", type_arg(0))) return custom;
    return element_problem(type_arg(0));
  }
  if (name == "array" || name == "optional") {
    if (args.size() < 1 || args[0].getKind() != clang::TemplateArgument::Type) return "unsupported " + full;
    return element_problem(type_arg(0));
  }
  if (name == "duration") {
    if (args.size() != 2 || args[0].getKind() != clang::TemplateArgument::Type) return "unsupported std::chrono::duration";
    return element_problem(type_arg(0));
  }
  if (name == "pair") {
    if (args.size() != 2 || !all_types()) return "unsupported std::pair";
    std::string reason = element_problem(type_arg(0));
    return reason.empty() ? element_problem(type_arg(1)) : reason;
  }
  if (name == "tuple" || name == "variant") {
    if (args.size() != 1 || args[0].getKind() != clang::TemplateArgument::Pack) return "unsupported " + full;
    for (const auto& element : args[0].pack_elements()) {
      if (element.getKind() != clang::TemplateArgument::Type) return "unsupported " + full;
      if (std::string reason = element_problem(element.getAsType()); !reason.empty()) return reason;
    }
    return "";
  }
  if (name == "set" || name == "multiset") {
    if (args.size() != 3 || !all_types() || !is_std_of(args[1], "less", type_arg(0)) ||
        !is_std_of(args[2], "allocator", type_arg(0))) {
      return custom;
    }
    return element_problem(type_arg(0));
  }
  if (name == "unordered_set" || name == "unordered_multiset") {
    if (args.size() != 4 || !all_types() || !is_std_of(args[1], "hash", type_arg(0)) ||
        !is_std_of(args[2], "equal_to", type_arg(0)) || !is_std_of(args[3], "allocator", type_arg(0))) {
      return custom;
    }
    return element_problem(type_arg(0));
  }
  if (name == "map" || name == "multimap" || name == "unordered_map" || name == "unordered_multimap") {
    const bool ordered = name == "map" || name == "multimap";
    const bool defaults =
        args.size() == (ordered ? 4u : 5u) && all_types() &&
        (ordered ? is_std_of(args[2], "less", type_arg(0))
                 : is_std_of(args[2], "hash", type_arg(0)) && is_std_of(args[3], "equal_to", type_arg(0))) &&
        is_map_allocator(args[ordered ? 3 : 4], type_arg(0), type_arg(1));
    if (!defaults) return custom;
    std::string reason = element_problem(type_arg(0));
    return reason.empty() ? element_problem(type_arg(1)) : reason;
  }
  return full + " is not supported";
}

// MSGPACK_DEFINE / MSGPACK_DEFINE_MAP (a msgpack_pack member, possibly inherited) or a visible
// specialisation of msgpack::adaptor::pack for the class (or, partially, for its template).
bool type_checker::has_msgpack_support(const clang::CXXRecordDecl& decl) {
  if (!decl.lookup(&ctx_.Idents.get("msgpack_pack")).empty()) return true;
  for (const auto& base : decl.bases()) {
    const auto* b = base.getType()->getAsCXXRecordDecl();
    if (b != nullptr && b->hasDefinition() && has_msgpack_support(*b->getDefinition())) return true;
  }
  if (!looked_up_pack_) {
    looked_up_pack_ = true;
    auto lookup = [&](const clang::DeclContext& dc, llvm::StringRef name) -> const clang::DeclContext* {
      for (auto* found : dc.lookup(&ctx_.Idents.get(name))) {
        if (auto* ns = llvm::dyn_cast<clang::NamespaceDecl>(found)) return ns;
      }
      return nullptr;
    };
    if (const auto* msgpack = lookup(*ctx_.getTranslationUnitDecl(), "msgpack")) {
      for (const char* version : {"v1", "v2", "v3", "v4", "v5"}) {
        const auto* ns = lookup(*msgpack, version);
        const auto* adaptor = ns != nullptr ? lookup(*ns, "adaptor") : nullptr;
        if (adaptor == nullptr) continue;
        for (auto* found : adaptor->lookup(&ctx_.Idents.get("pack"))) {
          if (auto* tmpl = llvm::dyn_cast<clang::ClassTemplateDecl>(found)) pack_templates_.push_back(tmpl);
        }
      }
    }
  }
  const QualType type = ctx_.getRecordType(&decl);
  const auto* own_spec = llvm::dyn_cast<clang::ClassTemplateSpecializationDecl>(&decl);
  for (auto* tmpl : pack_templates_) {
    for (const auto* spec : tmpl->specializations()) {
      if (spec->getSpecializationKind() != clang::TSK_ExplicitSpecialization) continue;
      const auto& arg = spec->getTemplateArgs()[0];
      if (arg.getKind() == clang::TemplateArgument::Type && same(arg.getAsType(), type)) return true;
    }
    if (own_spec == nullptr) continue;
    llvm::SmallVector<clang::ClassTemplatePartialSpecializationDecl*, 8> partials;
    tmpl->getPartialSpecializations(partials);
    for (const auto* partial : partials) {
      const auto& arg = partial->getTemplateArgs()[0];
      if (arg.getKind() != clang::TemplateArgument::Type) continue;
      const auto* pattern = arg.getAsType()->getAs<clang::TemplateSpecializationType>();
      if (pattern == nullptr) continue;
      const auto* named = pattern->getTemplateName().getAsTemplateDecl();
      if (named != nullptr && named->getCanonicalDecl() == own_spec->getSpecializedTemplate()->getCanonicalDecl()) {
        return true;
      }
    }
  }
  return false;
}

std::string type_checker::record_problem(clang::CXXRecordDecl& declared, QualType type) {
  if (done_.count(declared.getCanonicalDecl()) != 0) return "";  // fine, or being checked further up (recursion)
  if (!sema_.isCompleteType(where_, type)) return "incomplete type";
  clang::CXXRecordDecl& decl = *declared.getDefinition();
  if (decl.isLambda()) return "callable (lambda closure type)";
  if (decl.getIdentifier() == nullptr && decl.getTypedefNameForAnonDecl() == nullptr) {
    return "unnamed class: the generated adaptor must name it";
  }
  for (const clang::DeclContext* dc = decl.getDeclContext(); dc != nullptr; dc = dc->getParent()) {
    if (dc->isFunctionOrMethod()) return "local class: the generated adaptor must name it";
  }
  if (decl.getAccess() == clang::AS_private || decl.getAccess() == clang::AS_protected) {
    return "non-public nested class: the generated adaptor must name it";
  }
  if (has_msgpack_support(decl)) {
    done_[decl.getCanonicalDecl()] = true;
    return "";  // the user's own msgpack support is used as it is
  }
  if (std::string reason = hierarchy_problem(decl); !reason.empty()) return reason;
  if (decl.field_empty() && decl.getNumBases() == 0 && has_call_operator(decl)) {
    return "callable (class with operator() and no data members)";
  }

  const clang::CXXRecordDecl* key = decl.getCanonicalDecl();
  done_[key] = false;
  built_because_[key] = const_member(decl);
  model::adaptor adaptor;
  adaptor.type = type_printer(ctx_).adaptor_name(type);
  std::string reason = gather_fields(decl, decl, adaptor.fields, adaptor.construction);
  if (reason.empty()) reason = construction_problem(decl, adaptor);
  if (!reason.empty()) {
    done_.erase(key);
    built_because_.erase(key);
    return reason;
  }
  adaptor.through_access = uses_access(decl);
  done_[key] = true;
  adaptors_.push_back(std::move(adaptor));
  return "";
}

// Whether `adaptor` can decode its class: by assigning the fields of a default-constructed value,
// or, for a class with const data members, by building it from its decoded fields.
std::string type_checker::construction_problem(clang::CXXRecordDecl& decl, model::adaptor& adaptor) {
  const std::string& why = built_because_[decl.getCanonicalDecl()];
  if (why.empty()) {
    adaptor.construction.clear();
    if (const auto* ctor = sema_.LookupDefaultConstructor(&decl);
        ctor == nullptr || ctor->isDeleted() || ctor->getAccess() != clang::AS_public) {
      return "not default-constructible: decoding starts from a default-constructed value";
    }
    return "";
  }
  // A class inside it that holds it back decided, while this one was unfinished, to be assigned
  // in place: it could not decode this class after all.
  for (const clang::CXXRecordDecl* asker : consulted_by_[decl.getCanonicalDecl()]) {
    const auto found = built_because_.find(asker);
    if (found != built_because_.end() && found->second.empty()) {
      return why + ", and '" + asker->getQualifiedNameAsString() + "' inside it holds it again: recursive classes "
             "built from their fields are not supported; give it an msgpack adaptor of its own";
    }
  }
  if (!decl.isAggregate()) {
    return why + ": such a class is decoded by building it from its fields, which needs an aggregate "
                 "(no user-declared constructors, private data or virtual functions); give it an msgpack adaptor of its own";
  }
  for (const auto& f : adaptor.fields) {
    if (f.c_array) {
      return "C array member '" + f.name + "' in a class built from its fields (" + why + "): take a std::array";
    }
  }
  adaptor.constructed = true;
  return "";
}

// The first const data member of the class or its bases, as a reason to build it from its fields.
std::string type_checker::const_member(const clang::CXXRecordDecl& decl) const {
  for (const auto& base : decl.bases()) {
    if (std::string found = const_member(*base.getType()->getAsCXXRecordDecl()->getDefinition()); !found.empty()) {
      return found;
    }
  }
  for (const auto* field : decl.fields()) {
    if (!field->getType()->isReferenceType() && field->getType().isConstQualified()) {
      return "const data member '" + field->getName().str() + "'";
    }
  }
  return "";
}

// Whether `type` holds, anywhere inside, a class that is built from its fields (`which` then names it).
bool type_checker::holds_built_class(QualType type, const clang::CXXRecordDecl& asker, std::string& which) {
  const QualType canonical = type.getCanonicalType();
  if (const auto* array = ctx_.getAsArrayType(canonical)) return holds_built_class(array->getElementType(), asker, which);
  const auto* record = canonical->getAsCXXRecordDecl();
  if (record == nullptr) return false;
  if (in_std(*record)) {
    const auto* spec = llvm::dyn_cast<clang::ClassTemplateSpecializationDecl>(record);
    if (spec == nullptr) return false;
    for (const auto& arg : spec->getTemplateArgs().asArray()) {
      if (arg.getKind() == clang::TemplateArgument::Type && holds_built_class(arg.getAsType(), asker, which)) return true;
      if (arg.getKind() != clang::TemplateArgument::Pack) continue;
      for (const auto& element : arg.pack_elements()) {
        if (element.getKind() == clang::TemplateArgument::Type && holds_built_class(element.getAsType(), asker, which)) return true;
      }
    }
    return false;
  }
  const clang::CXXRecordDecl* key = record->getCanonicalDecl();
  const auto found = built_because_.find(key);
  if (found == built_because_.end()) return false;  // the user's own adaptor decides
  if (found->second.empty()) {
    // Still being checked, so it may yet turn out to be built from its fields: remember who asked.
    const clang::CXXRecordDecl* asking = asker.getCanonicalDecl();
    if (asking != key && done_.count(key) != 0 && !done_.at(key)) consulted_by_[key].insert(asking);
    return false;
  }
  which = type_printer(ctx_).diagnostic(canonical);
  return true;
}

namespace {

// `friend struct gofork::access;`: the class lets its generated adaptor read its private data.
bool befriends_access(const clang::CXXRecordDecl& decl) {
  for (const auto* friend_decl : decl.friends()) {
    const clang::TypeSourceInfo* info = friend_decl->getFriendType();
    const auto* record = info != nullptr ? info->getType()->getAsCXXRecordDecl() : nullptr;
    if (record == nullptr || record->getName() != "access") continue;
    const auto* ns = llvm::dyn_cast<clang::NamespaceDecl>(record->getDeclContext());
    if (ns != nullptr && ns->getName() == "gofork" && ns->getParent()->isTranslationUnit()) return true;
  }
  return false;
}

bool has_non_public_data(const clang::CXXRecordDecl& decl) {
  for (const auto* field : decl.fields()) {
    if (field->getAccess() != clang::AS_public) return true;
  }
  return false;
}

// Data members a generated adaptor cannot read; `where` says in which class, when not the one checked.
std::string private_data_problem(const clang::CXXRecordDecl& decl, const std::string& where) {
  if (befriends_access(decl)) return "";
  for (const auto* field : decl.fields()) {
    if (field->getAccess() == clang::AS_public) continue;
    const char* which = field->getAccess() == clang::AS_private ? "private" : "protected";
    const std::string name = field->getName().empty() ? "(anonymous)" : field->getName().str();
    return std::string("has ") + which + " data member '" + name + "'" + where +
           " and no msgpack adaptor: declare 'friend struct gofork::access;' in the class (<gofork/access.hpp>) "
           "or add MSGPACK_DEFINE";
  }
  return "";
}

}  // namespace

// Whether some member the adaptor sends is private, in the class or a base (each then befriends gofork::access).
bool type_checker::uses_access(const clang::CXXRecordDecl& decl) {
  if (has_non_public_data(decl)) return true;
  for (const auto& base : decl.bases()) {
    if (uses_access(*base.getType()->getAsCXXRecordDecl()->getDefinition())) return true;
  }
  return false;
}

// What keeps a class from getting a generated adaptor: private data, in it or in a base, or a
// base that is virtual, not public, or there twice (its members' names would be ambiguous).
std::string type_checker::hierarchy_problem(const clang::CXXRecordDecl& decl) {
  if (std::string reason = private_data_problem(decl, ""); !reason.empty()) return reason;
  std::set<const clang::CXXRecordDecl*> seen;
  return bases_problem(decl, seen);
}

std::string type_checker::bases_problem(const clang::CXXRecordDecl& decl, std::set<const clang::CXXRecordDecl*>& seen) {
  for (const auto& base : decl.bases()) {
    const std::string name = type_printer(ctx_).diagnostic(base.getType());
    if (base.isVirtual()) {
      return "has a virtual base class ('" + name + "'): only non-virtual public bases are sent; add MSGPACK_DEFINE";
    }
    if (base.getAccessSpecifier() != clang::AS_public) {
      return "has a non-public base class ('" + name + "'): its members cannot be read; make it public or add MSGPACK_DEFINE";
    }
    const auto* record = base.getType()->getAsCXXRecordDecl();
    if (record == nullptr || !record->hasDefinition()) return "has a base class ('" + name + "') that is not a class";
    record = record->getDefinition();
    if (!seen.insert(record->getCanonicalDecl()).second) {
      return "has the base class '" + name + "' twice: the names of its members would be ambiguous";
    }
    if (std::string reason = private_data_problem(*record, " (in its base class '" + name + "')"); !reason.empty()) {
      return reason;
    }
    if (std::string reason = bases_problem(*record, seen); !reason.empty()) return reason;
  }
  return "";
}

// The fields `top`'s adaptor sends for `decl` (top itself or one of its bases): the bases' first.
std::string type_checker::gather_fields(const clang::CXXRecordDecl& decl, const clang::CXXRecordDecl& top,
                                        std::vector<model::field>& out, std::vector<int>& layout) {
  for (const auto& base : decl.bases()) {
    const auto* record = base.getType()->getAsCXXRecordDecl()->getDefinition();
    layout.push_back(model::open_base);
    if (std::string reason = gather_fields(*record, top, out, layout); !reason.empty()) return reason;
    layout.push_back(model::close_base);
  }
  // A base's member is named through the base, so one of the same name in a derived class does not hide it.
  const std::string qualifier = &decl == &top ? "" : type_printer(ctx_).adaptor_name(ctx_.getRecordType(&decl)) + "::";
  for (const auto* field : decl.fields()) {
    const std::string name = field->getName().str();
    // A const member is decoded as its plain type, then built into the class.
    QualType decoded = field->getType();
    if (decoded.isLocalConstQualified()) {
      decoded = decoded.getUnqualifiedType();
    } else if (decoded.isConstQualified()) {
      decoded = decoded.getCanonicalType().getUnqualifiedType();  // const through an alias
    }
    bool c_array = false;
    std::string reason;
    if (field->isAnonymousStructOrUnion() || name.empty()) {
      reason = "anonymous struct or union member";
    } else if (field->isBitField()) {
      reason = "bit-field (decoding needs a reference to it)";
    } else if (const auto* array = ctx_.getAsArrayType(field->getType())) {
      reason = const_array(*array) ? "const C array member: take a std::array" : c_array_problem(*array);
      c_array = true;
    } else {
      reason = value_problem(decoded);
    }
    if (!reason.empty()) {
      if (trail_.empty()) trail_type_ = type_printer(ctx_).diagnostic(field->getType());
      trail_.insert(trail_.begin(), name.empty() ? "(anonymous)" : name);
      trail_root_ = top.getQualifiedNameAsString();
      return reason;
    }
    std::string holds;
    std::string& why = built_because_[top.getCanonicalDecl()];
    if (why.empty() && holds_built_class(decoded, top, holds)) {
      why = "member '" + name + "' holds '" + holds + "', which is built from its fields";
    }
    layout.push_back(static_cast<int>(out.size()));
    out.push_back({name, qualifier + name, c_array, c_array ? "" : type_printer(ctx_).declared(decoded)});
  }
  return "";
}

// `const T a[N]` (at any depth): its elements can be neither assigned nor built from a decoded array.
bool type_checker::const_array(const clang::ArrayType& array) const {
  clang::QualType element = array.getElementType();
  while (const auto* inner = ctx_.getAsArrayType(element)) element = inner->getElementType();
  return element.isConstQualified();
}

// A C array data member: int ids[4], char name[16], T grid[2][3]; every extent fixed and non-zero.
std::string type_checker::c_array_problem(const clang::ArrayType& array) {
  const clang::ArrayType* level = &array;
  clang::QualType element;
  while (level != nullptr) {
    const auto* fixed = llvm::dyn_cast<clang::ConstantArrayType>(level);
    if (fixed == nullptr) return "C array without a fixed size";
    if (fixed->getSize() == 0) return "zero-length array";
    element = fixed->getElementType();
    level = ctx_.getAsArrayType(element);
  }
  return element_problem(element);
}

// A type held by value (at the top level after references/cv were handled, or nested in a container).
std::string type_checker::value_problem(QualType type) {
  const QualType canonical = type.getCanonicalType();
  if (canonical.isVolatileQualified()) return "volatile";
  if (canonical.isConstQualified()) return "const element";
  const clang::Type* t = canonical.getTypePtr();

  if (const auto* builtin = llvm::dyn_cast<clang::BuiltinType>(t)) return builtin_problem(*builtin);
  if (llvm::isa<clang::BitIntType>(t)) return "_BitInt is not supported";
  if (const auto* pointer = llvm::dyn_cast<clang::PointerType>(t)) {
    const QualType pointee = pointer->getPointeeType();
    if (pointee->isFunctionType()) {
      return "function pointer: code cannot cross; pass a value that says what to do (an enum, a string)";
    }
    if (is_character(ctx_, pointee.getUnqualifiedType())) {
      return "raw pointer (a C string): take std::string or std::string_view";
    }
    return "raw pointer: an address means nothing in another process; pass the value (or a std::vector)";
  }
  if (llvm::isa<clang::MemberPointerType>(t)) return "member pointer";
  if (llvm::isa<clang::BlockPointerType>(t)) return "block pointer";
  if (llvm::isa<clang::ReferenceType>(t)) return "reference";
  if (llvm::isa<clang::ArrayType>(t)) {
    return "C array (supported as a data member of a class; elsewhere take a std::array or std::vector)";
  }
  if (llvm::isa<clang::FunctionType>(t)) return "function type";
  if (llvm::isa<clang::EnumType>(t)) return "";  // travels as its underlying integer (adaptors.hpp)
  if (llvm::isa<clang::ComplexType>(t)) return "complex types are not supported";
  if (llvm::isa<clang::VectorType>(t)) return "vector types are not supported";
  if (llvm::isa<clang::AtomicType>(t)) return "_Atomic types are not supported";
  if (const auto* record = llvm::dyn_cast<clang::RecordType>(t)) {
    auto* decl = llvm::dyn_cast<clang::CXXRecordDecl>(record->getDecl());
    if (decl == nullptr) return "this type is not supported";
    if (decl->isUnion()) return "union";
    if (in_std(*decl)) return std_problem(*decl);
    return record_problem(*decl, canonical);
  }
  return "this type is not supported";
}

std::string type_checker::top_level(QualType type) {
  trail_.clear();
  std::string reason = value_problem(type);
  if (reason.empty() || trail_.empty()) return reason;
  std::string path = trail_root_;
  for (const auto& field : trail_) path += "::" + field;
  return "field '" + path + "' has type '" + trail_type_ + "': " + reason;
}

std::string type_checker::parameter_problem(QualType declared) {
  const QualType canonical = declared.getCanonicalType();
  if (!span_element(canonical).isNull()) {
    if (const auto* lvalue = canonical->getAs<clang::LValueReferenceType>();
        lvalue != nullptr && !lvalue->getPointeeType().isConstQualified()) {
      return "non-const reference: changes would not reach the caller";
    }
    return span_problem(canonical);
  }
  if (const auto* lvalue = canonical->getAs<clang::LValueReferenceType>()) {
    const QualType pointee = lvalue->getPointeeType();
    if (!pointee.isConstQualified()) return "non-const reference: changes would not reach the caller";
    if (pointee.isVolatileQualified()) return "volatile";
    if (is_string_view(pointee)) return "";
    return top_level(pointee.getUnqualifiedType());
  }
  if (const auto* rvalue = canonical->getAs<clang::RValueReferenceType>()) {
    const QualType pointee = rvalue->getPointeeType();
    if (pointee.isVolatileQualified()) return "volatile";
    if (is_string_view(pointee)) return "";
    return top_level(pointee.getUnqualifiedType());
  }
  if (canonical.isVolatileQualified()) return "volatile";
  if (is_string_view(canonical)) return "";
  return top_level(canonical.getUnqualifiedType());
}

std::string type_checker::return_problem(QualType declared) {
  const QualType canonical = declared.getCanonicalType();
  if (canonical->isVoidType()) return "";
  if (canonical->isReferenceType()) return "reference: return by value instead";
  if (canonical.isVolatileQualified()) return "volatile";
  if (is_string_view(canonical)) return "std::string_view would point into the child's memory: return std::string";
  if (!span_element(canonical).isNull()) return "std::span would point into the child's memory: return std::vector";
  return top_level(canonical.getUnqualifiedType());
}

}  // namespace gofork::gen::parse
