#!/usr/bin/env bash
# Runs the whole test suite against real servers: one throwaway PostgreSQL and one RabbitMQ for the run
# (on free loopback ports, data in a temp folder, stopped at the end), shared by every test project.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash deploy/local/setup.sh

# Below the kernel's range for outgoing connections: a port in it can be the local end of some client's connection at
# the moment a server binds it (nothing listens there, so the check below passes, and the bind fails; it happened with
# a local run stopping as the tests started).
ephemeral_low="$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"
free_port() {
  local port
  while true; do
    port=$(( (RANDOM % (ephemeral_low - 10002)) + 10000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && ! (exec 3<>"/dev/tcp/127.0.0.1/$((port + 1))") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

root="$(mktemp -d /tmp/oraserv-test-XXXXXX)"
chmod 755 "$root"
pg_port="$(free_port)"
mq_port="$(free_port)"
pg_pid=""
mq_pid=""
cleanup() {
  # PostgreSQL: postgres.sh makes SIGTERM a fast shutdown. RabbitMQ: the Erlang VM stops cleanly on SIGTERM.
  [ -n "$pg_pid" ] && kill -TERM "$pg_pid" 2>/dev/null || true
  [ -n "$mq_pid" ] && kill -TERM "$mq_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT

# Its shutdown and any crash are logged, so a run whose PostgreSQL went away says when and why.
ORASERV_PG_SETTINGS="log_min_messages=log ${ORASERV_PG_SETTINGS:-}" bash deploy/local/postgres.sh "$root/postgres" "$pg_port" >"$root/postgres.log" 2>&1 &
pg_pid=$!
bash deploy/local/rabbitmq.sh "$root/rabbitmq" "$mq_port" >"$root/rabbitmq.log" 2>&1 &
mq_pid=$!

dotnet build OraServ.sln -nologo -v q

pg_ready() { /usr/lib/postgresql/15/bin/pg_isready -q -h 127.0.0.1 -p "$pg_port"; }
mq_ready() { (exec 3<>"/dev/tcp/127.0.0.1/$mq_port") 2>/dev/null; }
for _ in $(seq 1 120); do
  pg_ready && mq_ready && break
  sleep 0.5
done
# A server that is down fails hundreds of tests with "connection refused"; say which one and why, once.
servers_up() {
  local up=0
  pg_ready || { echo "The tests' PostgreSQL (port $pg_port) does not answer; the end of its log:" >&2; tail -n 20 "$root/postgres.log" >&2; up=1; }
  mq_ready || { echo "The tests' RabbitMQ (port $mq_port) does not answer; the end of its log:" >&2; tail -n 20 "$root/rabbitmq.log" >&2; up=1; }
  return "$up"
}
servers_up || exit 1
export ORASERV_TEST_POSTGRES_PORT="$pg_port" ORASERV_TEST_RABBITMQ_PORT="$mq_port"

status=0
# One test assembly at a time: the end-to-end fixture alone starts a dozen processes on this 2-core machine. A test
# that hangs (no test of this suite takes 10 minutes) fails its assembly and names itself instead of holding CI.
dotnet test OraServ.sln --no-build -nologo -m:1 --blame-hang-timeout 10m --blame-hang-dump-type none 2>&1 | tee "$root/test.log" || status=$?
servers_up || status=1

# The browser tests: the money path in Debian's Chromium against the whole local run (tests/browser/run.sh starts
# deploy/local/run.sh on its fixed ports and stops it at the end).
bash tests/browser/run.sh --reporter=list 2>&1 | tee "$root/browser.log" || status=$?

# Totals over both runners (a runner that printed no such line counts 0).
count() { awk -v re="$1" 'match($0, re) { m = substr($0, RSTART, RLENGTH); gsub(/[^0-9]/, "", m); s += m } END { print s + 0 }' "$2"; }
passed=$(( $(count 'Passed: +[0-9]+' "$root/test.log") + $(count '^ +[0-9]+ passed' "$root/browser.log") ))
failed=$(( $(count 'Failed: +[0-9]+' "$root/test.log") + $(count '^ +[0-9]+ failed' "$root/browser.log") ))
echo "Tests: $passed passed, $failed failed"
exit "$status"
