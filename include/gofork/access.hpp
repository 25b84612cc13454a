// File: gofork/access.hpp
//
// The opt-in for classes with private data members. A class that declares
//
//   friend struct gofork::access;
//
// gets a generated adaptor over all its data members, private and public, in declaration order
// (the convention of cereal's and Boost.Serialization's access classes). Without it, gofork-gen
// refuses a class with private data and says how to opt in.
#pragma once

namespace gofork {

struct access {
  // Specialised by the generated headers: tie(v) is a std::tuple of references to T's data members.
  template <class T>
  struct members;
};

}  // namespace gofork
