# Sourced by run.sh and faults.sh (from the checkout's root): starts deploy/local/run.sh when nothing answers on
# http://127.0.0.1:8080 and stops it, and everything it started, when the calling script exits.
# The local run uses fixed ports: callers run under `flock /tmp/oraserv-localrun.lock`.
base="http://127.0.0.1:8080"
localrun_log="/tmp/oraserv-load-run.log"
localrun_started=""

answers() { curl -fsS -m 5 -o /dev/null "$1"; }

localrun_stop() {
  if [ -n "$localrun_started" ]; then
    # The local run was started in a process group of its own (setsid): stop the whole group, then wait for it.
    kill -TERM -- "-$localrun_started" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$localrun_started" 2>/dev/null || break; sleep 1; done
  fi
  # Servers and services a fault run started again (relaunch.sh) stop within seconds of the app host.
  for _ in $(seq 1 30); do pgrep -f "$root/tests/OraServ.LoadTests/relaunch.sh" >/dev/null || break; sleep 1; done
}

# Arguments go to deploy/local/run.sh (the app host), e.g. --OraServ:Replicas:invoicing=2.
localrun_start() {
  trap localrun_stop EXIT
  if answers "$base/health"; then
    return 0
  fi
  echo "Starting the local run (deploy/local/run.sh); its log is $localrun_log ..."
  # Release builds, as in production, 1 % of the traces in the dashboard (ORASERV_TRACE_SAMPLE_RATIO=1 for all) and
  # metrics exported every 10 s instead of every second (ORASERV_METRIC_EXPORT_INTERVAL, milliseconds).
  ORASERV_CONFIGURATION="${ORASERV_CONFIGURATION:-Release}" setsid bash deploy/local/run.sh \
    "--OraServ:TraceSampleRatio=${ORASERV_TRACE_SAMPLE_RATIO:-0.01}" \
    "--OraServ:MetricExportInterval=${ORASERV_METRIC_EXPORT_INTERVAL:-10000}" "$@" >"$localrun_log" 2>&1 &
  localrun_started="$!"
  for _ in $(seq 1 180); do
    answers "$base/health" && break
    kill -0 "$localrun_started" 2>/dev/null || { echo "The local run stopped; see $localrun_log." >&2; exit 1; }
    sleep 5
  done
  answers "$base/health" || { echo "The local run did not become healthy in 15 minutes." >&2; exit 1; }
  for service in jobs invoicing payments notifications automation; do answers "$base/health/$service"; done
  echo "Local run healthy; 20 s for its start-up work to finish before measuring."
  sleep 20
}
