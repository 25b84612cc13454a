# gofork_warnings(<target>): warnings as errors for gofork's own code under GOFORK_DEVELOP.
include_guard(GLOBAL)

function(gofork_warnings target)
  if(GOFORK_DEVELOP AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
  endif()
endfunction()
