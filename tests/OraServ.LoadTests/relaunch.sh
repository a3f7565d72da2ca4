#!/usr/bin/env bash
# Starts a process of the local run again after a fault run stopped or killed it, with the command line, environment
# and working directory the app host had given it (inherited from the caller). The app host no longer knows the new
# process, so this stops it with SIGNAL once the app host (APPHOST_PID) has ended, as the app host would have.
#
#   relaunch.sh APPHOST_PID SIGNAL LOG COMMAND [ARGS...]
set -uo pipefail
apphost="$1"
signal="$2"
log="$3"
shift 3
# Nothing of the caller's stays open here (a pipe to `tee` would never see its end while this runs).
exec >>"$log" 2>&1 </dev/null
"$@" &
child=$!
trap 'kill -"$signal" "$child" 2>/dev/null' TERM INT
while kill -0 "$apphost" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 2; done
kill -"$signal" "$child" 2>/dev/null
wait "$child"
