# Compile the project's own .proto files with protoc-c at build time; nothing generated is committed.
find_program(PROTOC_C NAMES protoc-c protoc-gen-c REQUIRED)
set(REAPER_GENERATED_DIR ${CMAKE_BINARY_DIR}/generated)
set(REAPER_PROTO_DIR ${REAPER_GENERATED_DIR}/proto)
set(proto_root ${CMAKE_SOURCE_DIR}/src/proto)
file(GLOB_RECURSE reaper_protos CONFIGURE_DEPENDS RELATIVE ${proto_root} ${proto_root}/*.proto)
set(REAPER_PROTO_SOURCES "")
foreach(proto ${reaper_protos})
  string(REGEX REPLACE "\\.proto$" "" stem ${proto})
  set(out_c ${REAPER_PROTO_DIR}/${stem}.pb-c.c)
  set(out_h ${REAPER_PROTO_DIR}/${stem}.pb-c.h)
  add_custom_command(OUTPUT ${out_c} ${out_h}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${REAPER_PROTO_DIR}
    COMMAND ${PROTOC_C} --c_out=${REAPER_PROTO_DIR} -I${proto_root} ${proto}
    WORKING_DIRECTORY ${proto_root}
    DEPENDS ${proto_root}/${proto}
    COMMENT "protoc-c ${proto}")
  list(APPEND REAPER_PROTO_SOURCES ${out_c})
endforeach()
set_source_files_properties(${REAPER_PROTO_SOURCES} PROPERTIES GENERATED TRUE COMPILE_OPTIONS "-Wno-unused-parameter")
