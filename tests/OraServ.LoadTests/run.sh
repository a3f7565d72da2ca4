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
. tests/OraServ.LoadTests/localrun.sh

dotnet build tests/OraServ.LoadTests -c Release -nologo -v q
localrun_start

report="/tmp/oraserv-load-${1:-usage}.md"
dotnet "$root/artifacts/bin/OraServ.LoadTests/release/OraServ.LoadTests.dll" "$@" | tee "$report"
echo "Report: $report"
