# Runs the pool example and checks every line: the poisoned call fails alone, the rest add up.
execute_process(COMMAND "${PROGRAM}" RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "pool exited with ${status}\nstdout:\n${out}\nstderr:\n${err}")
endif()
set(expected "1 -> 1
22 -> 22
poison -> child_signaled
333 -> 333
4444 -> 4444
sum 4800
calls 5, workers started 3, lost 1
a worker is another process: yes
")
if(NOT out STREQUAL expected)
  message(FATAL_ERROR "unexpected output:\n${out}\nexpected:\n${expected}")
endif()
