#!/usr/bin/env bash
# Stops a server with SIGNAL once its owner is gone, and ends as soon as the server is gone itself.
#
#   stop-with.sh OWNER_PID SERVER_PID SIGNAL
#
# A PID alone does not name a process for long: PIDs come round (pid_max is 32,768 on a stock Debian), and a test run
# starts thousands of processes. So each PID is taken together with its start time (field 22 of /proc/PID/stat), and a
# process that got the same PID later is neither mistaken for the owner nor sent the signal.
set -u
owner="$1"
server="$2"
signal="$3"

started() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  # The command name (field 2) is in parentheses and may hold spaces: read the fields after it (field 3 on).
  # shellcheck disable=SC2086
  set -- ${stat##*) }
  # A zombie (state Z) has ended; only its parent has not collected it yet.
  [ "$1" = Z ] || echo "${20}"
}

owner_started="$(started "$owner")"
server_started="$(started "$server")"
[ -n "$server_started" ] || exit 0
while [ "$(started "$server")" = "$server_started" ]; do
  if [ "$(started "$owner")" != "$owner_started" ] || [ -z "$owner_started" ]; then
    kill -"$signal" "$server" 2>/dev/null
    exit 0
  fi
  sleep 2
done
