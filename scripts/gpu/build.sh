#!/usr/bin/env bash
# Run on the GPU machine (device tool), from the repository root, with .deps and .gpu carried:
#   source .gpu/unpack-deps.sh .deps /tmp/deps >/dev/null && scripts/gpu/build.sh
# (The GPU machine lacks libpq's LDAP/Kerberos libraries, and one machine needs only SQLite: the PostgreSQL
# backend is left out there.)
# Builds with the machine's LibTorch (/opt/torch/.venv) for sm_90a into build-gpu/ (kept while the machine
# stays warm) and, unless LPS_GPU_NO_TESTS=1, runs ctest. Logs go to $OUT when set.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${OUT:-$root/build-gpu}
build=$root/build-gpu
torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90a \
  -DLPS_TORCH_PREFIX="$torch_prefix" -DLPS_PYTHON="$(command -v python3)" \
  -DCMAKE_DISABLE_FIND_PACKAGE_PostgreSQL=ON >"$out/gpu-configure.log" 2>&1 \
  || { tail -40 "$out/gpu-configure.log"; exit 1; }
# LPS_GPU_TARGETS="a b" builds only those targets; LPS_GPU_CTEST_REGEX limits which tests run.
targets=()
for t in ${LPS_GPU_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build" -j "$(nproc)" "${targets[@]}" -- -k 0 >"$out/gpu-build.log" 2>&1 \
  || { grep -B5 -A20 -m3 'error' "$out/gpu-build.log" | head -80; exit 1; }
echo "gpu build: ok"
if [ "${LPS_GPU_NO_TESTS:-0}" != 1 ]; then
  regex=()
  [ -n "${LPS_GPU_CTEST_REGEX:-}" ] && regex=(-R "$LPS_GPU_CTEST_REGEX")
  ctest --test-dir "$build" -j 4 --output-on-failure --timeout 900 "${regex[@]}" >"$out/gpu-ctest.log" 2>&1 || true
  tail -25 "$out/gpu-ctest.log"
fi
