#include "parse/type_check.hpp"

#include <clang/AST/ASTContext.h>
#include <clang/AST/DeclTemplate.h>
#include <clang/AST/Type.h>

namespace gofork::gen::parse {
namespace {

using clang::QualType;

std::string value_problem(QualType type, const clang::ASTContext& ctx);

// A specialisation of std::<name> (inline namespaces such as __cxx11 are looked through), or null.
const clang::ClassTemplateSpecializationDecl* std_specialization(QualType type, llvm::StringRef name) {
  const auto* record = type.getCanonicalType()->getAs<clang::RecordType>();
  if (record == nullptr) return nullptr;
  const auto* spec = llvm::dyn_cast<clang::ClassTemplateSpecializationDecl>(record->getDecl());
  if (spec == nullptr || !spec->isInStdNamespace() || spec->getName() != name) return nullptr;
  return spec;
}

bool same(QualType a, QualType b) { return a.getCanonicalType() == b.getCanonicalType(); }

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

std::string element_problem(QualType element, const clang::ASTContext& ctx) {
  std::string reason = value_problem(element, ctx);
  if (reason.empty() || reason.rfind("contains '", 0) == 0) return reason;
  return "contains '" + element.getCanonicalType().getAsString(ctx.getPrintingPolicy()) + "': " + reason;
}

std::string container_problem(const clang::ClassTemplateSpecializationDecl& spec, const clang::ASTContext& ctx) {
  const llvm::StringRef name = spec.getName();
  const auto& args = spec.getTemplateArgs();
  auto type_arg = [&](unsigned i) { return args[i].getAsType(); };
  auto all_types = [&] {
    for (unsigned i = 0; i < args.size(); ++i) {
      if (args[i].getKind() != clang::TemplateArgument::Type) return false;
    }
    return true;
  };
  const std::string custom = "std::" + name.str() + " with a non-default allocator, comparator or hash";

  if (name == "basic_string") {
    if (args.size() == 3 && all_types() && same(type_arg(0), ctx.CharTy) &&
        is_std_of(args[1], "char_traits", ctx.CharTy) && is_std_of(args[2], "allocator", ctx.CharTy)) {
      return "";
    }
    return "only std::string is supported among the std::basic_string types";
  }
  if (name == "vector" || name == "deque" || name == "list") {
    if (args.size() != 2 || !all_types() || !is_std_of(args[1], "allocator", type_arg(0))) return custom;
    return element_problem(type_arg(0), ctx);
  }
  if (name == "array" || name == "optional") {
    if (args.size() < 1 || args[0].getKind() != clang::TemplateArgument::Type) return "unsupported std::" + name.str();
    return element_problem(type_arg(0), ctx);
  }
  if (name == "pair") {
    if (args.size() != 2 || !all_types()) return "unsupported std::pair";
    std::string reason = element_problem(type_arg(0), ctx);
    return reason.empty() ? element_problem(type_arg(1), ctx) : reason;
  }
  if (name == "tuple") {
    if (args.size() != 1 || args[0].getKind() != clang::TemplateArgument::Pack) return "unsupported std::tuple";
    for (const auto& element : args[0].pack_elements()) {
      if (element.getKind() != clang::TemplateArgument::Type) return "unsupported std::tuple";
      if (std::string reason = element_problem(element.getAsType(), ctx); !reason.empty()) return reason;
    }
    return "";
  }
  if (name == "set") {
    if (args.size() != 3 || !all_types() || !is_std_of(args[1], "less", type_arg(0)) ||
        !is_std_of(args[2], "allocator", type_arg(0))) {
      return custom;
    }
    return element_problem(type_arg(0), ctx);
  }
  if (name == "unordered_set") {
    if (args.size() != 4 || !all_types() || !is_std_of(args[1], "hash", type_arg(0)) ||
        !is_std_of(args[2], "equal_to", type_arg(0)) || !is_std_of(args[3], "allocator", type_arg(0))) {
      return custom;
    }
    return element_problem(type_arg(0), ctx);
  }
  if (name == "map" || name == "unordered_map") {
    const bool ordered = name == "map";
    const bool defaults =
        args.size() == (ordered ? 4u : 5u) && all_types() &&
        (ordered ? is_std_of(args[2], "less", type_arg(0))
                 : is_std_of(args[2], "hash", type_arg(0)) && is_std_of(args[3], "equal_to", type_arg(0))) &&
        is_map_allocator(args[ordered ? 3 : 4], type_arg(0), type_arg(1));
    if (!defaults) return custom;
    std::string reason = element_problem(type_arg(0), ctx);
    return reason.empty() ? element_problem(type_arg(1), ctx) : reason;
  }
  return "std::" + name.str() + " is not supported";
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

// A type held by value (at the top level after references/cv were handled, or nested in a container).
std::string value_problem(QualType type, const clang::ASTContext& ctx) {
  const QualType canonical = type.getCanonicalType();
  if (canonical.isVolatileQualified()) return "volatile";
  if (canonical.isConstQualified()) return "const element";
  const clang::Type* t = canonical.getTypePtr();

  if (const auto* builtin = llvm::dyn_cast<clang::BuiltinType>(t)) return builtin_problem(*builtin);
  if (llvm::isa<clang::BitIntType>(t)) return "_BitInt is not supported";
  if (const auto* pointer = llvm::dyn_cast<clang::PointerType>(t)) {
    return pointer->getPointeeType()->isFunctionType() ? "function pointer" : "raw pointer";
  }
  if (llvm::isa<clang::MemberPointerType>(t)) return "member pointer";
  if (llvm::isa<clang::BlockPointerType>(t)) return "block pointer";
  if (llvm::isa<clang::ReferenceType>(t)) return "reference";
  if (llvm::isa<clang::ArrayType>(t)) return "C array";
  if (llvm::isa<clang::FunctionType>(t)) return "function type";
  if (llvm::isa<clang::EnumType>(t)) return "enumerations are not supported yet";
  if (llvm::isa<clang::ComplexType>(t)) return "complex types are not supported";
  if (llvm::isa<clang::VectorType>(t)) return "vector types are not supported";
  if (llvm::isa<clang::AtomicType>(t)) return "_Atomic types are not supported";
  if (const auto* record = llvm::dyn_cast<clang::RecordType>(t)) {
    const auto* decl = record->getDecl();
    if (decl->isUnion()) return "union";
    if (const auto* spec = llvm::dyn_cast<clang::ClassTemplateSpecializationDecl>(decl);
        spec != nullptr && spec->isInStdNamespace()) {
      return container_problem(*spec, ctx);
    }
    return "class types are not supported yet";
  }
  return "this type is not supported";
}

}  // namespace

std::string parameter_problem(QualType declared, const clang::ASTContext& ctx) {
  const QualType canonical = declared.getCanonicalType();
  if (const auto* lvalue = canonical->getAs<clang::LValueReferenceType>()) {
    const QualType pointee = lvalue->getPointeeType();
    if (!pointee.isConstQualified()) return "non-const reference: changes would not reach the caller";
    if (pointee.isVolatileQualified()) return "volatile";
    return value_problem(pointee.getUnqualifiedType(), ctx);
  }
  if (const auto* rvalue = canonical->getAs<clang::RValueReferenceType>()) {
    const QualType pointee = rvalue->getPointeeType();
    if (pointee.isVolatileQualified()) return "volatile";
    return value_problem(pointee.getUnqualifiedType(), ctx);
  }
  if (canonical.isVolatileQualified()) return "volatile";
  return value_problem(canonical.getUnqualifiedType(), ctx);
}

std::string return_problem(QualType declared, const clang::ASTContext& ctx) {
  const QualType canonical = declared.getCanonicalType();
  if (canonical->isVoidType()) return "";
  if (canonical->isReferenceType()) return "reference: return by value instead";
  if (canonical.isVolatileQualified()) return "volatile";
  return value_problem(canonical.getUnqualifiedType(), ctx);
}

}  // namespace gofork::gen::parse
