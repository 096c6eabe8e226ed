# Sanitizers and libFuzzer for lpsweep's own code (docs/fuzzing.md).
#
#   -DLPS_SANITIZE=address,undefined   compile and link every lpsweep target with these sanitizers
#                                      (GCC or Clang; scripts/sanitize.sh builds such a tree and runs ctest)
#   -DLPS_FUZZ=ON                      also build the libFuzzer executables of tests/fuzz (Clang only;
#                                      scripts/fuzz.sh builds them with address,undefined and runs them)
#
# Only our code is instrumented: LibTorch, Ceres, yaml-cpp, SQLite and the C++ runtime come prebuilt.
# Two consequences, handled here and in cmake/sanitizers/*.supp (each entry says why):
#   - UBSan's vptr check needs the type_info of every polymorphic type it sees; LibTorch's types come
#     from uninstrumented shared libraries with hidden type_info, so the check reports false "not an
#     object of type" errors. It is turned off for translation units that include LibTorch only
#     (the lps_torch interface target), so all other code keeps it.
#   - LeakSanitizer sees LibTorch's deliberate process-lifetime allocations (operator registries,
#     thread pools); cmake/sanitizers/lsan.supp names those frames and nothing of ours.
set(LPS_SANITIZE "" CACHE STRING "Comma-separated sanitizers for lpsweep's code (e.g. address,undefined)")
option(LPS_FUZZ "Build the libFuzzer targets of tests/fuzz (needs Clang and LPS_SANITIZE)" OFF)

set(LPS_SANITIZER_FLAGS "")
if(LPS_SANITIZE)
  string(REPLACE "," ";" lps_sanitizers "${LPS_SANITIZE}")
  foreach(s IN LISTS lps_sanitizers)
    if(NOT s MATCHES "^(address|undefined|leak)$")
      message(FATAL_ERROR "lpsweep: LPS_SANITIZE holds '${s}'; supported: address, undefined, leak")
    endif()
  endforeach()
  # -fno-sanitize-recover: a UBSan report aborts the process, so the test that triggered it fails.
  set(LPS_SANITIZER_FLAGS -fsanitize=${LPS_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:${LPS_SANITIZER_FLAGS}>")
  add_link_options(${LPS_SANITIZER_FLAGS})
  if("undefined" IN_LIST lps_sanitizers AND TARGET lps_torch)
    target_compile_options(lps_torch INTERFACE "$<$<COMPILE_LANGUAGE:CXX>:-fno-sanitize=vptr>")
  endif()
  message(STATUS "lpsweep: sanitizers ${LPS_SANITIZE} (suppressions: cmake/sanitizers/)")
endif()

if(LPS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "lpsweep: LPS_FUZZ needs Clang (libFuzzer); configure with -DCMAKE_CXX_COMPILER=clang++ "
                        "(Debian: apt-get install clang libclang-rt-dev), or run scripts/fuzz.sh")
  endif()
  # Coverage instrumentation for every lpsweep target; the fuzz executables add -fsanitize=fuzzer (its main).
  add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=fuzzer-no-link>")
  # LPS_WARNINGS names GCC-only warnings (stringop-*); clang would print a line for each, per file.
  add_compile_options("$<$<COMPILE_LANGUAGE:CXX>:-Wno-unknown-warning-option>")
endif()
