# Builds TARGET in BUILD_DIR and passes only if the build fails with an error matching EXPECT.
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BUILD_DIR}" --target "${TARGET}"
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(status EQUAL 0)
  message(FATAL_ERROR "${TARGET} compiled, but it must not:\n${out}${err}")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECT}")
  message(FATAL_ERROR "${TARGET} failed, but not with an error matching '${EXPECT}':\n${out}${err}")
endif()
message(STATUS "failed as expected: ${CMAKE_MATCH_0}")
