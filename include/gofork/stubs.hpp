// File: gofork/stubs.hpp
//
// Where the stubs of static member functions live. C++ cannot add a member to a class from outside
// it, so for
//
//   struct math { [[gofork::forkable]] static int twice(int x = 2); };
//
// gofork-gen specialises gofork::stubs<math>, and the call is
//
//   gofork::process<int> p = gofork::stubs<math>::fork_twice(4);
//
// with the same overloads (options first), parameters and default arguments as a free function's
// stub. A class that wants math::forks::fork_twice(4) can say `using forks = gofork::stubs<math>;`.
#pragma once

namespace gofork {

template <class T>
struct stubs;  // specialised by the generated header of each class with static forkable members

}  // namespace gofork
