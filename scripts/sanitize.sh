#!/usr/bin/env bash
# Builds lpsweep with AddressSanitizer + UndefinedBehaviorSanitizer into its own folder and runs the test
# suite there (docs/fuzzing.md). Assumes scripts/setup.sh has run. Idempotent; later runs rebuild only what
# changed.
#
#   LPS_SANITIZE=address,undefined   the sanitizers (default address,undefined)
#   LPS_SANITIZE_SCOPE=full|no-torch full: every module and test (LibTorch ones too, default);
#                                    no-torch: configure with -DLPS_WITH_TORCH=OFF (config, plan, store,
#                                    quant, data, analysis, CLI without training) — about a third of the time
#   LPS_SANITIZE_BUILD_DIR=DIR       the build folder (default build-sanitize/, or build-sanitize-no-torch/)
#   extra arguments go to ctest (e.g. -R config_ or -L gpu)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
start=$(date +%s)
# CPU seconds (user + system) of this script's finished children: the cost on any machine, whatever its load.
children_cpu_s() { local f; read -r -a f </proc/$$/stat; echo $(( (f[15] + f[16]) / $(getconf CLK_TCK) )); }
sanitizers=${LPS_SANITIZE:-address,undefined}
scope=${LPS_SANITIZE_SCOPE:-full}
case "$scope" in
  full) default_build=$root/build-sanitize; scope_flags=(); full_gib=8 ;;
  no-torch) default_build=$root/build-sanitize-no-torch; scope_flags=(-DLPS_WITH_TORCH=OFF); full_gib=3 ;;
  *) echo "lpsweep sanitize: LPS_SANITIZE_SCOPE must be full or no-torch, not '$scope'" >&2; exit 2 ;;
esac
build=${LPS_SANITIZE_BUILD_DIR:-$default_build}
mkdir -p "$build"
"$root/scripts/check-disk.sh" sanitize "$build" "$full_gib"
# CUDA kernels are not instrumented (nvcc) and need a GPU to run: the sanitized tree is CPU-only. Warnings are
# the normal build's gate: GCC warns falsely under -fsanitize=address (documented), so they do not fail here.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLPS_SANITIZE="$sanitizers" \
  -DLPS_WITH_CUDA=OFF -DLPS_WERROR=OFF "${scope_flags[@]}" >"$build/configure.log" 2>&1 \
  || { tail -40 "$build/configure.log" >&2; echo "lpsweep sanitize: CMake configure failed ($build/configure.log)" >&2; exit 1; }
echo "lpsweep sanitize: building ($sanitizers, scope $scope) into $build with $(nproc) jobs"
cmake --build "$build" -j "$(nproc)"
built=$(date +%s)
built_cpu=$(children_cpu_s)

supp=$root/cmake/sanitizers
# detect_leaks: on (LibTorch's process-lifetime allocations are suppressed by name in lsan.supp).
# abort_on_error/halt_on_error: a report fails the test that caused it.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=0:strict_string_checks=1:check_initialization_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="suppressions=$supp/ubsan.supp:print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
status=0
ctest --test-dir "$build" -j "$(nproc)" --output-on-failure --timeout 3600 "$@" || status=$?
end=$(date +%s)
end_cpu=$(children_cpu_s)
echo "lpsweep sanitize: build $((built - start))s (CPU ${built_cpu}s), tests $((end - built))s (CPU $((end_cpu - built_cpu))s)," \
  "total $((end - start))s ($sanitizers, scope $scope)"
exit $status
