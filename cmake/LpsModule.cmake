# Helpers that give every lpsweep module and test the same shape.
#
#   lps_add_module(NAME core SOURCES a.cc b.cc DEPS lps::x fmt)   -> target lps_core, alias lps::core,
#       public headers in lib/core/include (as <lps/core/...>), private code in lib/core/src.
#   lps_add_test(NAME core_tests SOURCES ... DEPS ...)            -> gtest executable, each TEST a ctest.

# GCC 13 (the GPU machine's) reports false array-bounds/stringop warnings inside LibTorch's autograd templates.
set(LPS_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wno-unused-parameter
    -Wno-error=array-bounds -Wno-error=stringop-overflow -Wno-error=stringop-overread)

function(lps_set_warnings target)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${LPS_WARNINGS}>)
  if(LPS_WERROR)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Werror>)
  endif()
endfunction()

# Targets that use LibTorch spend most of their compile time parsing <torch/torch.h>, so they use a
# precompiled header (set LPS_TORCH_PCH=OFF to compile without). One PCH is ~0.9 GB, so it is built once per
# kind of code and reused (REUSE_FROM), not once per target: lps_torch_pch_pic for the modules (static, -fPIC),
# lps_torch_pch_exe for the test and tool executables. Both are compiled with the same flags as their users
# (-Winvalid-pch with -Werror turns any mismatch into a build error, never a silent slow build).
option(LPS_TORCH_PCH "Precompile <torch/torch.h> for targets that use LibTorch" ON)
set(LPS_TORCH_USERS lps::torch lps::ops lps::model lps::train lps::runner)

function(lps_torch_pch_donor name pic)
  if(TARGET ${name})
    return()
  endif()
  add_library(${name} OBJECT "${PROJECT_SOURCE_DIR}/cmake/torch_pch_anchor.cc")
  target_link_libraries(${name} PRIVATE lps::torch)
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ${pic})
  lps_set_warnings(${name})
  target_precompile_headers(${name} PRIVATE "$<$<COMPILE_LANGUAGE:CXX>:<torch/torch.h>>")
endfunction()

function(lps_maybe_torch_pch target)
  if(NOT LPS_TORCH_PCH OR NOT LPS_HAVE_TORCH)
    return()
  endif()
  foreach(dep IN LISTS ARGN)
    if(dep IN_LIST LPS_TORCH_USERS)
      get_target_property(type ${target} TYPE)
      get_target_property(pic ${target} POSITION_INDEPENDENT_CODE)
      if(type STREQUAL "EXECUTABLE" AND NOT pic)
        set(donor lps_torch_pch_exe)
        lps_torch_pch_donor(${donor} OFF)
      elseif(type STREQUAL "STATIC_LIBRARY" AND pic)
        set(donor lps_torch_pch_pic)
        lps_torch_pch_donor(${donor} ON)
      else()
        message(FATAL_ERROR "lps_maybe_torch_pch: no shared PCH for ${target} (${type}, PIC=${pic})")
      endif()
      target_precompile_headers(${target} REUSE_FROM ${donor})
      return()
    endif()
  endforeach()
endfunction()

function(lps_add_module)
  cmake_parse_arguments(M "" "NAME;DIR" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  if(NOT M_DIR)
    set(M_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  endif()
  set(target lps_${M_NAME})
  if(M_SOURCES)
    add_library(${target} STATIC ${M_SOURCES})
    target_include_directories(${target} PUBLIC "${M_DIR}/include" PRIVATE "${M_DIR}/src")
    target_link_libraries(${target} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS})
    set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    lps_set_warnings(${target})
    lps_maybe_torch_pch(${target} ${M_DEPS} ${M_PRIVATE_DEPS})
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE "${M_DIR}/include")
    target_link_libraries(${target} INTERFACE ${M_DEPS})
  endif()
  add_library(lps::${M_NAME} ALIAS ${target})
endfunction()

function(lps_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} GTest::gtest GTest::gtest_main)
  target_include_directories(${T_NAME} PRIVATE "${CMAKE_SOURCE_DIR}/tests")
  target_compile_definitions(${T_NAME} PRIVATE
    LPS_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    LPS_FIXTURES_DIR="${CMAKE_SOURCE_DIR}/../shared/fixtures"
    LPS_BINARY_DIR="${CMAKE_BINARY_DIR}")
  lps_set_warnings(${T_NAME})
  lps_maybe_torch_pch(${T_NAME} ${T_DEPS})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  gtest_discover_tests(${T_NAME} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 120
                       PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${T_LABELS}")
endfunction()
