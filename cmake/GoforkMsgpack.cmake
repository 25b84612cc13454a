# Finds msgpack-c's C++ package under either of its names and sets GOFORK_MSGPACK_TARGET.
# msgpack-c >= 6 calls it msgpack-cxx; Debian 12's 4.1.3 calls it msgpack (target msgpackc-cxx).
include_guard(GLOBAL)
include(CMakeFindDependencyMacro)

if(NOT TARGET msgpack-cxx AND NOT TARGET msgpackc-cxx)
  find_package(msgpack-cxx CONFIG QUIET)
  if(NOT TARGET msgpack-cxx)
    find_package(msgpack CONFIG REQUIRED)
  endif()
endif()
if(TARGET msgpack-cxx)
  set(GOFORK_MSGPACK_TARGET msgpack-cxx)
else()
  set(GOFORK_MSGPACK_TARGET msgpackc-cxx)
endif()
