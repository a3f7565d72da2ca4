#!/usr/bin/env bash
# Waits (up to 60 s) until no TCP socket on this machine uses any of the given local ports (TIME_WAIT aside, which
# the servers' SO_REUSEADDR lets them bind over), so that a server about to listen on them can bind. The local run's fixed ports lie in Linux's ephemeral range (32768-60999), where a client
# connection of anything else may briefly hold one as its own source port: PostgreSQL then fails with "could not
# create any TCP/IP sockets" and the app host does not start it again. Reads /proc/net/tcp{,6}; needs no tool.
# Usage: port-free.sh PORT [PORT ...]
set -uo pipefail
in_use() {
  local hex
  hex=$(printf ':%04X' "$1")
  awk -v h="$hex" 'substr($2, length($2) - 4) == h && $4 != "06" { found = 1 } END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
for _ in $(seq 1 120); do
  busy=0
  for port in "$@"; do
    if in_use "$port"; then busy=1; fi
  done
  [ "$busy" = 0 ] && exit 0
  sleep 0.5
done
echo "port-free.sh: a local port of $* is still in use after 60 s; starting anyway" >&2
exit 0
