#!/usr/bin/env bash
# Stops the server scripts/pg/start.sh STATE_DIR started and deletes its data folder.
set -euo pipefail
state=${1:?usage: stop.sh STATE_DIR}
[ -f "$state/datadir" ] || { echo "pg/stop: no server recorded in $state"; rm -f "$state/url"; exit 0; }
tmp=$(cat "$state/datadir")
bindir=$(cat "$state/bindir")
as_user=()
if [ "$(id -u)" = 0 ]; then
  owner=$(stat -c %U "$tmp/data" 2>/dev/null || echo root)
  [ "$owner" != root ] && as_user=(runuser -u "$owner" --)
fi
if [ -d "$tmp/data" ]; then
  "${as_user[@]}" "$bindir/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
fi
case "$tmp" in /tmp/lps-pg.*) rm -rf "$tmp" ;; esac
rm -f "$state/datadir" "$state/bindir" "$state/url"
echo "pg/stop: stopped and removed $tmp"
