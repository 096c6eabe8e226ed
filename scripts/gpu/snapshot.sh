#!/usr/bin/env bash
# On the CPU machine, before a device call: archives the committed tree (HEAD), plus any extra files named,
# into .gpu/src.tar, so the GPU machine builds exactly what is committed — never a helper's uncommitted work
# that happens to sit in the working tree. The device call unpacks it with scripts/gpu/sync_tree.py.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
mkdir -p .gpu
git archive --format=tar -o .gpu/src.tar HEAD
if (($#)); then tar --append -f .gpu/src.tar "$@"; fi
cp scripts/gpu/sync_tree.py .gpu/sync_tree.py
echo "snapshot: $(git rev-parse --short HEAD) + $# extra file(s) -> .gpu/src.tar ($(du -h .gpu/src.tar | cut -f1))"
