// File: gofork/init.hpp
//
// The start-up hook. Call it first in main(): in a child it runs the requested function and
// exits; in the parent it returns at once.
//
//   int main(int argc, char** argv) {
//     gofork::init(argc, argv);
//     ...
//   }
//
// Everything before init() — static constructors, code at the top of main — runs again in
// every child, so keep it free of side effects.
#pragma once

namespace gofork {

// In a child launched by gofork: validates the channel, runs the function, sends its result or
// exception to the parent, flushes stdio and exits; never returns. In any other process: opens
// this build's executable for later launches (so replacing the file on disk does not matter)
// and returns. A stale GOFORK_CHILD variable (not set by this process's parent) is removed with
// one line on stderr and the program runs normally. Calling init more than once is harmless.
void init(int argc, char** argv);
// The same, taking argv[0] from the C library (program_invocation_name).
void init();

// True while a gofork child runs its function (inside init).
bool is_child() noexcept;

}  // namespace gofork
