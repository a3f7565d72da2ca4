#!/usr/bin/env bash
# Runs all of OraServ locally: PostgreSQL, RabbitMQ, the five services, the gateway and the Aspire dashboard.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash deploy/local/setup.sh
(cd gateway/web && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
# ORASERV_CONFIGURATION=Release builds and runs every process in Release (the load driver's runs do); Debug otherwise.
configuration="${ORASERV_CONFIGURATION:-Debug}"
dotnet build OraServ.AppHost/OraServ.AppHost.csproj -c "$configuration" -nologo -v q
echo "Gateway (SPA, API, webhooks): http://127.0.0.1:8080   Aspire dashboard: see the login URL below"
# Arguments go to the app host, e.g. --OraServ:ScaleOut=3 (see README.md, "Scaled out").
exec dotnet run --project OraServ.AppHost/OraServ.AppHost.csproj -c "$configuration" --no-build --launch-profile http -- "$@"
