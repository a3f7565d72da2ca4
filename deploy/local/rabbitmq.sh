#!/usr/bin/env bash
# Runs a RabbitMQ node from Debian's rabbitmq-server package, for the app host and the tests when no container
# runtime answers. Usage: rabbitmq.sh DATA_DIR AMQP_PORT (AMQP_PORT+1 is its Erlang distribution port). Loopback only; the data survives restarts.
set -euo pipefail
data="$1"
port="$2"
mkdir -p "$data/home" "$data/mnesia" "$data/log"
data="$(cd "$data" && pwd)"
# rabbitmq writes .erlang.cookie into HOME; a missing or read-only HOME makes the node die silently.
export HOME="$data/home"
export RABBITMQ_NODENAME="oraserv$port@localhost"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$port"
export RABBITMQ_DIST_PORT="$((port + 1))"
export RABBITMQ_MNESIA_BASE="$data/mnesia"
export RABBITMQ_LOG_BASE="$data/log"
export RABBITMQ_ENABLED_PLUGINS_FILE="$data/enabled_plugins"
export RABBITMQ_CONFIG_FILE="$data/rabbitmq.conf"
# Makes the wrapper exec the Erlang VM, so a SIGTERM from the app host or a test reaches the node itself.
export RUNNING_UNDER_SYSTEMD=true
export ERL_EPMD_ADDRESS=127.0.0.1
export ERL_CRASH_DUMP="$data/log/erl_crash.dump"
[ -f "$RABBITMQ_ENABLED_PLUGINS_FILE" ] || echo '[].' > "$RABBITMQ_ENABLED_PLUGINS_FILE"
[ -f "$data/rabbitmq.conf" ] || printf 'loopback_users = none\nlog.console = true\nlog.console.level = warning\nlog.file = false\n' > "$data/rabbitmq.conf"
# ORASERV_STOP_WITH_PID (the tests set it): the server stops when that process is gone, even if it was killed
# before it could stop the server itself. The server is exec'd below, so it keeps this script's PID.
if [ -n "${ORASERV_STOP_WITH_PID:-}" ]; then
  bash "$(dirname "$0")/stop-with.sh" "$ORASERV_STOP_WITH_PID" $$ TERM </dev/null >/dev/null 2>&1 &
fi
server=/usr/lib/rabbitmq/bin/rabbitmq-server
[ -x "$server" ] || server="$(command -v rabbitmq-server)"
exec "$server"
