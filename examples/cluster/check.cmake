# Runs the cluster example through the local Slurm and checks every line: each point ran in a
# job step, its stdout came back beside its result, and the crash failed alone.
if(NOT EXISTS "${SLURM_DIR}/ready")
  set(why "no Slurm was started")
  if(EXISTS "${SLURM_DIR}/why")
    file(READ "${SLURM_DIR}/why" why)
  endif()
  message(STATUS "example skipped: ${why}")
  return()
endif()
file(READ "${SLURM_DIR}/ready" conf)
string(STRIP "${conf}" conf)
set(ENV{SLURM_CONF} "${conf}")
execute_process(COMMAND "${PROGRAM}" RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 300)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "cluster exited with ${status}\nstdout:\n${out}\nstderr:\n${err}")
endif()
set(expected "slow -> 1.0 (in a job step: yes) node: simulating slow
fast -> 1.0 (in a job step: yes) node: simulating fast
broken -> child_signaled
")
if(NOT out STREQUAL expected)
  message(FATAL_ERROR "unexpected output:\n${out}\nexpected:\n${expected}\nstderr:\n${err}")
endif()
