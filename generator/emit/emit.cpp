#include "emit/emit.hpp"

#include <algorithm>
#include <cstdio>

namespace gofork::gen::emit {
namespace {

std::string hex8(std::uint32_t value) {
  char buffer[9];
  std::snprintf(buffer, sizeof buffer, "%08x", static_cast<unsigned>(value));
  return buffer;
}

// Ids are identifiers, punctuation and spaces, but stay safe if a type ever prints a quote.
std::string string_literal(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string join_namespaces(const std::vector<model::namespace_scope>& scopes) {
  std::string out;
  for (const auto& scope : scopes) {
    if (!out.empty()) out += "::";
    out += scope.name;
  }
  return out;
}

// C++17 nested syntax cannot say "inline", so fall back to one block per level when needed.
std::string open_namespaces(const std::vector<model::namespace_scope>& scopes) {
  bool any_inline = false;
  for (const auto& scope : scopes) any_inline = any_inline || scope.is_inline;
  if (!any_inline) return "namespace " + join_namespaces(scopes) + " {\n";
  std::string out;
  for (const auto& scope : scopes) {
    if (!out.empty()) out += ' ';
    out += (scope.is_inline ? "inline namespace " : "namespace ") + scope.name + " {";
  }
  return out + "\n";
}

std::string close_namespaces(const std::vector<model::namespace_scope>& scopes) {
  bool any_inline = false;
  for (const auto& scope : scopes) any_inline = any_inline || scope.is_inline;
  if (!any_inline) return "}  // namespace " + join_namespaces(scopes) + "\n";
  std::string out;
  for (std::size_t i = 0; i < scopes.size(); ++i) out += '}';
  return out + "  // namespace " + join_namespaces(scopes) + "\n";
}

// `helper` is launch (a new process, given options, or a zygote and options) or submit (a call
// into a pool's worker).
std::string launch_call(const model::function& fn, const std::string& helper, const std::string& where) {
  std::string out = "::gofork::detail::" + helper + "<" + fn.result_type;
  for (const auto& p : fn.parameters) out += ", " + p.value_type;
  out += ">(" + where + ", " + string_literal(fn.id);
  for (const auto& p : fn.parameters) out += ", " + p.name;
  return out + ")";
}

// The class a static member belongs to, fully qualified: ::app::math::shape.
std::string class_path(const model::function& fn) {
  std::string out = "::" + join_namespaces(fn.namespaces);
  if (!fn.namespaces.empty()) out += "::";
  for (std::size_t i = 0; i < fn.classes.size(); ++i) out += (i == 0 ? "" : "::") + fn.classes[i];
  return out;
}

// What the dispatch entry calls: ::app::square, or ::app::math::twice for a static member.
std::string call_target(const model::function& fn) {
  if (!fn.classes.empty()) return class_path(fn) + "::" + fn.name;
  std::string target = "::" + join_namespaces(fn.namespaces);
  if (!fn.namespaces.empty()) target += "::";
  return target + fn.name;
}

// The struct in the class's namespace that holds a static member's stubs: gofork_stubs_math.
std::string holder_name(const model::function& fn) {
  std::string out = "gofork_stubs";
  for (const auto& name : fn.classes) out += "_" + name;
  return out + "_" + hex8(fnv1a_32(class_path(fn)));
}

// Free functions' stubs are inline functions beside them; static members' are static members of
// their class's holder, indented one level.
std::string stubs(const model::function& fn) {
  const bool member = !fn.classes.empty();
  const std::string indent = member ? "  " : "";
  const std::string storage = indent + (member ? "[[nodiscard]] static " : "[[nodiscard]] inline ");
  const std::string head = storage + "::gofork::process<" + fn.result_type + "> " + stub_name(fn) + "(";
  std::string params;
  for (const auto& p : fn.parameters) {
    if (!params.empty()) params += ", ";
    params += p.type + " " + p.name;
    // The stub accepts exactly the calls the function accepts; the default is evaluated in the parent.
    if (!p.default_argument.empty()) params += " = " + p.default_argument;
  }
  std::string out = indent + "// Runs " + fn.id + " in a new process; see gofork::process.\n";
  out += head + "const ::gofork::options& gofork_options_" + (params.empty() ? "" : ", ") + params + ") {\n";
  out += indent + "  return " + launch_call(fn, "launch", "gofork_options_") + ";\n" + indent + "}\n\n";
  out += head + params + ") {\n";
  out += indent + "  return " + launch_call(fn, "launch", "::gofork::options{}") + ";\n" + indent + "}\n\n";
  out += indent + "// Runs " + fn.id + " in a worker of the pool; see gofork::future.\n";
  out += storage + "::gofork::future<" + fn.result_type + "> " + stub_name(fn) + "(::gofork::pool& gofork_pool_" +
         (params.empty() ? "" : ", ") + params + ") {\n";
  out += indent + "  return " + launch_call(fn, "submit", "gofork_pool_") + ";\n" + indent + "}\n\n";
  out += indent + "// As above, without blocking: no future, and no call, when the pool's queue is full.\n";
  out += storage + "::std::optional<::gofork::future<" + fn.result_type + ">> try_" + stub_name(fn) +
         "(::gofork::pool& gofork_pool_" + (params.empty() ? "" : ", ") + params + ") {\n";
  out += indent + "  return " + launch_call(fn, "try_submit", "gofork_pool_") + ";\n" + indent + "}\n\n";
  const std::string zygote = "::gofork::zygote& gofork_zygote_";
  out += indent + "// Runs " + fn.id + " in a new process forked from the zygote; see gofork::zygote.\n";
  out += head + zygote + ", const ::gofork::options& gofork_options_" + (params.empty() ? "" : ", ") + params + ") {\n";
  out += indent + "  return " + launch_call(fn, "launch", "gofork_zygote_, gofork_options_") + ";\n" + indent + "}\n\n";
  out += head + zygote + (params.empty() ? "" : ", ") + params + ") {\n";
  out += indent + "  return " + launch_call(fn, "launch", "gofork_zygote_, ::gofork::options{}") + ";\n" + indent +
         "}\n";
  return out;
}

std::string signature(const model::function& fn) {
  std::string out = fn.return_type + "(";
  for (std::size_t i = 0; i < fn.parameters.size(); ++i) {
    if (i != 0) out += ", ";
    out += fn.parameters[i].type;
  }
  return out + ")";
}

// Adaptor guard: one definition per type in a TU that includes several generated headers needing it.
std::string adaptor_guard(const model::adaptor& a) {
  std::string name;
  for (char c : a.type) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (word) {
      name += c;
    } else if (!name.empty() && name.back() != '_') {
      name += '_';
    }
  }
  while (!name.empty() && name.back() == '_') name.pop_back();
  return "GOFORK_ADAPTOR_" + name + "_" + hex8(fnv1a_32(a.type));
}

// The specialisation of gofork::access::members a class that befriends gofork::access gets.
std::string access_text(const model::adaptor& a) {
  std::string members;
  for (const auto& f : a.fields) members += (members.empty() ? "v." : ", v.") + f.access;
  std::string out = "namespace gofork {\ntemplate <>\nstruct access::members<" + a.type + "> {\n";
  for (const char* constness : {"", "const "}) {
    out += "  static auto tie(" + std::string(constness) + a.type + "& v) { return ::std::tie(" + members + "); }\n";
  }
  return out + "};\n}  // namespace gofork\n";
}

// Decoding by assignment: each field of a default-constructed value in turn.
template <class Member>
std::string convert_text(const model::adaptor& a, const Member& member) {
  const std::string& t = a.type;
  std::string out = "template <>\nstruct convert<" + t + "> {\n";
  out += "  const ::msgpack::object& operator()(const ::msgpack::object& o, " + t + "& v) const {\n";
  out += "    if (o.type != ::msgpack::type::ARRAY || o.via.array.size != " + std::to_string(a.fields.size()) +
         ") throw ::msgpack::type_error();\n";
  for (std::size_t i = 0; i < a.fields.size(); ++i) {
    const std::string element = "o.via.array.ptr[" + std::to_string(i) + "]";
    out += a.fields[i].c_array ? "    ::gofork::detail::convert_c_array(" + element + ", " + member(i) + ");\n"
                               : "    " + element + ".convert(" + member(i) + ");\n";
  }
  if (a.fields.empty()) out += "    static_cast<void>(v);\n";
  return out + "    return o;\n  }\n};\n\n";
}

// Decoding by construction, for a class with const data members: aggregate initialisation from
// the decoded fields, a base's in braces of their own (msgpack-c's as<T> is for such types).
std::string construct_text(const model::adaptor& a) {
  const std::string& t = a.type;
  std::string out = "template <>\nstruct as<" + t + "> {\n";
  out += "  " + t + " operator()(const ::msgpack::object& o) const {\n";
  out += "    if (o.type != ::msgpack::type::ARRAY || o.via.array.size != " + std::to_string(a.fields.size()) +
         ") throw ::msgpack::type_error();\n";
  // One line per initialiser of the class itself; a base's stay on its line.
  std::string init;
  bool first = true;  // no separator right after an opening brace
  int depth = 0;
  for (const int step : a.construction) {
    if (step == model::close_base) {
      init += "}";
      --depth;
      first = false;
      continue;
    }
    if (!first) init += depth == 0 ? ",\n        " : ", ";
    first = step == model::open_base;
    if (step == model::open_base) {
      init += "{";
      ++depth;
    } else {
      const auto i = static_cast<std::size_t>(step);
      init += "o.via.array.ptr[" + std::to_string(i) + "].as<" + a.fields[i].type + ">()";
    }
  }
  out += "    // Braced initialisation reads the fields in order.\n";
  out += "    return " + t + "{\n        " + init + "};\n";
  return out + "  }\n};\n\n";
}

std::string adaptor_text(const model::adaptor& a) {
  const std::string& t = a.type;
  const std::string n = std::to_string(a.fields.size());
  const std::string guard = adaptor_guard(a);
  std::string field_list;
  for (const auto& f : a.fields) field_list += (field_list.empty() ? "" : ", ") + f.name;
  // A member as the adaptor names it: directly, or through gofork::access for private data.
  auto member = [&a](std::size_t i) {
    if (!a.through_access) return "v." + a.fields[i].access;
    return "::std::get<" + std::to_string(i) + ">(::gofork::access::members<" + a.type + ">::tie(v))";
  };
  std::string out = "#ifndef " + guard + "\n#define " + guard + "\n";
  if (a.through_access) out += access_text(a);
  out += "// " + t + " travels as the array [" + field_list + "].\n";
  out += "namespace msgpack {\nMSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {\nnamespace adaptor {\n\n";

  out += a.constructed ? construct_text(a) : convert_text(a, member);

  out += "template <>\nstruct pack<" + t + "> {\n  template <class Stream>\n";
  out += "  ::msgpack::packer<Stream>& operator()(::msgpack::packer<Stream>& o, const " + t + "& v) const {\n";
  out += "    o.pack_array(" + n + ");\n";
  for (std::size_t i = 0; i < a.fields.size(); ++i) {
    out += a.fields[i].c_array ? "    ::gofork::detail::pack_c_array(o, " + member(i) + ");\n"
                               : "    o.pack(" + member(i) + ");\n";
  }
  if (a.fields.empty()) out += "    static_cast<void>(v);\n";
  out += "    return o;\n  }\n};\n\n";

  out += "template <>\nstruct object_with_zone<" + t + "> {\n";
  out += "  void operator()(::msgpack::object::with_zone& o, const " + t + "& v) const {\n";
  out += "    o.type = ::msgpack::type::ARRAY;\n    o.via.array.size = " + n + ";\n";
  if (a.fields.empty()) {
    out += "    o.via.array.ptr = nullptr;\n    static_cast<void>(v);\n";
  } else {
    out += "    o.via.array.ptr = static_cast<::msgpack::object*>(o.zone.allocate_align(\n";
    out += "        sizeof(::msgpack::object) * " + n + ", MSGPACK_ZONE_ALIGNOF(::msgpack::object)));\n";
    for (std::size_t i = 0; i < a.fields.size(); ++i) {
      out += "    o.via.array.ptr[" + std::to_string(i) + "] = " +
             (a.fields[i].c_array ? "::gofork::detail::c_array_object(" + member(i) + ", o.zone);\n"
                                  : "::msgpack::object(" + member(i) + ", o.zone);\n");
    }
  }
  out += "  }\n};\n\n";
  out += "}  // namespace adaptor\n}  // MSGPACK_API_VERSION_NAMESPACE\n}  // namespace msgpack\n";
  return out + "#endif  // " + guard + "\n";
}

bool has_wire_types(const model::function& fn) {
  for (const auto& p : fn.parameters) {
    if (!p.wire_type.empty()) return true;
  }
  return false;
}

std::string registration(const model::function& fn) {
  std::string variable = "registered_";
  for (std::size_t i = 0; i < fn.qualified_name.size(); ++i) {
    if (fn.qualified_name.compare(i, 2, "::") == 0) {
      variable += '_';
      ++i;
    } else {
      variable += fn.qualified_name[i];
    }
  }
  variable += "_" + hex8(fnv1a_32(fn.id));
  const std::string target = call_target(fn);
  if (!has_wire_types(fn)) {
    return "inline const bool " + variable + " =\n    ::gofork::detail::register_entry(" + string_literal(fn.id) +
           ", &::gofork::detail::dispatch<" + signature(fn) + ", &" + target + ">);\n";
  }
  // The child decodes an owning type (std::string for std::string_view) and passes a view of it.
  const std::string wrapper = "wire_" + variable.substr(std::string("registered_").size());
  std::string params;
  std::string args;
  std::string wire_signature = fn.result_type + "(";
  for (std::size_t i = 0; i < fn.parameters.size(); ++i) {
    const auto& p = fn.parameters[i];
    const std::string type = p.wire_type.empty() ? p.type : p.wire_type;
    if (i != 0) {
      params += ", ";
      args += ", ";
      wire_signature += ", ";
    }
    params += type + " " + p.name;
    args += "::std::move(" + p.name + ")";
    wire_signature += type;
  }
  wire_signature += ")";
  std::string out = "inline " + fn.result_type + " " + wrapper + "(" + params + ") {\n  return " + target + "(" + args +
                    ");\n}\n";
  return out + "inline const bool " + variable + " =\n    ::gofork::detail::register_entry(" + string_literal(fn.id) +
         ", &::gofork::detail::dispatch<" + wire_signature + ", &" + wrapper + ">);\n";
}

bool same_scopes(const model::function& x, const model::function& y) {
  const auto& a = x.namespaces;
  const auto& b = y.namespaces;
  if (a.size() != b.size() || x.classes != y.classes) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].is_inline != b[i].is_inline) return false;
  }
  return true;
}

// The stubs of one class's static members [begin, end): C++ cannot add members to a class from
// outside it, so they are static members of a holder beside the class, reached through
// gofork::stubs<C>. The holder derives from the class (unless it is final) so that default arguments
// written in the class find its names as they do there.
std::string member_stubs(const std::vector<const model::function*>& members) {
  const model::function& first = *members.front();
  const std::string cls = class_path(first);
  std::string out = "// The stubs of " + cls + "'s static forkable members: gofork::stubs<" + cls + ">::fork_name(...).\n";
  out += "struct " + holder_name(first) + (first.class_is_final ? "" : " : " + cls) + " {\n";
  for (std::size_t k = 0; k < members.size(); ++k) out += (k == 0 ? "" : "\n") + stubs(*members[k]);
  out += "};\n";
  return out;
}

std::string stubs_specialisation(const model::function& fn) {
  std::string holder = "::" + join_namespaces(fn.namespaces);
  if (!fn.namespaces.empty()) holder += "::";
  holder += holder_name(fn);
  return "namespace gofork {\ntemplate <>\nstruct stubs<" + class_path(fn) + "> : " + holder + " {};\n}  // namespace gofork\n";
}

}  // namespace

std::uint32_t fnv1a_32(std::string_view text) {
  std::uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

std::string stub_name(const model::function& fn) { return "fork_" + fn.name; }

std::string header(const model::generated_header& file) {
  std::string out = "// Generated by gofork-gen from " + file.source_name + ". Do not edit.\n#pragma once\n\n";
  if (!file.forward_to.empty()) {
    return out + "// The forkable functions of " + file.source_name + " are declared in its header.\n#include \"" +
           file.forward_to + "\"\n";
  }
  if (file.functions.empty()) return out + "// No forkable functions in " + file.source_name + ".\n";

  out += "#include <gofork/detail/stub.hpp>\n\n";
  if (!file.include.empty()) out += "#include \"" + file.include + "\"\n\n";
  for (const auto& a : file.adaptors) out += adaptor_text(a) + "\n";

  const auto& fns = file.functions;
  for (std::size_t i = 0; i < fns.size();) {
    std::size_t end = i + 1;  // group consecutive functions of one namespace into one block
    if (!fns[i].classes.empty()) {
      ++i;
      continue;
    }
    while (end < fns.size() && same_scopes(fns[end], fns[i])) ++end;
    const bool scoped = !fns[i].namespaces.empty();
    if (scoped) out += open_namespaces(fns[i].namespaces) + "\n";
    for (std::size_t k = i; k < end; ++k) out += stubs(fns[k]) + "\n";
    if (scoped) out += close_namespaces(fns[i].namespaces) + "\n";
    i = end;
  }
  // Static members after the free functions, one holder per class in id order (a nested class's
  // ids can sort between its outer class's).
  std::vector<std::vector<const model::function*>> classes;
  for (const auto& fn : fns) {
    if (fn.classes.empty()) continue;
    auto same = [&fn](const std::vector<const model::function*>& group) { return same_scopes(*group.front(), fn); };
    auto group = std::find_if(classes.begin(), classes.end(), same);
    if (group == classes.end()) {
      classes.push_back({&fn});
    } else {
      group->push_back(&fn);
    }
  }
  for (const auto& members : classes) {
    const model::function& first = *members.front();
    const bool scoped = !first.namespaces.empty();
    if (scoped) out += open_namespaces(first.namespaces) + "\n";
    out += member_stubs(members) + "\n";
    if (scoped) out += close_namespaces(first.namespaces) + "\n";
    out += stubs_specialisation(first) + "\n";
  }

  out += "namespace gofork::generated {\n\n";
  for (const auto& fn : fns) out += registration(fn) + "\n";
  out += "}  // namespace gofork::generated\n";
  return out;
}

std::string list_line(const model::function& fn) {
  std::string out = fn.qualified_name + "(";
  for (std::size_t i = 0; i < fn.parameters.size(); ++i) {
    if (i != 0) out += ", ";
    out += fn.parameters[i].type;
  }
  out += ") -> " + fn.return_type + "  " + fn.position.file + ":" + std::to_string(fn.position.line) + ":" +
         std::to_string(fn.position.column);
  return out;
}

std::string depfile(const std::string& target, const std::vector<std::string>& dependencies) {
  auto escape = [](const std::string& path) {
    std::string out;
    for (char c : path) {
      if (c == ' ') out += '\\';
      out += c;
    }
    return out;
  };
  std::string out = escape(target) + ":";
  for (const auto& dep : dependencies) out += " " + escape(dep);
  return out + "\n";
}

}  // namespace gofork::gen::emit
