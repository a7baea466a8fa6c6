#!/usr/bin/env bash
# System packages the tests use, from Debian's archive. `npm test` runs this first: it installs what
# is missing (as root, or through passwordless sudo) and fails loudly, naming the packages, when it
# cannot. Idempotent: nothing is installed when everything is present.
#   python3-grpcio, python3-protobuf - a non-Node gRPC client for the health/reflection tests and the Python SDK
#   python3-numpy                    - the Python SDK's arrays, the scheduler reference test
#   protobuf-compiler-grpc           - protoc + grpc_python_plugin: the Python SDK's stubs, generated at build time
#   python3-venv, python3-pip, python3-setuptools, python3-wheel
#                                    - the Python SDK installed offline into a fresh virtualenv
#   python3-torch                    - the CPU training example (examples/train-pytorch)
#   chromium                         - renders the HTML evaluation report in a screenshot test
#   kubernetes-client                - `kubectl kustomize` renders deploy/k8s
#   openssl                          - certificates for the TLS/mTLS tests
set -euo pipefail

missing() {
  local need=()
  /usr/bin/python3 -c 'import grpc, google.protobuf' 2>/dev/null || need+=(python3-grpcio python3-protobuf)
  /usr/bin/python3 -c 'import numpy' 2>/dev/null || need+=(python3-numpy)
  command -v grpc_python_plugin >/dev/null 2>&1 && command -v protoc >/dev/null 2>&1 || need+=(protobuf-compiler-grpc)
  /usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
  /usr/bin/python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
  /usr/bin/python3 -c 'import setuptools' 2>/dev/null || need+=(python3-setuptools)
  /usr/bin/python3 -c 'import wheel' 2>/dev/null || need+=(python3-wheel)
  /usr/bin/python3 -c 'import torch' 2>/dev/null || need+=(python3-torch)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  kubectl kustomize --help >/dev/null 2>&1 || need+=(kubernetes-client)
  command -v openssl >/dev/null 2>&1 || need+=(openssl)
  echo "${need[@]}"
}

read -r -a need <<<"$(missing)"
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages for the tests: all present"
  exit 0
fi
echo "system packages for the tests: installing ${need[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ERROR: missing ${need[*]} and this is not a Debian-like system (no apt-get): install them, then rerun" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "ERROR: missing ${need[*]}; installing them needs root: run 'sudo bash scripts/ci-system-deps.sh', then rerun" >&2
  exit 1
fi
"${SUDO[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"
read -r -a still <<<"$(missing)"
if [ ${#still[@]} -gt 0 ]; then
  echo "ERROR: still missing after apt-get: ${still[*]}" >&2
  exit 1
fi
echo "system packages for the tests: installed ${need[*]}"
