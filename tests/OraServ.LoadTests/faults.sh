#!/usr/bin/env bash
# Issue #9's fault runs, one after the other against one local run (started here if none answers, stopped at the end):
# RabbitMQ stopped for 30 s, PostgreSQL restarted, Invoicing SIGKILLed while consuming, every Stripe event redelivered
# 3 times in random order, each in the middle of COUNT money paths (default 200) at 5 a second. After each, the driver
# checks that every payment taken is recorded once, every paid invoice reads paid, no outbox row or Stripe event is left,
# and nothing new is in an _error queue; it exits non-zero if a check fails.
#
#   flock /tmp/oraserv-localrun.lock bash tests/OraServ.LoadTests/faults.sh [COUNT] [FAULT ...]
#
# The local run is started with two Invoicing instances: the app host does not start a killed service again, and its
# proxy does not route to one started again outside it, so the killed instance's messages go to the other one while
# the fault run starts the killed one again as a consumer. Reports: /tmp/oraserv-fault-<fault>.md. Servers and services
# a fault run started again are stopped with the local run.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"
. tests/OraServ.LoadTests/localrun.sh

count="${1:-200}"
shift || true
faults=("$@")
[ ${#faults[@]} -gt 0 ] || faults=(rabbitmq-stop postgres-restart invoicing-kill redeliver)

dotnet build tests/OraServ.LoadTests -c Release -nologo -v q
localrun_start --OraServ:Replicas:invoicing=2

failed=()
for fault in "${faults[@]}"; do
  report="/tmp/oraserv-fault-$fault.md"
  echo "=== $fault ($count money paths) ==="
  if ! dotnet "$root/artifacts/bin/OraServ.LoadTests/release/OraServ.LoadTests.dll" faults --fault "$fault" --count "$count" --rate 5 | tee "$report"; then
    failed+=("$fault")
  fi
  # The next run starts on a quiet system.
  sleep 10
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "Fault runs with failed checks: ${failed[*]} (reports in /tmp/oraserv-fault-*.md)" >&2
  exit 1
fi
echo "All fault runs passed: ${faults[*]} (reports in /tmp/oraserv-fault-*.md)"
