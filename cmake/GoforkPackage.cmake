# cpack -G DEB in a build tree makes libgofork-dev: the headers, libgofork.a, gofork-gen, the
# CMake package and gofork.pc, installed under /usr.
include_guard(GLOBAL)

set(CPACK_PACKAGE_NAME "libgofork-dev")
set(CPACK_PACKAGE_VENDOR "gofork")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_GENERATOR "DEB")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)   # libgofork-dev_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "gofork developers")
set(CPACK_DEBIAN_PACKAGE_SECTION "libdevel")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "typed C++ functions run in new processes
 Mark a function [[gofork::forkable]]; the gofork-gen code generator (a Clang tool)
 gives it a type-safe stub that runs it in a re-executed copy of the program, with
 arguments and results as msgpack and exceptions and crashes as typed errors.
 This package holds the headers, the static runtime, gofork-gen, the CMake package
 (find_package(gofork), gofork_generate) and gofork.pc.")

# What the installed files need: every program the consumer's compiler and gofork-gen load.
# Checked by tests/package (deb): each shared library gofork-gen links comes from one of these.
set(_gofork_depends
  "libc6 (>= 2.36)"
  "libgcc-s1"
  "libstdc++6 (>= 12)"
  "libmsgpack-cxx-dev (>= 4.1)")     # headers of the wire format, included by gofork's
if(GOFORK_BUILD_GENERATOR)
  set(_v "${GOFORK_GENERATOR_LLVM_MAJOR}")
  list(APPEND _gofork_depends
    "libclang-cpp${_v}"
    "libllvm${_v}"
    "libclang-common-${_v}-dev")       # the builtin headers gofork-gen parses with
endif()
list(JOIN _gofork_depends ", " CPACK_DEBIAN_PACKAGE_DEPENDS)

include(CPack)
