# gofork_generate(TARGET <target> [SOURCES <file>...] [OUTPUT_DIR <dir>] [EXTRA_ARGS <arg>...])
#
# Runs gofork-gen over <target>'s C++ sources at build time. For every file that declares a
# [[gofork::forkable]] function, and for every scanned source, it writes <stem>.gofork.hpp into
# OUTPUT_DIR (default: ${CMAKE_CURRENT_BINARY_DIR}/gofork/<target>), which is added to the
# target's include path. The generator sees the target's include directories, compile
# definitions and C++ standard; EXTRA_ARGS go to its Clang front end as they are.
#
# Regeneration: when a scanned source, any header it includes, or gofork-gen changes. Generated
# files are rewritten only when their content changes, so a no-op build runs nothing.
#
# GOFORK_GENERATOR_EXECUTABLE (cache) replaces the gofork::gofork-gen target, e.g. with a
# host build when cross-compiling.
include_guard(GLOBAL)

set(GOFORK_GENERATOR_EXECUTABLE "" CACHE FILEPATH "gofork-gen to run instead of the gofork::gofork-gen target")

function(gofork_generate)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "TARGET;OUTPUT_DIR" "SOURCES;EXTRA_ARGS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "gofork_generate: unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_TARGET)
    message(FATAL_ERROR "gofork_generate: TARGET <target> is required")
  endif()
  set(target "${arg_TARGET}")
  if(NOT TARGET "${target}")
    message(FATAL_ERROR "gofork_generate: '${target}' is not a target")
  endif()

  if(GOFORK_GENERATOR_EXECUTABLE)
    set(generator "${GOFORK_GENERATOR_EXECUTABLE}")
    set(generator_depends "${GOFORK_GENERATOR_EXECUTABLE}")
  elseif(TARGET gofork::gofork-gen)
    set(generator "$<TARGET_FILE:gofork::gofork-gen>")
    # The target orders the build; the file re-runs generation when the tool changes.
    set(generator_depends gofork::gofork-gen "$<TARGET_FILE:gofork::gofork-gen>")
  else()
    message(FATAL_ERROR "gofork_generate: no gofork::gofork-gen target and GOFORK_GENERATOR_EXECUTABLE is not set")
  endif()

  get_target_property(source_dir "${target}" SOURCE_DIR)
  set(candidates ${arg_SOURCES})
  if(NOT candidates)
    get_target_property(candidates "${target}" SOURCES)
  endif()
  set(sources "")
  foreach(source IN LISTS candidates)
    if(source MATCHES "\\.(cpp|cc|cxx|c\\+\\+|C)$" AND NOT source MATCHES "\\.gofork\\.")
      get_filename_component(source "${source}" ABSOLUTE BASE_DIR "${source_dir}")
      list(APPEND sources "${source}")
    endif()
  endforeach()
  if(NOT sources)
    message(FATAL_ERROR "gofork_generate: target '${target}' has no C++ sources to scan")
  endif()

  set(out "${arg_OUTPUT_DIR}")
  if(NOT out)
    set(out "${CMAKE_CURRENT_BINARY_DIR}/gofork/${target}")
  endif()
  get_filename_component(out "${out}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  file(MAKE_DIRECTORY "${out}")

  # Each scanned source always gets a header, so the build system can know those in advance.
  # Headers mirror the source tree (a/util.cpp → <out>/a/util.gofork.hpp), so equal file names
  # in different directories do not clash; each source also sees its own folder of the output,
  # so `#include "util.gofork.hpp"` works from a/util.cpp as it would for a sibling file.
  set(byproducts "")
  foreach(source IN LISTS sources)
    get_filename_component(stem "${source}" NAME_WLE)
    get_filename_component(dir "${source}" DIRECTORY)
    file(RELATIVE_PATH rel "${source_dir}" "${dir}")
    if(rel MATCHES "^\\.\\.")  # outside the target's source directory: flat
      set(rel "")
    endif()
    if(rel STREQUAL "")
      set(header_dir "${out}")
    else()
      set(header_dir "${out}/${rel}")
      # Source properties are per directory, not per target: scope it to this target, since a
      # source shared by two targets gets each target's own generated folder.
      set_property(SOURCE "${source}" TARGET_DIRECTORY "${target}" APPEND PROPERTY INCLUDE_DIRECTORIES
        "$<$<STREQUAL:$<TARGET_PROPERTY:NAME>,${target}>:${header_dir}>")
    endif()
    list(APPEND byproducts "${header_dir}/${stem}.gofork.hpp")
  endforeach()
  list(REMOVE_DUPLICATES byproducts)

  set(includes "$<TARGET_PROPERTY:${target},INCLUDE_DIRECTORIES>")
  set(defines "$<TARGET_PROPERTY:${target},COMPILE_DEFINITIONS>")
  set(standard "$<TARGET_PROPERTY:${target},CXX_STANDARD>")
  set(flags
    "$<$<BOOL:${includes}>:-I$<JOIN:${includes},$<SEMICOLON>-I>>"
    "$<$<BOOL:${defines}>:-D$<JOIN:${defines},$<SEMICOLON>-D>>"
    "-std=c++$<IF:$<IN_LIST:${standard},20$<SEMICOLON>23$<SEMICOLON>26>,${standard},17>"
    ${arg_EXTRA_ARGS})

  set(stamp "${out}/gofork.stamp")
  set(depfile "${out}/gofork.d")
  add_custom_command(
    OUTPUT "${stamp}"
    BYPRODUCTS ${byproducts}
    COMMAND "${generator}" --output-dir "${out}" --source-root "${source_dir}" --stamp "${stamp}" --depfile "${depfile}" ${sources} -- ${flags}
    DEPENDS ${sources} ${generator_depends}
    DEPFILE "${depfile}"
    COMMENT "gofork-gen: generating stubs for ${target}"
    COMMAND_EXPAND_LISTS
    VERBATIM)
  add_custom_target("${target}_gofork" DEPENDS "${stamp}")
  add_dependencies("${target}" "${target}_gofork")

  target_include_directories("${target}" PUBLIC "$<BUILD_INTERFACE:${out}>")
  # The user's compiler must accept [[gofork::forkable]] silently even before gofork.hpp.
  target_compile_options("${target}" PRIVATE
    "$<$<COMPILE_LANG_AND_ID:CXX,GNU>:-Wno-attributes=gofork::>"
    "$<$<COMPILE_LANG_AND_ID:CXX,Clang,AppleClang>:-Wno-unknown-attributes>")
endfunction()
