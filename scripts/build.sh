#!/usr/bin/env bash
# Configures and builds lpsweep into build/ with all cores. Assumes scripts/setup.sh has run.
# Extra arguments go to CMake's configure step (e.g. -DLPS_WITH_CUDA=OFF).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${LPS_BUILD_DIR:-$root/build}
jobs=$(nproc)
mkdir -p "$build"
# A full build: 3.5 GB (two shared <torch/torch.h> PCHs of 0.9 GB each, objects and binaries with -gz debug info).
"$root/scripts/check-disk.sh" build "$build" 4
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=${LPS_BUILD_TYPE:-RelWithDebInfo} "$@" >"$build/configure.log" 2>&1 \
  || { tail -40 "$build/configure.log" >&2; echo "lpsweep build: CMake configure failed (full log: $build/configure.log)" >&2; exit 1; }
echo "lpsweep build: compiling with $jobs jobs into $build"
cmake --build "$build" -j "$jobs"
