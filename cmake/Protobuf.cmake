# SPDX-License-Identifier: Apache-2.0
# Compile the project's own .proto files with protoc-c at build time; nothing generated is committed.
# Two libraries, each generated into a directory of its own: proto_ttrpc (the ttrpc envelope and
# google.rpc.Status) and proto_containerd (the Task API and events), so the ttrpc layer cannot
# include containerd's messages.
find_program(PROTOC_C NAMES protoc-c protoc-gen-c REQUIRED)
set(proto_root ${CMAKE_SOURCE_DIR}/src/proto)

# reaper_proto_library(NAME proto...): generate NAME's sources into generated/NAME.
function(reaper_proto_library name)
  set(out_dir ${CMAKE_BINARY_DIR}/generated/${name})
  set(sources "")
  foreach(proto ${ARGN})
    string(REGEX REPLACE "\\.proto$" "" stem ${proto})
    set(out_c ${out_dir}/${stem}.pb-c.c)
    add_custom_command(OUTPUT ${out_c} ${out_dir}/${stem}.pb-c.h
      COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
      COMMAND ${PROTOC_C} --c_out=${out_dir} -I${proto_root} ${proto}
      WORKING_DIRECTORY ${proto_root}
      DEPENDS ${proto_root}/${proto}
      COMMENT "protoc-c ${proto}")
    list(APPEND sources ${out_c})
  endforeach()
  set_source_files_properties(${sources} PROPERTIES GENERATED TRUE COMPILE_OPTIONS "-Wno-unused-parameter")
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PUBLIC ${out_dir})
  target_link_libraries(${name} PUBLIC dep_protobuf_c)
endfunction()

reaper_proto_library(proto_ttrpc ttrpc.proto google/rpc/status.proto google/protobuf/any.proto)
reaper_proto_library(proto_containerd
  containerd/cgroups_metrics.proto containerd/events.proto containerd/forward.proto
  containerd/mount.proto containerd/shim.proto containerd/task_types.proto
  google/protobuf/empty.proto google/protobuf/timestamp.proto)
target_link_libraries(proto_containerd PUBLIC proto_ttrpc)
