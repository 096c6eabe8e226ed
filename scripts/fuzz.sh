#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with Debian's clang, AddressSanitizer and UndefinedBehaviorSanitizer
# into their own folder (build-fuzz/) and runs each for a fixed time (docs/fuzzing.md). Fails on any crash,
# sanitizer report, leak, timeout, out-of-memory or broken promise (an error without file:line:col).
# Assumes scripts/setup.sh has run with LPS_SETUP_FOR_TESTS=1 (clang, libclang-rt-dev).
#
#   LPS_FUZZ_SECONDS=150        seconds per target (default 150: 5 minutes for both)
#   LPS_FUZZ_TARGETS="a b"      which targets (default: sweep_parser csv_importer)
#   LPS_FUZZ_BUILD_DIR=DIR      the build folder (default build-fuzz/)
#   LPS_FUZZ_CXX=clang++-N      the compiler (default: the newest clang++-19 … clang++-15 found)
#   LPS_FUZZ_SEED=N             libFuzzer's random seed (default 1: CI explores the same inputs each run, so a
#                               red run is reproducible; 0 = a new seed each run, for exploring)
# New interesting inputs go to DIR/corpus/<target>/ (kept between runs, never into the repository);
# findings to DIR/findings/<target>/ — reproduce one with DIR/tests/fuzz/fuzz_<target> FILE, then commit it
# under tests/fuzz/regressions/<target>/ with the fix (fuzz_tests replays that folder in the normal suite).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
start=$(date +%s)
build=${LPS_FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${LPS_FUZZ_SECONDS:-150}
seed=${LPS_FUZZ_SEED:-1}
read -r -a targets <<<"${LPS_FUZZ_TARGETS:-sweep_parser csv_importer}"
die() { echo "lpsweep fuzz: $*" >&2; exit 1; }
# Clang 15 or newer (lpsweep uses std::source_location, which clang 14 cannot compile with libstdc++).
cxx=${LPS_FUZZ_CXX:-}
if [ -z "$cxx" ]; then
  for v in 19 18 17 16 15; do command -v "clang++-$v" >/dev/null && { cxx=clang++-$v; break; }; done
fi
[ -n "$cxx" ] || die "no clang++ 15 or newer: apt-get install clang-16 libclang-rt-16-dev (scripts/setup.sh does with LPS_SETUP_FOR_TESTS=1)"
cc=${cxx/clang++/clang}

mkdir -p "$build"
"$root/scripts/check-disk.sh" fuzz "$build" 1
# Only what the targets need: no LibTorch, no CUDA. Warnings are the GCC build's gate (clang warns differently).
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLPS_SANITIZE=address,undefined -DLPS_FUZZ=ON \
  -DLPS_WITH_TORCH=OFF -DLPS_WITH_CUDA=OFF -DLPS_WERROR=OFF >"$build/configure.log" 2>&1 \
  || { tail -40 "$build/configure.log" >&2; die "CMake configure failed ($build/configure.log)"; }
echo "lpsweep fuzz: building ${targets[*]} with $cxx into $build"
cmake --build "$build" -j "$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}")
built=$(date +%s)

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:strict_string_checks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
failed=()
for t in "${targets[@]}"; do
  work=$build/corpus/$t
  findings=$build/findings/$t
  mkdir -p "$work" "$findings"
  dict=$root/tests/fuzz/$t.dict
  log=$build/fuzz-$t.log
  echo "lpsweep fuzz: $t for ${seconds}s (log: $log)"
  # -timeout: one input may take at most 10 s; -rss_limit_mb: 2 GiB; -malloc_limit_mb: no single allocation
  # above 1 GiB. Any of those, a crash, a leak or a finding stops the run with a non-zero status.
  rc=0
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -max_len=65536 -seed="$seed" -dict="$dict" -artifact_prefix="$findings/" -print_final_stats=1 \
    "$work" "$root/tests/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' "$log" \
    | sed "s/^/  $t: /" || true
  echo "  $t: corpus $(find "$work" -type f | wc -l) inputs; $(grep -m1 -oE 'cov: [0-9]+ ft: [0-9]+' <(tac "$log") || echo 'no coverage line')"
  if [ "$rc" -ne 0 ]; then
    failed+=("$t")
    tail -60 "$log" >&2
    echo "lpsweep fuzz: $t FAILED (exit $rc); inputs in $findings/:" >&2
    ls -l "$findings" >&2
  fi
done
end=$(date +%s)
echo "lpsweep fuzz: build $((built - start))s, fuzzing $((end - built))s"
((${#failed[@]} == 0)) || die "findings in: ${failed[*]}"
echo "fuzz: ${#targets[@]} passed, 0 failed"
