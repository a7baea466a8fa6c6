#!/usr/bin/env bash
# System packages the tests use, from Debian's archive (idempotent; skipped when present):
#   python3-grpcio     - a non-Node gRPC client for the health/reflection tests and the Python examples
#   chromium           - renders the HTML evaluation report in a screenshot test
#   kubernetes-client  - `kubectl kustomize` renders deploy/k8s in test/integration/deploy.test.ts
#   python3-numpy, protobuf-compiler-grpc (protoc + grpc_python_plugin)
#                      - the Python client examples (examples/python, test/integration/python-client.test.ts)
#   python3-torch      - the CPU training example (examples/train-pytorch, test/integration/train-example.test.ts)
#   openssl            - certificates for the TLS/mTLS tests
set -euo pipefail
need=()
/usr/bin/python3 -c 'import grpc' 2>/dev/null || need+=(python3-grpcio python3-protobuf)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
kubectl kustomize --help >/dev/null 2>&1 || need+=(kubernetes-client)
/usr/bin/python3 -c 'import numpy' 2>/dev/null || need+=(python3-numpy)
command -v grpc_python_plugin >/dev/null 2>&1 || need+=(protobuf-compiler-grpc)
/usr/bin/python3 -c 'import torch' 2>/dev/null || need+=(python3-torch)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
