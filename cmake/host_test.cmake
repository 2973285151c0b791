# host_test(NAME SOURCES file.c... [LIBS lib...] [INCLUDES dir...] [DEFINES def...] [ARGS arg...])
# The one way to add a host unit test (exo, common, drivers, libos, efi): an executable built
# with the host compiler and the project's warnings from SOURCES (the test file first, then the
# code it tests, or LIBS such as common_host), with the assertion header <check.h>
# (common/tests/check.h: named cases, exact values), run by ctest as NAME ("exo.test_page").
add_library(host_check INTERFACE)
target_include_directories(host_check INTERFACE ${CMAKE_CURRENT_LIST_DIR}/../common/tests)

function(host_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;INCLUDES;DEFINES;ARGS" ${ARGN})
  string(REPLACE "." "_" exe ${name})
  add_executable(${exe} ${T_SOURCES})
  target_link_libraries(${exe} PRIVATE host_check ${T_LIBS})
  target_include_directories(${exe} PRIVATE ${T_INCLUDES})
  target_compile_definitions(${exe} PRIVATE ${T_DEFINES})
  add_test(NAME ${name} COMMAND ${exe} ${T_ARGS})
endfunction()
