# Runs the job example and checks the result the child sent back, line by line.
execute_process(COMMAND "${PROGRAM}" RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "job exited with ${status}\nstdout:\n${out}\nstderr:\n${err}")
endif()
set(expected "build [high]: make -j2 all
env CC=gcc
env LANG=C
step configure x1
step compile x3
budget left: 60 ms
ran in another process: yes
")
if(NOT out STREQUAL expected)
  message(FATAL_ERROR "unexpected output:\n${out}\nexpected:\n${expected}")
endif()
