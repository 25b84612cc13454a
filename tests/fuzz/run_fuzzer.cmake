# Runs FUZZER for SECONDS on a scratch copy of SEEDS and the checked-in CORPUS (which replays
# every input the long runs kept), with DICTIONARY, with the limits of the reliability
# reference: a crash, a leak, an allocation over 64 MiB, RSS over 512 MiB or a 2 s input fails.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/corpus")
file(GLOB seeds "${SEEDS}/*" "${CORPUS}/*")
if(seeds)
  file(COPY ${seeds} DESTINATION "${WORK}/corpus")
endif()
execute_process(
  COMMAND "${FUZZER}" -max_total_time=${SECONDS} -malloc_limit_mb=64 -rss_limit_mb=512 -timeout=2 -max_len=65536
          -print_final_stats=1 "-dict=${DICTIONARY}" "-artifact_prefix=${WORK}/" "${WORK}/corpus"
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX MATCH "stat::number_of_executed_units: *[0-9]+" runs "${err}")
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${status}); inputs are in ${WORK}\n${err}")
endif()
message(STATUS "${FUZZER}: ${runs}")
