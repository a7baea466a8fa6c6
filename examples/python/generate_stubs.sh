#!/usr/bin/env bash
# Generates the Python gRPC stubs for hyperface.v1 from proto/ into examples/python/gen/:
#   gen/hyperface/v1/<name>_pb2.py and <name>_pb2_grpc.py
# Usage: examples/python/generate_stubs.sh [OUT_DIR]
#
# Uses grpc_tools.protoc (pip's grpcio-tools, or Debian's python3-grpc-tools) when its bundled
# protoc is recent enough for proto3 `optional` fields (>= 3.15), otherwise Debian's
# `protoc` (protobuf-compiler) with `grpc_python_plugin` (protobuf-compiler-grpc): Debian 12's
# python3-grpc-tools bundles protoc 3.5.1, which is too old for our protos, and its output would
# not load in the protobuf 4.x runtime anyway.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
proto_dir="$root/proto"
out="${1:-$here/gen}"
python="${PYTHON:-/usr/bin/python3}"
[ -x "$python" ] || python="python3"
mkdir -p "$out"
protos=("$proto_dir"/hyperface/v1/*.proto)

# protoc --version prints "libprotoc X.Y.Z" (3.x) or "libprotoc Y.Z" (>= 4.22 numbering).
recent_enough() {
  local v major minor
  v="$(echo "$1" | sed -n 's/^libprotoc \([0-9][0-9.]*\).*/\1/p')"
  major="${v%%.*}"
  minor="$(echo "$v" | cut -d. -f2)"
  [ -n "$major" ] || return 1
  [ "$major" -gt 3 ] || { [ "$major" -eq 3 ] && [ "${minor:-0}" -ge 15 ]; }
}

if tools_version="$("$python" -m grpc_tools.protoc --version 2>/dev/null)" && recent_enough "$tools_version"; then
  "$python" -m grpc_tools.protoc -I "$proto_dir" --python_out="$out" --grpc_python_out="$out" "${protos[@]}"
  via="grpc_tools.protoc ($tools_version)"
elif command -v protoc >/dev/null 2>&1 && command -v grpc_python_plugin >/dev/null 2>&1 && recent_enough "$(protoc --version)"; then
  protoc -I "$proto_dir" --python_out="$out" --grpc_python_out="$out" \
    --plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)" "${protos[@]}"
  via="protoc ($(protoc --version)) + grpc_python_plugin"
else
  echo "generate_stubs.sh: need grpc_tools.protoc >= 3.15 (pip install grpcio-tools) or protoc >= 3.15 with grpc_python_plugin (apt-get install protobuf-compiler-grpc)" >&2
  exit 1
fi
# Make the generated folders regular packages (the stubs import `hyperface.v1.common_pb2`).
touch "$out/hyperface/__init__.py" "$out/hyperface/v1/__init__.py"
echo "generated $(ls "$out"/hyperface/v1/*_pb2*.py | wc -l) modules in $out via $via" >&2
