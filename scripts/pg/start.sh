#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on loopback for tests and trials, and prints its store URL.
#
#   scripts/pg/start.sh STATE_DIR     → STATE_DIR/url holds postgresql://lps:…@127.0.0.1:PORT/lps
#   scripts/pg/stop.sh STATE_DIR      → stops it and deletes its data
#
# The server runs from a fresh temporary data folder (fsync off: nothing here is worth keeping) on a free
# port of 127.0.0.1, with password authentication for TCP. initdb refuses to run as root, so as root the
# server runs as the `postgres` user (Debian's package creates it) or, failing that, `nobody`.
# Without PostgreSQL's binaries (apt install postgresql) it says so and exits 0 without writing STATE_DIR/url,
# so the tests that need it skip with that reason.
set -euo pipefail
state=${1:?usage: start.sh STATE_DIR}
mkdir -p "$state"
state=$(cd "$state" && pwd)

bindir=""
for d in /usr/lib/postgresql/*/bin; do
  [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && bindir=$d
done
if [ -z "$bindir" ] && command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
  bindir=$(dirname "$(command -v initdb)")
fi
if [ -z "$bindir" ]; then
  echo "pg/start: no PostgreSQL server binaries (initdb, pg_ctl) found; apt install postgresql to run the PostgreSQL tests" >&2
  rm -f "$state/url"
  exit 0
fi

# A server left by an earlier run of this state folder is stopped first.
if [ -f "$state/datadir" ]; then "$(dirname "${BASH_SOURCE[0]}")/stop.sh" "$state" || true; fi

as_user=()
if [ "$(id -u)" = 0 ]; then
  if id postgres >/dev/null 2>&1; then user=postgres; else user=nobody; fi
  as_user=(runuser -u "$user" --)
fi

tmp=$(mktemp -d /tmp/lps-pg.XXXXXX)
chmod 0755 "$tmp"
[ ${#as_user[@]} -gt 0 ] && chown "$user" "$tmp"
data=$tmp/data
password=lps-test-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$password" > "$tmp/pwfile"
chmod 0600 "$tmp/pwfile"
[ ${#as_user[@]} -gt 0 ] && chown "$user" "$tmp/pwfile"

"${as_user[@]}" "$bindir/initdb" -D "$data" -U lps --pwfile="$tmp/pwfile" --auth-local=trust \
  --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"$tmp/initdb.log" 2>&1 || {
  cat "$tmp/initdb.log" >&2; echo "pg/start: initdb failed (log above)" >&2; exit 1; }
rm -f "$tmp/pwfile"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$tmp'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 64MB
log_min_messages = warning
CONF
echo "$tmp" >"$state/datadir"
echo "$bindir" >"$state/bindir"
"${as_user[@]}" "$bindir/pg_ctl" -D "$data" -l "$tmp/server.log" -w -t 60 start >/dev/null || {
  cat "$tmp/server.log" >&2; echo "pg/start: the server did not start (log above)" >&2; exit 1; }
"${as_user[@]}" "$bindir/psql" -h "$tmp" -p "$port" -U lps -d postgres -qAt -c "CREATE DATABASE lps" >/dev/null

url="postgresql://lps:$password@127.0.0.1:$port/lps"
echo "$url" >"$state/url"
chmod 0600 "$state/url"
echo "pg/start: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data $data); URL in $state/url"
