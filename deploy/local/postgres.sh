#!/usr/bin/env bash
# Runs a PostgreSQL 15 server from the machine's server binaries, for the app host and the tests when no
# container runtime answers. Usage: postgres.sh DATA_DIR PORT. Loopback only; the data survives restarts.
set -euo pipefail
data="$1"
port="$2"
bin="${ORASERV_PG_BIN:-/usr/lib/postgresql/15/bin}"
mkdir -p "$data"
data="$(cd "$data" && pwd)"

# ORASERV_STOP_WITH_PID (the tests set it): the server stops when that process is gone, even if it was killed
# before it could stop the server itself. A signal to this script reaches the server (see the end).
if [ -n "${ORASERV_STOP_WITH_PID:-}" ]; then
  bash "$(dirname "$0")/stop-with.sh" "$ORASERV_STOP_WITH_PID" $$ TERM </dev/null >/dev/null 2>&1 &
fi
# PostgreSQL refuses to run as root: run it as the postgres user, which owns the data folder.
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$data"
  chmod 700 "$data"
  as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups --)
fi

if [ ! -s "$data/PG_VERSION" ]; then
  "${as_pg[@]}" "$bin/initdb" -D "$data" -U oraserv --auth-local=trust --auth-host=trust -E UTF8 --locale=C.UTF-8 >"$data/../initdb-$port.log" 2>&1 \
    || { cat "$data/../initdb-$port.log" >&2; exit 1; }
fi

# ORASERV_PG_SETTINGS: more server settings for profiling, e.g. "shared_preload_libraries=pg_stat_statements".
extra=()
for setting in ${ORASERV_PG_SETTINGS:-}; do extra+=(-c "$setting"); done

# The server runs as a child of this script, not in its place, so that SIGTERM becomes a fast shutdown (SIGINT). Stop
# it with SIGTERM: started in the background of another script, this one ignores SIGINT and cannot trap it.
# PostgreSQL takes SIGTERM as a "smart" shutdown, which waits until every client has disconnected; Aspire's orchestrator
# stops an executable with SIGTERM and kills it 6 s later, so the local run's server was killed on every stop: crash
# recovery at the next start, and its statistics reset, so autovacuum never saw the dead rows of the queue tables.
"${as_pg[@]}" "$bin/postgres" -D "$data" -p "$port" -c listen_addresses=127.0.0.1 -c unix_socket_directories="$data" \
  -c max_connections=300 -c shared_buffers=128MB -c fsync=on -c log_min_messages=warning "${extra[@]}" &
server=$!
trap 'kill -INT "$server" 2>/dev/null' TERM INT
set +e
while true; do
  # A trapped signal ends the wait early; wait again until the server itself has ended.
  wait "$server"
  status=$?
  kill -0 "$server" 2>/dev/null || break
done
exit "$status"
