"""Retrying RESOURCE_EXHAUSTED the way the daemon asks: after its delay, within the call's deadline.

The daemon refuses work it has no room for with RESOURCE_EXHAUSTED and a retry delay in the
`grpc-retry-pushback-ms` metadata (gRPC's retry-pushback key; older daemons send `retry-after-ms`).
A refusal without a delay is not retried: the same code also means "message too large", which
waiting does not fix. A negative pushback means "do not retry" (gRPC's convention).

Only calls that did nothing are retried: unary calls, and streams that failed before their first
message. The deadline is the call's `timeout`; without one, waiting is bounded by `max_wait`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterator, Optional, TypeVar

import grpc

PUSHBACK_KEYS = ("grpc-retry-pushback-ms", "retry-after-ms")
T = TypeVar("T")


def server_delay(error: BaseException) -> Optional[float]:
    """Seconds a RESOURCE_EXHAUSTED error asks the client to wait, or None (not retryable)."""
    if not isinstance(error, grpc.Call) or not isinstance(error, grpc.RpcError):
        return None
    if error.code() != grpc.StatusCode.RESOURCE_EXHAUSTED:
        return None
    for md in (error.trailing_metadata(), error.initial_metadata()):
        for key, value in md or ():
            if key.lower() not in PUSHBACK_KEYS:
                continue
            try:
                ms = int(value if isinstance(value, str) else value.decode())
            except (ValueError, UnicodeDecodeError):
                return None
            return None if ms < 0 else ms / 1000.0
    return None


@dataclass
class RetryPolicy:
    """`max_wait`: seconds spent waiting at most when the call has no deadline; `max_attempts`: tries in all."""

    max_wait: float = 60.0
    max_attempts: int = 50
    sleep: Callable[[float], None] = time.sleep


class _Attempts:
    """Deadline bookkeeping shared by unary and streaming retries."""

    def __init__(self, policy: RetryPolicy, timeout: Optional[float]):
        self.policy = policy
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.waited = 0.0
        self.attempts = 0
        self.retries = 0

    def timeout(self) -> Optional[float]:
        """What is left of the call's deadline for the next attempt."""
        self.attempts += 1
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    def wait_or_raise(self, error: grpc.RpcError) -> None:
        delay = server_delay(error)
        if delay is None or self.attempts >= self.policy.max_attempts:
            raise error
        if self.deadline is not None:
            # The retry would start after the deadline: the server's answer stands.
            if time.monotonic() + delay >= self.deadline:
                raise error
        elif self.waited + delay > self.policy.max_wait:
            raise error
        self.policy.sleep(delay)
        self.waited += delay
        self.retries += 1


def call_unary(policy: RetryPolicy, timeout: Optional[float], invoke: Callable[[Optional[float]], T]) -> T:
    """`invoke(timeout)` until it does not fail with a retryable RESOURCE_EXHAUSTED."""
    state = _Attempts(policy, timeout)
    while True:
        try:
            return invoke(state.timeout())
        except grpc.RpcError as error:
            state.wait_or_raise(error)


def call_stream(policy: RetryPolicy, timeout: Optional[float], open_call: Callable[[Optional[float]], "grpc.Call"]) -> Iterator:
    """Iterates the messages of `open_call(timeout)`, retrying while none has arrived; cancels the
    call when the consumer stops early."""
    state = _Attempts(policy, timeout)
    while True:
        call = open_call(state.timeout())
        started = False
        try:
            for message in call:
                started = True
                yield message
            return
        except grpc.RpcError as error:
            if started:
                raise
            failure = error
        finally:
            call.cancel()  # no-op when the stream already finished
        state.wait_or_raise(failure)
