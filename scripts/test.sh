#!/usr/bin/env bash
# THE TEST COMMAND: sets everything up (scripts/setup.sh), builds, and runs the whole test suite with all
# cores. GPU tests skip themselves (and say so) where no GPU is visible. Idempotent.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
start=$(date +%s)
LPS_SETUP_FOR_TESTS=1 "$root/scripts/setup.sh"
"$root/scripts/build.sh"
build=${LPS_BUILD_DIR:-$root/build}
ctest --test-dir "$build" -j "$(nproc)" --output-on-failure --timeout 1800
# libFuzzer + ASan/UBSan on the sweep parser and the CSV importer, 150 s per target (docs/fuzzing.md).
if [ "${LPS_SKIP_FUZZ:-0}" != 1 ]; then "$root/scripts/fuzz.sh"; fi
# The suite under ASan/UBSan in its own build folder (scripts/sanitize.sh): LPS_SANITIZE_SUITE=no-torch (without
# the LibTorch modules; estimated 20-25 min on CI, docs/fuzzing.md) or full. Opt-in until one run of the scope
# has passed to the end (the first run, on a shared machine, covered part of it).
if [ -n "${LPS_SANITIZE_SUITE:-}" ]; then LPS_SANITIZE_SCOPE=$LPS_SANITIZE_SUITE "$root/scripts/sanitize.sh"; fi
echo "lpsweep test: whole suite finished in $(( $(date +%s) - start ))s"
