#!/usr/bin/env bash
# A private PostgreSQL server for tests and local multi-node runs: a fresh cluster in a temporary folder, no system
# service assumed (Debian's `postgresql` package provides the binaries).
#
#   eval "$(scripts/postgres.sh start [PORT])"   starts it; exports TICKWIRE_PG_DIR, TICKWIRE_PG_PID and
#                                                TICKWIRE_TEST_POSTGRES_URL (postgres://tickwire:tickwire@127.0.0.1:PORT/postgres)
#   scripts/postgres.sh stop "$TICKWIRE_PG_DIR"  stops it and removes the folder
#   scripts/postgres.sh pause DIR / resume DIR   stops it keeping its data / starts it again (outage tests)
set -euo pipefail
command=${1:?usage: postgres.sh start [PORT] | stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "postgres.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }

# The server is a daemon: it must not inherit the caller's descriptors (a test process's listening sockets and
# client connections would stay open in it, so that process could never finish closing them).
close_inherited_fds() {
  local fd
  for fd in $(ls /proc/$$/fd); do
    [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null || true
  done
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
  start)
    close_inherited_fds
    port=${2:-55432}
    dir=$(mktemp -d /tmp/tickwire-pg.XXXXXX)
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    as_postgres "$bin/initdb" -D "$dir/data" -A trust -U tickwire >"$dir/initdb.log" 2>&1
    echo "$port" >"$dir/port"
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off" start >/dev/null
    echo "export TICKWIRE_PG_DIR=$dir"
    echo "export TICKWIRE_TEST_POSTGRES_URL=postgres://tickwire:tickwire@127.0.0.1:$port/postgres"
    ;;
  pause)
    dir=${2:?usage: postgres.sh pause DIR}
    as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  resume)
    close_inherited_fds
    dir=${2:?usage: postgres.sh resume DIR}
    port=$(cat "$dir/port")
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off" start >/dev/null
    ;;
  stop)
    dir=${2:?usage: postgres.sh stop DIR}
    as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: postgres.sh start [PORT] | stop DIR | pause DIR | resume DIR" >&2; exit 2 ;;
esac
