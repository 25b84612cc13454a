# Runs PROGRAM and checks its whole stdout against the regular expression in EXPECT_FILE
# (one line per output line; the file's lines are joined with newlines and anchored).
execute_process(COMMAND "${PROGRAM}" RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 300)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} exited with ${status}\nstdout:\n${out}\nstderr:\n${err}")
endif()
file(READ "${EXPECT_FILE}" expect)
if(NOT out MATCHES "^${expect}$")
  message(FATAL_ERROR "output does not match ${EXPECT_FILE}:\n${out}\nstderr:\n${err}")
endif()
message(STATUS "${out}")
