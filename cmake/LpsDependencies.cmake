# Finds lpsweep's dependencies the usual way for each ecosystem:
#   Debian packages through their CMake configs (fmt, yaml-cpp, SQLite3, Eigen3, Ceres, CLI11, GTest),
#   LibTorch through the project's Python environment (torch.utils.cmake_prefix_path),
#   the CUDA toolkit through CMake's CUDA language support.
# Every failure names the package that provides the missing piece.

find_package(Threads REQUIRED)

macro(lps_require pkg debian_pkg)
  find_package(${pkg} ${ARGN} QUIET)
  if(NOT ${pkg}_FOUND)
    message(FATAL_ERROR "lpsweep: ${pkg} not found. Install it with: apt-get install ${debian_pkg} "
                        "(scripts/setup.sh does this for you).")
  endif()
endmacro()

lps_require(fmt libfmt-dev)
lps_require(yaml-cpp libyaml-cpp-dev)
lps_require(SQLite3 libsqlite3-dev)
lps_require(Eigen3 libeigen3-dev)
lps_require(Ceres libceres-dev)
lps_require(CLI11 libcli11-dev)
lps_require(nlohmann_json nlohmann-json3-dev)
if(LPS_BUILD_TESTS)
  lps_require(GTest libgtest-dev)
endif()

# yaml-cpp 0.7 (Debian 12) exports a plain `yaml-cpp` target; newer releases add yaml-cpp::yaml-cpp.
if(TARGET yaml-cpp::yaml-cpp)
  set(LPS_YAML_TARGET yaml-cpp::yaml-cpp)
else()
  set(LPS_YAML_TARGET yaml-cpp)
endif()

# LibTorch ships fmt v12 headers that shadow Debian's fmt 9 in any target that sees torch's include
# directory; header-only fmt keeps each translation unit self-consistent (see docs/BUILDING.md).
set(LPS_FMT_TARGET fmt::fmt-header-only)

# ---- CUDA -------------------------------------------------------------------------------------------
set(LPS_HAVE_CUDA OFF)
if(LPS_WITH_CUDA)
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 90a)
    endif()
    enable_language(CUDA)
    # CMake 3.25 knows no C++20 flag for nvcc 13; kernels are written in C++17.
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    set(CMAKE_CUDA_EXTENSIONS OFF)
    find_package(CUDAToolkit REQUIRED)
    set(LPS_HAVE_CUDA ON)
    message(STATUS "lpsweep: CUDA ${CMAKE_CUDA_COMPILER_VERSION}, kernels built for ${CMAKE_CUDA_ARCHITECTURES}")
  else()
    message(STATUS "lpsweep: no CUDA compiler found; kernels/ is skipped and ops use the C++ references")
  endif()
endif()

# ---- LibTorch ---------------------------------------------------------------------------------------
set(LPS_HAVE_TORCH OFF)
if(LPS_WITH_TORCH)
  if(NOT LPS_TORCH_PREFIX)
    set(_lps_py "")
    if(LPS_PYTHON)
      set(_lps_py "${LPS_PYTHON}")
    elseif(EXISTS "${CMAKE_SOURCE_DIR}/.venv/bin/python3")
      set(_lps_py "${CMAKE_SOURCE_DIR}/.venv/bin/python3")
    else()
      find_program(_lps_py python3)
    endif()
    if(_lps_py)
      execute_process(COMMAND "${_lps_py}" -c "import torch; print(torch.utils.cmake_prefix_path)"
                      OUTPUT_VARIABLE LPS_TORCH_PREFIX OUTPUT_STRIP_TRAILING_WHITESPACE
                      RESULT_VARIABLE _lps_torch_rc ERROR_QUIET)
      if(NOT _lps_torch_rc EQUAL 0)
        set(LPS_TORCH_PREFIX "")
      endif()
    endif()
  endif()
  if(NOT LPS_TORCH_PREFIX)
    message(FATAL_ERROR "lpsweep: LibTorch not found. Run scripts/setup.sh (it installs torch==2.11.0 from PyPI "
                        "into .venv), or pass -DLPS_TORCH_PREFIX=<torch.utils.cmake_prefix_path>, "
                        "or configure with -DLPS_WITH_TORCH=OFF.")
  endif()
  set(LPS_TORCH_PREFIX "${LPS_TORCH_PREFIX}" CACHE PATH "torch.utils.cmake_prefix_path" FORCE)
  get_filename_component(LPS_TORCH_ROOT "${LPS_TORCH_PREFIX}/../.." ABSOLUTE)
  if(LPS_HAVE_CUDA)
    # The PyPI wheel (cu130) matches the CUDA 13 toolkit: use LibTorch's own config, CUDA included.
    list(APPEND CMAKE_PREFIX_PATH "${LPS_TORCH_PREFIX}")
    # Name the target architecture so LibTorch's config does not probe for a GPU (CI has none).
    if(NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST})
      set(ENV{TORCH_CUDA_ARCH_LIST} "9.0a")
    endif()
    find_package(Torch REQUIRED)
    add_library(lps_torch INTERFACE)
    target_link_libraries(lps_torch INTERFACE ${TORCH_LIBRARIES})
    target_compile_definitions(lps_torch INTERFACE LPS_TORCH_CUDA=1)
  else()
    # No CUDA toolkit: link LibTorch's CPU libraries directly; TorchConfig would insist on CUDA.
    add_library(lps_torch INTERFACE)
    target_include_directories(lps_torch SYSTEM INTERFACE "${LPS_TORCH_ROOT}/include"
                               "${LPS_TORCH_ROOT}/include/torch/csrc/api/include")
    target_link_libraries(lps_torch INTERFACE "${LPS_TORCH_ROOT}/lib/libtorch_cpu.so"
                          "${LPS_TORCH_ROOT}/lib/libc10.so" Threads::Threads)
    target_link_options(lps_torch INTERFACE "-Wl,-rpath,${LPS_TORCH_ROOT}/lib")
    target_compile_definitions(lps_torch INTERFACE LPS_TORCH_CUDA=0)
  endif()
  add_library(lps::torch ALIAS lps_torch)
  set(LPS_HAVE_TORCH ON)
  message(STATUS "lpsweep: LibTorch at ${LPS_TORCH_ROOT}")
endif()
