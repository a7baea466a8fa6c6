"""Synthetic faces streamed from the daemon as a PyTorch-style IterableDataset.

    from hyperface import HyperfaceStream
    ds = HyperfaceStream("127.0.0.1:50051", pack_job_id=job, images_per_identity=10, batch_size=64,
                         num_identities=100, shuffle_buffer=1024)
    for images, labels in ds:     # uint8 [B, H, W, 3], int64 [B]
        ...

Generate calls with IMAGE_FORMAT_RAW (no encode or decode cost) turn into batches. Nothing is
written to disk, and nothing is read ahead beyond what gRPC's HTTP/2 flow-control window holds: the
daemon renders at most `limits.generateAhead` faces ahead of the consumer, so memory stays flat
however large the dataset is (plus one shuffle chunk).

With torch installed the class is a `torch.utils.data.IterableDataset` yielding torch tensors: give
it to a DataLoader with batch_size=None and any num_workers, under fork, spawn or forkserver. Each
process opens its own channel. DataLoader workers and DDP ranks (torch.distributed, or RANK /
WORLD_SIZE) share the epoch as `hyperface.sharding` describes: every (identity, sample) once per
epoch, an identity's faces all on one rank, equal step counts on every rank. `state_dict` /
`load_state_dict` resume an epoch where a checkpoint left it (with workers, through
`hyperface.StreamLoader`, which counts what the loop received).

Labels are the global identity indices (the packed row numbers), i.e. in [0, num_identities).
"""

from __future__ import annotations

import json
import os
from typing import Iterator, List, Optional, Tuple

import numpy as np

from . import sharding
from .client import HyperfaceClient, generation, jobs
from .retry import RetryPolicy

try:  # torch is optional
    import torch
    from torch.utils.data import IterableDataset as _Base

    HAVE_TORCH = True
except ImportError:  # pragma: no cover - exercised on machines without torch
    torch = None
    _Base = object
    HAVE_TORCH = False


def _worker() -> Tuple[int, int]:
    info = torch.utils.data.get_worker_info() if HAVE_TORCH else None
    return (0, 1) if info is None else (info.id, info.num_workers)


def _env_int(name: str) -> Optional[int]:
    value = os.environ.get(name, "").strip()
    return int(value) if value else None


class HyperfaceStream(_Base):
    """Streams (images uint8 [B, H, W, 3], labels int64 [B]) batches from Generate calls.

    Identities come from `pack_job_id` (a finished PackingService job), inline `embeddings`
    (float32 [N, D]) or a server-side `embeddings_path` (.npy, give `num_identities`);
    `identity_offset` / `identity_count` select rows. `images_per_identity` = K.

    `shuffle_buffer` > 1 shuffles: batches mix identities through chunks of that many faces
    (rounded up to whole batches), and the identity order is permuted per epoch in blocks
    (`shuffle_identities`, on by default when shuffling). `fresh_samples=True` renders new faces
    every epoch (a different seed per `set_epoch`). `drop_last` drops the final short batch and,
    under DDP, the identities that would make ranks uneven (else the short ranks repeat one).
    `rank` / `world_size` override what torch.distributed or RANK / WORLD_SIZE say.
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
        shuffle_identities: Optional[bool] = None,
        fresh_samples: bool = False,
        drop_last: bool = False,
        rank: Optional[int] = None,
        world_size: Optional[int] = None,
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
        if (rank is None) != (world_size is None):
            raise ValueError("give both rank and world_size, or neither")
        self._client = address if isinstance(address, HyperfaceClient) else None
        self._own_client = False
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
        self.shuffle_identities = shuffle_buffer > 1 if shuffle_identities is None else shuffle_identities
        self.fresh_samples = fresh_samples
        self.drop_last = drop_last
        self.rank, self.world_size = rank, world_size
        self.as_torch = HAVE_TORCH if as_torch is None else (as_torch and HAVE_TORCH)
        self.timeout = timeout
        self.busy_wait = busy_wait
        self.epoch = 0
        self.last_summary = None
        self.summaries: list = []  # GenerateSummary of each call of the last in-process iteration
        self._seen = 0  # samples of `epoch` the training loop has received (this rank)
        self._resume: Optional[dict] = None  # a loaded position, applied by the next iteration of its epoch

    def __getstate__(self):
        # A gRPC channel cannot be pickled (spawn / forkserver workers): each process opens its own.
        # A spawned worker has no torch.distributed: freeze the rank the main process sees.
        state = dict(self.__dict__)
        state["_client"] = None
        state["rank"], state["world_size"] = self.distributed()
        return state

    # -- where this process stands --------------------------------------------------------------

    def distributed(self) -> Tuple[int, int]:
        """(rank, world_size): explicit, else torch.distributed when initialised, else RANK / WORLD_SIZE, else (0, 1)."""
        if self.rank is not None:
            return int(self.rank), int(self.world_size)
        if HAVE_TORCH and torch.distributed.is_available() and torch.distributed.is_initialized():
            return torch.distributed.get_rank(), torch.distributed.get_world_size()
        rank, world = _env_int("RANK"), _env_int("WORLD_SIZE")
        if world is not None and world > 1:
            return rank or 0, world
        return 0, 1

    def client(self) -> HyperfaceClient:
        """This process's client: the one given, or one opened here (a forked child never reuses
        its parent's channel)."""
        if self._client is None or self._client.pid != os.getpid():
            self._client = HyperfaceClient(self.address, token=self.token, retry=RetryPolicy(max_wait=self.busy_wait))
            self._own_client = True
        return self._client

    def _identity_range(self) -> Tuple[int, int]:
        """[start, stop) of the identity rows this dataset streams (all ranks together)."""
        start = self.identity_offset
        if self.identity_count:
            return start, start + self.identity_count
        if self.num_identities is None and self.pack_job_id:
            # How many rows the pack job produced (asked once, in the process that needs it).
            job = self.client()._unary(self.client().jobs.GetJob, jobs.GetJobRequest(id=self.pack_job_id), 30.0)
            self.num_identities = int(json.loads(job.result_json)["shape"][0])
        if self.num_identities is None:
            raise ValueError("pass num_identities (or identity_count) with embeddings_path")
        return start, self.num_identities

    def plan(self, num_workers: int = 1, epoch: Optional[int] = None, rank: Optional[int] = None) -> sharding.Plan:
        """This rank's (or `rank`'s) epoch plan for `num_workers` DataLoader workers."""
        start, stop = self._identity_range()
        me, world = self.distributed()
        e = self.epoch if epoch is None else epoch
        k = self.images_per_identity
        block = max(1, self.shuffle_buffer // k)
        order = sharding.epoch_order(start, stop, block, self.shuffle_identities, self.shuffle_seed, e)
        mine = sharding.rank_identities(order, me if rank is None else rank, world, self.drop_last)
        return sharding.make_plan(mine, k, self.batch_size, self.shuffle_buffer, self.drop_last, num_workers)

    def num_samples(self) -> int:
        """Faces this rank yields per epoch."""
        return self.plan().samples

    def __len__(self) -> int:
        """Batches this rank yields per epoch (the same on every rank, whatever num_workers)."""
        return self.plan().batches

    def set_epoch(self, epoch: int) -> None:
        """As DistributedSampler.set_epoch: call before each epoch (the order and, with
        fresh_samples, the faces depend on it). A loaded position for that epoch is kept."""
        if epoch != self.epoch:
            self._seen = 0
        self.epoch = epoch

    # -- resumable position ---------------------------------------------------------------------

    def state_dict(self, num_workers: int = 0) -> dict:
        """Where the training loop stands: resume with `load_state_dict`. `samples` counts the faces
        of `epoch` this rank's loop received (the same on every rank at a given step), so one
        rank's state resumes all. In-process iteration counts them itself; with DataLoader workers
        use `StreamLoader.state_dict()` (it passes its num_workers)."""
        rank, world = self.distributed()
        return {"epoch": self.epoch, "samples": self._seen, "num_workers": num_workers, "world_size": world,
                "batch_size": self.batch_size, "shuffle_buffer": self.shuffle_buffer, "shuffle_seed": self.shuffle_seed}

    def load_state_dict(self, state: dict) -> None:
        """The next iteration of `state['epoch']` starts where the saved loop stopped."""
        for key in ("world_size", "batch_size", "shuffle_buffer", "shuffle_seed"):
            mine = self.distributed()[1] if key == "world_size" else getattr(self, key)
            if key in state and state[key] != mine:
                raise ValueError(f"saved position was taken with {key}={state[key]}, this stream has {mine}: "
                                 "the epoch's order would differ")
        self.epoch = int(state["epoch"])
        self._seen = int(state["samples"])
        self._resume = {"epoch": self.epoch, "samples": self._seen, "num_workers": int(state.get("num_workers", 0))}

    def _part(self, plan: sharding.Plan, worker: int, workers: int) -> Tuple[int, int]:
        """[a, b) positions of the rank sequence this worker yields in this iteration (resumed or not)."""
        r = self._resume
        if not r or r["epoch"] != self.epoch or r["samples"] == 0:
            return plan.worker_samples(worker)
        if max(1, r["num_workers"]) != workers:
            raise ValueError(f"the saved position was taken with num_workers={r['num_workers']}, the DataLoader has "
                             f"{0 if workers == 1 else workers}: resume with the same number of workers")
        taken, roles = sharding.resume_assignment(plan, min(r["samples"], plan.samples))
        if worker >= len(roles):
            return 0, 0
        a, b = plan.worker_samples(roles[worker])
        return a + taken[roles[worker]], b

    # -- iteration ------------------------------------------------------------------------------

    def _raw(self, client: HyperfaceClient, plan: sharding.Plan, p0: int, p1: int) -> Iterator[Tuple[np.ndarray, int]]:
        """Samples p0..p1-1 of the rank sequence, before shuffling: (image, identity)."""
        k = plan.k
        ids = plan.identities[p0 // k:(p1 - 1) // k + 1]
        skip, left = p0 % k, p1 - p0
        seed = self.seed + (self.epoch * 1_000_003 if self.fresh_samples else 0)
        for first, count in sharding.runs(ids):
            samples = client.generate(
                timeout=self.timeout, on_summary=self._keep, pack_job_id=self.pack_job_id, embeddings=self.embeddings,
                embeddings_path=self.embeddings_path, images_per_identity=k, seed=seed, raw=True,
                image_size=self.image_size, generator=self.generator, identity_offset=first, identity_count=count,
                variation=self.variation)
            try:
                got = 0
                for sample in samples:
                    got += 1
                    if skip:
                        skip -= 1
                        continue
                    yield self._decode(sample)
                    left -= 1
                    if left == 0:
                        if got == count * k:
                            for _ in samples:  # only the summary is left: read it
                                pass
                        return
            finally:
                samples.close()  # cancels a call whose remaining faces are not needed
        if left:
            raise RuntimeError(f"the daemon's streams ended {left} faces short")

    def _keep(self, summary) -> None:
        self.last_summary = summary
        self.summaries.append(summary)

    @staticmethod
    def _decode(sample: "generation.FaceSample") -> Tuple[np.ndarray, int]:
        if sample.image.WhichOneof("content") != "raw":
            raise RuntimeError("expected a raw image (IMAGE_FORMAT_RAW)")
        r = sample.image.raw
        if r.channels != 3:
            raise RuntimeError(f"expected RGB, got {r.channels} channels")
        return np.frombuffer(r.data, dtype=np.uint8).reshape(r.height, r.width, 3), sample.identity

    def _faces(self, client: HyperfaceClient, plan: sharding.Plan, rank: int, a: int, b: int) -> Iterator[Tuple[np.ndarray, int]]:
        """Positions a..b-1 of the rank sequence (after shuffling), one chunk in memory at a time."""
        c = plan.chunk
        first = a // c
        raw = self._raw(client, plan, first * c, min(plan.total, -(-b // c) * c))
        for j in range(first, -(-b // c)):
            chunk: List[Tuple[np.ndarray, int]] = []
            for _ in range(min(c, plan.total - j * c)):
                chunk.append(next(raw))
            order = sharding.chunk_permutation(len(chunk), self.shuffle_buffer > 1, self.shuffle_seed, self.epoch, rank, j)
            lo, hi = max(a - j * c, 0), min(b - j * c, len(chunk))
            for i in order[lo:hi]:
                yield chunk[i]
        for _ in raw:  # ends the last call (reading its summary) or cancels it
            raise RuntimeError("the stream had more faces than planned")

    def _batch(self, images: list, labels: list):
        x = np.stack(images)
        y = np.asarray(labels, dtype=np.int64)
        if self.as_torch:
            return torch.from_numpy(x), torch.from_numpy(y)
        return x, y

    def __iter__(self):
        worker, workers = _worker()
        rank, _ = self.distributed()
        plan = self.plan(workers)
        a, b = self._part(plan, worker, workers)
        in_process = not (HAVE_TORCH and torch.utils.data.get_worker_info() is not None)
        if in_process:
            self._seen = a
            self._resume = None
            self.summaries = []
        if a >= b:
            return
        images: list = []
        labels: list = []
        for img, label in self._faces(self.client(), plan, rank, a, b):
            images.append(img)
            labels.append(label)
            if len(images) == self.batch_size:
                if in_process:
                    self._seen += len(labels)
                yield self._batch(images, labels)
                images, labels = [], []
        if images:
            if in_process:
                self._seen += len(labels)
            yield self._batch(images, labels)

    def close(self) -> None:
        """Closes a client this dataset opened."""
        if self._own_client and self._client is not None and self._client.pid == os.getpid():
            self._client.close()
            self._client = None
