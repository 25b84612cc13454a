// Plain description of what gofork-gen found; no Clang types so emit and tests stay Clang-free.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace gofork::gen::model {

struct source_position {
  std::string file;  // absolute path
  unsigned line = 0;
  unsigned column = 0;
};

struct parameter {
  std::string name;        // never empty: unnamed parameters get argN
  std::string type;        // declared type, fully qualified: const ::std::string&
  std::string value_type;  // reference and top-level cv removed: ::std::string
  std::string wire_type;   // what the child decodes when not value_type (std::string_view -> ::std::string)
  std::string default_argument;  // the initializer as written (without '='), empty when there is none
};

// One data member an adaptor sends.
struct field {
  std::string name;      // as declared: x
  std::string access;    // what follows "v.": x, or ::geo::base::x for a base class's member
  bool c_array = false;  // int ids[4]: sent through gofork's C-array helpers (exact size both ways)
  std::string type{};    // cv removed, fully qualified: what a class built from its fields decodes
};

// How a class decoded by construction is built, T{...}: a field's index, or a brace around a base.
inline constexpr int open_base = -1;
inline constexpr int close_base = -2;

// A msgpack adaptor gofork-gen writes for a user class: its public fields as an array.
struct adaptor {
  std::string type;           // canonical, fully qualified: ::geo::point, ::geo::box<int>
  std::vector<field> fields;  // base classes' fields first (bases in declaration order), then its own
  bool through_access = false;  // some members are private: read through gofork::access (the class befriends it)
  // An aggregate with const data members (or holding such a class) cannot be assigned member by
  // member: it is decoded by aggregate initialisation from its decoded fields, in this layout.
  bool constructed = false;
  std::vector<int> construction{};  // field indices and open_base/close_base; empty unless constructed
};

struct namespace_scope {
  std::string name;
  bool is_inline = false;  // must be reopened as inline, or clang warns
};

struct function {
  std::string id;              // app::square(int): unique per overload, stable across runs
  std::string qualified_name;  // app::square
  std::string name;            // square
  std::vector<namespace_scope> namespaces;
  // A static member function's classes, outermost first (empty for a free function): its stubs are
  // gofork::stubs<::ns::outer::inner>::fork_name, and default arguments are looked up as in the class.
  std::vector<std::string> classes;
  bool class_is_final = false;  // the stubs' holder cannot derive from the class
  std::string return_type;  // as declared (cv kept): part of the dispatch signature
  std::string result_type;  // return type without top-level cv: the process<R> payload
  std::vector<parameter> parameters;
  std::vector<adaptor> adaptors;  // classes its types need adaptors for, each after those it contains
  std::string declaring_file;  // absolute path of the first declaration carrying the attribute
  source_position position;    // of that declaration's name
};

// One generated header: DIR/[<dir relative to the source root>/]<stem>.gofork.hpp.
struct generated_header {
  std::string file_name;         // [<relative dir>/]<stem>.gofork.hpp, '/'-separated
  std::string source_name;       // file name of the declaring file / source, for the banner
  std::string include;           // spelling for #include "...", empty when not needed
  // Set for a source whose same-named header (api.cpp beside api.hpp) declares the forkables and
  // generates elsewhere: this file just includes that one, by this path relative to itself.
  std::string forward_to;
  std::vector<function> functions;  // sorted by id
  std::vector<adaptor> adaptors;    // every adaptor its functions need, once, dependencies first
};

// A located problem found after all TUs were scanned (no SourceManager alive any more).
struct problem {
  source_position position;  // file empty: not located
  std::string message;
  std::vector<std::pair<source_position, std::string>> notes;
};

}  // namespace gofork::gen::model
