#!/usr/bin/env bash
# One device call's worth of GPU work, by stages, each bounded in time, logs and results under $OUT:
#   scripts/gpu/session.sh build tests bench-kernels        (first call: build-gpu/ survives while warm)
#   scripts/gpu/session.sh bench-train sweep                (next call, within the warm window)
# Stages: build | tests | bench-kernels | bench-train | sweep. Env: LPS_SWEEP_SECONDS (default 420),
# LPS_SWEEP (default sweeps/gpu-quick.yaml), LPS_RUNS_PER_GPU (default 4).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
out=${OUT:-$root/build-gpu/out}
mkdir -p "$out"
source .gpu/unpack-deps.sh .deps /tmp/deps >/dev/null
cli=build-gpu/apps/lpsweep/lpsweep
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$out/gpu.txt"
for stage in "$@"; do
  echo "=== $stage ($(date -u +%T))"
  case $stage in
    build)
      LPS_GPU_NO_TESTS=1 bash scripts/gpu/build.sh ;;
    tests)
      timeout 200 ctest --test-dir build-gpu -j 8 --output-on-failure --timeout 150 \
        -R 'Gpu|Cuda|ScaleAdd|Kernel|kernel' > "$out/gpu-tests.log" 2>&1
      grep -E "tests passed|tests failed|\*\*\*Failed|Skipped" "$out/gpu-tests.log" | head -40 ;;
    bench-kernels)
      timeout 240 "$cli" bench kernels --json "$out/bench_kernels.json" > "$out/bench_kernels.txt" 2>&1
      echo "rc=$?"; tail -45 "$out/bench_kernels.txt" ;;
    bench-train)
      timeout 240 "$cli" bench train --presets 30M,100M,200M --seq 512 --batch 64 --python "$(command -v python3)" \
        > "$out/bench_train.txt" 2>&1
      echo "rc=$?"; tail -25 "$out/bench_train.txt" ;;
    sweep)
      sweep=${LPS_SWEEP:-sweeps/gpu-quick.yaml}
      start=$(date +%s)
      "$cli" retry "$sweep" --all >/dev/null 2>&1 || true   # re-queue runs that failed in an earlier call
      timeout -s TERM "${LPS_SWEEP_SECONDS:-420}" "$cli" run "$sweep" --runs-per-gpu "${LPS_RUNS_PER_GPU:-4}" \
        > "$out/sweep.log" 2>&1
      echo "rc=$? after $(( $(date +%s) - start ))s"
      "$cli" status "$sweep" > "$out/sweep_status.txt" 2>&1
      "$cli" export runs "$sweep" --format csv --output "$out/sweep_runs.csv" >/dev/null 2>&1
      tail -30 "$out/sweep_status.txt"; tail -40 "$out/sweep.log"
      tar czf "$out/sweep_results.tgz" sweeps/runs 2>/dev/null ;;
    *) echo "unknown stage $stage" ;;
  esac
done
