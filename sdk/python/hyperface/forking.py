"""gRPC in processes that fork (DataLoader workers under Linux's default start method).

A gRPC channel works in a forked child only with gRPC's fork support, which gRPC reads when it
starts (its first channel), not when it is imported: `enable()` runs when `hyperface` is imported
and turns it on unless the user set GRPC_ENABLE_FORK_SUPPORT. `check_fork()`, run before each new
client, turns the one case that cannot work (forked from a parent that used gRPC without fork
support) into a clear error instead of `UNAVAILABLE: Socket operation on non-socket`.
"""

from __future__ import annotations

import os
import sys
from typing import Optional


def enable() -> None:
    os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "true")


# The process that opened this package's first channel, and whether gRPC fork support was on then
# (hyperface/__init__.py turns it on before gRPC starts): a forked child can open channels only then.
_GRPC_STARTED_IN: Optional[int] = None
_FORK_SUPPORT_AT_START = False


def _fork_support_env() -> bool:
    return os.environ.get("GRPC_ENABLE_FORK_SUPPORT", "").strip().lower() in ("1", "true", "yes")


def started_here() -> bool:
    """Whether this process (or a parent it was forked from) has opened a gRPC channel of this package."""
    return _GRPC_STARTED_IN is not None


def worker_context(kwargs: dict) -> None:
    """DataLoader workers for a process that already used gRPC: forkserver instead of fork.

    A worker forked from a parent that had used gRPC sometimes hung in its first call until the
    call's deadline (grpcio 1.51, fork support on; epoll1 and, more rarely, poll pollers): a
    forkserver worker starts from a fresh process that never ran gRPC. Only when the user named no
    start method and the default is fork; the dataset is pickled to the worker as under spawn."""
    if kwargs.get("multiprocessing_context") is not None or not started_here():
        return
    import multiprocessing

    method = multiprocessing.get_start_method(allow_none=True) or ("fork" if sys.platform == "linux" else "spawn")
    if method == "fork" and "forkserver" in multiprocessing.get_all_start_methods():
        kwargs["multiprocessing_context"] = "forkserver"


def check_fork() -> None:
    global _GRPC_STARTED_IN, _FORK_SUPPORT_AT_START
    if _GRPC_STARTED_IN is None:
        _GRPC_STARTED_IN, _FORK_SUPPORT_AT_START = os.getpid(), _fork_support_env()
    elif _GRPC_STARTED_IN != os.getpid() and not _FORK_SUPPORT_AT_START:
        raise RuntimeError(
            "gRPC was started in the parent process before this process was forked, without gRPC fork support "
            "(GRPC_ENABLE_FORK_SUPPORT was set to false): channels cannot work here. Leave GRPC_ENABLE_FORK_SUPPORT "
            "unset (hyperface turns it on when imported first), or use DataLoader(multiprocessing_context='spawn').")
