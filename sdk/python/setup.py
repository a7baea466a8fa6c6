"""Build step of the `hyperface` package: generates the gRPC stubs from the .proto files.

hyperface.v1 comes from the repository's proto/ (or HYPERFACE_PROTO_DIR), and grpc.health.v1 from
the health.proto that grpc-health-check ships (the daemon's own dependency; HYPERFACE_HEALTH_PROTO
overrides), compiled as hyperface/health/v1 so it never collides with a `grpc` package module.
Uses grpc_tools.protoc when its protoc is >= 3.15 (proto3 `optional`), otherwise protoc with
grpc_python_plugin (Debian: protobuf-compiler-grpc). Debian 12's python3-grpc-tools bundles protoc
3.5, too old for these protos.
"""

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))


def _find(env: str, candidates: list, what: str) -> str:
    for path in [os.environ.get(env), *candidates]:
        if path and os.path.exists(path):
            return os.path.abspath(path)
    raise SystemExit(f"hyperface build: {what} not found (set {env})")


def _recent_enough(version_line: str) -> bool:
    # "libprotoc 3.21.12" or "libprotoc 25.1" (>= 4.22 numbering)
    m = re.match(r"libprotoc (\d+)\.(\d+)", version_line.strip())
    return bool(m) and (int(m.group(1)) > 3 or (int(m.group(1)) == 3 and int(m.group(2)) >= 15))


def _protoc() -> list:
    try:
        out = subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "--version"], capture_output=True, text=True, check=True).stdout
        if _recent_enough(out):
            return [sys.executable, "-m", "grpc_tools.protoc"]
    except (OSError, subprocess.CalledProcessError):
        pass
    protoc, plugin = shutil.which("protoc"), shutil.which("grpc_python_plugin")
    if protoc and plugin:
        out = subprocess.run([protoc, "--version"], capture_output=True, text=True, check=True).stdout
        if _recent_enough(out):
            return [protoc, f"--plugin=protoc-gen-grpc_python={plugin}"]
    raise SystemExit("hyperface build: need grpc_tools.protoc >= 3.15 (pip install grpcio-tools) or protoc >= 3.15 "
                     "with grpc_python_plugin (apt-get install protobuf-compiler-grpc)")


class BuildWithStubs(build_py):
    def run(self):
        super().run()
        proto_dir = _find("HYPERFACE_PROTO_DIR", [os.path.join(HERE, "proto"), os.path.join(REPO, "proto")], "proto/hyperface/v1")
        health = _find("HYPERFACE_HEALTH_PROTO", [os.path.join(REPO, "node_modules", "grpc-health-check", "proto", "health", "v1", "health.proto")],
                       "grpc-health-check's health.proto")
        protos = sorted(glob.glob(os.path.join(proto_dir, "hyperface", "v1", "*.proto")))
        if not protos:
            raise SystemExit(f"hyperface build: no .proto files in {proto_dir}/hyperface/v1")
        with tempfile.TemporaryDirectory() as tmp:
            os.makedirs(os.path.join(tmp, "hyperface", "health", "v1"))
            shutil.copy(health, os.path.join(tmp, "hyperface", "health", "v1", "health.proto"))
            files = [os.path.relpath(p, proto_dir) for p in protos] + ["hyperface/health/v1/health.proto"]
            subprocess.run([*_protoc(), f"-I{proto_dir}", f"-I{tmp}", f"--python_out={self.build_lib}",
                            f"--grpc_python_out={self.build_lib}", *files], check=True)
        for pkg in ("hyperface/v1", "hyperface/health", "hyperface/health/v1"):
            open(os.path.join(self.build_lib, pkg, "__init__.py"), "a").close()


setup(cmdclass={"build_py": BuildWithStubs})
