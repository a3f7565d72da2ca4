#!/usr/bin/env bash
# The browser tests: OraServ's money path in Debian's Chromium (/usr/bin/chromium; never a downloaded browser).
#
#   bash tests/browser/run.sh                  # against http://127.0.0.1:8080; starts deploy/local/run.sh if nothing answers
#   ORASERV_BASE_URL=http://host:port bash tests/browser/run.sh
#
# Emails: when no smtp4dev answers on 127.0.0.1:8025, this starts the repository's smtp4dev tool (SMTP 2525, where
# Notifications sends locally) for the run, so the test can open the pay link from the email like the customer does.
# Screenshots land in docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"
base="${ORASERV_BASE_URL:-http://127.0.0.1:8080}"

if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM_PATH:-}" ]; then
  echo "Installing Debian's chromium ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm ci --no-audit --no-fund --loglevel=error

answers() { curl -fsS -m 5 -o /dev/null "$1"; }

started=()
cleanup() {
  for pid in "${started[@]}"; do
    # Each was started in a process group of its own (setsid): stop the whole group.
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  for pid in "${started[@]}"; do
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  done
}
trap cleanup EXIT

if ! answers "$base/health"; then
  if [ -n "${ORASERV_BASE_URL:-}" ]; then
    echo "Nothing answers at $base/health." >&2
    exit 1
  fi
  echo "Starting the local run (deploy/local/run.sh); its log is in /tmp/oraserv-browser-run.log ..."
  setsid bash "$root/deploy/local/run.sh" >/tmp/oraserv-browser-run.log 2>&1 &
  started+=("$!")
  for _ in $(seq 1 180); do
    answers "$base/health" && break
    kill -0 "${started[0]}" 2>/dev/null || { echo "The local run stopped; see /tmp/oraserv-browser-run.log." >&2; exit 1; }
    sleep 5
  done
  answers "$base/health" || { echo "The local run did not become healthy in 15 minutes." >&2; exit 1; }
fi
answers "$base/" || { echo "The gateway answers but serves no web app at $base/ (build gateway/web; app.MapSpa())." >&2; exit 1; }

if [ "${ORASERV_SMTP4DEV:-1}" = "1" ] && ! answers "http://127.0.0.1:8025/api/messages" && ! (exec 3<>/dev/tcp/127.0.0.1/2525) 2>/dev/null; then
  echo "Starting smtp4dev (web and API on 127.0.0.1:8025, SMTP on 127.0.0.1:2525) ..."
  (cd "$root" && dotnet tool restore >/dev/null)
  setsid bash -c "cd '$root' && exec dotnet tool run smtp4dev -- --urls=http://127.0.0.1:8025 --smtpport=2525 --bindaddress=127.0.0.1 --allowremoteconnections- --imapport= --pop3port= --db= --nousersettings" \
    >/tmp/oraserv-smtp4dev.log 2>&1 &
  started+=("$!")
  for _ in $(seq 1 60); do answers "http://127.0.0.1:8025/api/messages" && break; sleep 1; done
fi

ORASERV_BASE_URL="$base" npx playwright test "$@"
