#!/usr/bin/env bash
# Builds the six images with Docker (BuildKit) from the repository root: oraserv/<name>:<tag>, tag $1 (default dev).
# Not run here: this machine has no container runtime.
set -euo pipefail
cd "$(dirname "$0")/../.."
tag="${1:-dev}"
build() {
  docker build -f deploy/docker/Dockerfile --target "$1" --build-arg PROJECT="$3" -t "oraserv/$2:$tag" .
}
build gateway gateway gateway/OraServ.Gateway/OraServ.Gateway.csproj
for service in Jobs Invoicing Payments Notifications Automation; do
  build service "${service,,}" "services/$service/OraServ.$service.csproj"
done
