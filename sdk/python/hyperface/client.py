"""The HyperFace Serve client (hyperface.v1 over gRPC): pack, generate, embed, evaluate, models, health.

Needs grpcio + protobuf (Debian: python3-grpcio python3-protobuf) and numpy (python3-numpy). The
stubs are generated from proto/ when the package is built (see setup.py).

    from hyperface import HyperfaceClient, face_image
    hf = HyperfaceClient("127.0.0.1:50051")
    packed = hf.pack(identities=100, gallery_builtin_size=200)       # PackResult + job id
    for face in hf.generate(pack_job_id=packed.job_id, images_per_identity=8, raw=True):
        img = face_image(face)                                      # uint8 [H, W, 3]
    emb = hf.embed([png_bytes], aligned=True)                       # float32 [1, D]
    result = hf.evaluate_verification(bin_path="/abs/path/bench.bin", recognizer="faceres")
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Optional, Sequence

import grpc
import numpy as np

from .forking import check_fork
from .retry import RetryPolicy, call_stream, call_unary

from hyperface.v1 import common_pb2 as common
from hyperface.v1 import evaluation_pb2 as evaluation
from hyperface.v1 import evaluation_pb2_grpc
from hyperface.v1 import generation_pb2 as generation
from hyperface.v1 import generation_pb2_grpc
from hyperface.v1 import jobs_pb2 as jobs
from hyperface.v1 import jobs_pb2_grpc
from hyperface.v1 import models_pb2 as models
from hyperface.v1 import models_pb2_grpc
from hyperface.v1 import packing_pb2 as packing
from hyperface.v1 import packing_pb2_grpc
from hyperface.v1 import recognition_pb2 as recognition
from hyperface.v1 import recognition_pb2_grpc

try:  # grpcio-health-checking's module when installed (one definition of grpc.health.v1 per process)
    from grpc_health.v1 import health_pb2, health_pb2_grpc
except ImportError:  # the stubs built with this package from grpc-health-check's health.proto
    from hyperface.health.v1 import health_pb2, health_pb2_grpc

__all__ = [
    "HyperfaceClient",
    "RetryPolicy",
    "PackOutcome",
    "tensor_to_numpy",
    "numpy_to_tensor",
    "face_image",
    "common",
    "evaluation",
    "generation",
    "jobs",
    "models",
    "packing",
    "recognition",
]

# Raw 112x112 RGB faces are ~37 KiB; a few MiB of headroom covers 512x512 raw and TensorChunks.
MAX_MESSAGE_BYTES = 16 * 1024 * 1024


def tensor_to_numpy(t: "common.Tensor") -> np.ndarray:
    """hyperface.v1.Tensor (little-endian float32, row-major) -> numpy float32 array."""
    return np.frombuffer(t.data, dtype="<f4").reshape(tuple(t.shape)).astype(np.float32, copy=False)


def numpy_to_tensor(a: np.ndarray) -> "common.Tensor":
    a = np.ascontiguousarray(a, dtype="<f4")
    return common.Tensor(shape=list(a.shape), data=a.tobytes())


def face_image(sample: "generation.FaceSample") -> np.ndarray | bytes:
    """The sample's image: uint8 [H, W, C] for raw images, the encoded PNG/JPEG bytes otherwise."""
    img = sample.image
    if img.WhichOneof("content") == "raw":
        r = img.raw
        return np.frombuffer(r.data, dtype=np.uint8).reshape(r.height, r.width, r.channels)
    return img.encoded


@dataclass
class PackOutcome:
    job_id: str
    result: "packing.PackResult"
    # float32 [N, D] when stream_embeddings was requested.
    embeddings: Optional[np.ndarray] = None


class HyperfaceClient:
    """Thin typed wrapper over the generated stubs. Every call takes an optional `timeout` (seconds).

    Server streams are returned as Python iterators over the raw proto events; cancel one with
    `.cancel()` on the call object (see `generate_call`) or by dropping the iterator.

    RESOURCE_EXHAUSTED with a server retry delay (`grpc-retry-pushback-ms`) is retried after that
    delay while the call's `timeout` allows (without one, for up to `retry.max_wait` seconds): unary
    calls, and streams that failed before their first message (`hyperface.retry`). A client belongs
    to the process that made it: a forked child (DataLoader worker) opens its own.
    """

    def __init__(self, address: str, token: Optional[str] = None, options: Sequence[tuple] = (),
                 retry: Optional[RetryPolicy] = None):
        check_fork()
        self.address = address
        self.pid = os.getpid()
        self.retry = retry or RetryPolicy()
        opts = [
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            *options,
        ]
        self.channel = grpc.insecure_channel(address, options=opts)
        self._metadata = (("authorization", f"Bearer {token}"),) if token else None
        self.packing = packing_pb2_grpc.PackingServiceStub(self.channel)
        self.generation = generation_pb2_grpc.GenerationServiceStub(self.channel)
        self.recognition = recognition_pb2_grpc.RecognitionServiceStub(self.channel)
        self.evaluation = evaluation_pb2_grpc.EvaluationServiceStub(self.channel)
        self.models = models_pb2_grpc.ModelServiceStub(self.channel)
        self.jobs = jobs_pb2_grpc.JobServiceStub(self.channel)
        self.health_stub = health_pb2_grpc.HealthStub(self.channel)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> "HyperfaceClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- retries ------------------------------------------------------------------------------

    def _unary(self, method, request, timeout: Optional[float]):
        return call_unary(self.retry, timeout, lambda left: method(request, timeout=left, metadata=self._metadata))

    def _stream(self, method, request, timeout: Optional[float]) -> Iterator:
        """A server stream's messages; retried while none has arrived (see the class docstring)."""
        return call_stream(self.retry, timeout, lambda left: method(request, timeout=left, metadata=self._metadata))

    # -- models -------------------------------------------------------------------------------

    def wait_ready(self, timeout: float = 60.0) -> None:
        grpc.channel_ready_future(self.channel).result(timeout=timeout)

    def health(self, service: str = "", timeout: Optional[float] = 10.0) -> str:
        """grpc.health.v1.Health/Check: 'SERVING', 'NOT_SERVING', 'UNKNOWN' or 'SERVICE_UNKNOWN'."""
        req = health_pb2.HealthCheckRequest(service=service)
        res = self._unary(self.health_stub.Check, req, timeout)
        return health_pb2.HealthCheckResponse.ServingStatus.Name(res.status)

    def list_models(self, kind: int = 0, timeout: Optional[float] = 30.0) -> list:
        return list(self._unary(self.models.ListModels, models.ListModelsRequest(kind=kind), timeout).models)

    def get_model(self, name: str, timeout: Optional[float] = 30.0) -> "models.ModelInfo":
        return self._unary(self.models.GetModel, models.GetModelRequest(name=name), timeout)

    def default_model(self, kind: int) -> Optional["models.ModelInfo"]:
        for m in self.list_models(kind):
            if m.is_default:
                return m
        return None

    # -- packing ------------------------------------------------------------------------------

    def pack(
        self,
        identities: int,
        dim: int = 0,
        recognizer: str = "",
        gallery_builtin_size: Optional[int] = None,
        gallery_none: bool = False,
        gallery_npy_path: Optional[str] = None,
        iterations: Optional[int] = None,
        seed: int = 0,
        max_seconds: float = 0.0,
        stream_embeddings: bool = False,
        on_progress: Optional[Callable[["packing.PackProgress"], None]] = None,
        timeout: Optional[float] = None,
        **extra,
    ) -> PackOutcome:
        """Runs PackingService.Pack to completion and returns the result (and rows when streamed).

        `dim = 0` packs in the recognizer's embedding space; give `gallery_builtin_size` (drawn from
        the default generator) or `gallery_none=True` with an explicit `dim` (pure geometry).
        """
        req = packing.PackRequest(identities=identities, dim=dim, recognizer=recognizer, seed=seed,
                                  max_seconds=max_seconds, stream_embeddings=stream_embeddings, **extra)
        if iterations is not None:
            req.iterations = iterations
        if gallery_none:
            req.gallery.none = True
        elif gallery_builtin_size is not None:
            req.gallery.builtin_size = gallery_builtin_size
        elif gallery_npy_path is not None:
            req.gallery.npy_path = gallery_npy_path
        job_id = ""
        rows: Optional[np.ndarray] = None
        for event in self._stream(self.packing.Pack, req, timeout):
            which = event.WhichOneof("event")
            if which == "accepted":
                job_id = event.accepted.job_id
            elif which == "progress" and on_progress:
                on_progress(event.progress)
            elif which == "chunk":
                part = tensor_to_numpy(event.chunk.rows)
                if rows is None:
                    rows = np.zeros((event.chunk.total_rows, part.shape[1]), dtype=np.float32)
                rows[event.chunk.row_offset:event.chunk.row_offset + part.shape[0]] = part
            elif which == "result":
                return PackOutcome(job_id or event.result.job_id, event.result, rows)
        raise RuntimeError("the Pack stream ended without a result")

    # -- generation ---------------------------------------------------------------------------

    def generate_request(
        self,
        pack_job_id: Optional[str] = None,
        embeddings: Optional[np.ndarray] = None,
        embeddings_path: Optional[str] = None,
        images_per_identity: int = 1,
        seed: int = 0,
        raw: bool = True,
        image_size: int = 0,
        generator: str = "",
        identity_offset: int = 0,
        identity_count: int = 0,
        variation: Optional[dict] = None,
        **extra,
    ) -> "generation.GenerateRequest":
        req = generation.GenerateRequest(
            images_per_identity=images_per_identity, seed=seed, image_size=image_size, generator=generator,
            identity_offset=identity_offset, identity_count=identity_count,
            format=generation.IMAGE_FORMAT_RAW if raw else generation.IMAGE_FORMAT_PNG, **extra)
        if pack_job_id:
            req.pack_job_id = pack_job_id
        elif embeddings is not None:
            req.embeddings.CopyFrom(numpy_to_tensor(embeddings))
        elif embeddings_path:
            req.embeddings_path = embeddings_path
        else:
            raise ValueError("give pack_job_id, embeddings or embeddings_path")
        for key, value in (variation or {}).items():
            setattr(req.variation, key, value)
        return req

    def generate_call(self, request: "generation.GenerateRequest", timeout: Optional[float] = None):
        """The raw Generate call: an iterator of GenerateEvent that also has .cancel() (not retried)."""
        return self.generation.Generate(request, timeout=timeout, metadata=self._metadata)

    def generate(self, timeout: Optional[float] = None, on_summary: Optional[Callable] = None,
                 on_progress: Optional[Callable] = None, **kwargs) -> Iterator["generation.FaceSample"]:
        """Yields FaceSamples as they arrive (in (identity, sample) order). Pulling lazily is the
        backpressure: the daemon renders at most `limits.generateAhead` faces ahead of this loop."""
        events = self._stream(self.generation.Generate, self.generate_request(**kwargs), timeout)
        try:
            for event in events:
                which = event.WhichOneof("event")
                if which == "sample":
                    yield event.sample
                elif which == "summary" and on_summary:
                    on_summary(event.summary)
                elif which == "progress" and on_progress:
                    on_progress(event.progress)
        finally:
            events.close()  # cancels the call when the consumer stopped early

    # -- recognition --------------------------------------------------------------------------

    def embed(self, images: Iterable, recognizer: str = "", aligned: bool = True, flip: bool = False,
              timeout: Optional[float] = 120.0) -> np.ndarray:
        """Embeds aligned face crops (encoded bytes or uint8 [H, W, 3] arrays): float32 [N, D].
        A list or tuple of images is retried on RESOURCE_EXHAUSTED (an iterator cannot be replayed)."""
        def requests():
            for i, img in enumerate(images):
                if isinstance(img, np.ndarray):
                    h, w = img.shape[:2]
                    c = img.shape[2] if img.ndim == 3 else 1
                    im = common.Image(raw=common.RawImage(height=h, width=w, channels=c, data=np.ascontiguousarray(img, dtype=np.uint8).tobytes()))
                else:
                    im = common.Image(encoded=bytes(img))
                yield recognition.EmbedRequest(id=str(i), recognizer=recognizer, image=im, aligned=aligned,
                                               largest_face=True, flip=flip)

        rows = []
        if isinstance(images, (list, tuple)):
            responses = call_stream(self.retry, timeout, lambda left: self.recognition.Embed(requests(), timeout=left, metadata=self._metadata))
        else:
            responses = self.recognition.Embed(requests(), timeout=timeout, metadata=self._metadata)
        for resp in responses:
            if resp.HasField("error") and resp.error.code:
                raise RuntimeError(f"embed item {resp.index}: {resp.error.code} {resp.error.message}")
            rows.append(tensor_to_numpy(resp.faces[0].embedding).reshape(-1))
        return np.stack(rows) if rows else np.zeros((0, 0), np.float32)

    # -- evaluation ---------------------------------------------------------------------------

    def evaluate_verification(self, bin_path: Optional[str] = None, recognizer: str = "", name: str = "",
                              no_flip: bool = False, folds: int = 0,
                              embeddings: Optional[np.ndarray] = None, issame: Optional[Sequence[bool]] = None,
                              on_progress: Optional[Callable] = None,
                              timeout: Optional[float] = None) -> "evaluation.VerificationResult":
        """insightface-protocol verification on a server-side .bin (absolute path or relative to the
        daemon's data root), or on inline pair embeddings [2P, D] + issame [P]."""
        req = evaluation.EvaluateVerificationRequest(recognizer=recognizer, name=name, no_flip=no_flip, folds=folds)
        if bin_path:
            req.bin_path = bin_path
        elif embeddings is not None and issame is not None:
            req.embeddings.embeddings.CopyFrom(numpy_to_tensor(embeddings))
            req.embeddings.issame.extend(bool(x) for x in issame)
        else:
            raise ValueError("give bin_path, or embeddings and issame")
        for event in self._stream(self.evaluation.EvaluateVerification, req, timeout):
            which = event.WhichOneof("event")
            if which == "verification":
                return event.verification
            if which == "progress" and on_progress:
                on_progress(event.progress)
        raise RuntimeError("the EvaluateVerification stream ended without a result")


if __name__ == "__main__":
    import argparse
    import json

    ap = argparse.ArgumentParser(description="List the daemon's models (python3 -m hyperface.client --address HOST:PORT).")
    ap.add_argument("--address", default=os.environ.get("HYPERFACE_ADDRESS", "127.0.0.1:50051"))
    args = ap.parse_args()
    with HyperfaceClient(args.address) as hf:
        hf.wait_ready(30)
        for m in hf.list_models():
            print(json.dumps({"name": m.name, "kind": models.ModelKind.Name(m.kind), "backend": m.backend,
                              "state": models.ModelState.Name(m.state), "dim": m.dim, "default": m.is_default}))
