#!/usr/bin/env bash
# System packages the tests use, from Debian's archive (idempotent; skipped when present):
#   python3-grpcio     - a non-Node gRPC client for the health/reflection tests and the Python examples
#   chromium           - renders the HTML evaluation report in a screenshot test
#   kubernetes-client  - `kubectl kustomize` renders deploy/k8s in test/integration/deploy.test.ts
set -euo pipefail
need=()
/usr/bin/python3 -c 'import grpc' 2>/dev/null || need+=(python3-grpcio python3-protobuf)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
kubectl kustomize --help >/dev/null 2>&1 || need+=(kubernetes-client)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
