#!/usr/bin/env bash
# Usage: scripts/check-disk.sh WHAT DIR FULL_GIB
# Fails fast, saying why, when the file system holding DIR lacks the room a build of FULL_GIB GiB still needs
# (FULL_GIB minus what DIR already holds, plus 1 GiB of margin) — instead of a compiler dying on "No space left
# on device" a quarter of an hour in. LPS_DISK_CHECK=off skips the check.
set -euo pipefail
what=$1 dir=$2 full_gib=$3
[ "${LPS_DISK_CHECK:-on}" = off ] && exit 0
mkdir -p "$dir"
have_mib=$(du -sm "$dir" 2>/dev/null | cut -f1)
free_mib=$(df -Pm "$dir" | awk 'NR == 2 { print $4 }')
need_mib=$(( full_gib * 1024 - have_mib ))
(( need_mib < 0 )) && need_mib=0
need_mib=$(( need_mib + 1024 ))
echo "lpsweep $what: $((free_mib / 1024)) GiB free for $dir (a full build takes about $full_gib GiB, $((have_mib / 1024)) GiB of it there already)"
if (( free_mib < need_mib )); then
  echo "lpsweep $what: not enough disk: $dir's file system has $free_mib MiB free and this build still needs about" \
    "$need_mib MiB. Free space there, or build elsewhere (LPS_BUILD_DIR / LPS_SANITIZE_BUILD_DIR / LPS_FUZZ_BUILD_DIR);" \
    "LPS_DISK_CHECK=off skips this check." >&2
  exit 1
fi
