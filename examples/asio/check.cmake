# Runs the Asio example and checks every line: each frame's result (the arithmetic of render()),
# the hung frame cancelled by SIGTERM within its grace period, and every handler on the loop thread.
execute_process(COMMAND "${PROGRAM}" RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 300)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "asio_children exited with ${status}\nstdout:\n${out}\nstderr:\n${err}")
endif()
set(expected "frame 0 -> 933429
frame 1 -> 16998
frame 2 -> 100570
frame 3 -> 184142
frame 4 -> 267714
frame 5 -> 351286
frame 6 -> 434858
frame 7 -> cancelled (TERM)
frame 8 -> 602002
frame 9 -> 685574
frame 10 -> 769146
frame 11 -> 852718
all 12 awaited on the loop's one thread: yes
")
if(NOT out STREQUAL expected)
  message(FATAL_ERROR "unexpected output:\n${out}\nexpected:\n${expected}")
endif()
