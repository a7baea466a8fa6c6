"""gRPC in processes that fork (DataLoader workers under Linux's default start method).

A gRPC channel works in a forked child only with gRPC's fork support, which gRPC reads when it
starts (its first channel), not when it is imported: `enable()` runs when `hyperface` is imported
and turns it on unless the user set GRPC_ENABLE_FORK_SUPPORT. `check_fork()`, run before each new
client, turns the one case that cannot work (forked from a parent that used gRPC without fork
support) into a clear error instead of `UNAVAILABLE: Socket operation on non-socket`.
"""

from __future__ import annotations

import os
from typing import Optional


def enable() -> None:
    os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "true")


# The process that opened this package's first channel, and whether gRPC fork support was on then
# (hyperface/__init__.py turns it on before gRPC starts): a forked child can open channels only then.
_GRPC_STARTED_IN: Optional[int] = None
_FORK_SUPPORT_AT_START = False


def _fork_support_env() -> bool:
    return os.environ.get("GRPC_ENABLE_FORK_SUPPORT", "").strip().lower() in ("1", "true", "yes")


def check_fork() -> None:
    global _GRPC_STARTED_IN, _FORK_SUPPORT_AT_START
    if _GRPC_STARTED_IN is None:
        _GRPC_STARTED_IN, _FORK_SUPPORT_AT_START = os.getpid(), _fork_support_env()
    elif _GRPC_STARTED_IN != os.getpid() and not _FORK_SUPPORT_AT_START:
        raise RuntimeError(
            "gRPC was started in the parent process before this process was forked, without gRPC fork support "
            "(GRPC_ENABLE_FORK_SUPPORT was set to false): channels cannot work here. Leave GRPC_ENABLE_FORK_SUPPORT "
            "unset (hyperface turns it on when imported first), or use DataLoader(multiprocessing_context='spawn').")
