"""Synthetic faces streamed from the daemon as a PyTorch-style IterableDataset.

    from hyperface import HyperfaceStream
    ds = HyperfaceStream("127.0.0.1:50051", pack_job_id=job, images_per_identity=10, batch_size=64,
                         num_identities=100, shuffle_buffer=1024)
    for images, labels in ds:     # uint8 [B, H, W, 3], int64 [B]
        ...

Each iteration opens one GenerationService.Generate stream with IMAGE_FORMAT_RAW (no encode or
decode cost) and turns its FaceSamples into batches. Nothing is written to disk, and nothing is
read ahead beyond what gRPC's HTTP/2 flow-control window holds: the daemon renders at most
`limits.generateAhead` faces ahead of the consumer, so memory stays flat however large the
dataset is (plus `shuffle_buffer` faces when shuffling).

With torch installed the class is a `torch.utils.data.IterableDataset` yielding torch tensors
(pass it to a DataLoader with batch_size=None; with num_workers > 1 each worker streams its own
contiguous share of identities). Without torch it is a plain iterable yielding numpy arrays.

Labels are the global identity indices (the packed row numbers), i.e. in [0, num_identities).
"""

from __future__ import annotations

import random
import time
from typing import Iterator, Optional, Tuple

import grpc
import numpy as np

from .client import HyperfaceClient, generation

try:  # torch is optional
    import torch
    from torch.utils.data import IterableDataset as _Base

    HAVE_TORCH = True
except ImportError:  # pragma: no cover - exercised on machines without torch
    torch = None
    _Base = object
    HAVE_TORCH = False


class HyperfaceStream(_Base):
    """Streams (images uint8 [B, H, W, 3], labels int64 [B]) batches from a Generate call.

    Identities come from `pack_job_id` (a finished PackingService job), inline `embeddings`
    (float32 [N, D]) or a server-side `embeddings_path` (.npy). `images_per_identity` = K.

    `shuffle_buffer` > 0 mixes samples through a bounded reservoir (the stream arrives in
    (identity, sample) order, which would put one identity per batch). `fresh_samples=True` makes
    every epoch (see `set_epoch`) render new faces from a different seed: synthetic data need not
    repeat. `drop_last` drops the final short batch. Each DataLoader worker holds one Generate job:
    workers beyond the daemon's free `limits.maxConcurrentJobs` slots wait (up to `busy_wait` s).
    """

    def __init__(
        self,
        address: str | HyperfaceClient,
        *,
        pack_job_id: Optional[str] = None,
        embeddings: Optional[np.ndarray] = None,
        embeddings_path: Optional[str] = None,
        num_identities: Optional[int] = None,
        images_per_identity: int = 10,
        batch_size: int = 64,
        seed: int = 0,
        image_size: int = 0,
        generator: str = "",
        variation: Optional[dict] = None,
        identity_offset: int = 0,
        identity_count: int = 0,
        shuffle_buffer: int = 0,
        shuffle_seed: int = 0,
        fresh_samples: bool = False,
        drop_last: bool = False,
        as_torch: Optional[bool] = None,
        token: Optional[str] = None,
        timeout: Optional[float] = None,
        busy_wait: float = 120.0,
    ):
        if HAVE_TORCH:
            super().__init__()
        if sum(x is not None for x in (pack_job_id, embeddings, embeddings_path)) != 1:
            raise ValueError("give exactly one of pack_job_id, embeddings, embeddings_path")
        if batch_size < 1 or images_per_identity < 1:
            raise ValueError("batch_size and images_per_identity must be >= 1")
        self._client = address if isinstance(address, HyperfaceClient) else None
        self.address = address.address if isinstance(address, HyperfaceClient) else address
        self.token = token
        self.pack_job_id = pack_job_id
        self.embeddings = embeddings
        self.embeddings_path = embeddings_path
        if num_identities is None and embeddings is not None:
            num_identities = int(embeddings.shape[0])
        self.num_identities = num_identities
        self.images_per_identity = images_per_identity
        self.batch_size = batch_size
        self.seed = seed
        self.image_size = image_size
        self.generator = generator
        self.variation = variation
        self.identity_offset = identity_offset
        self.identity_count = identity_count
        self.shuffle_buffer = shuffle_buffer
        self.shuffle_seed = shuffle_seed
        self.fresh_samples = fresh_samples
        self.drop_last = drop_last
        self.as_torch = HAVE_TORCH if as_torch is None else (as_torch and HAVE_TORCH)
        self.timeout = timeout
        self.busy_wait = busy_wait
        self.epoch = 0
        self.last_summary = None

    def __getstate__(self):
        # A gRPC channel cannot be pickled (DataLoader workers with the spawn start method):
        # workers open their own connection to `address`.
        state = dict(self.__dict__)
        state["_client"] = None
        return state

    # -- sizes --------------------------------------------------------------------------------

    def _identity_range(self) -> Tuple[int, int]:
        """[start, stop) of the identities this dataset (not worker) streams; stop None = to the end."""
        start = self.identity_offset
        if self.identity_count:
            return start, start + self.identity_count
        if self.num_identities is not None:
            return start, self.num_identities
        return start, None  # type: ignore[return-value]

    def num_samples(self) -> Optional[int]:
        start, stop = self._identity_range()
        return None if stop is None else (stop - start) * self.images_per_identity

    def __len__(self) -> int:
        """Number of batches per epoch (needs num_identities, identity_count or inline embeddings)."""
        n = self.num_samples()
        if n is None:
            raise TypeError("length unknown: pass num_identities")
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    # -- iteration ----------------------------------------------------------------------------

    def _worker_range(self) -> Tuple[int, int]:
        """identity_offset / identity_count for this DataLoader worker (the whole range without workers)."""
        start, stop = self._identity_range()
        count = 0 if stop is None else stop - start
        info = torch.utils.data.get_worker_info() if HAVE_TORCH else None
        if info is None or info.num_workers <= 1:
            return start, count
        # Sharded: an empty share must not become identity_count = 0 ("to the end").
        if stop is None:
            raise ValueError("num_workers > 1 needs num_identities (or identity_count) to shard identities")
        per = -(-count // info.num_workers)
        lo = start + info.id * per
        hi = min(stop, lo + per)
        return lo, max(0, hi - lo)

    def _samples(self, client: HyperfaceClient, offset: int, count: int) -> Iterator["generation.FaceSample"]:
        seed = self.seed + (self.epoch * 1_000_003 if self.fresh_samples else 0)
        kwargs = dict(
            pack_job_id=self.pack_job_id, embeddings=self.embeddings, embeddings_path=self.embeddings_path,
            images_per_identity=self.images_per_identity, seed=seed, raw=True, image_size=self.image_size,
            generator=self.generator, identity_offset=offset, identity_count=count, variation=self.variation,
        )

        def keep(summary):
            self.last_summary = summary

        # RESOURCE_EXHAUSTED before the first sample = the daemon is at `limits.maxConcurrentJobs`
        # (e.g. more DataLoader workers than job slots): wait for a slot, up to `busy_wait` seconds.
        deadline = time.monotonic() + self.busy_wait
        delay = 0.5
        while True:
            started = False
            try:
                for sample in client.generate(timeout=self.timeout, on_summary=keep, **kwargs):
                    started = True
                    yield sample
                return
            except grpc.RpcError as error:
                if started or error.code() != grpc.StatusCode.RESOURCE_EXHAUSTED or time.monotonic() + delay > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    @staticmethod
    def _decode(sample: "generation.FaceSample") -> Tuple[np.ndarray, int]:
        if sample.image.WhichOneof("content") != "raw":
            raise RuntimeError("expected a raw image (IMAGE_FORMAT_RAW)")
        r = sample.image.raw
        if r.channels != 3:
            raise RuntimeError(f"expected RGB, got {r.channels} channels")
        return np.frombuffer(r.data, dtype=np.uint8).reshape(r.height, r.width, 3), sample.identity

    def _shuffled(self, items: Iterator[Tuple[np.ndarray, int]]) -> Iterator[Tuple[np.ndarray, int]]:
        if self.shuffle_buffer <= 1:
            yield from items
            return
        rng = random.Random(self.shuffle_seed * 7919 + self.epoch)
        buf: list = []
        for item in items:
            if len(buf) < self.shuffle_buffer:
                buf.append(item)
                continue
            j = rng.randrange(len(buf))
            out, buf[j] = buf[j], item
            yield out
        rng.shuffle(buf)
        yield from buf

    def _batch(self, images: list, labels: list):
        x = np.stack(images)
        y = np.asarray(labels, dtype=np.int64)
        if self.as_torch:
            return torch.from_numpy(x), torch.from_numpy(y)
        return x, y

    def __iter__(self):
        offset, count = self._worker_range()
        info = torch.utils.data.get_worker_info() if HAVE_TORCH else None
        if info is not None and info.num_workers > 1 and count == 0:
            return
        own = self._client is None or (HAVE_TORCH and torch.utils.data.get_worker_info() is not None)
        client = HyperfaceClient(self.address, token=self.token) if own else self._client
        try:
            images: list = []
            labels: list = []
            for img, label in self._shuffled(self._decode(s) for s in self._samples(client, offset, count)):
                images.append(img)
                labels.append(label)
                if len(images) == self.batch_size:
                    yield self._batch(images, labels)
                    images, labels = [], []
            if images and not self.drop_last:
                yield self._batch(images, labels)
        finally:
            if own:
                client.close()
