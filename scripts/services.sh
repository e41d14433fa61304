#!/usr/bin/env bash
# Throwaway services for the tests: a PostgreSQL 15 cluster in a temp directory on a free loopback port.
#   eval "$(scripts/services.sh start)"   # exports HIPORTAL_SERVICES_DIR and HIPORTAL_TEST_POSTGRES
#   scripts/services.sh stop              # stops it and deletes the directory (reads HIPORTAL_SERVICES_DIR)
# As root, initdb and the server run as the postgres user (initdb refuses root); otherwise as the caller.
set -euo pipefail
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  if [ ! -x "$PG_BIN/initdb" ]; then
    echo "services.sh: PostgreSQL 15 is not installed ($PG_BIN/initdb); apt-get install postgresql-15" >&2
    exit 1
  fi
  local dir port
  dir=$(mktemp -d "${TMPDIR:-/tmp}/hiportal-services.XXXXXX")
  chmod 700 "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # fsync off: the cluster is thrown away after the run, so durability across a power loss buys nothing here.
  as_owner "$PG_BIN/initdb" -D "$dir/pg" -A trust -U postgres >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "$PG_BIN/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null \
    || { cat "$dir/pg.log" >&2; exit 1; }
  echo "export HIPORTAL_SERVICES_DIR='$dir'"
  echo "export HIPORTAL_TEST_POSTGRES='Host=127.0.0.1;Port=$port;Username=postgres'"
}

stop() {
  local dir=${1:-${HIPORTAL_SERVICES_DIR:-}}
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    return 0
  fi
  if [ -f "$dir/pg/postmaster.pid" ]; then
    as_owner "$PG_BIN/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start|stop [dir]" >&2; exit 2 ;;
esac
