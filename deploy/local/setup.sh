#!/usr/bin/env bash
# Installs what OraServ needs on a fresh Debian 12 machine with the .NET 10 SDK (run as root), and nothing that is
# already there: the PostgreSQL 15 server, RabbitMQ, poppler (PDF checks), Chromium (browser tests), the .NET tools.
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
[ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql-15)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || command -v rabbitmq-server >/dev/null || need+=(rabbitmq-server)
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v zbarimg >/dev/null || need+=(zbar-tools)
command -v setpriv >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing ${need[*]} ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # Debian starts the packaged servers; OraServ runs its own on other ports, so stop theirs.
  service rabbitmq-server stop >/dev/null 2>&1 || true
  service postgresql stop >/dev/null 2>&1 || true
fi

dotnet tool restore >/dev/null
