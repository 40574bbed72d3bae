# SPDX-License-Identifier: Apache-2.0
# Toolchain for the fully static musl flavour (CMake preset `musl`): musl-gcc, the jansson,
# protobuf-c and libseccomp built by third_party/build-deps.sh, and the kernel's UAPI headers (linux/, asm/...),
# which musl-gcc does not search by itself (-nostdinc).
#
# REAPER_DEPS_PREFIX defaults to the prefix build-deps.sh builds for this compiler; pass
# -DREAPER_DEPS_PREFIX=DIR for one built with `third_party/build-deps.sh DIR`.
# MUSL_CC in the environment picks another musl-gcc wrapper (the same one build-deps.sh used).
if(DEFINED ENV{MUSL_CC})
  set(CMAKE_C_COMPILER $ENV{MUSL_CC})
else()
  set(CMAKE_C_COMPILER musl-gcc)
endif()

# try_compile() projects re-read this file: hand them the prefix rather than asking again.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES REAPER_DEPS_PREFIX)

if(NOT REAPER_DEPS_PREFIX)
  execute_process(COMMAND ${CMAKE_CURRENT_LIST_DIR}/../third_party/build-deps.sh --print-prefix
                  OUTPUT_VARIABLE default_prefix OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR default_prefix STREQUAL "")
    message(FATAL_ERROR "third_party/build-deps.sh --print-prefix failed; is musl-gcc (musl-tools) installed?")
  endif()
  set(REAPER_DEPS_PREFIX ${default_prefix} CACHE PATH
      "Prefix holding jansson, protobuf-c and libseccomp built for this toolchain (musl: see third_party/build-deps.sh)")
endif()

if(NOT EXISTS ${REAPER_DEPS_PREFIX}/.stamp OR NOT EXISTS ${REAPER_DEPS_PREFIX}/linux-uapi/linux)
  message(FATAL_ERROR "No musl dependencies in ${REAPER_DEPS_PREFIX}: run third_party/build-deps.sh first")
endif()

# After musl's own headers (musl-gcc puts its -isystem first), never instead of them.
set(CMAKE_C_FLAGS_INIT "-isystem ${REAPER_DEPS_PREFIX}/linux-uapi")
# Let the linker drop the unused functions of the libraries (built with -ffunction-sections).
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--gc-sections")

# Nothing of the host's glibc world: libraries come from the prefix or from musl.
set(CMAKE_FIND_ROOT_PATH ${REAPER_DEPS_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
