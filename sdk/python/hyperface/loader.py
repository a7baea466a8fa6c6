"""A DataLoader for HyperfaceStream whose position can be saved and restored.

    loader = StreamLoader(ds, num_workers=2)            # any start method: fork, spawn, forkserver
    loader.load_state_dict(ckpt["data"])                # optional: continue a saved epoch
    for epoch in range(loader.state_dict()["epoch"], epochs):
        ds.set_epoch(epoch)
        for images, labels in loader:
            ...
            torch.save({..., "data": loader.state_dict()}, path)

Like torchdata's StatefulDataLoader, but the position is a count: workers produce their batches in a
planned order (`hyperface.sharding`) and DataLoader hands them over round-robin, so the number of
faces the loop received says what every worker has delivered. The main process counts them here.
"""

from __future__ import annotations

from torch.utils.data import DataLoader

from . import forking
from .dataset import HyperfaceStream


class StreamLoader(DataLoader):
    """`DataLoader(stream, batch_size=None, ...)` with `state_dict` / `load_state_dict`.

    The stream batches itself (its `batch_size`). Persistent workers are refused: they keep the
    epoch they started with, so `set_epoch` (order, fresh faces, resume) would not reach them."""

    def __init__(self, dataset: HyperfaceStream, num_workers: int = 0, **kwargs):
        if not isinstance(dataset, HyperfaceStream):
            raise TypeError("StreamLoader takes a HyperfaceStream")
        if kwargs.setdefault("batch_size", None) is not None:
            raise ValueError("the stream batches itself: set HyperfaceStream(batch_size=...), not the loader's")
        if kwargs.get("persistent_workers"):
            raise ValueError("persistent_workers would keep each worker's first epoch: set_epoch could not reach them")
        if num_workers > 0:
            forking.worker_context(kwargs)  # forkserver only where gRPC's fork handlers are unsafe
        super().__init__(dataset, num_workers=num_workers, **kwargs)

    def __iter__(self):
        ds: HyperfaceStream = self.dataset
        if self.num_workers == 0:
            yield from super().__iter__()  # the stream counts in-process itself
            return
        resuming = ds._resume is not None and ds._resume["epoch"] == ds.epoch
        if not resuming:
            ds._seen = 0
        it = super().__iter__()  # the workers start here, with the resume point (forked or pickled)
        ds._resume = None
        for batch in it:
            ds._seen += len(batch[1])
            yield batch

    def state_dict(self) -> dict:
        return self.dataset.state_dict(num_workers=self.num_workers)

    def load_state_dict(self, state: dict) -> None:
        self.dataset.load_state_dict(state)
