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
# The suite again under ASan/UBSan in its own build folder (scripts/sanitize.sh, docs/fuzzing.md):
# LPS_SANITIZE_SUITE=no-torch (default: every module and test without LibTorch — config, plan, store, quant,
# data, analysis, the worker loop and the CLI with the test-double executor; about 20 min on 2 cores),
# full (the LibTorch modules too; about an hour more) or off.
suite=${LPS_SANITIZE_SUITE:-no-torch}
case "$suite" in
  off) echo "lpsweep test: the sanitized suite is off (LPS_SANITIZE_SUITE=off)" ;;
  no-torch|full) LPS_SANITIZE_SCOPE=$suite "$root/scripts/sanitize.sh" ;;
  *) echo "lpsweep test: LPS_SANITIZE_SUITE must be no-torch, full or off, not '$suite'" >&2; exit 2 ;;
esac
echo "lpsweep test: whole suite finished in $(( $(date +%s) - start ))s"
