#!/usr/bin/env python3
"""CI checks of plain DataLoader fork workers from a process that used gRPC (installed package).

    check_fork.py stress --address A --n 20    # 2 x 20 plain fork-DataLoader epochs from a gRPC-using parent
    check_fork.py fallback                     # grpc imported and used before hyperface: forkserver workers

Each prints one JSON line and exits 0, or fails with the reason (hyperface/forking.py says why).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from check_loader import faces_of  # noqa: E402
from hyperface import HyperfaceClient  # noqa: E402


def check_stress(args) -> dict:
    """`args.n` epochs of a plain DataLoader(num_workers=2) under fork, from a parent that packed
    through the same client it streams with and that runs a Python thread of its own (a metrics or
    logging thread): with grpcio < 1.56's pthread_atfork handlers the thread's wait for the GIL is
    inherited and a worker hangs inside fork() (hyperface.forking). Then `args.n` epochs forked right
    after the parent closed its only client. Each epoch must deliver every (identity, sample) once
    within `per_epoch` seconds."""
    import threading

    from torch.utils.data import DataLoader

    from hyperface import HyperfaceStream, forking

    assert forking.handlers_fork_safe(), "gRPC's Python fork handlers were not moved to os.register_at_fork"
    n, epochs, per_epoch = 6, args.n or 20, 30
    hf = HyperfaceClient(args.address)
    hf.wait_ready(60)
    job = hf.pack(identities=n, dim=0, gallery_builtin_size=16, iterations=30, seed=1, timeout=120).job_id
    ds = HyperfaceStream(hf, pack_job_id=job, num_identities=n, images_per_identity=2, batch_size=4, seed=5,
                         shuffle_buffer=8, fresh_samples=True, timeout=60)
    stop = threading.Event()

    def busy():  # pure Python, so it keeps asking for the GIL
        x = 0
        while not stop.is_set():
            x += 1

    thread = threading.Thread(target=busy, daemon=True)
    thread.start()
    seconds = []
    try:
        for epoch in range(epochs):
            ds.set_epoch(epoch)
            t0 = time.monotonic()
            try:
                got = faces_of(DataLoader(ds, batch_size=None, num_workers=2, timeout=per_epoch))
            except RuntimeError as error:  # "DataLoader timed out after 30 seconds"
                raise AssertionError(f"epoch {epoch} of {epochs}: {error}") from None
            seconds.append(time.monotonic() - t0)
            assert len(got) == n * 2 and len(set(got)) == n * 2, f"epoch {epoch}: {len(set(got))} distinct of {len(got)}"
            assert sorted(collections.Counter(y for y, _ in got).items()) == [(i, 2) for i in range(n)], got
            assert hf.health() == "SERVING"  # the parent's channel keeps working between forks
    finally:
        stop.set()
        thread.join()
    hf.close()
    # The parent closes its only client just before the workers fork: gRPC core shuts down in a
    # background thread then, and a worker forked meanwhile made no progress until its deadline
    # (hyperface.forking._hold_core). The call's deadline is shorter than the epoch's timeout.
    import numpy as np

    from hyperface.client import models

    with HyperfaceClient(args.address) as hf:
        dim = next(m for m in hf.list_models(models.MODEL_KIND_GENERATOR) if m.name == "builtin").dim
    emb = np.random.default_rng(0).standard_normal((n, dim)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    for epoch in range(epochs):
        with HyperfaceClient(args.address) as hf:
            assert hf.health() == "SERVING"
            assert len(list(hf.generate(embeddings=emb[:1], images_per_identity=1, raw=True, timeout=60))) == 1
        ds = HyperfaceStream(args.address, embeddings=emb, images_per_identity=2, batch_size=4, seed=3, timeout=15)
        t0 = time.monotonic()
        try:
            got = faces_of(DataLoader(ds, batch_size=None, num_workers=2, timeout=per_epoch))
        except RuntimeError as error:
            raise AssertionError(f"closed-client epoch {epoch} of {epochs}: {str(error)[:2000]}") from None
        seconds.append(time.monotonic() - t0)
        assert len(got) == n * 2 and len(set(got)) == n * 2, f"closed-client epoch {epoch}: {len(set(got))} of {len(got)}"
    return {"ok": True, "epochs": epochs, "max_epoch_s": round(max(seconds), 2)}


def check_fallback() -> dict:
    """A grpc channel opened before `hyperface` was imported: gRPC's own pthread_atfork handlers are
    in place, so StreamLoader starts its workers under forkserver once the process used gRPC."""
    snippet = ("import grpc\ngrpc.insecure_channel('127.0.0.1:1')\nfrom hyperface import HyperfaceClient, forking\n"
               "HyperfaceClient('127.0.0.1:1')\nkw = {}\nforking.worker_context(kw)\n"
               "print(forking.handlers_fork_safe(), kw.get('multiprocessing_context'))\n")
    env = {k: v for k, v in os.environ.items() if k != "GRPC_ENABLE_FORK_SUPPORT"}
    env["GRPC_ENABLE_FORK_SUPPORT"] = "true"
    said = subprocess.run([sys.executable, "-c", snippet], env=env, capture_output=True, text=True, timeout=60)
    assert said.stdout.split() == ["False", "forkserver"], (said.stdout, said.stderr[-2000:])
    said = subprocess.run([sys.executable, "-c", snippet.split("\n", 2)[2]], capture_output=True, text=True, timeout=60)
    assert said.stdout.split() == ["True", "None"], (said.stdout, said.stderr[-2000:])
    return {"ok": True}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["stress", "fallback"])
    ap.add_argument("--address", default=os.environ.get("HYPERFACE_ADDRESS", "127.0.0.1:50051"))
    ap.add_argument("--n", type=int, default=20)
    args = ap.parse_args()
    print(json.dumps(check_stress(args) if args.what == "stress" else check_fallback()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
