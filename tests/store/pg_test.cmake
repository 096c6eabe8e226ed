# lps_add_backend_test(): lps_add_test's twin whose tests require the ctest fixture `pg_server` (one
# throwaway PostgreSQL server on loopback for the whole ctest run, defined in tests/store/CMakeLists.txt)
# and find its URL through LPS_TEST_PG_URL_FILE. Included by tests/store and tests/runner.
include_guard(DIRECTORY)
find_package(PostgreSQL QUIET)

set(LPS_PG_TEST_STATE "${CMAKE_BINARY_DIR}/pg-test-server")
function(lps_add_backend_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} GTest::gtest GTest::gtest_main)
  target_include_directories(${T_NAME} PRIVATE "${CMAKE_SOURCE_DIR}/tests")
  target_compile_definitions(${T_NAME} PRIVATE
    LPS_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    LPS_FIXTURES_DIR="${CMAKE_SOURCE_DIR}/../shared/fixtures"
    LPS_BINARY_DIR="${CMAKE_BINARY_DIR}")
  if(LPS_HAVE_LIBPQ)
    target_link_libraries(${T_NAME} PRIVATE PostgreSQL::PostgreSQL)
    target_compile_definitions(${T_NAME} PRIVATE LPS_TEST_HAVE_LIBPQ=1)
  endif()
  lps_set_warnings(${T_NAME})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  set(props TIMEOUT ${T_TIMEOUT} FIXTURES_REQUIRED pg_server ENVIRONMENT "LPS_TEST_PG_URL_FILE=${LPS_PG_TEST_STATE}/url")
  if(T_LABELS)
    list(APPEND props LABELS "${T_LABELS}")
  endif()
  gtest_discover_tests(${T_NAME} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 120 PROPERTIES ${props})
endfunction()
