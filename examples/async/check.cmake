# Runs the coroutine example and checks every line: the sweep's longest Collatz chain below 101
# (97, 118 steps), workers agreeing with one-off processes on all 100 points, and the race.
execute_process(COMMAND "${PROGRAM}" RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 300)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "async_sweep exited with ${status}\nstdout:\n${out}\nstderr:\n${err}")
endif()
set(expected "1..100: the most steps, 118, at 97; processes and workers disagree 0 times
the race: quick first, with 111 steps
the other stopped by SIGTERM
")
if(NOT out STREQUAL expected)
  message(FATAL_ERROR "unexpected output:\n${out}\nexpected:\n${expected}")
endif()
