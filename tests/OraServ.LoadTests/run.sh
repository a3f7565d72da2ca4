#!/usr/bin/env bash
# The load driver against the local run. Starts deploy/local/run.sh when nothing answers on http://127.0.0.1:8080 (and
# stops it and everything it started at the end), builds the driver in Release and passes the arguments on:
#
#   flock /tmp/oraserv-localrun.lock bash tests/OraServ.LoadTests/run.sh all
#   flock /tmp/oraserv-localrun.lock bash tests/OraServ.LoadTests/run.sh webhook-ingest --rate 1000 --duration 30
#
# The local run uses fixed ports: take the machine-wide lock as above. The report is printed and kept in
# /tmp/oraserv-load-<scenario>.md; the local run's log is /tmp/oraserv-load-run.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"
base="http://127.0.0.1:8080"

answers() { curl -fsS -m 5 -o /dev/null "$1"; }

started=""
cleanup() {
  if [ -n "$started" ]; then
    # The local run was started in a process group of its own (setsid): stop the whole group, then wait for it.
    kill -TERM -- "-$started" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$started" 2>/dev/null || break; sleep 1; done
  fi
}
trap cleanup EXIT

dotnet build tests/OraServ.LoadTests -c Release -nologo -v q

if ! answers "$base/health"; then
  echo "Starting the local run (deploy/local/run.sh); its log is /tmp/oraserv-load-run.log ..."
  # Release builds, as in production, and 1 % of the traces in the dashboard (ORASERV_TRACE_SAMPLE_RATIO=1 for all).
  ORASERV_CONFIGURATION="${ORASERV_CONFIGURATION:-Release}" setsid bash deploy/local/run.sh \
    "--OraServ:TraceSampleRatio=${ORASERV_TRACE_SAMPLE_RATIO:-0.01}" >/tmp/oraserv-load-run.log 2>&1 &
  started="$!"
  for _ in $(seq 1 180); do
    answers "$base/health" && break
    kill -0 "$started" 2>/dev/null || { echo "The local run stopped; see /tmp/oraserv-load-run.log." >&2; exit 1; }
    sleep 5
  done
  answers "$base/health" || { echo "The local run did not become healthy in 15 minutes." >&2; exit 1; }
  for service in jobs invoicing payments notifications automation; do answers "$base/health/$service"; done
  echo "Local run healthy; 20 s for its start-up work to finish before measuring."
  sleep 20
fi

report="/tmp/oraserv-load-${1:-usage}.md"
dotnet "$root/artifacts/bin/OraServ.LoadTests/release/OraServ.LoadTests.dll" "$@" | tee "$report"
echo "Report: $report"
