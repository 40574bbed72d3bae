# SPDX-License-Identifier: Apache-2.0
# version.h: version, git commit and the OCI runtime-spec version we implement.
find_package(Git QUIET)
set(REAPER_GIT_COMMIT unknown)
if(GIT_FOUND AND EXISTS ${CMAKE_SOURCE_DIR}/.git)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
                  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                  OUTPUT_VARIABLE REAPER_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_QUIET RESULT_VARIABLE git_rc)
  if(NOT git_rc EQUAL 0 OR REAPER_GIT_COMMIT STREQUAL "")
    set(REAPER_GIT_COMMIT unknown)
  endif()
endif()
set(REAPER_OCI_VERSION 1.0.2)
set(version_dir ${CMAKE_BINARY_DIR}/generated/version)
configure_file(${CMAKE_SOURCE_DIR}/src/version.h.in ${version_dir}/version.h @ONLY)
add_library(reaper_version INTERFACE)
target_include_directories(reaper_version INTERFACE ${version_dir})
