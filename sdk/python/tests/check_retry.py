#!/usr/bin/env python3
"""CI check of the client's RESOURCE_EXHAUSTED retries (hyperface.retry), against a gRPC server in
this process that refuses as the daemon does: RESOURCE_EXHAUSTED with a retry delay in the
`grpc-retry-pushback-ms` (or the older `retry-after-ms`) trailer. Prints one JSON line."""

from __future__ import annotations

import json
import sys
import threading
import time
from concurrent import futures

import grpc

from hyperface import HyperfaceClient, RetryPolicy
from hyperface.client import common, generation, health_pb2


class Refuser:
    """Answers Generate and Health/Check from a script: each call pops (code, pushback key, ms, samples)."""

    def __init__(self):
        self.script: list = []
        self.calls = 0
        self.lock = threading.Lock()

    def _next(self):
        with self.lock:
            self.calls += 1
            return self.script.pop(0) if self.script else ("ok", None, None, 1)

    def _refuse(self, context, key, ms):
        if key:
            context.set_trailing_metadata(((key, str(ms)),))
        context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "16 jobs are running; retry later")

    def generate(self, request, context):
        what, key, ms, samples = self._next()
        for i in range(samples if what == "ok" or what == "late" else 0):
            raw = common.RawImage(height=1, width=1, channels=3, data=b"\x01\x02\x03")
            yield generation.GenerateEvent(sample=generation.FaceSample(identity=0, sample=i, image=common.Image(raw=raw)))
        if what != "ok":
            self._refuse(context, key, ms)

    def check(self, request, context):
        what, key, ms, _ = self._next()
        if what != "ok":
            self._refuse(context, key, ms)
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)


def serve(refuser: Refuser):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((
        grpc.method_handlers_generic_handler("hyperface.v1.GenerationService", {
            "Generate": grpc.unary_stream_rpc_method_handler(
                refuser.generate, request_deserializer=generation.GenerateRequest.FromString,
                response_serializer=generation.GenerateEvent.SerializeToString)}),
        grpc.method_handlers_generic_handler("grpc.health.v1.Health", {
            "Check": grpc.unary_unary_rpc_method_handler(
                refuser.check, request_deserializer=health_pb2.HealthCheckRequest.FromString,
                response_serializer=health_pb2.HealthCheckResponse.SerializeToString)}),
    ))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, f"127.0.0.1:{port}"


def main() -> int:
    refuser = Refuser()
    server, address = serve(refuser)
    hf = HyperfaceClient(address)
    out = {"ok": True}

    def run(name, script, fn, expect_error=None, policy=None):
        refuser.script, refuser.calls = list(script), 0
        if policy:
            hf.retry = policy
        t0 = time.monotonic()
        try:
            result = fn()
            error = None
        except grpc.RpcError as e:
            result, error = None, e.code()
        took = time.monotonic() - t0
        hf.retry = RetryPolicy()
        expected = expect_error if isinstance(expect_error, tuple) else (expect_error,)
        assert error in expected, f"{name}: {error}, expected {expect_error}"
        out[name] = {"calls": refuser.calls, "seconds": round(took, 3)}
        return result, refuser.calls, took

    gen = lambda **kw: list(hf.generate(embeddings_path="x.npy", images_per_identity=1, **kw))  # noqa: E731

    # Refused twice with a 200 ms pushback: succeeds on the third call, after ~400 ms.
    faces, calls, took = run("pushback", [("no", "grpc-retry-pushback-ms", 200, 0)] * 2, lambda: gen(timeout=10))
    assert len(faces) == 1 and calls == 3 and took >= 0.39, (len(faces), calls, took)
    # The older key, on a unary call.
    status, calls, took = run("retry_after_unary", [("no", "retry-after-ms", 150, 0)], lambda: hf.health(timeout=10))
    assert status == "SERVING" and calls == 2 and took >= 0.14, (status, calls, took)
    # The delay would pass the call's deadline: the refusal stands, at once.
    _, calls, took = run("past_deadline", [("no", "grpc-retry-pushback-ms", 2000, 0)], lambda: gen(timeout=0.5),
                         grpc.StatusCode.RESOURCE_EXHAUSTED)
    assert calls == 1 and took < 0.4, (calls, took)
    # Within the deadline: retried while time is left, then the refusal stands before the deadline.
    # (The last try has < 0.4 s left: a slow answer on a loaded box ends as DEADLINE_EXCEEDED.)
    _, calls, took = run("deadline_spent", [("no", "grpc-retry-pushback-ms", 400, 0)] * 10, lambda: gen(timeout=1.0),
                         (grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.DEADLINE_EXCEEDED))
    assert 2 <= calls <= 3 and took < 1.3, (calls, took)
    # No delay (e.g. a message too large): not retried. A negative pushback: "do not retry".
    _, calls, _ = run("no_delay", [("no", None, None, 0)], lambda: gen(timeout=10), grpc.StatusCode.RESOURCE_EXHAUSTED)
    assert calls == 1
    _, calls, _ = run("negative", [("no", "grpc-retry-pushback-ms", -1, 0)], lambda: gen(timeout=10), grpc.StatusCode.RESOURCE_EXHAUSTED)
    assert calls == 1
    # A stream that already delivered faces is not replayed (they would come twice).
    _, calls, _ = run("after_data", [("late", "grpc-retry-pushback-ms", 10, 2)], lambda: gen(timeout=10), grpc.StatusCode.RESOURCE_EXHAUSTED)
    assert calls == 1
    # No deadline: the policy's max_wait bounds the waiting.
    _, calls, took = run("max_wait", [("no", "grpc-retry-pushback-ms", 200, 0)] * 10, lambda: gen(),
                         grpc.StatusCode.RESOURCE_EXHAUSTED, RetryPolicy(max_wait=0.5))
    assert calls == 3 and took < 1.0, (calls, took)

    hf.close()
    server.stop(0)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
