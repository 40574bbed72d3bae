# SPDX-License-Identifier: Apache-2.0
# jansson, protobuf-c, libseccomp: from REAPER_DEPS_PREFIX (the musl builds of
# third_party/build-deps.sh) or from the system, one INTERFACE target each so a layer links only what it uses. A static reaper
# needs their .a archives.
if(REAPER_DEPS_PREFIX)
  set(dep_hints HINTS ${REAPER_DEPS_PREFIX}/lib NO_DEFAULT_PATH)
endif()

function(reaper_dependency target static_name shared_name)
  if(REAPER_STATIC OR REAPER_DEPS_PREFIX)
    set(names ${static_name})
  else()
    set(names ${shared_name})
  endif()
  string(TOUPPER ${target} var)
  find_library(${var}_LIB NAMES ${names} ${dep_hints} REQUIRED)
  add_library(${target} INTERFACE)
  target_link_libraries(${target} INTERFACE ${${var}_LIB})
  if(REAPER_DEPS_PREFIX)
    target_include_directories(${target} INTERFACE ${REAPER_DEPS_PREFIX}/include)
  endif()
endfunction()

reaper_dependency(dep_jansson libjansson.a jansson)
reaper_dependency(dep_protobuf_c libprotobuf-c.a protobuf-c)
reaper_dependency(dep_seccomp libseccomp.a seccomp)
