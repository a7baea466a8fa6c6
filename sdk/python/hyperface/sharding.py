"""Which faces each DDP rank and DataLoader worker streams in an epoch, and in what order.

Pure functions (no gRPC, no torch), so the plan is the same in every process that computes it:
the main process, forked and spawned workers, and a job restarted from a checkpoint.

An epoch, for a dataset of identities [start, stop) with K images per identity:

1. **Identity order.** The identities, in blocks of `block` consecutive rows; the blocks are permuted
   with (shuffle_seed, epoch) when shuffling. Blocks keep Generate calls few and long.
2. **Ranks.** The order is cut into `world_size` contiguous slices whose sizes differ by at most one.
   An identity never spans two ranks, so a margin head (ArcFace) on a rank sees every face of the
   classes it sees. Equal step counts: with `drop_last` the longer slices drop their last identity;
   otherwise the shorter ones repeat their first identity (as DistributedSampler pads by repeating).
3. **Rank sequence.** Each identity of the rank's slice expands to its K samples; the sequence is
   cut into chunks of C samples (C a multiple of the batch size); a chunk is permuted with
   (shuffle_seed, epoch, rank, chunk) when shuffling. Memory: one chunk.
4. **Workers.** Whole chunks, in contiguous runs whose counts differ by at most one, go to the
   DataLoader workers; each worker cuts its samples into batches of B. Only the rank's last batch
   can be short (dropped with `drop_last`).

A position is (epoch, samples consumed on this rank). DataLoader delivers workers' batches
round-robin in order, skipping exhausted workers, so the batches each worker has delivered follow
from the count alone (`worker_offsets`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterator, List, Sequence, Tuple


@dataclass(frozen=True)
class Plan:
    """One rank's epoch: its identity slice (with padding), chunking and worker split."""

    identities: Tuple[int, ...]  # the rank's identities in stream order (padding included)
    k: int  # samples per identity
    batch_size: int
    chunk: int  # samples per shuffle chunk (a multiple of batch_size)
    total: int  # samples this rank streams this epoch (before drop_last of a short batch)
    drop_last: bool
    num_workers: int

    @property
    def num_chunks(self) -> int:
        return -(-self.total // self.chunk)

    @property
    def batches(self) -> int:
        return self.total // self.batch_size if self.drop_last else -(-self.total // self.batch_size)

    @property
    def samples(self) -> int:
        """Samples yielded per epoch on this rank (after drop_last)."""
        return self.batches * self.batch_size if self.drop_last else self.total

    def worker_chunks(self, worker: int) -> Tuple[int, int]:
        """[first, last) chunk indices of a worker."""
        n, w = self.num_chunks, self.num_workers
        per, extra = divmod(n, w)
        lo = worker * per + min(worker, extra)
        return lo, lo + per + (1 if worker < extra else 0)

    def worker_samples(self, worker: int) -> Tuple[int, int]:
        """[a, b) sample positions (in the rank sequence) a worker yields, after drop_last."""
        lo, hi = self.worker_chunks(worker)
        end = self.samples
        return min(lo * self.chunk, end), min(hi * self.chunk, end)

    def worker_batch_sizes(self, worker: int) -> List[int]:
        a, b = self.worker_samples(worker)
        return [min(self.batch_size, b - i) for i in range(a, b, self.batch_size)]


def epoch_order(start: int, stop: int, block: int, shuffle: bool, shuffle_seed: int, epoch: int) -> List[int]:
    """Identity rows [start, stop) in epoch order: blocks of `block` rows, permuted when shuffling."""
    blocks = [list(range(b, min(stop, b + block))) for b in range(start, stop, max(1, block))]
    if shuffle:
        random.Random(f"hyperface-order:{shuffle_seed}:{epoch}").shuffle(blocks)
    return [i for b in blocks for i in b]


def rank_identities(order: Sequence[int], rank: int, world_size: int, drop_last: bool) -> List[int]:
    """The rank's contiguous slice of `order`, evened out (see the module docstring)."""
    n = len(order)
    if world_size < 1 or not 0 <= rank < world_size:
        raise ValueError(f"rank {rank} outside world_size {world_size}")
    if n < world_size:
        raise ValueError(f"{n} identities cannot be shared by {world_size} ranks (each rank needs at least one)")
    per, extra = divmod(n, world_size)
    lo = rank * per + min(rank, extra)
    mine = list(order[lo:lo + per + (1 if rank < extra else 0)])
    if extra:
        if drop_last and len(mine) > per:
            mine = mine[:per]
        elif not drop_last and len(mine) == per:
            mine.append(mine[0])
    return mine


def make_plan(identities: Sequence[int], k: int, batch_size: int, shuffle_buffer: int, drop_last: bool, num_workers: int) -> Plan:
    chunk = batch_size * max(1, -(-shuffle_buffer // batch_size)) if shuffle_buffer > 1 else batch_size
    return Plan(tuple(identities), k, batch_size, chunk, len(identities) * k, drop_last, max(1, num_workers))


def chunk_permutation(n: int, shuffle: bool, shuffle_seed: int, epoch: int, rank: int, chunk: int) -> List[int]:
    idx = list(range(n))
    if shuffle:
        random.Random(f"hyperface-chunk:{shuffle_seed}:{epoch}:{rank}:{chunk}").shuffle(idx)
    return idx


def runs(identities: Sequence[int]) -> Iterator[Tuple[int, int]]:
    """(first row, count) of each run of consecutive rows: one Generate call each."""
    i = 0
    while i < len(identities):
        j = i + 1
        while j < len(identities) and identities[j] == identities[j - 1] + 1:
            j += 1
        yield identities[i], j - i
        i = j


def resume_assignment(plan: Plan, consumed: int) -> Tuple[List[int], List[int]]:
    """Where each worker stands once `consumed` samples of the epoch reached the loop, and who goes next.

    DataLoader (in order) takes one batch from each worker in turn and skips exhausted workers,
    so the first `consumed` samples are a prefix of that round-robin. Returns the samples each
    worker delivered, and the workers that still have batches in the order the round-robin
    continues: a restarted DataLoader, which starts again at its worker 0, gives its worker i the
    part of `roles[i]` so that the batches come in the same order as without the restart.
    `consumed` must fall on a batch boundary (it does when it counts whole batches)."""
    sizes = [plan.worker_batch_sizes(w) for w in range(plan.num_workers)]
    taken, batches = [0] * plan.num_workers, [0] * plan.num_workers
    left, nxt, r = consumed, 0, 0
    while left > 0:
        progressed = False
        for w, mine in enumerate(sizes):
            if r < len(mine) and left > 0:
                if mine[r] > left:
                    raise ValueError(f"position {consumed} is not on a batch boundary")
                taken[w] += mine[r]
                batches[w] += 1
                left -= mine[r]
                progressed, nxt = True, (w + 1) % plan.num_workers
        if not progressed:
            raise ValueError(f"position {consumed} is past the end of the epoch ({plan.samples} samples)")
        r += 1
    cycle = [(nxt + i) % plan.num_workers for i in range(plan.num_workers)]
    return taken, [w for w in cycle if batches[w] < len(sizes[w])]


def worker_offsets(plan: Plan, consumed: int) -> List[int]:
    """Samples each worker has delivered once `consumed` samples reached the loop (`resume_assignment`)."""
    return resume_assignment(plan, consumed)[0]
