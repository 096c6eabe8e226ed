#!/usr/bin/env bash
# Run on the CPU machine, once: downloads the Debian packages the GPU machine needs (it reaches no
# registry) into .deps/ and copies the unpack script into .gpu/ (both git-ignored; name both in the
# device tool's `carry`). Wraps ../shared/device/fetch-deps.sh and adds what lpsweep needs beyond it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
shared=${LPS_SHARED_DIR:-$root/../shared}
[ -x "$shared/device/fetch-deps.sh" ] || { echo "fetch-deps: $shared/device/fetch-deps.sh not found" >&2; exit 1; }
"$shared/device/fetch-deps.sh" "$root/.deps"
(cd "$root/.deps" && apt-get download libcli11-dev libgtest-dev libgmock-dev googletest \
   libsentencepiece-dev libsentencepiece0 libprotobuf-lite32 nlohmann-json3-dev libpq-dev libpq5 \
   libgloo-dev 2>&1 | grep -v '^Get:' || true)
mkdir -p "$root/.gpu"
cp "$shared/device/unpack-deps.sh" "$root/.gpu/unpack-deps.sh"
echo "fetch-deps: $(ls "$root/.deps"/*.deb | wc -l) packages in .deps, unpack script in .gpu"
