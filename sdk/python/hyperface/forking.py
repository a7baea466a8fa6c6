"""gRPC in processes that fork (DataLoader workers under Linux's default start method).

A gRPC channel works in a forked child only with gRPC's fork support, which gRPC reads when it
starts (its first channel), not when it is imported: `enable()` runs when `hyperface` is imported
and turns it on unless the user set GRPC_ENABLE_FORK_SUPPORT. `check_fork()`, run before each new
client, turns the one case that cannot work (forked from a parent that used gRPC without fork
support) into a clear error instead of `UNAVAILABLE: Socket operation on non-socket`.

Why `enable()` also moves gRPC's Python fork handlers (grpcio < 1.56, e.g. Debian 12's 1.51): those
versions register them with pthread_atfork, so the child handler runs Python code inside libc's
fork(), before CPython has reset its GIL for the child. If another parent thread was waiting for
the GIL when the process forked (its drop request is inherited), the child's handler gives the GIL
away and waits for a thread that does not exist in the child: the DataLoader worker hangs forever,
before its first call (grpc/grpc#18075, fixed upstream by grpc/grpc#32935, April 2023; below 1.56
we move them, which is the same as that fix where a release already has it). We mark the
handlers as registered before gRPC's first channel, so gRPC never installs them, and run the same
steps from os.register_at_fork, which calls its child hooks after CPython's own reset. gRPC core's
C handlers (they need no GIL) are untouched.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import Optional

_LOGGER = logging.getLogger(__name__)
_AWAIT_THREADS_SECONDS = 5  # as gRPC's own handler
_FIXED_IN = (1, 56)

# Whether gRPC's Python fork handlers run from os.register_at_fork (ours), and the last prefork's result.
_MOVED = False
_PREFORK_FAILED = False


def _fork_support_env() -> bool:
    return os.environ.get("GRPC_ENABLE_FORK_SUPPORT", "").strip().lower() in ("1", "true", "yes")


def _version(text: str) -> tuple:
    parts = []
    for piece in text.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def enable() -> None:
    """Fork support on (unless the user chose), and gRPC's Python fork handlers made fork-safe."""
    os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "true")
    if not _fork_support_env():
        return
    import grpc
    from grpc._cython import cygrpc

    if _version(grpc.__version__) >= _FIXED_IN:
        return
    state = getattr(cygrpc, "_fork_state", None)
    if state is None or not getattr(cygrpc, "_GRPC_ENABLE_FORK_SUPPORT", False):
        return  # gRPC was imported first, without fork support: check_fork reports what follows
    with state.fork_handler_registered_lock:
        if state.fork_handler_registered:
            # A channel was opened before `hyperface` was imported: gRPC's pthread_atfork handlers
            # are in place and cannot be removed; StreamLoader uses forkserver workers then.
            return
        state.fork_handler_registered = True  # gRPC's first channel will not install its own
    os.register_at_fork(before=_prefork, after_in_parent=_postfork_parent, after_in_child=_postfork_child)
    global _MOVED
    _MOVED = True


def handlers_fork_safe() -> bool:
    """Whether a fork after this process used gRPC is safe (our handlers, or a fixed grpcio)."""
    if _MOVED:
        return True
    try:
        import grpc
    except ImportError:  # pragma: no cover - grpcio is a dependency
        return True
    return _version(grpc.__version__) >= _FIXED_IN


# -- gRPC's Python fork steps (grpc/_cython/_cygrpc/fork_posix.pyx.pxi), from os.register_at_fork --

def _state():
    from grpc._cython import cygrpc

    return cygrpc, cygrpc._fork_state


def _prefork() -> None:
    # gRPC's own threads (call spinners, connectivity pollers) park in block_if_fork_in_progress.
    global _PREFORK_FAILED
    _, state = _state()
    _PREFORK_FAILED = False
    with state.fork_in_progress_condition:
        state.fork_in_progress = True
    if not state.active_thread_count.await_zero_threads(_AWAIT_THREADS_SECONDS):
        _LOGGER.error("Failed to shutdown gRPC Python threads prior to fork. Behavior after fork will be undefined.")
        _PREFORK_FAILED = True


def _postfork_parent() -> None:
    _, state = _state()
    with state.fork_in_progress_condition:
        state.fork_in_progress = False
        state.fork_in_progress_condition.notify_all()


def _postfork_child() -> None:
    if _PREFORK_FAILED:
        return
    cygrpc, state = _state()
    try:
        # A parent thread may have held these locks when the process forked.
        state.fork_in_progress_condition = threading.Condition()
        state.active_thread_count = cygrpc._ActiveThreadCount()
        for to_reset in state.postfork_states_to_reset:
            to_reset.reset_postfork_child()
        state.postfork_states_to_reset = []
        state.fork_epoch += 1
        for channel in list(state.channels):
            channel._close_on_fork()  # the parent's channels: closed here, the parent keeps its own
        with state.fork_in_progress_condition:
            state.fork_in_progress = False
    except BaseException:  # as gRPC's handler: a half-reset gRPC must not run
        _LOGGER.exception("Exiting child: resetting gRPC after fork failed")
        os._exit(os.EX_SOFTWARE)


# -- which process opened channels ---------------------------------------------------------------

# The process that opened this package's first channel, and whether gRPC fork support was on then
# (hyperface/__init__.py turns it on before gRPC starts): a forked child can open channels only then.
_GRPC_STARTED_IN: Optional[int] = None
_FORK_SUPPORT_AT_START = False


def started_here() -> bool:
    """Whether this process (or a parent it was forked from) has opened a gRPC channel of this package."""
    return _GRPC_STARTED_IN is not None


def worker_context(kwargs: dict) -> None:
    """DataLoader workers for a process that already used gRPC, where fork is not safe: forkserver.

    Only when gRPC's pthread_atfork handlers could not be moved (a grpc channel was opened before
    `hyperface` was imported, with grpcio < 1.56: see the module docstring), the user named no start
    method and the default is fork; the dataset is pickled to the worker as under spawn."""
    if kwargs.get("multiprocessing_context") is not None or not started_here() or handlers_fork_safe():
        return
    import multiprocessing

    method = multiprocessing.get_start_method(allow_none=True) or ("fork" if sys.platform == "linux" else "spawn")
    if method == "fork" and "forkserver" in multiprocessing.get_all_start_methods():
        kwargs["multiprocessing_context"] = "forkserver"


# A channel that is never used, held by each process that opened a client (see check_fork).
_CORE_HOLD: Optional[tuple] = None


def _hold_core() -> None:
    """Keeps gRPC core initialised in this process for good.

    Closing a process's last channel shuts gRPC core down in a background thread (grpcio 1.51);
    a DataLoader forking while that runs got a worker whose calls made no progress until their
    deadline (the second worker, in 7 of 38 epochs where the parent closed its client just before
    iterating; 0 of 25 with one channel kept open). An unused channel opens no connection."""
    global _CORE_HOLD
    if _MOVED and (_CORE_HOLD is None or _CORE_HOLD[0] != os.getpid()):
        import grpc

        _CORE_HOLD = (os.getpid(), grpc.insecure_channel("127.0.0.1:1"))


def check_fork() -> None:
    global _GRPC_STARTED_IN, _FORK_SUPPORT_AT_START
    if _GRPC_STARTED_IN is None:
        _GRPC_STARTED_IN, _FORK_SUPPORT_AT_START = os.getpid(), _fork_support_env()
    elif _GRPC_STARTED_IN != os.getpid() and not _FORK_SUPPORT_AT_START:
        raise RuntimeError(
            "gRPC was started in the parent process before this process was forked, without gRPC fork support "
            "(GRPC_ENABLE_FORK_SUPPORT was set to false): channels cannot work here. Leave GRPC_ENABLE_FORK_SUPPORT "
            "unset (hyperface turns it on when imported first), or use DataLoader(multiprocessing_context='spawn').")
    _hold_core()
