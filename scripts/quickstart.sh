#!/usr/bin/env bash
# THE MAIN JOB: sets everything up (scripts/setup.sh), builds, and runs the quick-start sweep:
# tiny models x token budgets x precision schemes on the synthetic source, stored in SQLite, fitted,
# with a recommendation and plots. Idempotent: a second run reuses finished runs and only refits.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
build=${LPS_BUILD_DIR:-$root/build}
cd "$root"
exec "$build/apps/lpsweep/lpsweep" run sweeps/quickstart.yaml --runs-per-gpu 2 "$@"
