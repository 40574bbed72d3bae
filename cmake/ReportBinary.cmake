# SPDX-License-Identifier: Apache-2.0
# Print what `file` says of the static binary, its stripped size, and its separate debug file.
execute_process(COMMAND file -b ${BINARY} OUTPUT_VARIABLE kind OUTPUT_STRIP_TRAILING_WHITESPACE)
execute_process(COMMAND strip -o ${BINARY}.stripped ${BINARY})
file(SIZE ${BINARY}.stripped stripped_size)
file(REMOVE ${BINARY}.stripped)
message(STATUS "reaper: ${kind}")
message(STATUS "reaper: ${stripped_size} bytes stripped")
if(EXISTS ${BINARY}.debug)
  file(SIZE ${BINARY}.debug debug_size)
  message(STATUS "reaper: debug information in ${BINARY}.debug (${debug_size} bytes)")
endif()
