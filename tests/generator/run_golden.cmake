# Golden tests for gofork-gen (run by CTest; see README.md).
#
#   cmake -DMODE=golden      -DGEN=<gofork-gen> -DCASE_DIR=<golden/case> -DWORK_DIR=<scratch dir> -P run_golden.cmake
#   (add -DDATABASE=ON to pass the same flags through a compile_commands.json and -p)
#   cmake -DMODE=diagnostics -DGEN=<gofork-gen> -DSOURCE=<diagnostics/case.cpp> -DWORK_DIR=<scratch dir> -P run_golden.cmake
#
# Add -DUPDATE=ON to rewrite the expected files instead of comparing: `ctest -R generator.golden -N -V`
# prints each test's exact command line; rerun it with -DUPDATE=ON inserted before -P. Shortcut for all
# cases at once: `GOFORK_UPDATE_GOLDENS=1 ctest -R 'generator\.(golden|diagnostics)'` (sets UPDATE).
# Review the diff of the goldens before committing.
cmake_minimum_required(VERSION 3.20)

if(NOT DEFINED UPDATE AND "$ENV{GOFORK_UPDATE_GOLDENS}")
  set(UPDATE ON)
endif()

foreach(_var MODE GEN WORK_DIR)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "run_golden.cmake: -D${_var}=... is required")
  endif()
endforeach()

set(_out "${WORK_DIR}/out")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${_out}")

function(_show_diff expected actual)
  find_program(_diff diff)
  if(_diff)
    execute_process(COMMAND "${_diff}" -u "${expected}" "${actual}")
  endif()
endfunction()

if(MODE STREQUAL "golden")
  # Every *.cpp of the case, also in subdirectories (expected/ holds no sources); headers of sources in
  # subdirectories land in the same subdirectories of the output (--source-root).
  file(GLOB_RECURSE _sources "${CASE_DIR}/*.cpp")
  list(FILTER _sources EXCLUDE REGEX "^${CASE_DIR}/expected/")
  list(SORT _sources)
  set(_flags -- "-I${CASE_DIR}" -std=c++17)
  if(DATABASE)
    # The same flags from a compile_commands.json, as Meson writes it: relative -I against the
    # entry's directory, the compiler and -c/-o in the command.
    set(_entries "")
    foreach(_source IN LISTS _sources)
      string(APPEND _entries "${_sep}  {\"directory\": \"${CASE_DIR}\", \"file\": \"${_source}\", "
        "\"arguments\": [\"c++\", \"-I.\", \"-std=c++17\", \"-o\", \"x.o\", \"-c\", \"${_source}\"]}")
      set(_sep ",\n")
    endforeach()
    file(WRITE "${WORK_DIR}/db/compile_commands.json" "[\n${_entries}\n]\n")
    set(_flags -p "${WORK_DIR}/db")
  endif()
  execute_process(
    COMMAND "${GEN}" --output-dir "${_out}" --source-root "${CASE_DIR}" --stamp "${WORK_DIR}/stamp" ${_sources} ${_flags}
    RESULT_VARIABLE _rc OUTPUT_VARIABLE _stdout ERROR_VARIABLE _stderr)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "gofork-gen failed (${_rc}):\n${_stdout}${_stderr}")
  endif()
  if(NOT _stderr STREQUAL "")
    message(FATAL_ERROR "gofork-gen printed to stderr:\n${_stderr}")
  endif()

  # Optional: golden --list output of the same sources (case directory replaced by <dir>/).
  set(_list_expected "${CASE_DIR}/list.expected")
  if(EXISTS "${_list_expected}")
    execute_process(COMMAND "${GEN}" --list ${_sources} ${_flags}
                    RESULT_VARIABLE _rc OUTPUT_VARIABLE _list ERROR_VARIABLE _stderr)
    if(NOT _rc EQUAL 0 OR NOT _stderr STREQUAL "")
      message(FATAL_ERROR "gofork-gen --list failed (${_rc}):\n${_stderr}")
    endif()
    string(REPLACE "${CASE_DIR}/" "<dir>/" _list "${_list}")
  endif()

  file(GLOB_RECURSE _actual RELATIVE "${_out}" "${_out}/*")
  file(GLOB_RECURSE _expected RELATIVE "${CASE_DIR}/expected" "${CASE_DIR}/expected/*")
  list(SORT _actual)
  list(SORT _expected)

  if(UPDATE AND NOT DATABASE)
    file(REMOVE_RECURSE "${CASE_DIR}/expected")
    foreach(_name IN LISTS _actual)
      get_filename_component(_sub "${CASE_DIR}/expected/${_name}" DIRECTORY)
      file(MAKE_DIRECTORY "${_sub}")
      file(COPY "${_out}/${_name}" DESTINATION "${_sub}")
    endforeach()
    if(EXISTS "${_list_expected}")
      file(WRITE "${_list_expected}" "${_list}")
    endif()
    message(STATUS "updated ${CASE_DIR}/expected: ${_actual}")
    return()
  endif()

  if(EXISTS "${_list_expected}")
    file(READ "${_list_expected}" _e)
    if(NOT _list STREQUAL _e)
      file(WRITE "${WORK_DIR}/actual.list" "${_list}")
      _show_diff("${_list_expected}" "${WORK_DIR}/actual.list")
      message(FATAL_ERROR "--list output differs from ${_list_expected}")
    endif()
  endif()

  if(NOT _actual STREQUAL _expected)
    message(FATAL_ERROR "generated files differ from expected/:\n  generated: ${_actual}\n  expected:  ${_expected}")
  endif()
  set(_failed "")
  foreach(_name IN LISTS _actual)
    file(READ "${_out}/${_name}" _a)
    file(READ "${CASE_DIR}/expected/${_name}" _e)
    if(NOT _a STREQUAL _e)
      _show_diff("${CASE_DIR}/expected/${_name}" "${_out}/${_name}")
      list(APPEND _failed "${_name}")
    endif()
  endforeach()
  if(_failed)
    message(FATAL_ERROR "content differs from expected/: ${_failed}")
  endif()

elseif(MODE STREQUAL "diagnostics")
  get_filename_component(_dir "${SOURCE}" DIRECTORY)
  get_filename_component(_case "${SOURCE}" NAME_WE)
  set(_expected_file "${_dir}/${_case}.expected")
  # A case whose name ends in _cxx20 is compiled as C++20 (std::span, char8_t), every other as C++17.
  set(_std -std=c++17)
  if(_case MATCHES "_cxx20$")
    set(_std -std=c++20)
  endif()
  execute_process(
    COMMAND "${GEN}" --output-dir "${_out}" --stamp "${WORK_DIR}/stamp" "${SOURCE}" -- "-I${_dir}" ${_std}
    RESULT_VARIABLE _rc OUTPUT_VARIABLE _stdout ERROR_VARIABLE _stderr)
  # The absolute location of the test sources differs between checkouts.
  string(REPLACE "${_dir}/" "<dir>/" _stderr "${_stderr}")

  if(UPDATE)
    file(WRITE "${_expected_file}" "${_stderr}")
    message(STATUS "updated ${_expected_file}")
    return()
  endif()

  if(NOT _rc EQUAL 1)
    message(FATAL_ERROR "expected exit status 1, got ${_rc}\n${_stderr}")
  endif()
  file(GLOB _written "${_out}/*")
  if(_written OR EXISTS "${WORK_DIR}/stamp")
    message(FATAL_ERROR "gofork-gen wrote files despite errors: ${_written}")
  endif()
  file(READ "${_expected_file}" _e)
  if(NOT _stderr STREQUAL _e)
    file(WRITE "${WORK_DIR}/actual.stderr" "${_stderr}")
    _show_diff("${_expected_file}" "${WORK_DIR}/actual.stderr")
    message(FATAL_ERROR "stderr differs from ${_expected_file}")
  endif()
else()
  message(FATAL_ERROR "run_golden.cmake: unknown MODE '${MODE}'")
endif()
