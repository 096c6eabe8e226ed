#!/usr/bin/env bash
# scripts/check-disk.sh: refuses, saying what to do, a build the disk cannot hold; passes one it can; can be
# switched off. Run by ctest (scripts_check_disk).
set -uo pipefail
root=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1 PiB: no file system here has that free.
out=$("$root/scripts/check-disk.sh" test "$dir/b" 1048576 2>&1); rc=$?
[ $rc -eq 1 ] || fail "an impossible build was not refused (rc $rc): $out"
grep -q "not enough disk: $dir/b's file system has [0-9]* MiB free" <<<"$out" || fail "no clear reason: $out"
grep -q "LPS_DISK_CHECK=off" <<<"$out" || fail "does not say how to skip: $out"

# What the folder already holds counts: 2 MiB there, a 0 GiB build needs only the margin.
head -c 2097152 /dev/zero >"$dir/b/part"
out=$("$root/scripts/check-disk.sh" test "$dir/b" 0 2>&1) || fail "a build that fits was refused: $out"
grep -q "GiB free for $dir/b" <<<"$out" || fail "free space not reported: $out"

out=$(LPS_DISK_CHECK=off "$root/scripts/check-disk.sh" test "$dir/b" 1048576 2>&1) || fail "LPS_DISK_CHECK=off ignored: $out"
echo "PASS"
