# Runs the zygote example and checks every line: the crash and the hang fail alone, each run is
# a fresh process (the last digit counts runs in that process), and the caller is its parent.
execute_process(COMMAND "${PROGRAM}" RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "zygote exited with ${status}\nstdout:\n${out}\nstderr:\n${err}")
endif()
set(expected "steps 10 -> 4678771
steps 1000 -> 7373071
steps -1 -> child_signaled
steps 0 -> timed_out
steps 100000 -> 169981
a run's parent is this process: yes
")
if(NOT out STREQUAL expected)
  message(FATAL_ERROR "unexpected output:\n${out}\nexpected:\n${expected}")
endif()
