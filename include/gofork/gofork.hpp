// File: gofork/gofork.hpp
//
// Everything a gofork user writes: [[gofork::forkable]], init(), process<R>, options, error.
//
//   #include <gofork/gofork.hpp>
//   [[gofork::forkable]] int square(int x) { return x * x; }
//   #include "main.gofork.hpp"            // generated: fork_square
//   int main(int argc, char** argv) {
//     gofork::init(argc, argv);
//     return fork_square(7).get() == 49 ? 0 : 1;
//   }
#pragma once

#include <gofork/access.hpp>
#include <gofork/attribute.hpp>
#include <gofork/error.hpp>
#include <gofork/exit_status.hpp>
#include <gofork/init.hpp>
#include <gofork/options.hpp>
#include <gofork/async.hpp>
#include <gofork/pool.hpp>
#include <gofork/process.hpp>
#include <gofork/request_buffers.hpp>
#include <gofork/stubs.hpp>
#include <gofork/zygote.hpp>
#include <gofork/dynamic.hpp>
