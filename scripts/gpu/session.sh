#!/usr/bin/env bash
# One device call's worth of GPU work, by stages, each bounded in time, logs and results under $OUT:
# Before each device call, on the CPU machine: scripts/gpu/snapshot.sh (HEAD → .gpu/src.tar); the call then runs
#   python3 .gpu/sync_tree.py .gpu/src.tar /tmp/lps && cd /tmp/lps && ln -s $R/.deps .deps && ln -s $R/.gpu .gpu && bash scripts/gpu/session.sh …
#   scripts/gpu/session.sh build tests bench-kernels        (first call: build-gpu/ survives while warm)
#   scripts/gpu/session.sh bench-train sweep                (next call, within the warm window)
# Stages: build | tests | tests-bg | tests-wait | probe | bench-kernels | bench-train | bench-schemes |
# bench-graph | ddp | pack | sweep | quickstart-bg | quickstart-wait | resume | ncu. Env: LPS_SWEEP_SECONDS (default 420),
# LPS_SWEEP (default sweeps/gpu-quick.yaml), LPS_RUNS_PER_GPU (default 4).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
out=${OUT:-$root/build-gpu/out}
mkdir -p "$out"
source .gpu/unpack-deps.sh .deps /tmp/deps >/dev/null
cli=build-gpu/apps/lpsweep/lpsweep
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$out/gpu.txt"
# LPS_PIN_GPU_WORK=1: this script's GPU work stays off cores 0-1, which quickstart-bg uses to measure the
# CPU main job on 2 cores of this machine at the same time.
if [ "${LPS_PIN_GPU_WORK:-0}" = 1 ]; then taskset -p -c 2-$(( $(nproc) - 1 )) $$ >/dev/null; fi
for stage in "$@"; do
  echo "=== $stage ($(date -u +%T))"
  case $stage in
    build)
      # ninja -k 0: a broken target does not hide the others; go on when lpsweep itself was built
      LPS_GPU_NO_TESTS=1 bash scripts/gpu/build.sh || [ -x "$cli" ] || { echo "build failed: later stages skipped"; exit 1; } ;;
    tests)
      timeout 200 ctest --test-dir build-gpu -j 8 --output-on-failure --timeout 150 \
        -R 'Gpu|Cuda|ScaleAdd|Kernel|kernel' > "$out/gpu-tests.log" 2>&1
      grep -E "tests passed|tests failed|\*\*\*Failed|Skipped" "$out/gpu-tests.log" | head -40 ;;
    quickstart-bg)           # the README's main job on CPU cores 0-1 only, no GPU, in the background
      # LPS_QUICKSTART_CONTINUE=1 continues an earlier call's run (the machine stayed warm) instead of starting fresh
      [ "${LPS_QUICKSTART_CONTINUE:-0}" = 1 ] || rm -rf /tmp/qs
      mkdir -p /tmp/qs && cp sweeps/quickstart.yaml /tmp/qs/
      (cd /tmp/qs && CUDA_VISIBLE_DEVICES= taskset -c 0,1 /usr/bin/time -v "$root/$cli" run quickstart.yaml \
         --runs-per-gpu 2 > "$out/quickstart.log" 2>&1; echo "exit $?" >> "$out/quickstart.log") </dev/null >/dev/null 2>&1 &
      echo "started" ;;
    quickstart-wait)         # waits for quickstart-bg (LPS_QUICKSTART_WAIT seconds at most)
      for _ in $(seq "${LPS_QUICKSTART_WAIT:-300}"); do grep -q "^exit " "$out/quickstart.log" && break; sleep 1; done
      tail -40 "$out/quickstart.log"
      mkdir -p "$out/quickstart-output"   # the fit and plots, not the checkpoints
      cp /tmp/qs/runs/quickstart/*.* "$out/quickstart-output/" 2>/dev/null || true
      cp -r /tmp/qs/runs/quickstart/plots "$out/quickstart-output/" 2>/dev/null || true ;;
    probe)
      timeout 60 python3 scripts/gpu/probe_scaled_mm.py > "$out/probe_scaled_mm.txt" 2>&1
      echo "rc=$?"; cat "$out/probe_scaled_mm.txt" ;;
    bench-kernels)
      timeout 240 "$cli" bench kernels --json "$out/bench_kernels.json" > "$out/bench_kernels.txt" 2>&1
      echo "rc=$?"; tail -45 "$out/bench_kernels.txt" ;;
    bench-graph)             # CUDA-graph step vs eager on small presets
      for g in "" --cuda-graph; do
        timeout 120 "$cli" bench train --presets tiny,tiny2,30M --seq 256 --batch 16 $g >> "$out/bench_graph.txt" 2>&1
      done
      echo "rc=$?"; cat "$out/bench_graph.txt" ;;
    bench-train)             # issue 4: our trainer vs PyTorch eager/compile, BF16, on GPU 0
      CUDA_VISIBLE_DEVICES=0 timeout "${LPS_BENCH_TRAIN_SECONDS:-400}" "$cli" bench train --presets 30M,100M,200M \
        --seq 512 --batch 64 --steps 10 --warmup 3 --python "$(command -v python3)" > "$out/bench_train.txt" 2>&1
      echo "rc=$?"; tail -8 "$out/bench_train.txt" ;;
    bench-schemes)           # issue 7: measured tokens/s per precision scheme vs BF16 (a speedup table), GPU 0
      CUDA_VISIBLE_DEVICES=0 timeout 200 "$cli" bench train --presets 30M,100M --seq 512 --batch 64 --steps 8 \
        --warmup 2 --schemes bf16,fp8,quest_fwd,quartet --speedup-csv "$out/speedups.csv" > "$out/bench_schemes.txt" 2>&1
      echo "rc=$?"; tail -10 "$out/bench_schemes.txt" ;;
    tests-bg)                # the GPU tests on the last GPU, in the background (tests-wait collects them)
      last=$(( $(nvidia-smi -L | wc -l) - 1 ))
      (CUDA_VISIBLE_DEVICES=$last timeout 400 ctest --test-dir build-gpu -j 4 --output-on-failure --timeout 300 \
         -R "${LPS_GPU_TEST_REGEX:-Gpu|Cuda|Nccl|NCCL|ScaleAdd}" > "$out/gpu-tests.log" 2>&1; echo "exit $?" >> "$out/gpu-tests.log") \
         </dev/null >/dev/null 2>&1 &
      echo "started on GPU $last" ;;
    tests-wait)
      for _ in $(seq 400); do grep -q "^exit " "$out/gpu-tests.log" && break; sleep 1; done
      grep -E "tests passed|tests failed|\*\*\*Failed|Skipped|^exit" "$out/gpu-tests.log" | head -40 ;;
    ddp)                     # issue 10: the 100M BF16 run on 1 GPU, then on every GPU with NCCL ranks
      export NCCL_NVLS_ENABLE=0
      for f in gpu-ddp-1gpu:0 gpu-ddp:all; do
        sweep=sweeps/${f%%:*}.yaml
        start=$(date +%s%N)
        timeout "${LPS_DDP_SECONDS:-200}" "$cli" run "$sweep" --gpus "${f##*:}" > "$out/${f%%:*}.log" 2>&1
        echo "$sweep on GPUs ${f##*:}: rc=$? in $(( ($(date +%s%N) - start) / 1000000 )) ms"
        grep -E "tokens/s|completed|error" "$out/${f%%:*}.log" | tail -4
      done
      cp sweeps/runs/gpu-ddp.db "$out/" 2>/dev/null; nvidia-smi topo -m > "$out/topo.txt" 2>&1 ;;
    pack)                    # issues 7 and 10: 16 small runs placed 1 per GPU, 4 per GPU, 4 per GPU on all GPUs
      for f in 0:1 0:4 all:4; do
        g=${f%%:*}; k=${f##*:}
        rm -f /tmp/pack.db*
        start=$(date +%s%N)
        timeout 150 "$cli" run sweeps/gpu-pack.yaml --store /tmp/pack.db --gpus "$g" --runs-per-gpu "$k" \
          > "$out/pack_${g}_${k}.log" 2>&1
        rc=$?; ms=$(( ($(date +%s%N) - start) / 1000000 ))
        echo "gpu-pack --gpus $g --runs-per-gpu $k: rc=$rc in $ms ms = $(( 16 * 2097152 * 1000 / ms )) tokens/s aggregate"
        "$cli" status sweeps/gpu-pack.yaml --store /tmp/pack.db 2>&1 | tail -3
      done ;;
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
      # the store and the analysis outputs, not the checkpoints
      tar czf "$out/sweep_results.tgz" --exclude='*.ckpt' --exclude='checkpoints' sweeps/runs 2>/dev/null ;;
    resume)                  # issue 8 item 2 / issue 4: the 30M BF16 deterministic run killed 3 times, bit-identical
      timeout 300 build-gpu/tests/train/train_tests --gtest_filter='KillResume.Bf16On30M*' > "$out/gpu-resume.log" 2>&1
      echo "rc=$?"; tail -15 "$out/gpu-resume.log" ;;
    ncu)                     # Nsight Compute on a few quantizer kernels (LPS_NCU_KERNELS: a kernel-name regex)
      ncu_bin=$(command -v ncu || ls /usr/local/cuda/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
      if [ -z "$ncu_bin" ]; then echo "ncu not found"; else
        timeout 200 "$ncu_bin" --section SpeedOfLight --section Occupancy --section LaunchStats \
          --section ComputeWorkloadAnalysis --section MemoryWorkloadAnalysis --section WarpStateStats \
          --section InstructionStats -k "regex:${LPS_NCU_KERNELS:-quantize}" --launch-skip 4 --launch-count 6 \
          "$cli" bench kernels --no-linears --rows 8192 --cols 4096 --iters 2 > "$out/ncu.txt" 2>&1
        echo "rc=$?"; grep -E "quantize_|Duration|Memory Throughput|Compute \(SM\)|Registers Per|Achieved Occ|Issue Slots|Executed Ipc|Stall|ERR" "$out/ncu.txt" | head -60
      fi ;;
    *) echo "unknown stage $stage" ;;
  esac
done
